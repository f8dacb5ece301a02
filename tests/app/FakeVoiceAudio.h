#pragma once
/// @file FakeVoiceAudio.h
/// What the voice note tests share (tst_voice_app, tst_compliance_media_app): CI has no sound
/// card, so the app's audio goes through this backend (VoiceAudio::setFactoryForTests). Capture
/// is fed by the test; playback drains into a buffer the test compares with what was recorded.
///
/// Threading: GUI thread (the tests' main thread).

#include <QString>
#include <QTimer>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <numbers>
#include <span>
#include <vector>

#include "client/qt/VoiceAudio.h"

namespace verbatim::apptest {

/// Speech-like test sound: 220 Hz and 660 Hz, the loudness rising and falling twice a second.
inline std::vector<std::int16_t> tone(int ms) {
    std::vector<std::int16_t> pcm(std::size_t(ms) * 48);
    for (std::size_t i = 0; i < pcm.size(); ++i) {
        const double t = double(i) / 48000.0;
        const double env = 0.55 + 0.45 * std::sin(2 * std::numbers::pi * 2 * t);
        const double v = 0.7 * std::sin(2 * std::numbers::pi * 220 * t) +
                         0.3 * std::sin(2 * std::numbers::pi * 660 * t);
        pcm[i] = std::int16_t(std::lround(env * v * 0.5 * 32767));
    }
    return pcm;
}

/// The best normalised correlation of `a` and `b` over lags of up to 2 ms.
inline double correlation(const std::vector<std::int16_t>& a, const std::vector<std::int16_t>& b) {
    const std::size_t n = std::min(a.size(), b.size());
    if (n < 400) return 0;
    double best = 0;
    for (int lag = -96; lag <= 96; ++lag) {
        double xy = 0, xx = 0, yy = 0;
        for (std::size_t i = 200; i + 200 < n; ++i) {
            const double x = a[i], y = b[std::size_t(int(i) + lag)];
            xy += x * y;
            xx += x * x;
            yy += y * y;
        }
        if (xx > 0 && yy > 0) best = std::max(best, xy / std::sqrt(xx * yy));
    }
    return best;
}

/// The test's sound card: capture is fed by the test, playback drains into `played` as fast as
/// the event loop turns (in 10 ms pieces, as QAudioSink pulls).
struct FakeAudio final : qt::VoiceAudio {
    struct Shared {
        QString inputProblem;
        CaptureSink capture;
        std::vector<std::int16_t> played;
        int playbacks = 0;
        bool capturing = false;
    };
    std::shared_ptr<Shared> s;
    std::unique_ptr<QTimer> timer;
    explicit FakeAudio(std::shared_ptr<Shared> shared) : s(std::move(shared)) {}
    QString inputProblem() const override { return s->inputProblem; }
    QString startCapture(CaptureSink sink) override {
        if (!s->inputProblem.isEmpty()) return s->inputProblem;
        s->capture = std::move(sink);
        s->capturing = true;
        return {};
    }
    void stopCapture() override {
        s->capture = nullptr;
        s->capturing = false;
    }
    QString startPlayback(PlaybackSource source, std::function<void()> finished) override {
        ++s->playbacks;
        timer = std::make_unique<QTimer>();
        timer->setInterval(10); // 50 ms of sound every 10 ms: five times real time
        QObject::connect(timer.get(), &QTimer::timeout,
                         [this, source = std::move(source), finished = std::move(finished)] {
                             std::int16_t buf[480];
                             for (int i = 0; i < 5; ++i) {
                                 const std::size_t n = source(std::span(buf));
                                 if (n == 0) {
                                     timer->stop();
                                     finished();
                                     return;
                                 }
                                 s->played.insert(s->played.end(), buf, buf + n);
                             }
                         });
        timer->start();
        return {};
    }
    void stopPlayback() override {
        if (timer) timer->stop();
    }
};

} // namespace verbatim::apptest

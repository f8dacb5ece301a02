// The system's audio devices for voice notes, through Qt Multimedia (kept out of every header).
#include "client/qt/VoiceAudio.h"

#include <QAudioDevice>
#include <QAudioFormat>
#include <QAudioSink>
#include <QAudioSource>
#include <QCoreApplication>
#include <QIODevice>
#include <QMediaDevices>
#include <vector>

#include "client/media/VoiceNote.h"

namespace verbatim::qt {
namespace {

QAudioFormat voiceFormat() {
    QAudioFormat f;
    f.setSampleRate(int(media::kSampleRate));
    f.setChannelCount(1);
    f.setSampleFormat(QAudioFormat::Int16);
    return f;
}

/// What QAudioSink pulls from: the decoder, a few milliseconds at a time.
class PullDevice : public QIODevice {
public:
    explicit PullDevice(VoiceAudio::PlaybackSource source) : m_source(std::move(source)) {}
    bool atEnd() const override { return m_ended; }
    bool isSequential() const override { return true; }

protected:
    qint64 readData(char* data, qint64 maxSize) override {
        if (m_ended) return -1;
        std::span<std::int16_t> out(reinterpret_cast<std::int16_t*>(data),
                                    std::size_t(maxSize) / sizeof(std::int16_t));
        const std::size_t n = out.empty() ? 0 : m_source(out);
        if (n == 0 && !out.empty()) {
            m_ended = true;
            return -1;
        }
        return qint64(n * sizeof(std::int16_t));
    }
    qint64 writeData(const char*, qint64) override { return -1; }

private:
    VoiceAudio::PlaybackSource m_source;
    bool m_ended = false;
};

class SystemAudio final : public VoiceAudio {
public:
    QString inputProblem() const override {
        const QAudioDevice in = QMediaDevices::defaultAudioInput();
        if (in.isNull())
            return QCoreApplication::translate("VoiceAudio",
                                               "No microphone was found, so voice notes cannot be "
                                               "recorded on this computer.");
        if (!in.isFormatSupported(voiceFormat()))
            return QCoreApplication::translate("VoiceAudio",
                                               "The microphone cannot record 48 kHz mono sound.");
        return {};
    }

    QString startCapture(CaptureSink sink) override {
        if (QString problem = inputProblem(); !problem.isEmpty()) return problem;
        m_source =
            std::make_unique<QAudioSource>(QMediaDevices::defaultAudioInput(), voiceFormat());
        QIODevice* io = m_source->start();
        if (!io) {
            m_source.reset();
            return QCoreApplication::translate("VoiceAudio", "The microphone could not start.");
        }
        QObject::connect(io, &QIODevice::readyRead, io, [io, sink = std::move(sink), this] {
            const QByteArray bytes = io->readAll();
            // An odd byte stays for the next read.
            m_carry.append(bytes);
            const qsizetype whole = m_carry.size() / 2 * 2;
            sink(std::span(reinterpret_cast<const std::int16_t*>(m_carry.constData()),
                           std::size_t(whole / 2)));
            m_carry.remove(0, whole);
        });
        return {};
    }

    void stopCapture() override {
        if (m_source) m_source->stop();
        m_source.reset();
        m_carry.clear();
    }

    QString startPlayback(PlaybackSource source, std::function<void()> finished) override {
        stopPlayback();
        const QAudioDevice out = QMediaDevices::defaultAudioOutput();
        if (out.isNull())
            return QCoreApplication::translate("VoiceAudio",
                                               "No speaker or headphones were found.");
        m_device = std::make_unique<PullDevice>(std::move(source));
        m_device->open(QIODevice::ReadOnly);
        m_sink = std::make_unique<QAudioSink>(out, voiceFormat());
        QObject::connect(m_sink.get(), &QAudioSink::stateChanged, m_sink.get(),
                         [this, finished = std::move(finished)](QAudio::State s) {
                             if (s == QAudio::IdleState && m_device && m_device->atEnd())
                                 finished();
                         });
        m_sink->start(m_device.get());
        if (m_sink->error() != QAudio::NoError) {
            stopPlayback();
            return QCoreApplication::translate("VoiceAudio", "The sound could not be played.");
        }
        return {};
    }

    void stopPlayback() override {
        if (m_sink) {
            m_sink->disconnect();
            m_sink->stop();
        }
        m_sink.reset();
        m_device.reset();
    }

    ~SystemAudio() override {
        stopCapture();
        stopPlayback();
    }

private:
    std::unique_ptr<QAudioSource> m_source;
    std::unique_ptr<QAudioSink> m_sink;
    std::unique_ptr<PullDevice> m_device;
    QByteArray m_carry;
};

std::function<std::unique_ptr<VoiceAudio>()>& factory() {
    static std::function<std::unique_ptr<VoiceAudio>()> f;
    return f;
}

} // namespace

std::unique_ptr<VoiceAudio> VoiceAudio::system() {
    return std::make_unique<SystemAudio>();
}

void VoiceAudio::setFactoryForTests(std::function<std::unique_ptr<VoiceAudio>()> f) {
    factory() = std::move(f);
}

std::unique_ptr<VoiceAudio> VoiceAudio::make() {
    return factory() ? factory()() : system();
}

} // namespace verbatim::qt

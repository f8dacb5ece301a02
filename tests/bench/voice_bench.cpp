// Voice notes (issue 23, target: resident memory under 200 MiB with a 10-minute voice note
// recorded and played). Records MINUTES of synthetic speech-like PCM through the encoder in the
// 20 ms pieces an audio device delivers, then plays the note back through the decoder in the
// 10 ms pieces an audio sink pulls, and reports the times, the file size and the process's peak
// resident memory (VmHWM).
//   verbatim-voice-bench [--minutes N] [--quick]
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "SelfRss.h"
#include "client/media/VoiceNote.h"

using namespace verbatim;
using Clock = std::chrono::steady_clock;

namespace {
long peakKiB() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss; // KiB on Linux
}
double secondsSince(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}
} // namespace

int main(int argc, char** argv) {
    double minutes = 10;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--quick"))
            minutes = 0.2;
        else if (!std::strcmp(argv[i], "--minutes") && i + 1 < argc)
            minutes = std::stod(argv[++i]);
        else {
            std::fprintf(stderr, "usage: %s [--minutes N] [--quick]\n", argv[0]);
            return 2;
        }
    }
    const long startKiB = bench::rssKiB();
    const auto total = std::uint64_t(minutes * 60 * media::kSampleRate);

    // Record: a voiced buzz whose loudness comes and goes like syllables, plus a little noise.
    auto enc = media::VoiceEncoder::create();
    if (!enc) return std::fprintf(stderr, "%s\n", enc.error().message.c_str()), 1;
    std::mt19937 rng(1);
    std::normal_distribution<double> noise(0, 300);
    std::vector<std::int16_t> piece(960);
    auto t0 = Clock::now();
    for (std::uint64_t at = 0; at < total; at += piece.size()) {
        const std::size_t n = std::size_t(std::min<std::uint64_t>(piece.size(), total - at));
        for (std::size_t i = 0; i < n; ++i) {
            const double t = double(at + i) / media::kSampleRate;
            const double env = 0.5 + 0.5 * std::sin(2 * std::numbers::pi * 4 * t);
            const double v = env * (0.6 * std::sin(2 * std::numbers::pi * 140 * t) +
                                    0.3 * std::sin(2 * std::numbers::pi * 700 * t));
            piece[i] = std::int16_t(std::clamp(v * 12000 + noise(rng), -32768.0, 32767.0));
        }
        if (auto r = enc->push(std::span(piece).first(n)); !r)
            return std::fprintf(stderr, "%s\n", r.error().message.c_str()), 1;
    }
    auto file = enc->finish();
    if (!file) return std::fprintf(stderr, "%s\n", file.error().message.c_str()), 1;
    const double recordS = secondsSince(t0);
    const long afterRecordKiB = peakKiB();

    // Play: open (checks every page) and pull 10 ms at a time until the end.
    t0 = Clock::now();
    auto dec = media::VoiceDecoder::open(*file);
    if (!dec) return std::fprintf(stderr, "%s\n", dec.error().message.c_str()), 1;
    std::vector<std::int16_t> out(480);
    std::uint64_t played = 0;
    for (;;) {
        auto n = dec->read(out);
        if (!n) return std::fprintf(stderr, "%s\n", n.error().message.c_str()), 1;
        if (!*n) break;
        played += *n;
    }
    const double playS = secondsSince(t0);
    const long peak = peakKiB();

    std::printf("voice note: %.1f min, %zu bytes Ogg Opus (%.1f kbit/s), duration %u ms\n", minutes,
                file->size(), double(file->size()) * 8 / (minutes * 60) / 1000,
                dec->info().durationMs);
    std::printf("record (encode):  %.2f s (%.0fx real time)\n", recordS, minutes * 60 / recordS);
    std::printf("play (decode):    %.2f s (%.0fx real time)\n", playS, minutes * 60 / playS);
    std::printf("resident memory:  start %.1f MiB, peak after recording %.1f MiB, peak %.1f MiB "
                "(target < 200 MiB)\n",
                startKiB / 1024.0, afterRecordKiB / 1024.0, peak / 1024.0);
    if (played != total) {
        std::fprintf(stderr, "played %llu samples of %llu\n", (unsigned long long)played,
                     (unsigned long long)total);
        return 1;
    }
    return peak / 1024.0 < 200 ? 0 : 1;
}

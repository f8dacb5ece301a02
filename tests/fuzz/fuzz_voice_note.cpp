// Voice notes (client/media/VoiceNote): an Ogg Opus file another party recorded, opened and
// decoded the way the app plays it and the compliance tool exports it.

#include <array>

#include "FuzzTarget.h"
#include "client/media/VoiceNote.h"

using namespace verbatim;
using verbatim::fuzz::fuzzCheck;

VERBATIM_FUZZ_TARGET(voice_note) {
    auto dec = media::VoiceDecoder::open(ByteView(data, size));
    if (!dec) {
        fuzzCheck(!dec.error().message.empty(), "a refused voice note has no reason");
        return 0;
    }
    const auto& info = dec->info();
    fuzzCheck(info.channels == 1 || info.channels == 2, "a channel count past stereo accepted");
    fuzzCheck(info.durationMs <= media::kMaxDurationMs + 2000, "a note past 15 minutes accepted");
    fuzzCheck(info.durationMs == info.samples * 1000 / media::kSampleRate,
              "duration and samples disagree");
    // Decode it all (as playback does, in pieces): never more samples than the info promised.
    std::array<std::int16_t, 2048> buf{};
    std::uint64_t total = 0;
    for (;;) {
        auto n = dec->read(buf);
        if (!n) {
            fuzzCheck(!n.error().message.empty(), "a decoding failure has no reason");
            return 0;
        }
        if (*n == 0) break;
        total += *n;
        fuzzCheck(total <= info.samples, "decoded past the last granule position");
    }
    fuzzCheck(total == info.samples, "decoded fewer samples than the stream held");
    return 0;
}

#pragma once
/// @file VoiceNote.h
/// Voice notes (issue 23): mono 48 kHz 16-bit PCM encoded with Opus into an Ogg Opus file
/// (RFC 7845, media type audio/ogg), and such a file checked and decoded back to PCM.
///
/// The Ogg framing is our own (a writer and a bounded reader, both here); Opus itself is libopus.
/// Every file that reaches the reader came from another party, so the reader trusts nothing in
/// it: each page's CRC, the single logical stream, the page sequence, the packet sizes, the
/// channel count and the granule positions are checked, no allocation is sized by a field of the
/// file, and a bad file gives an ErrorCode::Malformed or Unsupported with a plain reason (never
/// the content). No Qt here: the app, the tests, the bench and the compliance tool all use it.
///
/// Threading: each object is used by one thread at a time; distinct objects are independent.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/Bytes.h"
#include "common/Result.h"

namespace verbatim::media {

/// Samples per second of every PCM buffer here (Opus's own rate).
inline constexpr std::uint32_t kSampleRate = 48000;
/// The longest voice note a sender records and a receiver accepts: 15 minutes.
inline constexpr std::uint32_t kMaxDurationMs = 15 * 60 * 1000;
/// The largest Ogg Opus file the reader opens (15 minutes at up to ~140 kbit/s).
inline constexpr std::size_t kMaxFileBytes = 16u << 20;
/// The largest single Opus packet the reader reassembles (RFC 6716 allows at most 1275 bytes
/// per frame and 48 frames per packet; 64 KiB covers that and a generous OpusTags).
inline constexpr std::size_t kMaxPacketBytes = 64u << 10;
/// Waveform: one peak byte (0..255) per bar; a sender makes kWaveformBars, a receiver keeps at
/// most kMaxWaveformBytes.
inline constexpr std::size_t kWaveformBars = 64;
inline constexpr std::size_t kMaxWaveformBytes = 256;
/// The media type of a voice note.
inline constexpr const char* kVoiceMimeType = "audio/ogg";

/// A received duration hint (AttachmentRef.duration_ms) as shown: at most kMaxDurationMs.
std::uint32_t clampDurationMs(std::uint64_t durationMs) noexcept;
/// A received waveform hint (AttachmentRef.waveform) as kept: at most kMaxWaveformBytes bytes.
Bytes clampWaveform(ByteView waveform);

/// Peak levels of `pcm` in `bars` equal slices, each 0..255 (0 for silence). Empty for empty
/// input; at most `bars` bytes.
Bytes waveformOf(std::span<const std::int16_t> pcm, std::size_t bars = kWaveformBars);

/// Streams PCM into an Ogg Opus file held in memory (about 3 KB per second at the default
/// 24 kbit/s, so 15 minutes stay under 3 MB). Also keeps the waveform as it goes, in bounded
/// memory, so that a long recording never needs its PCM kept.
class VoiceEncoder {
public:
    /// A new encoder (mono, 48 kHz, Opus VOIP mode) at `bitrate` bits per second (6000..128000).
    [[nodiscard]] static Result<VoiceEncoder> create(std::uint32_t bitrate = 24000);
    VoiceEncoder(VoiceEncoder&&) noexcept;
    VoiceEncoder& operator=(VoiceEncoder&&) noexcept;
    ~VoiceEncoder();

    /// Appends mono 48 kHz samples. Fails (and takes nothing) once kMaxDurationMs would be passed.
    [[nodiscard]] Result<void> push(std::span<const std::int16_t> pcm);
    /// Encodes what is buffered, writes the last page and returns the whole file. The encoder is
    /// spent afterwards. Fails for a recording with no samples.
    [[nodiscard]] Result<Bytes> finish();
    /// Samples pushed so far and their length in milliseconds.
    std::uint64_t samples() const noexcept;
    std::uint32_t durationMs() const noexcept;
    /// The recording's waveform so far: kWaveformBars bytes once 640 ms were pushed (one bar per
    /// 10 ms before that).
    Bytes waveform() const;

private:
    struct State;
    explicit VoiceEncoder(std::unique_ptr<State> s);
    std::unique_ptr<State> m;
};

/// What the reader found in a file before decoding any audio.
struct VoiceInfo {
    std::uint32_t channels = 1;   ///< in the stream (decoded to mono all the same)
    std::uint32_t preSkip = 0;    ///< samples dropped at the start (RFC 7845, 4.2)
    std::uint32_t inputRate = 0;  ///< the sender's original rate, information only
    std::uint64_t samples = 0;    ///< playable samples at 48 kHz, from the last granule position
    std::uint32_t durationMs = 0; ///< the same in milliseconds
    std::size_t audioPackets = 0; ///< Opus packets after the two headers
};

/// Checks and decodes one Ogg Opus file, in pieces (read()) so that playback holds a few
/// milliseconds of PCM at a time, never the whole note. open() walks every page once (CRC,
/// stream, sequence, packet and granule checks) without decoding.
class VoiceDecoder {
public:
    /// Opens `file` (the decoder keeps its own copy). Malformed / Unsupported with the reason.
    [[nodiscard]] static Result<VoiceDecoder> open(ByteView file);
    VoiceDecoder(VoiceDecoder&&) noexcept;
    VoiceDecoder& operator=(VoiceDecoder&&) noexcept;
    ~VoiceDecoder();

    const VoiceInfo& info() const noexcept;
    /// Decodes up to `out.size()` mono samples into `out`: the count written, 0 at the end.
    /// Fails if a packet does not decode or the stream holds fewer samples than its last
    /// granule position claims (a lying granule).
    [[nodiscard]] Result<std::size_t> read(std::span<std::int16_t> out);
    /// Samples handed out by read() so far.
    std::uint64_t position() const noexcept;
    /// Back to the start (for playing again).
    void rewind();

private:
    struct State;
    explicit VoiceDecoder(std::unique_ptr<State> s);
    std::unique_ptr<State> m;
};

/// What a sender puts beside a voice note in its AttachmentRef: the length from the file's last
/// granule position and the waveform from its decoded samples (decoded in pieces: bounded
/// memory whatever the length). Fails like VoiceDecoder::open for a file that is not one.
struct VoiceSummary {
    std::uint32_t durationMs = 0;
    Bytes waveform; ///< kWaveformBars bytes (fewer for a note under 640 ms)
};
[[nodiscard]] Result<VoiceSummary> summarizeVoiceNote(ByteView file);

/// The whole file decoded at once (tests, short notes): mono 48 kHz samples.
[[nodiscard]] Result<std::vector<std::int16_t>> decodeVoiceNote(ByteView file);

} // namespace verbatim::media

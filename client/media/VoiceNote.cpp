// Voice notes: Ogg Opus (RFC 7845) written and read by our own framing code over libopus.
#include "client/media/VoiceNote.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <opus.h>
#include <random>
#include <string>

namespace verbatim::media {
namespace {

constexpr std::uint32_t kFrameSamples = 960;      // 20 ms at 48 kHz, what we encode
constexpr std::uint32_t kMaxPacketSamples = 5760; // 120 ms, the longest Opus packet
constexpr std::size_t kPacketsPerPage = 50;       // about one second of audio per page
constexpr std::uint32_t kPeakBlockSamples = 480;  // waveform blocks of 10 ms
constexpr std::uint64_t kMaxSamples = std::uint64_t(kMaxDurationMs) * (kSampleRate / 1000);
// A reader accepts a little over 15 minutes: the sender pads its last frame and adds the
// encoder's look-ahead, and another implementation may frame differently.
constexpr std::uint64_t kMaxStreamSamples = kMaxSamples + 2 * kSampleRate;

// The Ogg CRC: polynomial 0x04c11db7, most significant bit first, no reflection, initial 0.
const std::array<std::uint32_t, 256>& crcTable() {
    static const auto table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t r = i << 24;
            for (int b = 0; b < 8; ++b)
                r = (r & 0x80000000u) ? (r << 1) ^ 0x04c11db7u : (r << 1);
            t[i] = r;
        }
        return t;
    }();
    return table;
}

std::uint32_t oggCrc(const std::uint8_t* p, std::size_t n, std::uint32_t crc = 0) {
    const auto& t = crcTable();
    for (std::size_t i = 0; i < n; ++i)
        crc = (crc << 8) ^ t[((crc >> 24) ^ p[i]) & 0xff];
    return crc;
}

void putLe(Bytes& out, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i)
        out.push_back(std::uint8_t(v >> (8 * i)));
}
std::uint64_t getLe(const std::uint8_t* p, int bytes) {
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i)
        v = (v << 8) | p[i];
    return v;
}

std::string opusText(int code) {
    return opus_strerror(code);
}

struct EncoderDeleter {
    void operator()(OpusEncoder* e) const noexcept { opus_encoder_destroy(e); }
};
struct DecoderDeleter {
    void operator()(OpusDecoder* d) const noexcept { opus_decoder_destroy(d); }
};

} // namespace

std::uint32_t clampDurationMs(std::uint64_t durationMs) noexcept {
    return std::uint32_t(std::min<std::uint64_t>(durationMs, kMaxDurationMs));
}

Bytes clampWaveform(ByteView waveform) {
    return Bytes(waveform.begin(),
                 waveform.begin() + std::ptrdiff_t(std::min(waveform.size(), kMaxWaveformBytes)));
}

namespace {
std::uint8_t peakByte(int peak) {
    // Square root: quiet speech still draws visibly, loud speech does not saturate.
    const double level = std::sqrt(std::min(1.0, double(peak) / 32768.0));
    return std::uint8_t(std::lround(level * 255.0));
}

// Peaks of slices of `peaks` (each already a slice's peak) into `bars` bytes.
Bytes barsOf(const std::vector<int>& peaks, std::size_t bars) {
    Bytes out;
    if (peaks.empty() || bars == 0) return out;
    bars = std::min(bars, peaks.size());
    out.reserve(bars);
    for (std::size_t b = 0; b < bars; ++b) {
        const std::size_t from = b * peaks.size() / bars;
        const std::size_t to = std::max(from + 1, (b + 1) * peaks.size() / bars);
        out.push_back(peakByte(*std::max_element(peaks.begin() + std::ptrdiff_t(from),
                                                 peaks.begin() + std::ptrdiff_t(to))));
    }
    return out;
}
} // namespace

Bytes waveformOf(std::span<const std::int16_t> pcm, std::size_t bars) {
    std::vector<int> peaks;
    const std::size_t slices = std::min(bars, pcm.size());
    for (std::size_t b = 0; b < slices; ++b) {
        const std::size_t from = b * pcm.size() / slices;
        const std::size_t to = (b + 1) * pcm.size() / slices;
        int peak = 0;
        for (std::size_t i = from; i < to; ++i)
            peak = std::max(peak, std::abs(int(pcm[i])));
        peaks.push_back(peak);
    }
    return barsOf(peaks, bars);
}

// ---- encoder -----------------------------------------------------------------------------------

struct VoiceEncoder::State {
    std::unique_ptr<OpusEncoder, EncoderDeleter> enc;
    std::uint32_t preSkip = 0;
    std::uint32_t serial = 0;
    std::uint32_t pageSeq = 0;
    std::vector<std::int16_t> frame;  // < one frame of samples not yet encoded
    std::vector<Bytes> pagePackets;   // encoded packets waiting for their page
    std::uint64_t encodedSamples = 0; // samples (padding included) in packets so far
    std::uint64_t pushed = 0;         // real samples pushed
    std::vector<int> peaks;           // one per kPeakBlockSamples, for the waveform
    int blockPeak = 0;
    std::uint32_t blockFill = 0;
    Bytes out;
    bool finished = false;

    void writePage(std::uint8_t flags, std::uint64_t granule, const std::vector<Bytes>& packets) {
        Bytes lacing;
        std::size_t body = 0;
        for (const auto& p : packets) {
            for (std::size_t n = p.size();; n -= 255) {
                if (n < 255) {
                    lacing.push_back(std::uint8_t(n));
                    break;
                }
                lacing.push_back(255);
            }
            body += p.size();
        }
        const std::size_t start = out.size();
        const char magic[] = "OggS";
        out.insert(out.end(), magic, magic + 4);
        out.push_back(0); // version
        out.push_back(flags);
        putLe(out, granule, 8);
        putLe(out, serial, 4);
        putLe(out, pageSeq++, 4);
        putLe(out, 0, 4); // CRC, filled below
        out.push_back(std::uint8_t(lacing.size()));
        out.insert(out.end(), lacing.begin(), lacing.end());
        out.reserve(out.size() + body);
        for (const auto& p : packets)
            out.insert(out.end(), p.begin(), p.end());
        const std::uint32_t crc = oggCrc(out.data() + start, out.size() - start);
        for (int i = 0; i < 4; ++i)
            out[start + 22 + std::size_t(i)] = std::uint8_t(crc >> (8 * i));
    }

    std::size_t pendingSegments() const {
        std::size_t n = 0;
        for (const auto& p : pagePackets)
            n += p.size() / 255 + 1;
        return n;
    }

    Result<void> encodeFrame() {
        std::array<std::uint8_t, 1500> packet{};
        const int n = opus_encode(enc.get(), frame.data(), int(kFrameSamples), packet.data(),
                                  int(packet.size()));
        if (n < 0) return fail(ErrorCode::Internal, "Opus encoding failed: " + opusText(n), n);
        frame.clear();
        if (pendingSegments() + std::size_t(n) / 255 + 1 > 255 ||
            pagePackets.size() >= kPacketsPerPage) {
            writePage(0, encodedSamples, pagePackets);
            pagePackets.clear();
        }
        pagePackets.emplace_back(packet.begin(), packet.begin() + n);
        encodedSamples += kFrameSamples;
        return {};
    }

    void notePeaks(std::span<const std::int16_t> pcm) {
        for (auto s : pcm) {
            blockPeak = std::max(blockPeak, std::abs(int(s)));
            if (++blockFill == kPeakBlockSamples) {
                peaks.push_back(blockPeak);
                blockPeak = 0;
                blockFill = 0;
            }
        }
    }
};

VoiceEncoder::VoiceEncoder(std::unique_ptr<State> s) : m(std::move(s)) {}
VoiceEncoder::VoiceEncoder(VoiceEncoder&&) noexcept = default;
VoiceEncoder& VoiceEncoder::operator=(VoiceEncoder&&) noexcept = default;
VoiceEncoder::~VoiceEncoder() = default;

Result<VoiceEncoder> VoiceEncoder::create(std::uint32_t bitrate) {
    if (bitrate < 6000 || bitrate > 128000)
        return fail(ErrorCode::InvalidArgument, "voice bitrate out of range (6000..128000)");
    auto s = std::make_unique<State>();
    int err = 0;
    s->enc.reset(opus_encoder_create(int(kSampleRate), 1, OPUS_APPLICATION_VOIP, &err));
    if (err != OPUS_OK || !s->enc)
        return fail(ErrorCode::Internal, "cannot start the Opus encoder: " + opusText(err), err);
    opus_encoder_ctl(s->enc.get(), OPUS_SET_BITRATE(opus_int32(bitrate)));
    opus_encoder_ctl(s->enc.get(), OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
    opus_int32 lookahead = 0;
    opus_encoder_ctl(s->enc.get(), OPUS_GET_LOOKAHEAD(&lookahead));
    s->preSkip = std::uint32_t(std::max<opus_int32>(lookahead, 0));
    s->serial = std::random_device{}();
    s->frame.reserve(kFrameSamples);

    // OpusHead (RFC 7845, 5.1): version 1, mono, pre-skip, input rate, gain 0, mapping family 0.
    Bytes head;
    const char magic[] = "OpusHead";
    head.insert(head.end(), magic, magic + 8);
    head.push_back(1);
    head.push_back(1);
    putLe(head, s->preSkip, 2);
    putLe(head, kSampleRate, 4);
    putLe(head, 0, 2);
    head.push_back(0);
    s->writePage(0x02, 0, {head});
    // OpusTags (5.2): our vendor string, no comments (nothing about the speaker or the matter).
    Bytes tags;
    const char tagMagic[] = "OpusTags";
    const std::string vendor = "Verbatim";
    tags.insert(tags.end(), tagMagic, tagMagic + 8);
    putLe(tags, vendor.size(), 4);
    tags.insert(tags.end(), vendor.begin(), vendor.end());
    putLe(tags, 0, 4);
    s->writePage(0, 0, {tags});
    return VoiceEncoder(std::move(s));
}

Result<void> VoiceEncoder::push(std::span<const std::int16_t> pcm) {
    if (!m || m->finished) return fail(ErrorCode::InvalidArgument, "the recording is finished");
    if (m->pushed + pcm.size() > kMaxSamples)
        return fail(ErrorCode::InvalidArgument, "a voice note is at most 15 minutes long");
    m->notePeaks(pcm);
    m->pushed += pcm.size();
    while (!pcm.empty()) {
        const std::size_t take = std::min<std::size_t>(kFrameSamples - m->frame.size(), pcm.size());
        m->frame.insert(m->frame.end(), pcm.begin(), pcm.begin() + std::ptrdiff_t(take));
        pcm = pcm.subspan(take);
        if (m->frame.size() == kFrameSamples) {
            if (auto r = m->encodeFrame(); !r) return r;
        }
    }
    return {};
}

Result<Bytes> VoiceEncoder::finish() {
    if (!m || m->finished) return fail(ErrorCode::InvalidArgument, "the recording is finished");
    if (m->pushed == 0) return fail(ErrorCode::InvalidArgument, "nothing was recorded");
    m->finished = true;
    // Silence until every real sample has left the encoder's look-ahead; the last granule
    // position then trims the padding (RFC 7845, 4.4).
    const std::uint64_t granule = m->preSkip + m->pushed;
    while (m->encodedSamples < granule || !m->frame.empty()) {
        m->frame.resize(kFrameSamples, 0);
        if (auto r = m->encodeFrame(); !r) return tl::unexpected(r.error());
    }
    m->writePage(0x04, granule, m->pagePackets);
    m->pagePackets.clear();
    if (m->blockFill) m->peaks.push_back(m->blockPeak);
    return std::move(m->out);
}

std::uint64_t VoiceEncoder::samples() const noexcept {
    return m ? m->pushed : 0;
}

std::uint32_t VoiceEncoder::durationMs() const noexcept {
    return std::uint32_t(samples() * 1000 / kSampleRate);
}

Bytes VoiceEncoder::waveform() const {
    if (!m) return {};
    auto peaks = m->peaks;
    if (m->blockFill && !m->finished) peaks.push_back(m->blockPeak);
    return barsOf(peaks, kWaveformBars);
}

// ---- reader ------------------------------------------------------------------------------------

struct VoiceDecoder::State {
    VoiceInfo info;
    Bytes packetData;                   // every audio packet, back to back
    std::vector<std::uint32_t> offsets; // packet i is [offsets[i], offsets[i + 1])
    std::int16_t gainQ8 = 0;
    std::unique_ptr<OpusDecoder, DecoderDeleter> dec;
    std::size_t next = 0;          // next packet to decode
    std::vector<std::int16_t> pcm; // decoded, not yet handed out
    std::size_t pcmAt = 0;
    std::uint64_t skipped = 0; // of info.preSkip
    std::uint64_t emitted = 0;

    Result<void> reset() {
        int err = 0;
        dec.reset(opus_decoder_create(int(kSampleRate), 1, &err));
        if (err != OPUS_OK || !dec)
            return fail(ErrorCode::Internal, "cannot start the Opus decoder: " + opusText(err),
                        err);
        if (gainQ8) opus_decoder_ctl(dec.get(), OPUS_SET_GAIN(gainQ8));
        next = 0;
        pcm.clear();
        pcmAt = 0;
        skipped = 0;
        emitted = 0;
        return {};
    }
};

VoiceDecoder::VoiceDecoder(std::unique_ptr<State> s) : m(std::move(s)) {}
VoiceDecoder::VoiceDecoder(VoiceDecoder&&) noexcept = default;
VoiceDecoder& VoiceDecoder::operator=(VoiceDecoder&&) noexcept = default;
VoiceDecoder::~VoiceDecoder() = default;

namespace {
tl::unexpected<Error> bad(const std::string& why) {
    return fail(ErrorCode::Malformed, "not a valid voice note: " + why);
}
} // namespace

Result<VoiceDecoder> VoiceDecoder::open(ByteView file) {
    if (file.size() > kMaxFileBytes)
        return fail(ErrorCode::Unsupported, "the voice note file is larger than 16 MiB");
    auto s = std::make_unique<State>();
    s->offsets.push_back(0);
    Bytes packet;      // the packet being reassembled (may span pages)
    bool open = false; // `packet` continues on the next page
    std::size_t packetIndex = 0;
    std::size_t pos = 0;
    std::uint32_t serial = 0, expectSeq = 0;
    bool eos = false;
    std::uint64_t total = 0;       // samples in complete audio packets so far
    std::int64_t lastGranule = -1; // of the last page that completed a packet

    while (pos < file.size()) {
        if (eos) return bad("data after the last page");
        if (file.size() - pos < 27) return bad("the file ends inside a page header");
        const std::uint8_t* h = file.data() + pos;
        const bool isPage = std::memcmp(h, "OggS", 4) == 0; // ct-ok: a public magic
        if (!isPage) return bad("no Ogg page where one should start");
        if (h[4] != 0) return fail(ErrorCode::Unsupported, "unknown Ogg version");
        const std::uint8_t flags = h[5];
        if (flags & ~0x07u) return bad("unknown page flags");
        const std::uint64_t granule = getLe(h + 6, 8);
        const auto pageSerial = std::uint32_t(getLe(h + 14, 4));
        const auto seq = std::uint32_t(getLe(h + 18, 4));
        const auto crc = std::uint32_t(getLe(h + 22, 4));
        const std::size_t segments = h[26];
        if (file.size() - pos < 27 + segments) return bad("the file ends inside a page header");
        std::size_t body = 0;
        for (std::size_t i = 0; i < segments; ++i)
            body += h[27 + i];
        const std::size_t pageSize = 27 + segments + body;
        if (file.size() - pos < pageSize) return bad("the file ends inside a page");
        std::uint32_t check = oggCrc(h, 22);
        const std::uint8_t zero[4] = {0, 0, 0, 0};
        check = oggCrc(zero, 4, check);
        check = oggCrc(h + 26, pageSize - 26, check);
        if (check != crc) return bad("a page's checksum does not match");
        const bool first = pos == 0;
        if (first != bool(flags & 0x02)) return bad("the stream does not begin exactly once");
        if (first)
            serial = pageSerial;
        else if (pageSerial != serial)
            return fail(ErrorCode::Unsupported, "more than one stream in the file");
        if (seq != expectSeq) return bad("a page is missing or out of order");
        ++expectSeq;
        if (bool(flags & 0x01) != open) return bad("a packet's continuation does not match");
        eos = flags & 0x04;

        const std::uint8_t* data = h + 27 + segments;
        const bool audioPage = packetIndex >= 2;
        bool completed = false;
        for (std::size_t i = 0; i < segments; ++i) {
            const std::size_t len = h[27 + i];
            if (packet.size() + len > kMaxPacketBytes) return bad("a packet is too large");
            packet.insert(packet.end(), data, data + len);
            data += len;
            open = len == 255;
            if (open) continue;
            completed = true;
            // A whole packet.
            if (packetIndex == 0) {
                if (packet.size() < 19 ||
                    std::memcmp(packet.data(), "OpusHead", 8) != 0) // ct-ok: a public magic
                    return bad("the first packet is not an Opus header");
                if ((packet[8] >> 4) != 0)
                    return fail(ErrorCode::Unsupported, "unknown Opus header version");
                const std::uint32_t channels = packet[9];
                if (channels == 0) return bad("zero channels");
                if (packet[18] != 0 || channels > 2)
                    return fail(ErrorCode::Unsupported,
                                "only mono and stereo voice notes are supported (" +
                                    std::to_string(channels) + " channels)");
                s->info.channels = channels;
                s->info.preSkip = std::uint32_t(getLe(packet.data() + 10, 2));
                s->info.inputRate = std::uint32_t(getLe(packet.data() + 12, 4));
                s->gainQ8 = std::int16_t(std::uint16_t(getLe(packet.data() + 16, 2)));
                if (i + 1 != segments) return bad("the Opus header page holds more");
            } else if (packetIndex == 1) {
                if (packet.size() < 16 ||
                    std::memcmp(packet.data(), "OpusTags", 8) != 0) // ct-ok: a public magic
                    return bad("the second packet is not an Opus tags header");
                if (i + 1 != segments) return bad("the Opus tags page holds more");
            } else {
                const int n = opus_packet_get_nb_samples(packet.data(), opus_int32(packet.size()),
                                                         opus_int32(kSampleRate));
                if (n <= 0 || std::uint32_t(n) > kMaxPacketSamples)
                    return bad("an audio packet is not Opus");
                total += std::uint32_t(n);
                if (total > kMaxStreamSamples + s->info.preSkip)
                    return fail(ErrorCode::Unsupported, "a voice note is at most 15 minutes long");
                s->packetData.insert(s->packetData.end(), packet.begin(), packet.end());
                s->offsets.push_back(std::uint32_t(s->packetData.size()));
            }
            ++packetIndex;
            packet.clear();
        }
        if (!audioPage) {
            if (granule != 0) return bad("a header page has a granule position");
        } else if (completed) {
            // A granule position counts the samples (pre-skip included) up to the end of the
            // last packet that completes on the page: it never exceeds what is there (a lying
            // granule), and it never goes back.
            if (granule > total) return bad("a page claims more audio than it holds");
            if (std::int64_t(granule) < lastGranule) return bad("the granule position goes back");
            lastGranule = std::int64_t(granule);
        } else if (granule != ~std::uint64_t(0)) {
            return bad("a page without a finished packet has a granule position");
        }
        pos += pageSize;
    }
    if (packetIndex < 2) return bad("the Opus headers are missing");
    if (!eos || open) return bad("the file ends early (truncated)");
    if (lastGranule < std::int64_t(s->info.preSkip))
        return bad("the stream holds no audio after its pre-skip");
    s->info.samples = std::uint64_t(lastGranule) - s->info.preSkip;
    if (s->info.samples > kMaxStreamSamples)
        return fail(ErrorCode::Unsupported, "a voice note is at most 15 minutes long");
    s->info.durationMs = std::uint32_t(s->info.samples * 1000 / kSampleRate);
    s->info.audioPackets = s->offsets.size() - 1;
    s->packetData.shrink_to_fit();
    if (auto r = s->reset(); !r) return tl::unexpected(r.error());
    return VoiceDecoder(std::move(s));
}

const VoiceInfo& VoiceDecoder::info() const noexcept {
    return m->info;
}
std::uint64_t VoiceDecoder::position() const noexcept {
    return m->emitted;
}

void VoiceDecoder::rewind() {
    (void)m->reset();
}

Result<std::size_t> VoiceDecoder::read(std::span<std::int16_t> out) {
    std::size_t written = 0;
    while (written < out.size() && m->emitted < m->info.samples) {
        if (m->pcmAt == m->pcm.size()) {
            if (m->next + 1 >= m->offsets.size())
                return bad("the stream holds fewer samples than its granule position claims");
            const std::uint32_t from = m->offsets[m->next], to = m->offsets[m->next + 1];
            ++m->next;
            m->pcm.resize(kMaxPacketSamples);
            const int n =
                opus_decode(m->dec.get(), m->packetData.data() + from, opus_int32(to - from),
                            m->pcm.data(), int(kMaxPacketSamples), 0);
            if (n < 0) return fail(ErrorCode::Malformed, "an audio packet does not decode", n);
            m->pcm.resize(std::size_t(n));
            m->pcmAt = 0;
            // Pre-skip: the encoder's look-ahead at the start is not audio.
            const std::uint64_t skip =
                std::min<std::uint64_t>(m->info.preSkip - m->skipped, m->pcm.size());
            m->skipped += skip;
            m->pcmAt = std::size_t(skip);
            continue;
        }
        const std::size_t take = std::size_t(std::min<std::uint64_t>(
            {out.size() - written, m->pcm.size() - m->pcmAt, m->info.samples - m->emitted}));
        std::copy_n(m->pcm.begin() + std::ptrdiff_t(m->pcmAt), take,
                    out.begin() + std::ptrdiff_t(written));
        m->pcmAt += take;
        written += take;
        m->emitted += take;
    }
    return written;
}

Result<VoiceSummary> summarizeVoiceNote(ByteView file) {
    auto dec = VoiceDecoder::open(file);
    if (!dec) return tl::unexpected(dec.error());
    VoiceSummary out;
    out.durationMs = dec->info().durationMs;
    std::vector<int> peaks; // one per 10 ms: at most 90,000 for 15 minutes
    std::array<std::int16_t, kPeakBlockSamples> block{};
    for (;;) {
        auto n = dec->read(block);
        if (!n) return tl::unexpected(n.error());
        if (*n == 0) break;
        int peak = 0;
        for (std::size_t i = 0; i < *n; ++i)
            peak = std::max(peak, std::abs(int(block[i])));
        peaks.push_back(peak);
    }
    out.waveform = barsOf(peaks, kWaveformBars);
    return out;
}

Result<std::vector<std::int16_t>> decodeVoiceNote(ByteView file) {
    auto dec = VoiceDecoder::open(file);
    if (!dec) return tl::unexpected(dec.error());
    // Grown as it decodes: the size comes from the audio really there, not from a header.
    std::vector<std::int16_t> pcm;
    std::array<std::int16_t, 4800> chunk{};
    for (;;) {
        auto n = dec->read(chunk);
        if (!n) return tl::unexpected(n.error());
        if (*n == 0) break;
        pcm.insert(pcm.end(), chunk.begin(), chunk.begin() + std::ptrdiff_t(*n));
    }
    return pcm;
}

} // namespace verbatim::media

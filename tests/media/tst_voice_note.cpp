// Voice notes' codec (client/media/VoiceNote): a synthesized tone survives encoding, and hostile
// Ogg Opus files are refused with a reason, never a crash or an allocation they size
// (TESTPLAN C-VOICE-1..3).
#include <QTest>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <numbers>

#include "client/media/VoiceNote.h"

using namespace verbatim;
using namespace verbatim::media;

namespace {

// A test's own Ogg page writer (CRC included), to craft files the encoder would never make.
std::uint32_t crc(const Bytes& b) {
    std::uint32_t c = 0;
    for (auto byte : b) {
        c ^= std::uint32_t(byte) << 24;
        for (int i = 0; i < 8; ++i)
            c = (c & 0x80000000u) ? (c << 1) ^ 0x04c11db7u : (c << 1);
    }
    return c;
}

void le(Bytes& out, std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i)
        out.push_back(std::uint8_t(v >> (8 * i)));
}

// One page holding `lacing` segment sizes over `body` (the caller keeps them consistent, or not).
Bytes page(std::uint8_t flags, std::uint64_t granule, std::uint32_t seq, const Bytes& lacing,
           const Bytes& body, std::uint32_t serial = 7) {
    Bytes p{'O', 'g', 'g', 'S', 0, flags};
    le(p, granule, 8);
    le(p, serial, 4);
    le(p, seq, 4);
    le(p, 0, 4);
    p.push_back(std::uint8_t(lacing.size()));
    p.insert(p.end(), lacing.begin(), lacing.end());
    p.insert(p.end(), body.begin(), body.end());
    const auto c = crc(p);
    for (int i = 0; i < 4; ++i)
        p[22 + std::size_t(i)] = std::uint8_t(c >> (8 * i));
    return p;
}

Bytes lacingOf(std::size_t size) {
    Bytes l(size / 255, 255);
    l.push_back(std::uint8_t(size % 255));
    return l;
}

Bytes opusHead(std::uint8_t channels, std::uint8_t family = 0) {
    Bytes h{'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, channels};
    le(h, 312, 2);
    le(h, 48000, 4);
    le(h, 0, 2);
    h.push_back(family);
    if (family != 0) {
        h.push_back(1); // streams
        h.push_back(0); // coupled
        for (int i = 0; i < channels; ++i)
            h.push_back(0);
    }
    return h;
}

Bytes opusTags() {
    Bytes t{'O', 'p', 'u', 's', 'T', 'a', 'g', 's'};
    le(t, 0, 4);
    le(t, 0, 4);
    return t;
}

// The two header pages of a crafted file.
Bytes headers(std::uint8_t channels = 1, std::uint8_t family = 0) {
    auto head = opusHead(channels, family);
    Bytes f = page(0x02, 0, 0, lacingOf(head.size()), head);
    auto tags = opusTags();
    auto t = page(0, 0, 1, lacingOf(tags.size()), tags);
    f.insert(f.end(), t.begin(), t.end());
    return f;
}

// `ms` of a tone (440 Hz and 1250 Hz, like a voice's fundamental and a formant) at 48 kHz.
std::vector<std::int16_t> tone(int ms, double amplitude = 0.4) {
    std::vector<std::int16_t> pcm(std::size_t(ms) * 48);
    for (std::size_t i = 0; i < pcm.size(); ++i) {
        const double t = double(i) / 48000.0;
        const double v = 0.7 * std::sin(2 * std::numbers::pi * 440 * t) +
                         0.3 * std::sin(2 * std::numbers::pi * 1250 * t);
        pcm[i] = std::int16_t(std::lround(v * amplitude * 32767));
    }
    return pcm;
}

Bytes encode(std::span<const std::int16_t> pcm) {
    auto enc = VoiceEncoder::create();
    if (!enc) qFatal("encoder: %s", enc.error().message.c_str());
    if (!enc->push(pcm)) qFatal("push failed");
    auto file = enc->finish();
    if (!file) qFatal("finish: %s", file.error().message.c_str());
    return *file;
}

// Where the last page starts.
std::size_t lastPage(const Bytes& f) {
    for (std::size_t i = f.size() - 4; i > 0; --i)
        if (std::memcmp(f.data() + i, "OggS", 4) == 0) return i;
    return 0;
}

void refreshCrc(Bytes& f, std::size_t at) {
    std::size_t segs = f[at + 26], body = 0;
    for (std::size_t i = 0; i < segs; ++i)
        body += f[at + 27 + i];
    Bytes p(f.begin() + std::ptrdiff_t(at), f.begin() + std::ptrdiff_t(at + 27 + segs + body));
    std::fill_n(p.begin() + 22, 4, std::uint8_t(0));
    const auto c = crc(p);
    for (int i = 0; i < 4; ++i)
        f[at + 22 + std::size_t(i)] = std::uint8_t(c >> (8 * i));
}

} // namespace

class TestVoiceNote : public QObject {
    Q_OBJECT
private slots:
    // C-VOICE-1: tone -> Ogg Opus -> PCM: the duration within 20 ms and the signal kept.
    void toneSurvivesEncodeAndDecode() {
        const auto pcm = tone(1500);
        auto enc = VoiceEncoder::create();
        QVERIFY(enc);
        // In uneven pieces, as an audio device delivers them.
        for (std::size_t at = 0; at < pcm.size();) {
            const std::size_t n = std::min<std::size_t>(pcm.size() - at, 1234);
            QVERIFY(enc->push(std::span(pcm).subspan(at, n)));
            at += n;
        }
        QCOMPARE(enc->durationMs(), 1500u);
        auto file = enc->finish();
        QVERIFY2(file, file ? "" : file.error().message.c_str());
        QVERIFY2(file->size() < 1500 * 4, "24 kbit/s is about 3 bytes a millisecond");
        QCOMPARE(std::memcmp(file->data(), "OggS", 4), 0);

        auto dec = VoiceDecoder::open(*file);
        QVERIFY2(dec, dec ? "" : dec.error().message.c_str());
        QVERIFY(std::abs(int(dec->info().durationMs) - 1500) <= 20);
        QCOMPARE(dec->info().channels, 1u);
        auto out = decodeVoiceNote(*file);
        QVERIFY(out);
        QVERIFY(std::abs(int(out->size()) - int(pcm.size())) <= 20 * 48);

        // Normalised correlation at the best small lag (Opus keeps the waveform closely at this
        // rate once pre-skip removed the encoder's delay), and the signal-to-noise ratio there.
        double best = 0;
        int bestLag = 0;
        const std::size_t n = std::min(out->size(), pcm.size()) - 200;
        for (int lag = -48; lag <= 48; ++lag) {
            double xy = 0, xx = 0, yy = 0;
            for (std::size_t i = 100; i < n; ++i) {
                const double x = pcm[i], y = (*out)[std::size_t(int(i) + lag)];
                xy += x * y;
                xx += x * x;
                yy += y * y;
            }
            const double c = xy / std::sqrt(xx * yy);
            if (c > best) best = c, bestLag = lag;
        }
        double sig = 0, noise = 0;
        for (std::size_t i = 100; i < n; ++i) {
            const double x = pcm[i], y = (*out)[std::size_t(int(i) + bestLag)];
            sig += x * x;
            noise += (x - y) * (x - y);
        }
        const double snrDb = 10 * std::log10(sig / noise);
        qInfo("correlation %.4f at lag %d, SNR %.1f dB", best, bestLag, snrDb);
        QVERIFY(best > 0.95);
        QVERIFY(std::abs(bestLag) <= 8); // under 0.2 ms
        QVERIFY(snrDb > 10);
    }

    // The waveform follows the loudness: a loud first half and a silent second half.
    void waveformFollowsLoudness() {
        auto pcm = tone(2000, 0.8);
        std::fill(pcm.begin() + std::ptrdiff_t(pcm.size() / 2), pcm.end(), std::int16_t(0));
        auto enc = VoiceEncoder::create();
        QVERIFY(enc);
        QVERIFY(enc->push(pcm));
        const auto w = enc->waveform();
        QCOMPARE(w.size(), kWaveformBars);
        QVERIFY(w.front() > 200);
        QCOMPARE(int(w.back()), 0);
        // The sender's summary from the file itself: the same shape after the codec.
        auto file = enc->finish();
        QVERIFY(file);
        auto summary = summarizeVoiceNote(*file);
        QVERIFY2(summary, summary ? "" : summary.error().message.c_str());
        QVERIFY(std::abs(int(summary->durationMs) - 2000) <= 20);
        QCOMPARE(summary->waveform.size(), kWaveformBars);
        QVERIFY(summary->waveform.front() > 200);
        QVERIFY(summary->waveform.back() < 20);
        QCOMPARE(waveformOf(pcm, 8).size(), std::size_t(8));
        QCOMPARE(clampWaveform(Bytes(100000, 9)).size(), kMaxWaveformBytes);
        QCOMPARE(clampDurationMs(~std::uint64_t(0)), kMaxDurationMs);
    }

    // C-VOICE-2: every truncation of a good file is refused, none crashes.
    void truncatedFilesAreRefused() {
        const auto file = encode(tone(400));
        for (std::size_t cut = 0; cut < file.size(); cut += std::max<std::size_t>(1, cut / 8)) {
            auto dec = VoiceDecoder::open(ByteView(file.data(), cut));
            QVERIFY2(!dec, qPrintable(QString("cut at %1 accepted").arg(cut)));
            QVERIFY(dec.error().code == ErrorCode::Malformed);
            QVERIFY(!dec.error().message.empty());
        }
        auto bad = file;
        bad[bad.size() / 2] ^= 0x40;
        auto dec = VoiceDecoder::open(bad);
        QVERIFY(!dec);
        QVERIFY(dec.error().message.find("checksum") != std::string::npos);
        Bytes tail = file;
        tail.push_back(0);
        QVERIFY(!VoiceDecoder::open(tail));
    }

    // C-VOICE-2: a packet reassembled over pages past 64 KiB, and a file past 16 MiB.
    void oversizedPacketsAndFilesAreRefused() {
        Bytes f = headers();
        // Three pages of 255 x 255-byte segments, each continuing the same packet.
        Bytes lacing(255, 255), body(255 * 255, 0x55);
        for (std::uint32_t i = 0; i < 3; ++i) {
            auto p = page(i ? 0x01 : 0, ~std::uint64_t(0), 2 + i, lacing, body);
            f.insert(f.end(), p.begin(), p.end());
        }
        auto dec = VoiceDecoder::open(f);
        QVERIFY(!dec);
        QVERIFY2(dec.error().message.find("too large") != std::string::npos,
                 dec.error().message.c_str());
        Bytes huge(kMaxFileBytes + 1, 0);
        dec = VoiceDecoder::open(huge);
        QVERIFY(!dec);
        QVERIFY(dec.error().code == ErrorCode::Unsupported);
    }

    // C-VOICE-2: channel counts a voice note never has.
    void absurdChannelCountsAreRefused() {
        for (auto [channels, family] :
             std::array<std::pair<int, int>, 4>{{{0, 0}, {3, 0}, {255, 1}, {255, 255}}}) {
            Bytes f = headers(std::uint8_t(channels), std::uint8_t(family));
            Bytes packet{0xf8, 0xff, 0xfe}; // one 20 ms CELT frame
            auto p = page(0x04, 960, 2, lacingOf(packet.size()), packet);
            f.insert(f.end(), p.begin(), p.end());
            auto dec = VoiceDecoder::open(f);
            QVERIFY2(!dec, qPrintable(QString("%1 channels accepted").arg(channels)));
            QVERIFY(dec.error().message.find("channel") != std::string::npos);
        }
        // The same file with one channel is fine: the refusals above are for the count.
        Bytes f = headers(1);
        Bytes packet{0xf8, 0xff, 0xfe};
        auto p = page(0x04, 960, 2, lacingOf(packet.size()), packet);
        f.insert(f.end(), p.begin(), p.end());
        auto dec = VoiceDecoder::open(f);
        QVERIFY2(dec, dec ? "" : dec.error().message.c_str());
        QCOMPARE(dec->info().samples, std::uint64_t(960 - 312)); // less the pre-skip
    }

    // C-VOICE-3: a last granule position claiming hours of audio over a second's packets.
    void lyingGranulePositionIsRefused() {
        auto file = encode(tone(1000));
        const std::size_t at = lastPage(file);
        QVERIFY(at > 0);
        for (std::uint64_t lie : {std::uint64_t(48000) * 3600 * 10, std::uint64_t(48000) * 2}) {
            auto f = file;
            for (int i = 0; i < 8; ++i)
                f[at + 6 + std::size_t(i)] = std::uint8_t(lie >> (8 * i));
            refreshCrc(f, at);
            auto dec = VoiceDecoder::open(f);
            QVERIFY2(!dec, "a granule beyond the audio was believed");
            QVERIFY(dec.error().message.find("claims more audio") != std::string::npos);
        }
        // A granule before the pre-skip: no audio at all.
        auto f = file;
        for (int i = 0; i < 8; ++i)
            f[at + 6 + std::size_t(i)] = 0;
        refreshCrc(f, at);
        QVERIFY(!VoiceDecoder::open(f));
    }

    // A recording stops at 15 minutes; the encoder refuses more without encoding it.
    void recordingsStopAtFifteenMinutes() {
        auto enc = VoiceEncoder::create();
        QVERIFY(enc);
        const std::size_t n = std::size_t(kMaxDurationMs) * 48 + 1;
        // Never read: the length alone is refused (untouched pages cost no memory).
        auto big = std::make_unique_for_overwrite<std::int16_t[]>(n);
        auto r = enc->push(std::span<const std::int16_t>(big.get(), n));
        QVERIFY(!r);
        QVERIFY(r.error().message.find("15 minutes") != std::string::npos);
        QVERIFY(!VoiceEncoder::create()->finish()); // nothing recorded
    }

    // Playback in pieces gives the same samples as decoding at once, and rewinds.
    void readingInPiecesMatchesWholeDecode() {
        const auto file = encode(tone(700));
        auto whole = decodeVoiceNote(file);
        QVERIFY(whole);
        auto dec = VoiceDecoder::open(file);
        QVERIFY(dec);
        for (int round = 0; round < 2; ++round) {
            std::vector<std::int16_t> got;
            std::array<std::int16_t, 333> buf{};
            for (;;) {
                auto n = dec->read(buf);
                QVERIFY(n);
                if (!*n) break;
                got.insert(got.end(), buf.begin(), buf.begin() + std::ptrdiff_t(*n));
            }
            QVERIFY(got == *whole);
            QCOMPARE(dec->position(), std::uint64_t(got.size()));
            dec->rewind();
        }
    }
};

QTEST_GUILESS_MAIN(TestVoiceNote)
#include "tst_voice_note.moc"

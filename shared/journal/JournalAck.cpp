#include "journal/JournalAck.h"

#include <algorithm>

#include "crypto/Digest.h"
#include "signal/SessionManager.h"

namespace verbatim::journal {

namespace {
constexpr std::string_view kAckLabel = "verbatim-journal-ack-v1";
constexpr std::string_view kAckLabelV2 = "verbatim-journal-ack-v2";
constexpr std::string_view kStateRowsLabel = "verbatim-state-rows-v1";
constexpr std::size_t kMaxFingerprintSize = 128;

void appendStatement(Bytes& out, const JournalAck& a) {
    appendField(out, a.firmFingerprint);
    appendField(out, a.user);
    appendU32(out, a.device);
    appendU64(out, a.sequence);
    appendRaw(out, ByteView(a.chainHash.data(), a.chainHash.size()));
    appendU64(out, a.timeMs);
    appendU32(out, std::uint32_t(a.keep.size()));
    for (const auto& r : a.keep) {
        appendU64(out, r.first);
        appendU64(out, r.last);
    }
    if (a.stateRows) appendRaw(out, ByteView(a.stateRows->data(), a.stateRows->size()));
}
} // namespace

ChainHash stateRowsDigest(const std::vector<std::uint64_t>& sequences) {
    Bytes in;
    appendRaw(in, view(kStateRowsLabel));
    appendU64(in, sequences.size());
    for (auto s : sequences)
        appendU64(in, s);
    return crypto::sha256(in);
}

std::vector<SequenceRange> normalizeRanges(std::vector<SequenceRange> ranges) {
    std::erase_if(ranges, [](const SequenceRange& r) { return r.first == 0 || r.first > r.last; });
    std::sort(ranges.begin(), ranges.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<SequenceRange> out;
    for (const auto& r : ranges) {
        if (!out.empty() && (out.back().last == UINT64_MAX || r.first <= out.back().last + 1))
            out.back().last = std::max(out.back().last, r.last);
        else
            out.push_back(r);
    }
    return out;
}

Bytes JournalAck::signedBytes() const {
    Bytes out;
    appendRaw(out, view(stateRows ? kAckLabelV2 : kAckLabel));
    appendStatement(out, *this);
    return out;
}

Bytes JournalAck::serialize() const {
    Bytes out;
    appendU8(out, stateRows ? 2 : 1);
    appendStatement(out, *this);
    appendField(out, signature);
    return out;
}

Result<JournalAck> JournalAck::parse(ByteView bytes) {
    ByteReader r(bytes);
    auto version = r.u8();
    if (!version) return tl::unexpected(version.error());
    if (*version != 1 && *version != 2)
        return fail(ErrorCode::Unsupported, "unsupported journal acknowledgement version");
    JournalAck a;
    auto firm = r.field(kMaxFingerprintSize);
    if (!firm) return tl::unexpected(firm.error());
    a.firmFingerprint.assign(asString(*firm));
    auto user = r.field(kMaxUserIdSize);
    if (!user) return tl::unexpected(user.error());
    if (user->empty()) return fail(ErrorCode::Malformed, "journal acknowledgement names no user");
    a.user.assign(asString(*user));
    auto device = r.u32();
    if (!device) return tl::unexpected(device.error());
    a.device = *device;
    auto seq = r.u64();
    if (!seq) return tl::unexpected(seq.error());
    if (*seq == 0 || *seq > std::uint64_t(INT64_MAX))
        return fail(ErrorCode::Malformed, "journal acknowledgement names no sequence");
    a.sequence = *seq;
    auto hash = r.raw(a.chainHash.size());
    if (!hash) return tl::unexpected(hash.error());
    std::copy(hash->begin(), hash->end(), a.chainHash.begin());
    auto time = r.u64();
    if (!time) return tl::unexpected(time.error());
    a.timeMs = *time;
    auto count = r.u32();
    if (!count) return tl::unexpected(count.error());
    if (*count > kMaxKeepRanges)
        return fail(ErrorCode::Malformed, "journal acknowledgement keeps too many ranges");
    for (std::uint32_t i = 0; i < *count; ++i) {
        auto first = r.u64();
        if (!first) return tl::unexpected(first.error());
        auto last = r.u64();
        if (!last) return tl::unexpected(last.error());
        if (*first == 0 || *first > *last || *last > std::uint64_t(INT64_MAX))
            return fail(ErrorCode::Malformed, "journal acknowledgement keeps a bad range");
        if (!a.keep.empty() && *first <= a.keep.back().last)
            return fail(ErrorCode::Malformed,
                        "journal acknowledgement keeps ranges out of order or overlapping");
        a.keep.push_back({*first, *last});
    }
    if (*version == 2) {
        auto digest = r.raw(32);
        if (!digest) return tl::unexpected(digest.error());
        a.stateRows.emplace();
        std::copy(digest->begin(), digest->end(), a.stateRows->begin());
    }
    auto sig = r.field(64);
    if (!sig) return tl::unexpected(sig.error());
    if (sig->size() != 64)
        return fail(ErrorCode::Malformed, "journal acknowledgement signature size");
    a.signature = toBytes(*sig);
    if (!r.atEnd())
        return fail(ErrorCode::Malformed, "trailing bytes after journal acknowledgement");
    return a;
}

Result<JournalAck> JournalAck::make(const std::string& firmFingerprint, const std::string& user,
                                    std::uint32_t device, std::uint64_t sequence,
                                    const ChainHash& chainHash, std::uint64_t timeMs,
                                    std::vector<SequenceRange> keep, const Signer& sign,
                                    std::optional<ChainHash> stateRows) {
    if (user.empty() || user.size() > kMaxUserIdSize)
        return fail(ErrorCode::InvalidArgument, "bad user");
    if (firmFingerprint.size() > kMaxFingerprintSize)
        return fail(ErrorCode::InvalidArgument, "bad firm fingerprint");
    if (sequence == 0 || sequence > std::uint64_t(INT64_MAX))
        return fail(ErrorCode::InvalidArgument, "nothing to acknowledge: the archive is empty");
    JournalAck a;
    a.firmFingerprint = firmFingerprint;
    a.user = user;
    a.device = device;
    a.sequence = sequence;
    a.chainHash = chainHash;
    a.timeMs = timeMs;
    a.keep = normalizeRanges(std::move(keep));
    a.stateRows = stateRows;
    for (auto& r : a.keep)
        r.last = std::min(r.last, std::uint64_t(INT64_MAX));
    if (a.keep.size() > kMaxKeepRanges)
        return fail(ErrorCode::InvalidArgument, "too many held ranges for one acknowledgement");
    auto sig = sign(a.signedBytes());
    if (!sig) return tl::unexpected(sig.error());
    if (sig->size() != 64) return fail(ErrorCode::Crypto, "signer returned a bad signature");
    a.signature = std::move(*sig);
    return a;
}

bool JournalAck::verifies(ByteView identityKey) const {
    return signal::SessionManager::verify(identityKey, signedBytes(), signature);
}

} // namespace verbatim::journal

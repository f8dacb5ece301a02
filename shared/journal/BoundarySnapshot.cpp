#include "journal/BoundarySnapshot.h"

#include <algorithm>
#include <cstring>

#include "common/Try.h"
#include "crypto/Ed25519.h"

namespace verbatim::journal {

namespace {
constexpr std::string_view kBoundaryLabel = "verbatim-boundary-snapshot-v1";

void appendHeader(Bytes& out, const BoundarySnapshot& s) {
    appendU8(out, 1);
    appendU64(out, s.boundary);
    appendRaw(out, s.chainHash);
    appendU64(out, s.timeMs);
    appendField(out, s.signature);
}

Result<void> readHeader(ByteReader& r, BoundarySnapshot& s) {
    VERBATIM_TRY_LET(version, r.u8());
    if (*version != 1) return fail(ErrorCode::Unsupported, "unsupported boundary snapshot version");
    VERBATIM_TRY_LET(boundary, r.u64());
    if (*boundary == 0 || *boundary > std::uint64_t(INT64_MAX))
        return fail(ErrorCode::Malformed, "boundary snapshot names no boundary");
    s.boundary = *boundary;
    VERBATIM_TRY_LET(hash, r.raw(32));
    std::copy(hash->begin(), hash->end(), s.chainHash.begin());
    VERBATIM_TRY_LET(time, r.u64());
    s.timeMs = *time;
    VERBATIM_TRY_LET(sig, r.field(64));
    if (sig->size() != 64)
        return fail(ErrorCode::Malformed, "boundary snapshot signature must be 64 bytes");
    s.signature = toBytes(*sig);
    return {};
}

ChainHash stepOnHash(const ChainHash& previous, std::uint64_t sequence,
                     const crypto::Hash256& entryHash) {
    std::uint8_t buf[32 + 8 + 32];
    std::copy(previous.begin(), previous.end(), buf);
    for (int i = 0; i < 8; ++i)
        buf[32 + i] = std::uint8_t(sequence >> (56 - 8 * i));
    std::copy(entryHash.begin(), entryHash.end(), buf + 40);
    return crypto::sha256(ByteView(buf, sizeof buf));
}
} // namespace

Bytes BoundarySnapshot::signedBytes() const {
    Bytes out;
    appendRaw(out, view(kBoundaryLabel));
    appendU64(out, boundary);
    appendRaw(out, chainHash);
    appendU64(out, timeMs);
    return out;
}

Bytes BoundarySnapshot::serializeHeader() const {
    Bytes out;
    appendHeader(out, *this);
    return out;
}

Bytes BoundarySnapshot::serialize() const {
    Bytes out;
    appendHeader(out, *this);
    appendU32(out, std::uint32_t(acks.size()));
    for (const auto& a : acks)
        appendField(out, a);
    appendU64(out, rows.size());
    for (const auto& r : rows) {
        appendU64(out, r.sequence);
        appendRaw(out, r.entryHash);
        appendU64(out, r.serverTimeMs);
        appendField(out, r.entry);
    }
    return out;
}

Result<BoundarySnapshot> BoundarySnapshot::parseHeader(ByteView bytes) {
    ByteReader r(bytes);
    BoundarySnapshot s;
    VERBATIM_TRY(readHeader(r, s));
    if (!r.atEnd()) return fail(ErrorCode::Malformed, "trailing bytes after boundary snapshot");
    return s;
}

Result<BoundarySnapshot> BoundarySnapshot::parse(ByteView bytes) {
    ByteReader r(bytes);
    BoundarySnapshot s;
    VERBATIM_TRY(readHeader(r, s));
    VERBATIM_TRY_LET(nAcks, r.u32());
    if (*nAcks > kMaxAcks)
        return fail(ErrorCode::Malformed, "boundary snapshot carries too many acknowledgements");
    for (std::uint32_t i = 0; i < *nAcks; ++i) {
        VERBATIM_TRY_LET(ack, r.field(kMaxAck));
        s.acks.push_back(toBytes(*ack));
    }
    VERBATIM_TRY_LET(n, r.u64());
    if (*n != s.boundary)
        return fail(ErrorCode::Malformed, "boundary snapshot lists " + std::to_string(*n) +
                                              " rows for boundary " + std::to_string(s.boundary));
    // Each row takes at least 52 bytes: a count the input cannot hold is refused before any
    // allocation.
    if (*n > kMaxRows || *n > r.remaining() / 52)
        return fail(ErrorCode::Malformed, "boundary snapshot truncated");
    s.rows.reserve(std::size_t(*n));
    for (std::uint64_t i = 1; i <= *n; ++i) {
        PrunedRow row;
        VERBATIM_TRY_LET(seq, r.u64());
        if (*seq != i)
            return fail(ErrorCode::Malformed, "boundary snapshot rows are not 1.." +
                                                  std::to_string(s.boundary) + " in order (row " +
                                                  std::to_string(i) + " says " +
                                                  std::to_string(*seq) + ")");
        row.sequence = *seq;
        VERBATIM_TRY_LET(hash, r.raw(32));
        std::copy(hash->begin(), hash->end(), row.entryHash.begin());
        VERBATIM_TRY_LET(time, r.u64());
        row.serverTimeMs = *time;
        VERBATIM_TRY_LET(entry, r.field(kMaxEntry));
        row.entry = toBytes(*entry);
        s.rows.push_back(std::move(row));
    }
    if (!r.atEnd()) return fail(ErrorCode::Malformed, "trailing bytes after boundary snapshot");
    return s;
}

Result<BoundarySnapshot> signBoundarySnapshot(std::uint64_t boundary, const ChainHash& chainHash,
                                              std::uint64_t timeMs, ByteView relayPrivateKey) {
    BoundarySnapshot s;
    s.boundary = boundary;
    s.chainHash = chainHash;
    s.timeMs = timeMs;
    VERBATIM_TRY_LET(sig, crypto::ed25519Sign(relayPrivateKey, s.signedBytes()));
    s.signature = std::move(*sig);
    return s;
}

bool verifyBoundarySignature(const BoundarySnapshot& s, ByteView relayPublicKey) {
    return crypto::ed25519Verify(relayPublicKey, s.signedBytes(), s.signature);
}

Result<std::map<std::uint64_t, ChainHash>> verifyBoundaryRows(const BoundarySnapshot& s) {
    if (s.rows.size() != s.boundary)
        return fail(ErrorCode::Malformed, "the snapshot does not list every pruned entry 1.." +
                                              std::to_string(s.boundary));
    std::map<std::uint64_t, ChainHash> anchors;
    ChainHash chain = genesisChainHash();
    for (std::size_t i = 0; i < s.rows.size(); ++i) {
        const auto& row = s.rows[i];
        if (row.sequence != i + 1)
            return fail(ErrorCode::Malformed, "the snapshot's rows are not in sequence order");
        if (!row.entry.empty()) {
            if (crypto::sha256(row.entry) != row.entryHash) // ct-ok: public entry hashes
                return fail(ErrorCode::Malformed, "the snapshot's entry at seq " +
                                                      std::to_string(row.sequence) +
                                                      " does not match the hash it lists");
            anchors.emplace(row.sequence, chain);
        }
        chain = stepOnHash(chain, row.sequence, row.entryHash);
    }
    if (chain != s.chainHash) // ct-ok: public chain hashes
        return fail(ErrorCode::Malformed,
                    "the snapshot's pruned entries do not reproduce its signed chain hash at seq " +
                        std::to_string(s.boundary) + " (" + toHex(ByteView(chain.data(), 8)) +
                        "... against " + toHex(ByteView(s.chainHash.data(), 8)) + "...)");
    return anchors;
}

} // namespace verbatim::journal

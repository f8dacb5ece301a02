#pragma once
/// @file BoundarySnapshot.h
/// The relay's signed snapshot of its journal at the pruned boundary (issue 22): what a new
/// compliance archive needs to start at the boundary instead of at entry 1. It lists every pruned
/// sequence 1..P with the SHA-256 of its entry, so that a reader recomputes chain[P] itself, and
/// gives in full the entries that carried state a later entry is judged by (the relay's own
/// ADMIN_ACTION records, compliance devices' records, recording-notice acceptances). The relay
/// signs (P, chain[P], time) with its checkpoint key; the compliance devices' acknowledgements
/// that let it prune travel with it and co-sign the chain further on. Layout and rules:
/// docs/protocol.md, "Boundary snapshot".

#include <map>
#include <string>
#include <vector>

#include "common/Bytes.h"
#include "journal/HashChain.h"

namespace verbatim::journal {

/// One pruned journal row as the snapshot lists it.
struct PrunedRow {
    std::uint64_t sequence = 0;
    crypto::Hash256 entryHash{}; ///< SHA-256 of the entry's bytes
    std::uint64_t serverTimeMs = 0;
    Bytes entry; ///< the entry itself for a state row; empty: the hash only
};

struct BoundarySnapshot {
    static constexpr std::size_t kMaxEntry = 2u << 20;    ///< a sealed entry is ~1 MiB at most
    static constexpr std::size_t kMaxAcks = 1024;         ///< compliance devices that acknowledged
    static constexpr std::size_t kMaxAck = 128u << 10;    ///< one signed JournalAck
    static constexpr std::uint64_t kMaxRows = 1ull << 32; ///< rows one snapshot lists

    std::uint64_t boundary = 0; ///< P: entries 1..P were pruned
    ChainHash chainHash{};      ///< chain[P]
    std::uint64_t timeMs = 0;   ///< when the relay signed it
    Bytes signature;            ///< Ed25519 (the relay's checkpoint key) over signedBytes()
    std::vector<Bytes> acks;    ///< the stored signed journal::JournalAck of each device
    std::vector<PrunedRow> rows;

    /// "verbatim-boundary-snapshot-v1" || u64(P) || chain[P] || u64(time_ms)
    Bytes signedBytes() const;
    /// u8(1) || u64(P) || chain[P] || u64(time_ms) || field(signature): the signed header alone
    Bytes serializeHeader() const;
    /// header || u32(a) || a * field(ack) || u64(n) || n * (u64(seq) || sha256[32]
    /// || u64(server_time_ms) || field(entry))
    Bytes serialize() const;
    /// The header alone (its fields; acks and rows empty). Strict: no trailing bytes.
    [[nodiscard]] static Result<BoundarySnapshot> parseHeader(ByteView bytes);
    /// The whole snapshot. Strict: rows are exactly 1..P in order, every field within its limit,
    /// no trailing bytes. Checks structure only: verifyRows() checks the hashes and the chain.
    [[nodiscard]] static Result<BoundarySnapshot> parse(ByteView bytes);
};

/// Signs the header of a snapshot at `boundary` with the relay's Ed25519 private key.
[[nodiscard]] Result<BoundarySnapshot> signBoundarySnapshot(std::uint64_t boundary,
                                                            const ChainHash& chainHash,
                                                            std::uint64_t timeMs,
                                                            ByteView relayPrivateKey);
bool verifyBoundarySignature(const BoundarySnapshot& s, ByteView relayPublicKey);

/// Checks that the rows are 1..P, that each entry given hashes to its listed SHA-256, and that
/// the chain over the listed hashes is the signed chain[P]. Returns chain[s-1] for every row `s`
/// whose entry is given (where the archive anchors it), or an error naming the first fault.
[[nodiscard]] Result<std::map<std::uint64_t, ChainHash>>
verifyBoundaryRows(const BoundarySnapshot& s);

} // namespace verbatim::journal

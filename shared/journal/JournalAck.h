#pragma once
/// @file JournalAck.h
/// A compliance archive's signed acknowledgement of the relay's journal (issue 22): "the archive
/// of device USER/DEVICE holds and has verified the chain up to `sequence`, whose chain hash is
/// `chainHash`; keep these sequence ranges (legal holds)". Signed (XEdDSA) by the compliance
/// device's identity key, the key that signs its journal entries, and bound to the firm by its
/// root fingerprint. The relay prunes journal rows only below what every active compliance
/// device acknowledged (relay/core/JournalPruning.cpp). Layout: docs/protocol.md, "Journal
/// acknowledgement and pruning".

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/Bytes.h"
#include "journal/HashChain.h"
#include "journal/JournalCrypto.h"

namespace verbatim::journal {

/// An inclusive range of journal sequences, first <= last.
struct SequenceRange {
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    bool operator==(const SequenceRange&) const = default;
};

struct JournalAck {
    /// Most ranges an acknowledgement carries (holds are few; this bounds the relay's work).
    static constexpr std::size_t kMaxKeepRanges = 4096;

    std::string firmFingerprint; ///< hex fingerprint of the firm root key (the manifest's)
    std::string user;            ///< the compliance device that acknowledges
    std::uint32_t device = 0;
    std::uint64_t sequence = 0;      ///< the archive holds and verified entries 1..sequence
    ChainHash chainHash{};           ///< chain[sequence] as the archive computed it
    std::uint64_t timeMs = 0;        ///< when it was made (device clock); later acks are newer
    std::vector<SequenceRange> keep; ///< sorted, disjoint: never pruned (legal holds)
    /// Version 2 only (issue 22, M1): stateRowsDigest() of the sequences 1..sequence that the
    /// archive holds as state rows, so that an archive started at the relay's pruned boundary
    /// can tell a state row the relay reduced to a bare hash. Absent in version 1.
    std::optional<ChainHash> stateRows;
    Bytes signature; ///< 64 bytes, XEdDSA by the device's identity key

    /// "verbatim-journal-ack-v1" || field(firm) || field(user) || u32(device) || u64(sequence)
    /// || chain_hash[32] || u64(time_ms) || u32(k) || k * (u64(first) || u64(last)); version 2:
    /// the label "verbatim-journal-ack-v2" and state_rows[32] after the ranges.
    Bytes signedBytes() const;
    /// u8(1 or 2) || the same fields without the label || field(signature)
    Bytes serialize() const;
    /// Refuses trailing bytes, a range with first 0 or first > last, ranges out of order or
    /// overlapping, more than kMaxKeepRanges, sequence 0, a signature that is not 64 bytes.
    [[nodiscard]] static Result<JournalAck> parse(ByteView bytes);
    /// Makes and signs an acknowledgement with `sign` (the device's identity key). `keep` is
    /// sorted and merged first.
    [[nodiscard]] static Result<JournalAck>
    make(const std::string& firmFingerprint, const std::string& user, std::uint32_t device,
         std::uint64_t sequence, const ChainHash& chainHash, std::uint64_t timeMs,
         std::vector<SequenceRange> keep, const Signer& sign,
         std::optional<ChainHash> stateRows = std::nullopt);
    /// The signature verifies under `identityKey` (33 bytes).
    bool verifies(ByteView identityKey) const;
};

/// What a version 2 acknowledgement attests of the state rows (docs/protocol.md, "Boundary
/// snapshot"): SHA-256("verbatim-state-rows-v1" || u64(n) || n * u64(seq)), the sequences
/// ascending.
ChainHash stateRowsDigest(const std::vector<std::uint64_t>& sequences);

/// Sorts `ranges` and merges overlapping and adjacent ones; drops ranges with first > last or
/// first 0.
std::vector<SequenceRange> normalizeRanges(std::vector<SequenceRange> ranges);

} // namespace verbatim::journal

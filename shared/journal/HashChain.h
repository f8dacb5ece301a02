#pragma once
/// @file HashChain.h
/// The relay's append-only journal log as a hash chain with signed checkpoints:
///   chain[0] = 32 zero bytes,
///   chain[n] = SHA-256(chain[n-1] || u64be(n) || SHA-256(entry_n)),
/// and checkpoints (n, chain[n], time) signed by the relay's Ed25519 key. verifyChain() finds a
/// removed, altered, duplicated or reordered entry and names its sequence number.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crypto/Digest.h"

namespace verbatim::journal {

using ChainHash = crypto::Hash256;

/// chain[0]: all zero.
ChainHash genesisChainHash();
/// chain[n] from chain[n-1], n and the entry's bytes.
ChainHash nextChainHash(const ChainHash& previous, std::uint64_t sequence, ByteView entry);

/// Appends entries and tracks the head. Used by the relay (one per log) and by tests.
class ChainBuilder {
public:
    ChainBuilder() = default;
    /// Resume after `sequence` whose chain hash is `head`.
    ChainBuilder(std::uint64_t sequence, const ChainHash& head)
        : m_sequence(sequence), m_head(head) {}
    /// Returns the new entry's sequence number; head() is its chain hash.
    std::uint64_t append(ByteView entry);
    std::uint64_t sequence() const { return m_sequence; }
    const ChainHash& head() const { return m_head; }

private:
    std::uint64_t m_sequence = 0;
    ChainHash m_head = genesisChainHash();
};

/// A relay-signed statement "the log's entry `sequence` has chain hash `chainHash`".
struct Checkpoint {
    std::uint64_t sequence = 0;
    ChainHash chainHash{};
    std::uint64_t timeMs = 0;
    Bytes signature; ///< Ed25519 over signedBytes()

    Bytes signedBytes() const;
    Bytes serialize() const;
    [[nodiscard]] static Result<Checkpoint> parse(ByteView bytes);
};

/// Signs a checkpoint with the relay's Ed25519 private key (32-byte seed).
[[nodiscard]] Result<Checkpoint> signCheckpoint(std::uint64_t sequence, const ChainHash& chainHash,
                                                std::uint64_t timeMs, ByteView relayPrivateKey);
bool verifyCheckpoint(const Checkpoint& checkpoint, ByteView relayPublicKey);

/// One stored log row as the verifier receives it, in storage order.
struct ChainItem {
    std::uint64_t sequence = 0;
    Bytes entry;                        ///< the sealed entry bytes
    std::optional<ChainHash> chainHash; ///< the chain hash stored beside it, if any
};

enum class ChainFault {
    Missing,                 ///< a sequence number has no entry
    Reordered,               ///< entries are stored out of sequence order
    Duplicate,               ///< a sequence number occurs twice
    Altered,                 ///< the entry's bytes do not produce the stored/checkpointed hash
    CheckpointMismatch,      ///< a signed checkpoint disagrees with the recomputed chain
    BadCheckpointSignature,  ///< a checkpoint is not signed by the relay key
    CheckpointTimeBackwards, ///< a later checkpoint carries an earlier time
    Truncated,               ///< a signed checkpoint covers entries the log no longer has
};
const char* chainFaultName(ChainFault fault);

struct ChainProblem {
    std::uint64_t sequence = 0;
    ChainFault fault = ChainFault::Missing;
    std::string detail;
};

struct ChainReport {
    bool ok() const { return problems.empty(); }
    /// Lowest sequence number with a problem.
    std::optional<std::uint64_t> firstBad() const;
    std::uint64_t entriesChecked = 0;
    std::uint64_t checkpointsChecked = 0;
    ChainHash head{};
    std::vector<ChainProblem> problems;
};

/// Verifies `items` (in storage order) against themselves and the signed `checkpoints`.
/// The chain starts after `startSequence` with hash `startHash` (a trusted earlier checkpoint,
/// or 0 and the genesis hash for a whole log).
ChainReport verifyChain(const std::vector<ChainItem>& items, std::vector<Checkpoint> checkpoints,
                        ByteView relayPublicKey, std::uint64_t startSequence = 0,
                        const ChainHash& startHash = genesisChainHash());

} // namespace verbatim::journal

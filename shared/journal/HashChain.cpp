#include "journal/HashChain.h"

#include <algorithm>
#include <set>

#include "crypto/Ed25519.h"

namespace verbatim::journal {

namespace {
constexpr std::string_view kCheckpointLabel = "verbatim-checkpoint-v1";
}

ChainHash genesisChainHash() {
    return ChainHash{};
}

ChainHash nextChainHash(const ChainHash& previous, std::uint64_t sequence, ByteView entry) {
    auto entryHash = crypto::sha256(entry);
    std::uint8_t buf[32 + 8 + 32];
    std::copy(previous.begin(), previous.end(), buf);
    for (int i = 0; i < 8; ++i)
        buf[32 + i] = std::uint8_t(sequence >> (56 - 8 * i));
    std::copy(entryHash.begin(), entryHash.end(), buf + 40);
    return crypto::sha256(ByteView(buf, sizeof buf));
}

std::uint64_t ChainBuilder::append(ByteView entry) {
    ++m_sequence;
    m_head = nextChainHash(m_head, m_sequence, entry);
    return m_sequence;
}

Bytes Checkpoint::signedBytes() const {
    Bytes out;
    appendRaw(out, view(kCheckpointLabel));
    appendU64(out, sequence);
    appendRaw(out, chainHash);
    appendU64(out, timeMs);
    return out;
}

Bytes Checkpoint::serialize() const {
    Bytes out;
    appendU8(out, 1);
    appendU64(out, sequence);
    appendRaw(out, chainHash);
    appendU64(out, timeMs);
    appendField(out, signature);
    return out;
}

Result<Checkpoint> Checkpoint::parse(ByteView bytes) {
    ByteReader r(bytes);
    auto version = r.u8();
    if (!version) return tl::unexpected(version.error());
    if (*version != 1) return fail(ErrorCode::Unsupported, "unsupported checkpoint version");
    Checkpoint c;
    auto seq = r.u64();
    if (!seq) return tl::unexpected(seq.error());
    c.sequence = *seq;
    auto hash = r.raw(32);
    if (!hash) return tl::unexpected(hash.error());
    std::copy(hash->begin(), hash->end(), c.chainHash.begin());
    auto time = r.u64();
    if (!time) return tl::unexpected(time.error());
    c.timeMs = *time;
    auto sig = r.field(64);
    if (!sig) return tl::unexpected(sig.error());
    if (sig->size() != 64)
        return fail(ErrorCode::Malformed, "checkpoint signature must be 64 bytes");
    c.signature = toBytes(*sig);
    if (!r.atEnd()) return fail(ErrorCode::Malformed, "trailing bytes after checkpoint");
    return c;
}

Result<Checkpoint> signCheckpoint(std::uint64_t sequence, const ChainHash& chainHash,
                                  std::uint64_t timeMs, ByteView relayPrivateKey) {
    Checkpoint c{sequence, chainHash, timeMs, {}};
    auto sig = crypto::ed25519Sign(relayPrivateKey, c.signedBytes());
    if (!sig) return tl::unexpected(sig.error());
    c.signature = std::move(*sig);
    return c;
}

bool verifyCheckpoint(const Checkpoint& c, ByteView relayPublicKey) {
    return crypto::ed25519Verify(relayPublicKey, c.signedBytes(), c.signature);
}

const char* chainFaultName(ChainFault f) {
    switch (f) {
    case ChainFault::Missing:
        return "missing";
    case ChainFault::Reordered:
        return "reordered";
    case ChainFault::Duplicate:
        return "duplicate";
    case ChainFault::Altered:
        return "altered";
    case ChainFault::CheckpointMismatch:
        return "checkpoint-mismatch";
    case ChainFault::BadCheckpointSignature:
        return "bad-checkpoint-signature";
    case ChainFault::CheckpointTimeBackwards:
        return "checkpoint-time-backwards";
    case ChainFault::Truncated:
        return "truncated";
    }
    return "unknown";
}

std::optional<std::uint64_t> ChainReport::firstBad() const {
    std::optional<std::uint64_t> first;
    for (const auto& p : problems)
        if (!first || p.sequence < *first) first = p.sequence;
    return first;
}

ChainReport verifyChain(const std::vector<ChainItem>& items, std::vector<Checkpoint> checkpoints,
                        ByteView relayPublicKey, std::uint64_t startSequence,
                        const ChainHash& startHash) {
    ChainReport report;
    auto problem = [&](std::uint64_t seq, ChainFault f, std::string detail) {
        report.problems.push_back({seq, f, std::move(detail)});
    };

    // Checkpoints: signature and time order first; only good ones anchor the chain.
    std::sort(checkpoints.begin(), checkpoints.end(),
              [](const Checkpoint& a, const Checkpoint& b) { return a.sequence < b.sequence; });
    std::map<std::uint64_t, const Checkpoint*> anchors;
    std::uint64_t lastTime = 0;
    for (const auto& c : checkpoints) {
        ++report.checkpointsChecked;
        if (!verifyCheckpoint(c, relayPublicKey)) {
            problem(c.sequence, ChainFault::BadCheckpointSignature, "checkpoint signature invalid");
            continue;
        }
        if (c.timeMs < lastTime)
            problem(c.sequence, ChainFault::CheckpointTimeBackwards,
                    "checkpoint time goes backwards");
        lastTime = std::max(lastTime, c.timeMs);
        anchors[c.sequence] = &c;
    }

    std::multiset<std::uint64_t> pending;
    for (const auto& it : items)
        pending.insert(it.sequence);
    std::set<std::uint64_t> done;

    std::optional<ChainHash> prev = startHash;
    std::uint64_t expected = startSequence + 1;
    for (const auto& item : items) {
        pending.erase(pending.find(item.sequence));
        if (item.sequence < expected) {
            if (done.count(item.sequence) || item.sequence <= startSequence)
                problem(item.sequence, ChainFault::Duplicate, "sequence number occurs twice");
            // else: a late arrival of a reordered entry, already reported where it was due.
            done.insert(item.sequence);
            continue;
        }
        if (item.sequence > expected) {
            // The first absent number decides the fault: present later means reordered.
            bool later = pending.count(expected) > 0;
            problem(expected, later ? ChainFault::Reordered : ChainFault::Missing,
                    later ? "entry is stored out of order"
                          : "entries " + std::to_string(expected) + ".." +
                                std::to_string(item.sequence - 1) + " are missing");
            for (auto s = expected + 1; s < item.sequence && report.problems.size() < 10000; ++s)
                if (pending.count(s) == 0) problem(s, ChainFault::Missing, "entry is missing");
            prev.reset(); // cannot recompute across the hole
        }
        ++report.entriesChecked;
        done.insert(item.sequence);
        std::optional<ChainHash> computed;
        if (prev) computed = nextChainHash(*prev, item.sequence, item.entry);
        if (computed && item.chainHash && *computed != *item.chainHash) {
            problem(item.sequence, ChainFault::Altered, "entry does not match its chain hash");
            prev = item.chainHash; // resynchronise on the stored chain
        } else {
            prev = computed ? computed : item.chainHash;
        }
        if (auto a = anchors.find(item.sequence); a != anchors.end()) {
            if (prev && *prev != a->second->chainHash &&
                !(computed && item.chainHash && *computed != *item.chainHash))
                problem(item.sequence, ChainFault::CheckpointMismatch,
                        "chain differs from the signed checkpoint");
            prev = a->second->chainHash; // the signed value is the trusted anchor from here on
        }
        expected = item.sequence + 1;
    }
    if (!anchors.empty() && anchors.rbegin()->first >= expected)
        problem(expected, ChainFault::Truncated,
                "signed checkpoint " + std::to_string(anchors.rbegin()->first) +
                    " covers entries the log no longer holds");
    if (prev) report.head = *prev;
    std::sort(report.problems.begin(), report.problems.end(),
              [](const ChainProblem& a, const ChainProblem& b) { return a.sequence < b.sequence; });
    return report;
}

} // namespace verbatim::journal

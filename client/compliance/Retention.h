#pragma once
/// @file Retention.h
/// Legal hold, retention and disposal in the compliance archive (issue 22; docs/protocol.md
/// "Retention records", README "Retention and legal hold").
///
/// Compliance decides with journaled records, the same mechanism as supervision (Supervision.h):
/// SUPERVISION records of kind `hold`, `release`, `retention` and `disposition`, sealed to the
/// journal key, signed by a compliance device and applied in log order by Supervision::refresh(),
/// so every officer's archive shows the same holds after a pull. A record from anyone but a
/// compliance device is refused (`forged-supervision`).
///
/// Disposal: `plan()` selects the conversation content (text, attachments, edits, retractions,
/// reactions, receipts) older than a date and under no open hold, as runs of consecutive
/// sequences; the caller journals the plan as disposition records (dispositionBodies()), pulls
/// them, then `apply()` drops, for each entry of a disposition, its sealed bytes, decrypted
/// record, full-text rows, attachments and alert contexts, keeping the SHA-256 of the entry and
/// its clear header so that verify still walks the log's chain and each device's chain. Entries
/// under an open hold are never dropped (apply() checks again). Relay records, device and
/// membership records, notices and compliance's own records are never disposed of.
///
/// Not thread-safe: one Retention per Archive, on one thread. No Qt, no network.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/Result.h"
#include "compliance/Archive.h"

namespace verbatim::compliance {

/// One legal hold as the journal holds it. Its id is the sequence of the record that placed it.
struct Hold {
    std::uint64_t id = 0;
    std::string matter;      ///< conversation id ("" for a custodian hold)
    std::string matterTitle; ///< as the archive knows it
    std::string custodian;   ///< user id ("" for a matter hold)
    std::string reason;
    std::string reference; ///< the firm's reference (a case number), may be empty
    std::string placedBy;  ///< user/device
    std::uint64_t placedMs = 0;
    std::uint64_t releasedSeq = 0; ///< 0: open
    std::string releasedBy;
    std::uint64_t releasedMs = 0;
    std::string releaseReason;
    bool open() const { return releasedSeq == 0; }
};

/// A per-matter retention period set by compliance (`retention set`); the latest one counts.
struct RetentionOverride {
    std::uint64_t sequence = 0;
    std::string matter; ///< conversation id
    std::uint32_t years = 0;
    std::string setBy;
    std::uint64_t timeMs = 0;
};

/// A run of consecutive log sequences [first, last].
struct SeqRange {
    std::uint64_t first = 0;
    std::uint64_t last = 0;
};

/// One range of a disposition: consecutive entries and the chain hashes (hex) stored at its ends.
struct DisposalRange {
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    std::string firstChainHash;
    std::string lastChainHash;
};

/// What a disposal would remove (plan()) or removed (apply()).
struct DisposalPlan {
    std::vector<DisposalRange> ranges;
    std::uint64_t entries = 0;
    /// Entries past the date kept because a matter or custodian is under an open hold.
    std::uint64_t held = 0;
    /// Per conversation (title, or id when untitled): entries to dispose of and entries held.
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> perMatter;
};

/// A disposition record as the journal holds it.
struct Disposition {
    std::uint64_t sequence = 0;
    std::string by;
    std::uint64_t timeMs = 0;
    std::string basis; ///< "before 2020-01-01T00:00:00Z", ...
    std::vector<DisposalRange> ranges;
    std::uint64_t entries = 0;
    bool applied = false; ///< this archive dropped the entries' content
};

/// The record bodies (flat JSON, "v":1). Each checks its input first (InvalidArgument, a message
/// for a person) so that nothing malformed is journaled. `matter` is a conversation id.
[[nodiscard]] Result<std::string> holdBody(const std::string& matter, const std::string& custodian,
                                           const std::string& reason, const std::string& reference);
[[nodiscard]] Result<std::string> holdReleaseBody(std::uint64_t holdId, const std::string& reason);
[[nodiscard]] Result<std::string> retentionBody(const std::string& matter, std::uint32_t years);
/// The plan as disposition records, at most kRangesPerRecord ranges each (a record is at most
/// 64 KiB). `basis` says why ("before DATE").
std::vector<std::string> dispositionBodies(const DisposalPlan& plan, const std::string& basis);
inline constexpr std::size_t kRangesPerRecord = 250;

/// The ranges of a disposition body ("A-B:HEX:HEX A-B:HEX:HEX"); empty with `ok` false when it
/// does not parse.
std::vector<DisposalRange> parseRanges(const std::string& text, bool& ok);

class Retention {
public:
    explicit Retention(Archive& archive);

    /// Every hold (released ones too), by id.
    [[nodiscard]] Result<std::vector<Hold>> holds();
    [[nodiscard]] Result<Hold> hold(std::uint64_t id);
    [[nodiscard]] Result<std::vector<RetentionOverride>> overrides();
    [[nodiscard]] Result<std::vector<Disposition>> dispositions();

    /// The content entries whose relay time is before `beforeMs` and that no open hold covers.
    [[nodiscard]] Result<DisposalPlan> plan(std::uint64_t beforeMs);
    /// Drops the content of the entries the disposition record `sequence` names (pulled and
    /// applied by refresh() first), except those now under an open hold, in one transaction.
    /// Refused when a range's chain hashes differ from this archive's. Returns what it dropped.
    [[nodiscard]] Result<DisposalPlan> apply(std::uint64_t sequence);

private:
    Archive& m_archive;
};

} // namespace verbatim::compliance

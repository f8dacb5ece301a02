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
#include <optional>
#include <set>
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
    /// Entries past the date kept because their retention is not over (or has no period).
    std::uint64_t kept = 0;
    /// Per conversation (title, or id when untitled): entries to dispose of and entries held.
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> perMatter;
    /// Per conversation: entries within retention.
    std::map<std::string, std::uint64_t> perMatterKept;
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

/// What a disposed entry keeps of its record besides its hash and clear header (the archive's
/// `entries.kept_facts`, flat JSON): enough for verify to judge the disposal again, no content.
struct EntryFacts {
    std::int64_t type = 0;     ///< proto::MessageType
    std::string conversation;  ///< conversation id
    std::string user;          ///< sender
    std::string recipients;    ///< recipient users, space-separated
    std::uint64_t relayMs = 0; ///< the relay's time of the entry (entries.server_time_ms)
};
std::string keptFactsText(const EntryFacts& facts);
/// Parses keptFactsText() (relayMs is not in it: the caller sets it); nullopt when malformed.
std::optional<EntryFacts> parseKeptFacts(const std::string& text);

/// `ms` plus `years` calendar years (29 February to 28 February), ms since the Unix epoch.
std::uint64_t addYears(std::uint64_t ms, std::uint32_t years);

/// Whether entries may be disposed of, as of one point of the log (issue 22; docs/protocol.md
/// "Eligibility"): the holds open, the retention overrides and the matters' closes journaled
/// before `beforeSeq`, the firm manifest's retention, and the time `nowMs` (ms).
///  - only conversation content (text, attachments, edits, retractions, reactions, receipts);
///  - never under an open hold (the matter, or the sender or a recipient as custodian);
///  - a matter: closed, and closed_ms + years <= nowMs, years being the latest override for the
///    matter, else the manifest's `yearsAfterClose`; an open matter never;
///  - a direct conversation: relayMs + the manifest's `yearsDirect` <= nowMs;
///  - a period of 0 years (none set) never.
class RetentionRules {
public:
    /// "" when `facts` may be disposed of; else why not: `not-disposable`, `held`,
    /// `open-matter`, `no-period`, `retention-not-over`.
    std::string verdict(const EntryFacts& facts) const;
    /// When the entry's retention ends (0: never, or not yet known: an open matter, no period).
    std::uint64_t eligibleFromMs(const EntryFacts& facts) const;
    /// Whether an open hold covers the entry.
    bool held(const EntryFacts& facts) const;

private:
    std::uint64_t m_nowMs = 0;
    std::uint32_t m_yearsAfterClose = 0, m_yearsDirect = 0;
    std::set<std::string> m_holdMatters, m_holdCustodians;
    std::map<std::string, std::uint32_t> m_overrides; ///< matter -> years (the latest)
    std::map<std::string, bool> m_isMatter;           ///< conversation -> matter (not direct)
    std::map<std::string, std::uint64_t> m_closedMs;  ///< closed matters -> relay time of close
    friend class Retention;
};

/// Whether a record type is conversation content a disposal may remove.
bool disposableType(std::int64_t type);

/// What Retention::applyPending() did.
struct AppliedDispositions {
    std::vector<std::uint64_t> records; ///< the disposition records applied now, by sequence
    DisposalPlan removed;               ///< what they removed, summed (entries, held, ranges)
    /// Records not applied: sequence and why (a chain hash this archive does not hold).
    std::vector<std::pair<std::uint64_t, std::string>> refused;
};

class Retention {
public:
    explicit Retention(Archive& archive);

    /// Every hold (released ones too), by id.
    [[nodiscard]] Result<std::vector<Hold>> holds();
    [[nodiscard]] Result<Hold> hold(std::uint64_t id);
    [[nodiscard]] Result<std::vector<RetentionOverride>> overrides();
    [[nodiscard]] Result<std::vector<Disposition>> dispositions();
    /// The retention rules as of the log before `beforeSeq` (UINT64_MAX: all of it) at `nowMs`.
    [[nodiscard]] Result<RetentionRules> rules(std::uint64_t beforeSeq, std::uint64_t nowMs);

    /// The content entries past retention now (RetentionRules as of the archive's head, at
    /// `nowMs`) whose relay time is before `beforeMs` (UINT64_MAX: no date) and that no open
    /// hold covers. `held` counts entries an open hold keeps, `kept` those within retention.
    [[nodiscard]] Result<DisposalPlan> plan(std::uint64_t beforeMs, std::uint64_t nowMs);
    /// Drops the content of the entries the disposition record `sequence` names (pulled and
    /// applied by refresh() first), except those now under an open hold, in one transaction.
    /// Refused when a range's chain hashes differ from this archive's. Returns what it dropped.
    [[nodiscard]] Result<DisposalPlan> apply(std::uint64_t sequence);
    /// Applies, in log order, every disposition record refresh() took (any compliance officer's)
    /// that this archive has not applied yet, each as apply() does: so one officer's disposal
    /// reaches every officer's archive at its next pull. A record naming chain hashes this
    /// archive does not hold removes nothing and stays unapplied (listed in `refused`; verify
    /// reports it `disposition-mismatch`).
    [[nodiscard]] Result<AppliedDispositions> applyPending();

private:
    Archive& m_archive;
};

} // namespace verbatim::compliance

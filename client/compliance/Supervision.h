#pragma once
/// @file Supervision.h
/// Supervision (issue 21): lexicon policies, the alerts they raise, reproducible samples, a
/// review queue shared by every compliance officer, and the record of what compliance opened.
///
/// Everything compliance decides is itself a journal entry: a SUPERVISION record (docs/
/// protocol.md, "Supervision records"), a flat JSON body `{"v":1,"kind":...}` that a compliance
/// device seals to the journal key, signs and sends like any message
/// (client::Client::sendSupervisionRecord). The relay never reads a word of it. Each officer's
/// archive pulls the records with the rest of the journal and rebuilds from them, in log order,
/// the same policies (a policy's version is its place among the records naming it), the same
/// queue (an alert's status is the last review naming it) and the same access log. A record from
/// anyone but a compliance device, or whose entry failed the signer checks, is not applied and is
/// reported (`forged-supervision`); a record of a later format is reported
/// (`unsupported-supervision`) rather than guessed at.
///
/// Policies are evaluated here, where the journal is opened: each refresh() runs every enabled
/// policy version over the entries it has not read yet (a version reads every entry before the
/// record that replaced it; the latest, every entry): the text of messages, edits (so an edit
/// into a hit is caught) and retracted originals (the original entry stays in the journal),
/// attachment names and captions, and attachments' content when it is plain text. An alert's id
/// is the policy's name, the entry and the part; the first version that raised it is recorded.
/// What is raised does not depend on when an archive pulled, so every officer's archive raises
/// the same alerts with the same ids. No Qt, no network; not thread-safe (one Supervision per
/// Archive, on one thread).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/Result.h"
#include "compliance/Archive.h"

namespace verbatim::compliance {

/// What a policy record says (the writer's side; validated by supervisionPolicyBody()).
struct PolicySpec {
    std::string name;        ///< 1..200 bytes; records naming the same policy version it
    std::string query;       ///< in the search language (SearchParser.h)
    std::string matter;      ///< conversation id or title; empty: every conversation
    std::string participant; ///< user id (sender or recipient); empty: everyone
    std::string direction;   ///< "", "to-clients" (a client sends or receives it), "internal"
    std::string severity = "medium"; ///< low, medium, high
    bool enabled = true;
    bool example = false; ///< one of the starter set (examplePolicies())
};

/// A policy version as the journal holds it.
struct Policy {
    PolicySpec spec;
    std::uint32_t version = 0;  ///< 1, 2, ... in log order
    std::uint64_t sequence = 0; ///< of the record that set it
    std::string author;         ///< user/device
    std::uint64_t timeMs = 0;   ///< relay's clock
};

/// One matched word or phrase, for highlighting: byte offset and length in Alert::context.
struct AlertMatch {
    std::string text;
    std::size_t offset = 0;
    std::size_t length = 0;
};

/// One item of the review queue: a policy hit or a sampled entry.
struct Alert {
    std::string id;             ///< 12 hex digits, the same in every officer's archive
    std::string kind;           ///< "policy" or "sample"
    std::string policy;         ///< the policy's name ("" for a sample)
    std::uint32_t version = 0;  ///< the policy's version
    std::uint64_t sequence = 0; ///< of the entry that hit (or was sampled)
    int part = -1;              ///< -1: the entry's text and attachment names; N: attachment N
    std::string severity;
    std::vector<AlertMatch> matches;
    std::string context;         ///< the text around the matches (all of it when short)
    std::uint64_t sourceSeq = 0; ///< of the sample record (0 for a policy hit)
    // From the entry:
    std::string conversation, conversationTitle, user;
    std::uint64_t serverTimeMs = 0;
    // From the last review naming it:
    std::string status = "open"; ///< open, in-review, escalated, closed
    std::string disposition;     ///< no-issue, breach, training, referred (closed ones)
    std::string note;
    std::string reviewer; ///< user/device of the last review
    std::uint64_t reviewSeq = 0;
};

/// One review action as the journal holds it.
struct ReviewAction {
    std::uint64_t sequence = 0;
    std::string alert, reviewer, status, disposition, note;
    std::uint64_t timeMs = 0;
};

/// One access by compliance: a search, a timeline view, an export.
struct AccessEntry {
    std::uint64_t sequence = 0;
    std::string who; ///< user/device
    std::uint64_t timeMs = 0;
    std::string action; ///< search, show, export
    std::string detail; ///< the query and its filters, the conversation, the export's scope
};

/// A sample to draw: one participant's or one matter's messages over a period.
struct SampleRequest {
    std::string participant;
    std::string matter;
    std::uint64_t fromMs = 0, toMs = 0; ///< relay's clock, inclusive; 0: unbounded
    double percent = 0;                 ///< 0 < percent <= 100
    std::uint64_t seed = 0;
};

/// A sample as the journal holds it (who drew it, of what, and the seed that redraws it).
struct SampleRecord {
    std::uint64_t sequence = 0; ///< of the sample record
    std::string who;            ///< user/device
    std::uint64_t timeMs = 0;   ///< relay's clock
    std::string scope;          ///< "participant U" or "matter M"
    std::uint64_t fromMs = 0, toMs = 0;
    std::string percent, seed; ///< as journaled
    std::size_t items = 0;     ///< entries sampled
};

struct RefreshStats {
    std::size_t records = 0;   ///< SUPERVISION records applied
    std::size_t refused = 0;   ///< not applied (forged, newer format, malformed)
    std::size_t newAlerts = 0; ///< raised by policies now
    double seconds = 0;
};

/// The record bodies a compliance device sends (flat JSON, "v":1). Each checks what it is given
/// first (an unknown status, a query that does not parse: InvalidArgument, a message for a
/// person) so that nothing malformed is journaled.
[[nodiscard]] Result<std::string> supervisionPolicyBody(const PolicySpec& spec);
[[nodiscard]] Result<std::string> supervisionReviewBody(const std::string& alertId,
                                                        const std::string& status,
                                                        const std::string& disposition,
                                                        const std::string& note);
[[nodiscard]] Result<std::string> supervisionAccessBody(const std::string& action,
                                                        const std::string& detail);
[[nodiscard]] Result<std::string>
supervisionSampleBody(const SampleRequest& request, const std::vector<std::uint64_t>& sequences);

/// One row of a supervision report: a participant or a matter over the period.
struct ReportRow {
    std::string kind; ///< "participant" or "matter"
    std::string id;   ///< user id or conversation id
    std::string name; ///< display name or title
    std::string role; ///< participants: ROLE_...
    std::uint64_t sent = 0, received = 0;
    std::uint64_t toClients = 0, fromClients = 0; ///< messages a client received / sent
    /// Lawyers' answers to clients: from a client's first unanswered message in a conversation
    /// to the next message of a lawyer or supervisor there (participants: answers they gave).
    std::uint64_t answers = 0;
    double answerMedianSeconds = 0, answerP90Seconds = 0;
    std::uint64_t alerts = 0; ///< raised on entries in the period (sent by them / in it)
    std::map<std::string, std::uint64_t> statuses;     ///< open, in-review, escalated, closed
    std::map<std::string, std::uint64_t> dispositions; ///< no-issue, breach, training, referred
    std::uint64_t devices = 0;                         ///< participants: devices that sent
    // Matters only: the metadata a supervising partner may see (Report::metadataCsv()).
    std::vector<std::string> participants; ///< user ids that sent or received there, sorted
    std::uint64_t firstMs = 0, lastMs = 0; ///< first and last message (relay's time)
    std::uint64_t lastClientMs = 0;        ///< last message a client sent there (0: none)
    std::uint64_t waitingSinceMs = 0;      ///< a client's first unanswered message (0: none)
};

/// A period's report (README "Supervision"): participants, then matters (conversations), each
/// sorted by id.
struct Report {
    std::uint64_t fromMs = 0, toMs = 0;
    std::vector<ReportRow> rows;
    /// CSV (RFC 4180, every cell quoted, formula-leading cells prefixed with ').
    std::string csv() const;
    /// One self-contained HTML page: the tables and two bar charts (inline SVG), every value
    /// escaped.
    std::string html(const std::string& firmName) const;
    /// Metadata only (issue 21, supervising partners): one CSV row per conversation with who
    /// talked there (participants' ids and names), when (first, last, last client message, how
    /// long a client has waited for an answer at the period's end), and how much (messages, to
    /// and from clients, per week over the period); never a word of content, no alert detail.
    /// Names come from the participant rows. `nowMs`: when a wait is measured to (the period's
    /// end when it has one).
    std::string metadataCsv(std::uint64_t nowMs) const;
};

/// The starter set: EXAMPLES of policies for the risks the SRA guidance names (offensive
/// language, "delete this", moving off the record to a personal app, account numbers, promises
/// about fees or outcomes). Their names start with "Example: "; a firm tunes its own.
std::vector<PolicySpec> examplePolicies();

/// The conversation compliance devices append their records to (created by an administrator
/// with the compliance officers as members; README "Supervision").
inline constexpr const char* kReviewConversationTitle = "Compliance review";

class Supervision {
public:
    explicit Supervision(Archive& archive);

    /// Applies the SUPERVISION records pulled since the last refresh, then runs the enabled
    /// policies over the entries they have not run over. Call after every pull.
    [[nodiscard]] Result<RefreshStats> refresh();

    /// Every policy's latest version (disabled ones too), by name; with `name`, every version of
    /// that one, oldest first.
    [[nodiscard]] Result<std::vector<Policy>> policies(const std::string& name = {},
                                                       bool allVersions = false);
    /// The queue, by entry sequence; `status` filters (empty: all).
    [[nodiscard]] Result<std::vector<Alert>> alerts(const std::string& status = {});
    [[nodiscard]] Result<Alert> alert(const std::string& id);
    /// Every review action, in log order.
    [[nodiscard]] Result<std::vector<ReviewAction>> reviews();
    [[nodiscard]] Result<std::vector<AccessEntry>> accessLog();
    /// Every sample journaled, in log order.
    [[nodiscard]] Result<std::vector<SampleRecord>> samples();
    /// The attachments of every entry in the queue, by the entry's sequence (names, types,
    /// sizes and whether the archive holds their bytes; never the bytes: Archive::attachment()).
    [[nodiscard]] Result<std::map<std::uint64_t, std::vector<AttachmentInfo>>> alertAttachments();

    /// The entries a sample request selects, drawn reproducibly: an entry is in when
    /// SHA-256("verbatim-sample-v1" || u64(seed) || u64(sequence)) read as a number falls under
    /// `percent` of the range, so the same archive and seed always give the same sample, in any
    /// order. Messages only (text and attachments), by the relay's time.
    [[nodiscard]] Result<std::vector<std::uint64_t>> drawSample(const SampleRequest& request);

    /// The report of messages, answer times, alerts and dispositions over [fromMs, toMs] (the
    /// relay's time; toMs 0: unbounded). Messages are TEXT and ATTACHMENT entries.
    [[nodiscard]] Result<Report> report(std::uint64_t fromMs, std::uint64_t toMs);

private:
    Archive& m_archive;
};

} // namespace verbatim::compliance

/// @file Supervision.cpp
/// Supervision records applied in log order, policies evaluated over the archive, samples drawn,
/// the queue and the access log read back (Supervision.h).
#include "compliance/Supervision.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>

#include "common/Json.h"
#include "common/Try.h"
#include "compliance/ArchiveImpl.h"
#include "compliance/SearchParser.h"
#include "crypto/Digest.h"

namespace verbatim::compliance {
namespace {

constexpr const char* kFormat = "1";
constexpr std::size_t kMaxName = 200, kMaxNote = 8192, kMaxDetail = 4096;
// Context around the matches: this many bytes before the first and after the last, at most
// kMaxContext in all.
constexpr std::size_t kContextPad = 80, kMaxContext = 1200;
// Attachments whose content is read as text: a text/* media type and at most this size.
constexpr std::int64_t kMaxTextAttachment = 1 << 20;

const std::set<std::string> kStatuses{"in-review", "escalated", "closed"};
const std::set<std::string> kDispositions{"no-issue", "breach", "training", "referred"};
const std::set<std::string> kSeverities{"low", "medium", "high"};
const std::set<std::string> kDirections{"", "to-clients", "internal"};
const std::set<std::string> kAccess{"search", "show", "export"};
// An entry that failed these checks does not speak for the device it names.
const std::set<std::string> kSignerFaults{
    "bad-signature",  "unknown-device",  "revoked-signer",      "unapproved-device",
    "decrypt-failed", "header-mismatch", "commitment-mismatch", "replayed-message-id"};

std::string field(const std::string& name, const std::string& value) {
    return "," + jsonQuote(name) + ":" + jsonQuote(value);
}

std::string u64be(std::uint64_t v) {
    std::string s(8, '\0');
    for (int i = 7; i >= 0; --i, v >>= 8)
        s[std::size_t(i)] = char(v & 0xff);
    return s;
}

std::string shortId(const std::string& label, const std::string& what) {
    auto h = crypto::sha256(view(label + what));
    return toHex(ByteView(h.data(), 6));
}

// The same hit of two versions of a policy is one alert (the first version that raised it).
std::string policyAlertId(const std::string& policy, std::uint64_t seq, int part) {
    return shortId("verbatim-alert-v1", u64be(policy.size()) + policy + u64be(seq) +
                                            u64be(std::uint64_t(std::int64_t(part))));
}

std::string sampleAlertId(std::uint64_t sampleSeq, std::uint64_t seq) {
    return shortId("verbatim-sample-item-v1", u64be(sampleSeq) + u64be(seq));
}

bool isUtf8Continuation(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Moves `i` back to the start of a UTF-8 character.
std::size_t charStart(const std::string& s, std::size_t i) {
    while (i > 0 && i < s.size() && isUtf8Continuation(s[i]))
        --i;
    return i;
}

// The stored form is "offset:length" pairs; the text is cut from the context.
std::string matchesStored(const std::vector<AlertMatch>& ms) {
    std::string out;
    for (const auto& m : ms)
        out += (out.empty() ? "" : " ") + std::to_string(m.offset) + ":" + std::to_string(m.length);
    return out;
}

std::vector<AlertMatch> matchesLoaded(const std::string& stored, const std::string& context) {
    std::vector<AlertMatch> out;
    std::size_t i = 0;
    while (i < stored.size()) {
        auto j = stored.find(' ', i);
        if (j == std::string::npos) j = stored.size();
        auto item = stored.substr(i, j - i);
        auto colon = item.find(':');
        if (colon != std::string::npos) {
            AlertMatch m;
            m.offset = std::stoull(item.substr(0, colon));
            m.length = std::stoull(item.substr(colon + 1));
            if (m.offset <= context.size() && m.length <= context.size() - m.offset) {
                m.text = context.substr(m.offset, m.length);
                out.push_back(std::move(m));
            }
        }
        i = j + 1;
    }
    return out;
}

/// FTS5's highlight() output with \x01 and \x02 around each match: the matches and the context.
void cutContext(const std::string& marked, std::vector<AlertMatch>& matches, std::string& context) {
    std::string text;
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    std::size_t open = 0;
    for (char c : marked) {
        if (c == '\x01') {
            open = text.size();
        } else if (c == '\x02') {
            spans.push_back({open, text.size() - open});
        } else {
            text += c;
        }
    }
    std::size_t from = 0, to = text.size();
    if (!spans.empty() && text.size() > kMaxContext) {
        from = charStart(text,
                         spans.front().first > kContextPad ? spans.front().first - kContextPad : 0);
        std::size_t end = spans.back().first + spans.back().second + kContextPad;
        to = std::min({text.size(), end, from + kMaxContext});
        to = charStart(text, to);
    }
    context = text.substr(from, to - from);
    for (auto& [off, len] : spans) {
        if (off < from || off + len > to) continue;
        matches.push_back({text.substr(off, len), off - from, len});
    }
}

struct PolicyState {
    Policy policy;
    std::string fts5;
    std::uint64_t evaluated = 0; ///< entries up to here were read by this version
    std::uint64_t limit = 0;     ///< this version reads entries up to here
};

} // namespace

Result<std::string> supervisionPolicyBody(const PolicySpec& p) {
    if (p.name.empty() || p.name.size() > kMaxName)
        return fail(ErrorCode::InvalidArgument, "a policy's name is 1-200 bytes");
    if (!kSeverities.count(p.severity))
        return fail(ErrorCode::InvalidArgument,
                    "--severity: must be low, medium or high, not '" + p.severity + "'");
    if (!kDirections.count(p.direction))
        return fail(ErrorCode::InvalidArgument,
                    "--direction: must be to-clients or internal, not '" + p.direction + "'");
    auto parsed = parseSearch(p.query);
    if (!parsed)
        return fail(ErrorCode::InvalidArgument,
                    "the policy's query cannot be used: " + parsed.error().message);
    if (!parsed->notes.empty())
        return fail(ErrorCode::InvalidArgument,
                    "the policy's query is ambiguous (" + parsed->notes.front() +
                        "); a policy's query must be read as written: quote text meant as text");
    return "{\"v\":" + std::string(kFormat) + field("kind", "policy") + field("name", p.name) +
           field("query", p.query) + field("matter", p.matter) +
           field("participant", p.participant) + field("direction", p.direction) +
           field("severity", p.severity) + ",\"enabled\":" + (p.enabled ? "true" : "false") +
           ",\"example\":" + (p.example ? "true" : "false") + "}";
}

Result<std::string> supervisionReviewBody(const std::string& alertId, const std::string& status,
                                          const std::string& disposition, const std::string& note) {
    if (alertId.size() != 12 || alertId.find_first_not_of("0123456789abcdef") != std::string::npos)
        return fail(ErrorCode::InvalidArgument, "an alert id is 12 lowercase hex digits");
    if (!kStatuses.count(status))
        return fail(ErrorCode::InvalidArgument,
                    "--status: must be in-review, escalated or closed, not '" + status + "'");
    if (!disposition.empty() && !kDispositions.count(disposition))
        return fail(ErrorCode::InvalidArgument,
                    "--disposition: must be no-issue, breach, training or referred, not '" +
                        disposition + "'");
    if (status == "closed" && disposition.empty())
        return fail(ErrorCode::InvalidArgument,
                    "closing an alert takes --disposition no-issue|breach|training|referred");
    if (status != "closed" && !disposition.empty())
        return fail(ErrorCode::InvalidArgument, "--disposition goes with --status closed");
    if (note.size() > kMaxNote)
        return fail(ErrorCode::InvalidArgument, "a note is at most 8192 bytes");
    return "{\"v\":" + std::string(kFormat) + field("kind", "review") + field("alert", alertId) +
           field("status", status) + field("disposition", disposition) + field("note", note) + "}";
}

Result<std::string> supervisionAccessBody(const std::string& action, const std::string& detail) {
    if (!kAccess.count(action))
        return fail(ErrorCode::InvalidArgument, "unknown access '" + action + "'");
    std::string d =
        detail.size() > kMaxDetail ? detail.substr(0, charStart(detail, kMaxDetail)) : detail;
    return "{\"v\":" + std::string(kFormat) + field("kind", "access") + field("action", action) +
           field("detail", d) + "}";
}

Result<std::string> supervisionSampleBody(const SampleRequest& r,
                                          const std::vector<std::uint64_t>& sequences) {
    if (r.participant.empty() == r.matter.empty())
        return fail(ErrorCode::InvalidArgument, "a sample is of one --participant or one --matter");
    if (!(r.percent > 0 && r.percent <= 100))
        return fail(ErrorCode::InvalidArgument, "--percent: must be more than 0 and at most 100");
    std::string list;
    for (auto s : sequences)
        list += (list.empty() ? "" : " ") + std::to_string(s);
    char pct[32];
    std::snprintf(pct, sizeof pct, "%g", r.percent);
    return "{\"v\":" + std::string(kFormat) + field("kind", "sample") +
           field("participant", r.participant) + field("matter", r.matter) +
           ",\"from_ms\":" + std::to_string(r.fromMs) + ",\"to_ms\":" + std::to_string(r.toMs) +
           field("percent", pct) + field("seed", std::to_string(r.seed)) +
           field("sequences", list) + "}";
}

std::vector<PolicySpec> examplePolicies() {
    auto p = [](std::string name, std::string query, std::string severity) {
        PolicySpec s;
        s.name = "Example: " + std::move(name);
        s.query = std::move(query);
        s.severity = std::move(severity);
        s.example = true;
        return s;
    };
    return {
        p("offensive language", "idiot OR stupid OR moron OR bastard OR bloody OR \"shut up\"",
          "medium"),
        p("delete this",
          "\"delete this\" OR \"delete these\" OR \"delete that\" OR \"delete the messages\" OR "
          "\"erase this\" OR (destroy w/3 (documents OR records OR evidence OR emails))",
          "high"),
        p("off the record",
          "whatsapp OR telegram OR \"text me\" OR \"message me on\" OR \"my personal phone\" OR "
          "\"my personal email\" OR \"off the record\" OR (signal w/3 (app OR message OR me))",
          "high"),
        p("account numbers",
          "\"account number\" OR \"account no\" OR iban OR \"sort code\" OR \"routing number\" OR "
          "\"bank details\" OR swift",
          "medium"),
        p("promises about fees or outcomes",
          "((guarantee* OR promise* OR definitely OR certainly) w/6 (win OR outcome OR result OR "
          "fee OR fees OR cost OR costs OR settle*)) OR \"no win no fee\" OR \"can't lose\"",
          "high"),
    };
}

Supervision::Supervision(Archive& archive) : m_archive(archive) {}

Result<RefreshStats> Supervision::refresh() {
    const auto started = std::chrono::steady_clock::now();
    RefreshStats stats;
    auto& db = *m_archive.m->db;
    storage::Transaction tx(db);
    VERBATIM_TRY(tx.begin());

    // 1. The records pulled since the last refresh, in log order.
    std::uint64_t done = 0;
    {
        VERBATIM_TRY_LET(
            q, db.prepare("SELECT evaluated_seq FROM sv_progress WHERE name = '' AND version = 0"));
        VERBATIM_TRY_LET(row, q->step());
        if (*row) done = std::uint64_t(q->columnInt(0));
    }
    std::map<std::string, std::string> roles;
    {
        VERBATIM_TRY_LET(q, db.prepare("SELECT id, role FROM users"));
        VERBATIM_TRY(q->forEachRow(
            [&](storage::Statement& s) { roles[s.columnText(0)] = s.columnText(1); }));
    }
    auto refuse = [&](std::uint64_t seq, const std::string& fault,
                      const std::string& detail) -> Result<void> {
        ++stats.refused;
        return m_archive.m->addProblem(seq, fault, detail, "supervision");
    };
    std::uint64_t last = done;
    {
        VERBATIM_TRY_LET(q,
                         db.prepare("SELECT seq, user, device, server_time_ms, body FROM records "
                                    "WHERE type = ? AND seq > ? ORDER BY seq"));
        q->bind(1, std::int64_t(proto::SUPERVISION)).bind(2, std::int64_t(done));
        while (true) {
            VERBATIM_TRY_LET(row, q->step());
            if (!*row) break;
            const auto seq = std::uint64_t(q->columnInt(0));
            const std::string user = q->columnText(1);
            const auto device = std::uint32_t(q->columnInt(2));
            const auto timeMs = std::uint64_t(q->columnInt(3));
            const std::string body = str(q->columnBlob(4));
            const std::string who = deviceName(user, device);
            last = seq;
            std::string signerFault;
            {
                VERBATIM_TRY_LET(p, db.prepare("SELECT fault FROM problems WHERE seq = ?"));
                p->bind(1, std::int64_t(seq));
                VERBATIM_TRY(p->forEachRow([&](storage::Statement& s) {
                    if (kSignerFaults.count(s.columnText(0))) signerFault = s.columnText(0);
                }));
            }
            if (!signerFault.empty()) {
                VERBATIM_TRY(refuse(seq, "forged-supervision",
                                    "a supervision record whose entry failed the signer checks (" +
                                        signerFault + "): not applied"));
                continue;
            }
            if (roles[user] != "ROLE_COMPLIANCE") {
                VERBATIM_TRY(refuse(seq, "forged-supervision",
                                    "a supervision record signed by " + who +
                                        ", which is not a compliance device: not applied"));
                continue;
            }
            auto o = parseFlatJsonObject(body);
            if (!o || !o->count("v") || !o->count("kind")) {
                VERBATIM_TRY(
                    refuse(seq, "unsupported-supervision",
                           "a supervision record by " + who + " that does not parse: not applied"));
                continue;
            }
            auto& b = *o;
            if (b["v"] != kFormat) {
                VERBATIM_TRY(refuse(seq, "unsupported-supervision",
                                    "a supervision record of format " + b["v"] + " by " + who +
                                        " (this tool reads format 1): update verbatim-journal; "
                                        "not applied"));
                continue;
            }
            const std::string kind = b["kind"];
            if (kind == "policy") {
                if (b["name"].empty() || b["name"].size() > kMaxName || !parseSearch(b["query"]) ||
                    !kSeverities.count(b["severity"]) || !kDirections.count(b["direction"])) {
                    VERBATIM_TRY(refuse(seq, "unsupported-supervision",
                                        "a policy record by " + who +
                                            " with a field this tool cannot use: not applied"));
                    continue;
                }
                VERBATIM_TRY_LET(
                    ins,
                    db.prepare(
                        "INSERT INTO sv_policies (name, version, seq, user, device, time_ms, "
                        "query, matter, participant, direction, severity, enabled, example) "
                        "SELECT ?1, coalesce(max(version), 0) + 1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                        "?9, ?10, ?11, ?12 FROM sv_policies WHERE name = ?1"));
                ins->bind(1, std::string_view(b["name"]))
                    .bind(2, std::int64_t(seq))
                    .bind(3, std::string_view(user))
                    .bind(4, std::int64_t(device))
                    .bind(5, std::int64_t(timeMs))
                    .bind(6, std::string_view(b["query"]))
                    .bind(7, std::string_view(b["matter"]))
                    .bind(8, std::string_view(b["participant"]))
                    .bind(9, std::string_view(b["direction"]))
                    .bind(10, std::string_view(b["severity"]))
                    .bind(11, std::int64_t(b["enabled"] != "false"))
                    .bind(12, std::int64_t(b["example"] == "true"));
                VERBATIM_TRY(ins->run());
            } else if (kind == "review") {
                if (!supervisionReviewBody(b["alert"], b["status"], b["disposition"], b["note"])) {
                    VERBATIM_TRY(refuse(seq, "unsupported-supervision",
                                        "a review record by " + who +
                                            " with a field this tool cannot use: not applied"));
                    continue;
                }
                VERBATIM_TRY_LET(ins, db.prepare("INSERT OR IGNORE INTO sv_reviews (seq, alert, "
                                                 "user, device, time_ms, status, disposition, "
                                                 "note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
                ins->bind(1, std::int64_t(seq))
                    .bind(2, std::string_view(b["alert"]))
                    .bind(3, std::string_view(user))
                    .bind(4, std::int64_t(device))
                    .bind(5, std::int64_t(timeMs))
                    .bind(6, std::string_view(b["status"]))
                    .bind(7, std::string_view(b["disposition"]))
                    .bind(8, std::string_view(b["note"]));
                VERBATIM_TRY(ins->run());
            } else if (kind == "access") {
                if (!kAccess.count(b["action"])) {
                    VERBATIM_TRY(refuse(seq, "unsupported-supervision",
                                        "an access record by " + who +
                                            " naming an unknown action: not applied"));
                    continue;
                }
                VERBATIM_TRY_LET(ins, db.prepare("INSERT OR IGNORE INTO sv_access (seq, user, "
                                                 "device, time_ms, action, detail) VALUES (?, ?, "
                                                 "?, ?, ?, ?)"));
                ins->bind(1, std::int64_t(seq))
                    .bind(2, std::string_view(user))
                    .bind(3, std::int64_t(device))
                    .bind(4, std::int64_t(timeMs))
                    .bind(5, std::string_view(b["action"]))
                    .bind(6, std::string_view(b["detail"]));
                VERBATIM_TRY(ins->run());
            } else if (kind == "sample") {
                std::vector<std::uint64_t> items;
                const std::string& list = b["sequences"];
                bool ok = list.find_first_not_of("0123456789 ") == std::string::npos;
                for (std::size_t i = 0; ok && i < list.size();) {
                    auto j = list.find(' ', i);
                    if (j == std::string::npos) j = list.size();
                    if (j > i && j - i < 20) items.push_back(std::stoull(list.substr(i, j - i)));
                    i = j + 1;
                }
                if (!ok) {
                    VERBATIM_TRY(refuse(seq, "unsupported-supervision",
                                        "a sample record by " + who +
                                            " with a malformed list: not applied"));
                    continue;
                }
                VERBATIM_TRY_LET(
                    ins, db.prepare("INSERT OR IGNORE INTO sv_samples (seq, user, device, time_ms, "
                                    "scope, from_ms, to_ms, percent, seed, sequences) VALUES (?, "
                                    "?, ?, ?, ?, ?, ?, ?, ?, ?)"));
                const std::string scope = b["participant"].empty()
                                              ? "matter " + b["matter"]
                                              : "participant " + b["participant"];
                ins->bind(1, std::int64_t(seq))
                    .bind(2, std::string_view(user))
                    .bind(3, std::int64_t(device))
                    .bind(4, std::int64_t(timeMs))
                    .bind(5, std::string_view(scope))
                    .bind(6, std::int64_t(std::strtoull(b["from_ms"].c_str(), nullptr, 10)))
                    .bind(7, std::int64_t(std::strtoull(b["to_ms"].c_str(), nullptr, 10)))
                    .bind(8, std::string_view(b["percent"]))
                    .bind(9, std::string_view(b["seed"]))
                    .bind(10, std::string_view(list));
                VERBATIM_TRY(ins->run());
                for (auto item : items) {
                    VERBATIM_TRY_LET(a, db.prepare("INSERT OR IGNORE INTO sv_alerts (id, kind, "
                                                   "policy, version, seq, part, severity, matches, "
                                                   "context, source_seq) SELECT ?, 'sample', '', "
                                                   "0, seq, -1, 'low', '', '', ? FROM records "
                                                   "WHERE seq = ?"));
                    a->bind(1, std::string_view(sampleAlertId(seq, item)))
                        .bind(2, std::int64_t(seq))
                        .bind(3, std::int64_t(item));
                    VERBATIM_TRY(a->run());
                }
            } else {
                VERBATIM_TRY(refuse(seq, "unsupported-supervision",
                                    "a supervision record of unknown kind '" + kind + "' by " +
                                        who + ": not applied"));
                continue;
            }
            ++stats.records;
        }
    }
    {
        VERBATIM_TRY_LET(up, db.prepare("INSERT OR REPLACE INTO sv_progress (name, version, "
                                        "evaluated_seq) VALUES ('', 0, ?)"));
        up->bind(1, std::int64_t(last));
        VERBATIM_TRY(up->run());
    }

    // 2. The enabled policies over the entries each has not run over yet.
    std::uint64_t head = 0;
    {
        VERBATIM_TRY_LET(q, db.prepare("SELECT coalesce(max(seq), 0) FROM records"));
        VERBATIM_TRY_LET(row, q->step());
        head = std::uint64_t(q->columnInt(0));
    }
    std::vector<PolicyState> active;
    {
        VERBATIM_TRY_LET(
            q, db.prepare("SELECT p.name, p.version, p.query, p.matter, p.participant, "
                          "p.direction, p.severity, coalesce(g.evaluated_seq, 0), (SELECT "
                          "min(seq) FROM sv_policies x WHERE x.name = p.name AND x.version > "
                          "p.version) FROM sv_policies p LEFT JOIN sv_progress g ON g.name = "
                          "p.name AND g.version = p.version WHERE p.enabled = 1 ORDER BY p.name, "
                          "p.version"));
        VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) {
            PolicyState ps;
            ps.policy.spec.name = s.columnText(0);
            ps.policy.version = std::uint32_t(s.columnInt(1));
            ps.policy.spec.query = s.columnText(2);
            ps.policy.spec.matter = s.columnText(3);
            ps.policy.spec.participant = s.columnText(4);
            ps.policy.spec.direction = s.columnText(5);
            ps.policy.spec.severity = s.columnText(6);
            ps.evaluated = std::uint64_t(s.columnInt(7));
            // A version reads every entry before the record that replaced it (the latest: every
            // entry), whenever the archive learns of it: what it raises does not depend on when
            // an officer pulled.
            ps.limit = s.columnIsNull(8) ? head : std::min(head, std::uint64_t(s.columnInt(8)) - 1);
            if (auto parsed = parseSearch(ps.policy.spec.query)) {
                ps.fts5 = parsed->fts5;
                if (ps.evaluated < ps.limit) active.push_back(std::move(ps));
            }
        }));
    }
    if (!active.empty()) {
        // The archive's full-text index (records_fts: the text, edits and attachment names of
        // every entry, by sequence) finds the candidate entries of each policy; only those, and
        // the plain-text attachments, go into a temporary index in memory, where the same query
        // runs again with highlight() to give the matched words and their context. The index
        // and the temporary table use the same tokenizer, so both read the query alike.
        VERBATIM_TRY(db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.sv_text USING fts5 (body, "
                             "tokenize='unicode61 remove_diacritics 2')"));
        VERBATIM_TRY(db.exec("DELETE FROM temp.sv_text"));
        // Each part's key: the entry's sequence and the part (0: text and names, N+1:
        // attachment N).
        auto key = [](std::uint64_t seq, int part) { return std::int64_t(seq) * 128 + (part + 1); };
        struct EntryInfo {
            std::string conversation, user, recipients;
        };
        std::map<std::uint64_t, EntryInfo> info;
        VERBATIM_TRY_LET(ins, db.prepare("INSERT INTO temp.sv_text (rowid, body) VALUES (?, ?)"));
        auto add = [&](std::int64_t rowid, std::string text) -> Result<void> {
            // The markers highlight() puts around matches never occur in the text.
            std::replace(text.begin(), text.end(), '\x01', ' ');
            std::replace(text.begin(), text.end(), '\x02', ' ');
            ins->bind(1, rowid).bind(2, std::string_view(text));
            return ins->run();
        };
        std::uint64_t lowest = head;
        for (const auto& p : active)
            lowest = std::min(lowest, p.evaluated);
        // Candidates: entries whose indexed text matches some policy.
        std::set<std::uint64_t> candidates;
        for (const auto& p : active) {
            VERBATIM_TRY_LET(q, db.prepare("SELECT rowid FROM records_fts WHERE records_fts MATCH "
                                           "? AND rowid > ? AND rowid <= ?"));
            q->bind(1, std::string_view(p.fts5))
                .bind(2, std::int64_t(p.evaluated))
                .bind(3, std::int64_t(p.limit));
            VERBATIM_TRY(q->forEachRow(
                [&](storage::Statement& s) { candidates.insert(std::uint64_t(s.columnInt(0))); }));
        }
        {
            VERBATIM_TRY_LET(q, db.prepare("SELECT seq, conversation, user, recipients, body, "
                                           "attachments FROM records WHERE seq = ? AND type IN "
                                           "(?, ?, ?)"));
            for (auto seq : candidates) {
                q->bind(1, std::int64_t(seq))
                    .bind(2, std::int64_t(proto::TEXT))
                    .bind(3, std::int64_t(proto::ATTACHMENT))
                    .bind(4, std::int64_t(proto::EDIT));
                VERBATIM_TRY_LET(row, q->step());
                if (*row) {
                    info[seq] = {q->columnText(1), q->columnText(2), q->columnText(3)};
                    std::string text = str(q->columnBlob(4));
                    if (!q->columnIsNull(5)) {
                        proto::AttachmentList list;
                        auto raw = q->columnBlob(5);
                        if (list.ParseFromArray(raw.data(), int(raw.size())))
                            for (const auto& a : list.items())
                                text += "\n" + a.file_name();
                    }
                    VERBATIM_TRY(add(key(seq, -1), std::move(text)));
                }
                q->reset();
            }
        }
        {
            // Plain-text attachments are not in the archive's index: all of them go in.
            VERBATIM_TRY_LET(q, db.prepare("SELECT a.seq, a.idx, a.data, r.conversation, r.user, "
                                           "r.recipients FROM attachments a JOIN records r ON "
                                           "r.seq = a.seq WHERE a.seq > ? AND a.seq <= ? AND "
                                           "a.data IS NOT NULL AND a.mime LIKE 'text/%' AND "
                                           "length(a.data) <= ?"));
            q->bind(1, std::int64_t(lowest))
                .bind(2, std::int64_t(head))
                .bind(3, kMaxTextAttachment);
            VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) -> Result<void> {
                const auto seq = std::uint64_t(s.columnInt(0));
                const auto idx = int(s.columnInt(1));
                if (idx < 0 || idx > 100) return {};
                info.emplace(seq, EntryInfo{s.columnText(3), s.columnText(4), s.columnText(5)});
                Bytes data = s.columnBlob(2);
                std::string text = str(data);
                std::fill(data.begin(), data.end(), 0);
                auto r = add(key(seq, idx), std::move(text));
                std::fill(text.begin(), text.end(), 0);
                return r;
            }));
        }
        for (auto& p : active) {
            std::string matterId;
            if (!p.policy.spec.matter.empty()) {
                auto id = m_archive.resolveConversation(p.policy.spec.matter);
                matterId = id ? *id : std::string("\x01none");
            }
            VERBATIM_TRY_LET(q, db.prepare("SELECT rowid, highlight(sv_text, 0, char(1), "
                                           "char(2)) FROM temp.sv_text WHERE sv_text "
                                           "MATCH ? AND rowid > ? ORDER BY rowid"));
            q->bind(1, std::string_view(p.fts5)).bind(2, key(p.evaluated, 126));
            VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) -> Result<void> {
                const auto rowid = s.columnInt(0);
                const auto seq = std::uint64_t(rowid / 128);
                const int part = int(rowid % 128) - 1;
                auto it = info.find(seq);
                if (it == info.end() || seq > p.limit) return {};
                const auto& e = it->second;
                if (!matterId.empty() && e.conversation != matterId) return {};
                std::vector<std::string> people{e.user};
                for (std::size_t i = 0; i < e.recipients.size();) {
                    auto j = e.recipients.find(' ', i);
                    if (j == std::string::npos) j = e.recipients.size();
                    if (j > i) people.push_back(e.recipients.substr(i, j - i));
                    i = j + 1;
                }
                if (!p.policy.spec.participant.empty() &&
                    std::find(people.begin(), people.end(), p.policy.spec.participant) ==
                        people.end())
                    return {};
                if (!p.policy.spec.direction.empty()) {
                    bool client = false;
                    for (const auto& u : people)
                        client = client || roles[u] == "ROLE_CLIENT";
                    if (client != (p.policy.spec.direction == "to-clients")) return {};
                }
                std::vector<AlertMatch> matches;
                std::string context;
                cutContext(s.columnText(1), matches, context);
                VERBATIM_TRY_LET(a, db.cached("INSERT OR IGNORE INTO sv_alerts (id, kind, "
                                              "policy, version, seq, part, severity, "
                                              "matches, context, source_seq) VALUES (?, "
                                              "'policy', ?, ?, ?, ?, ?, ?, ?, 0)"));
                a->bind(1, std::string_view(policyAlertId(p.policy.spec.name, seq, part)))
                    .bind(2, std::string_view(p.policy.spec.name))
                    .bind(3, std::int64_t(p.policy.version))
                    .bind(4, std::int64_t(seq))
                    .bind(5, std::int64_t(part))
                    .bind(6, std::string_view(p.policy.spec.severity))
                    .bind(7, std::string_view(matchesStored(matches)))
                    .bind(8, std::string_view(context));
                VERBATIM_TRY(a->run());
                stats.newAlerts += std::size_t(db.changes());
                return {};
            }));
        }
        VERBATIM_TRY(db.exec("DELETE FROM temp.sv_text"));
        for (auto& p : active) {
            VERBATIM_TRY_LET(up, db.prepare("INSERT OR REPLACE INTO sv_progress (name, version, "
                                            "evaluated_seq) VALUES (?, ?, ?)"));
            up->bind(1, std::string_view(p.policy.spec.name))
                .bind(2, std::int64_t(p.policy.version))
                .bind(3, std::int64_t(p.limit));
            VERBATIM_TRY(up->run());
        }
    }
    VERBATIM_TRY(tx.commit());
    stats.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return stats;
}

Result<std::vector<Policy>> Supervision::policies(const std::string& name, bool allVersions) {
    auto& db = *m_archive.m->db;
    std::string sql = "SELECT name, version, seq, user, device, time_ms, query, matter, "
                      "participant, direction, severity, enabled, example FROM sv_policies p";
    if (!name.empty()) sql += " WHERE name = ?1";
    if (!allVersions)
        sql += std::string(name.empty() ? " WHERE" : " AND") +
               " version = (SELECT max(version) FROM sv_policies x WHERE x.name = p.name)";
    sql += " ORDER BY name, version";
    VERBATIM_TRY_LET(q, db.prepare(sql));
    if (!name.empty()) q->bind(1, std::string_view(name));
    std::vector<Policy> out;
    VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) {
        Policy p;
        p.spec.name = s.columnText(0);
        p.version = std::uint32_t(s.columnInt(1));
        p.sequence = std::uint64_t(s.columnInt(2));
        p.author = deviceName(s.columnText(3), std::uint32_t(s.columnInt(4)));
        p.timeMs = std::uint64_t(s.columnInt(5));
        p.spec.query = s.columnText(6);
        p.spec.matter = s.columnText(7);
        p.spec.participant = s.columnText(8);
        p.spec.direction = s.columnText(9);
        p.spec.severity = s.columnText(10);
        p.spec.enabled = s.columnInt(11) != 0;
        p.spec.example = s.columnInt(12) != 0;
        out.push_back(std::move(p));
    }));
    if (!name.empty() && out.empty())
        return fail(ErrorCode::NotFound, "no policy named \"" + name + "\"");
    return out;
}

Result<std::vector<Alert>> Supervision::alerts(const std::string& status) {
    auto& db = *m_archive.m->db;
    VERBATIM_TRY_LET(
        q, db.prepare(
               "SELECT a.id, a.kind, a.policy, a.version, a.seq, a.part, a.severity, a.matches, "
               "a.context, a.source_seq, coalesce(r.conversation, ''), coalesce(c.title, ''), "
               "coalesce(r.user, ''), coalesce(r.server_time_ms, 0), coalesce(v.status, 'open'), "
               "coalesce(v.disposition, ''), coalesce(v.note, ''), coalesce(v.user || '/' || "
               "v.device, ''), coalesce(v.seq, 0) FROM sv_alerts a LEFT JOIN records r ON r.seq "
               "= a.seq LEFT JOIN conversations c ON c.id = r.conversation LEFT JOIN sv_reviews v "
               "ON v.seq = (SELECT max(seq) FROM sv_reviews x WHERE x.alert = a.id) ORDER BY "
               "a.seq, a.kind, a.policy, a.part"));
    std::vector<Alert> out;
    VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) {
        Alert a;
        a.id = s.columnText(0);
        a.kind = s.columnText(1);
        a.policy = s.columnText(2);
        a.version = std::uint32_t(s.columnInt(3));
        a.sequence = std::uint64_t(s.columnInt(4));
        a.part = int(s.columnInt(5));
        a.severity = s.columnText(6);
        a.context = s.columnText(8);
        a.matches = matchesLoaded(s.columnText(7), a.context);
        a.sourceSeq = std::uint64_t(s.columnInt(9));
        a.conversation = s.columnText(10);
        a.conversationTitle = s.columnText(11);
        a.user = s.columnText(12);
        a.serverTimeMs = std::uint64_t(s.columnInt(13));
        a.status = s.columnText(14);
        a.disposition = s.columnText(15);
        a.note = s.columnText(16);
        a.reviewer = s.columnText(17);
        a.reviewSeq = std::uint64_t(s.columnInt(18));
        if (status.empty() || a.status == status) out.push_back(std::move(a));
    }));
    // A sampled entry's text is its context (the whole message, as a reviewer reads it).
    for (auto& a : out) {
        if (a.kind != "sample" || !a.context.empty()) continue;
        VERBATIM_TRY_LET(t, db.prepare("SELECT body FROM records WHERE seq = ?"));
        t->bind(1, std::int64_t(a.sequence));
        VERBATIM_TRY_LET(row, t->step());
        if (*row) a.context = str(t->columnBlob(0));
    }
    return out;
}

Result<Alert> Supervision::alert(const std::string& id) {
    VERBATIM_TRY_LET(all, alerts());
    for (auto& a : *all)
        if (a.id == id) return std::move(a);
    return fail(ErrorCode::NotFound, "no alert " + id + " in this archive (pull first?)");
}

Result<std::vector<ReviewAction>> Supervision::reviews() {
    auto& db = *m_archive.m->db;
    VERBATIM_TRY_LET(q, db.prepare("SELECT seq, alert, user || '/' || device, status, "
                                   "disposition, note, time_ms FROM sv_reviews ORDER BY seq"));
    std::vector<ReviewAction> out;
    VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) {
        out.push_back({std::uint64_t(s.columnInt(0)), s.columnText(1), s.columnText(2),
                       s.columnText(3), s.columnText(4), s.columnText(5),
                       std::uint64_t(s.columnInt(6))});
    }));
    return out;
}

Result<std::vector<AccessEntry>> Supervision::accessLog() {
    auto& db = *m_archive.m->db;
    VERBATIM_TRY_LET(q, db.prepare("SELECT seq, user || '/' || device, time_ms, action, detail "
                                   "FROM sv_access ORDER BY seq"));
    std::vector<AccessEntry> out;
    VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) {
        out.push_back({std::uint64_t(s.columnInt(0)), s.columnText(1),
                       std::uint64_t(s.columnInt(2)), s.columnText(3), s.columnText(4)});
    }));
    return out;
}

Result<std::vector<std::uint64_t>> Supervision::drawSample(const SampleRequest& r) {
    if (r.participant.empty() == r.matter.empty())
        return fail(ErrorCode::InvalidArgument, "a sample is of one --participant or one --matter");
    if (!(r.percent > 0 && r.percent <= 100))
        return fail(ErrorCode::InvalidArgument, "--percent: must be more than 0 and at most 100");
    auto& db = *m_archive.m->db;
    std::string conv;
    if (!r.matter.empty()) {
        VERBATIM_TRY_LET(c, m_archive.resolveConversation(r.matter));
        conv = *c;
    }
    VERBATIM_TRY_LET(
        q, db.prepare("SELECT seq FROM records WHERE type IN (?1, ?2) AND server_time_ms >= ?3 "
                      "AND (?4 = 0 OR server_time_ms <= ?4) AND (?5 = '' OR conversation = ?5) "
                      "AND (?6 = '' OR user = ?6 OR ' ' || recipients || ' ' LIKE '% ' || ?6 || "
                      "' %') ORDER BY seq"));
    q->bind(1, std::int64_t(proto::TEXT))
        .bind(2, std::int64_t(proto::ATTACHMENT))
        .bind(3, std::int64_t(r.fromMs))
        .bind(4, std::int64_t(r.toMs))
        .bind(5, std::string_view(conv))
        .bind(6, std::string_view(r.participant));
    // In when the hash, as a fraction of 2^64, is under percent/100 (exact for 100).
    const long double limit = std::ldexp((long double)r.percent / 100.0L, 64);
    std::vector<std::uint64_t> out;
    VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) {
        const auto seq = std::uint64_t(s.columnInt(0));
        auto h = crypto::sha256(view("verbatim-sample-v1" + u64be(r.seed) + u64be(seq)));
        std::uint64_t x = 0;
        for (int i = 0; i < 8; ++i)
            x = (x << 8) | h[std::size_t(i)];
        if (r.percent >= 100 || (long double)x < limit) out.push_back(seq);
    }));
    return out;
}

} // namespace verbatim::compliance

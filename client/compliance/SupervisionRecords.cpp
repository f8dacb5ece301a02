/// @file SupervisionRecords.cpp
/// Supervision records: the bodies compliance devices journal (policy, review, access, sample),
/// the starter policies, and the records applied in log order (Supervision.h, README
/// "Supervision").
#include <cstdio>
#include <cstdlib>
#include <set>

#include "common/Json.h"
#include "common/Try.h"
#include "compliance/SearchParser.h"
#include "compliance/SupervisionImpl.h"
#include "journal/SupervisionSeal.h"

namespace verbatim::compliance {
namespace {

using supervision::charStart;

constexpr const char* kFormat = "1";
constexpr std::size_t kMaxName = 200, kMaxNote = 8192, kMaxDetail = 4096;

const std::set<std::string> kStatuses{"in-review", "escalated", "closed"};
const std::set<std::string> kDispositions{"no-issue", "breach", "training", "referred"};
const std::set<std::string> kSeverities{"low", "medium", "high"};
const std::set<std::string> kDirections{"", "to-clients", "internal"};
const std::set<std::string> kAccess{"search", "show", "export"};
const std::string kUnusableField = " with a field this tool cannot use";
// An entry that failed these checks does not speak for the device it names.
const std::set<std::string> kSignerFaults{
    "bad-signature",  "unknown-device",  "revoked-signer",      "unapproved-device",
    "decrypt-failed", "header-mismatch", "commitment-mismatch", "replayed-message-id"};

std::string field(const std::string& name, const std::string& value) {
    return "," + jsonQuote(name) + ":" + jsonQuote(value);
}

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

namespace supervision {

Result<std::string> supervisionBodyText(const Archive::Impl& archive, const std::string& body) {
    if (!journal::isSealedSupervisionBody(body)) return body;
    return journal::openSupervisionBody(
        body,
        [&](const std::array<std::uint8_t, journal::kKeyIdSize>& id) -> const crypto::X25519Key* {
            auto k = archive.keyIndex.find(id);
            return k == archive.keyIndex.end() ? nullptr : &archive.keys[k->second];
        });
}

Result<void> applyRecords(Archive::Impl& archive, std::map<std::string, std::string>& roles,
                          RefreshStats& stats) {
    auto& db = *archive.db;
    std::uint64_t done = 0;
    {
        VERBATIM_TRY_LET(
            q, db.prepare("SELECT evaluated_seq FROM sv_progress WHERE name = '' AND version = 0"));
        VERBATIM_TRY_LET(row, q->step());
        if (*row) done = std::uint64_t(q->columnInt(0));
    }
    auto refuse = [&](std::uint64_t seq, const std::string& fault,
                      const std::string& detail) -> Result<void> {
        ++stats.refused;
        return archive.addProblem(seq, fault, detail, "supervision");
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
            // "RECORD by WHO WHY: not applied".
            auto unusable = [&](const std::string& record, const std::string& why) {
                return refuse(seq, "unsupported-supervision",
                              record + " by " + who + why + ": not applied");
            };
            // The columns every supervision table starts with: seq, user, device, time_ms (?1-?4).
            auto origin = [&](auto& st) -> auto& {
                return st.bind(1, std::int64_t(seq))
                    .bind(2, std::string_view(user))
                    .bind(3, std::int64_t(device))
                    .bind(4, std::int64_t(timeMs));
            };
            // Stores the record with `text` in the columns after those (?5 on).
            auto store = [&](const char* sql,
                             std::initializer_list<std::string_view> text) -> Result<void> {
                VERBATIM_TRY_LET(ins, db.prepare(sql));
                origin(*ins);
                int i = 5;
                for (auto t : text)
                    ins->bind(i++, t);
                return ins->run();
            };
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
            auto text = supervision::supervisionBodyText(archive, body);
            if (!text) {
                VERBATIM_TRY(unusable("a sealed supervision record", ": " + text.error().message));
                continue;
            }
            auto o = parseFlatJsonObject(*text);
            if (!o || !o->count("v") || !o->count("kind")) {
                VERBATIM_TRY(unusable("a supervision record", " that does not parse"));
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
                    VERBATIM_TRY(unusable("a policy record", kUnusableField));
                    continue;
                }
                VERBATIM_TRY_LET(
                    ins,
                    db.prepare(
                        "INSERT INTO sv_policies (seq, user, device, time_ms, name, version, "
                        "query, matter, participant, direction, severity, enabled, example) "
                        "SELECT ?1, ?2, ?3, ?4, ?5, coalesce(max(version), 0) + 1, ?6, ?7, ?8, "
                        "?9, ?10, ?11, ?12 FROM sv_policies WHERE name = ?5"));
                origin(*ins)
                    .bind(5, std::string_view(b["name"]))
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
                    VERBATIM_TRY(unusable("a review record", kUnusableField));
                    continue;
                }
                VERBATIM_TRY(store("INSERT OR IGNORE INTO sv_reviews (seq, user, device, time_ms, "
                                   "alert, status, disposition, note) VALUES (?, ?, ?, ?, ?, ?, ?, "
                                   "?)",
                                   {b["alert"], b["status"], b["disposition"], b["note"]}));
            } else if (kind == "access") {
                if (!kAccess.count(b["action"])) {
                    VERBATIM_TRY(unusable("an access record", " naming an unknown action"));
                    continue;
                }
                VERBATIM_TRY(store("INSERT OR IGNORE INTO sv_access (seq, user, device, time_ms, "
                                   "action, detail) VALUES (?, ?, ?, ?, ?, ?)",
                                   {b["action"], b["detail"]}));
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
                    VERBATIM_TRY(unusable("a sample record", " with a malformed list"));
                    continue;
                }
                VERBATIM_TRY_LET(
                    ins, db.prepare("INSERT OR IGNORE INTO sv_samples (seq, user, device, time_ms, "
                                    "scope, from_ms, to_ms, percent, seed, sequences) VALUES (?, "
                                    "?, ?, ?, ?, ?, ?, ?, ?, ?)"));
                const std::string scope = b["participant"].empty()
                                              ? "matter " + b["matter"]
                                              : "participant " + b["participant"];
                origin(*ins)
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
            } else if (isRetentionKind(kind)) {
                // Issue 22: holds, releases, retention overrides, dispositions (Retention.h).
                std::string why;
                VERBATIM_TRY_LET(applied,
                                 applyRetentionRecord(archive, b, seq, user, device, timeMs, why));
                if (!*applied) {
                    VERBATIM_TRY(refuse(seq, "unsupported-supervision",
                                        why + " by " + who + ": not applied"));
                    continue;
                }
            } else {
                VERBATIM_TRY(unusable("a supervision record of unknown kind '" + kind + "'", ""));
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
    return {};
}

} // namespace supervision
} // namespace verbatim::compliance

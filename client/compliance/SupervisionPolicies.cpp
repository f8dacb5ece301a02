/// @file SupervisionPolicies.cpp
/// Supervision policies run over the archive into alerts: the candidates found in the archive's
/// full-text index, matched again in memory for the words and their context; alert ids and
/// their stored matches (Supervision.h).
#include <algorithm>
#include <set>

#include "common/Try.h"
#include "compliance/SearchParser.h"
#include "compliance/SupervisionImpl.h"
#include "crypto/Digest.h"

namespace verbatim::compliance::supervision {
namespace {

// Context around the matches: this many bytes before the first and after the last, at most
// kMaxContext in all.
constexpr std::size_t kContextPad = 80, kMaxContext = 1200;
// Attachments whose content is read as text: a text/* media type and at most this size.
constexpr std::int64_t kMaxTextAttachment = 1 << 20;

std::string shortId(const std::string& label, const std::string& what) {
    auto h = crypto::sha256(view(label + what));
    return toHex(ByteView(h.data(), 6));
}

// The same hit of two versions of a policy is one alert (the first version that raised it).
std::string policyAlertId(const std::string& policy, std::uint64_t seq, int part) {
    return shortId("verbatim-alert-v1", u64be(policy.size()) + policy + u64be(seq) +
                                            u64be(std::uint64_t(std::int64_t(part))));
}

// The stored form is "offset:length" pairs; the text is cut from the context.
std::string matchesStored(const std::vector<AlertMatch>& ms) {
    std::string out;
    for (const auto& m : ms)
        out += (out.empty() ? "" : " ") + std::to_string(m.offset) + ":" + std::to_string(m.length);
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

std::string sampleAlertId(std::uint64_t sampleSeq, std::uint64_t seq) {
    return shortId("verbatim-sample-item-v1", u64be(sampleSeq) + u64be(seq));
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

Result<void> runPolicies(Archive& archive, Archive::Impl& impl,
                         std::map<std::string, std::string>& roles, RefreshStats& stats) {
    auto& db = *impl.db;
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
                auto id = archive.resolveConversation(p.policy.spec.matter);
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
    return {};
}

} // namespace verbatim::compliance::supervision

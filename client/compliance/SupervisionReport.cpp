/// @file SupervisionReport.cpp
/// Supervision::report and its CSV and HTML forms (Supervision.h, README "Supervision").
#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "common/Try.h"
#include "compliance/ArchiveImpl.h"
#include "compliance/ExportEncoding.h"
#include "compliance/Supervision.h"
#include "compliance/SupervisionImpl.h"
#include "compliance/TimeText.h"

namespace verbatim::compliance {
namespace {

bool isClient(const std::string& role) {
    return role == "ROLE_CLIENT";
}
bool answersClients(const std::string& role) {
    return role == "ROLE_LAWYER" || role == "ROLE_SUPERVISOR";
}

// Nearest-rank percentile of sorted values.
double percentile(const std::vector<double>& sorted, double p) {
    if (sorted.empty()) return 0;
    auto rank = std::size_t(std::ceil(p / 100.0 * double(sorted.size())));
    return sorted[std::min(sorted.size(), std::max<std::size_t>(rank, 1)) - 1];
}

void setAnswers(ReportRow& row, std::vector<double> seconds) {
    std::sort(seconds.begin(), seconds.end());
    row.answers = seconds.size();
    row.answerMedianSeconds = percentile(seconds, 50);
    row.answerP90Seconds = percentile(seconds, 90);
}

std::string escapeHtml(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            // Control characters are shown, never interpreted.
            if (static_cast<unsigned char>(c) < 0x20 && c != '\t')
                out += "&#" + std::to_string(int(static_cast<unsigned char>(c))) + ";";
            else
                out += c;
        }
    }
    return out;
}

std::string seconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", s);
    return buf;
}

std::string duration(double s) {
    char buf[48];
    if (s < 120)
        std::snprintf(buf, sizeof buf, "%.0f s", s);
    else if (s < 7200)
        std::snprintf(buf, sizeof buf, "%.0f min", s / 60);
    else
        std::snprintf(buf, sizeof buf, "%.1f h", s / 3600);
    return buf;
}

const char* const kStatusNames[] = {"open", "in-review", "escalated", "closed"};
const char* const kDispositionNames[] = {"no-issue", "breach", "training", "referred"};

std::uint64_t count(const std::map<std::string, std::uint64_t>& m, const std::string& k) {
    auto it = m.find(k);
    return it == m.end() ? 0 : it->second;
}

/// A horizontal bar chart in SVG of `values` by `labels` (at most 20 bars, the largest).
std::string barChart(const std::string& title, std::vector<std::pair<std::string, double>> bars,
                     const std::string& unit) {
    std::sort(bars.begin(), bars.end(), [](auto& a, auto& b) { return a.second > b.second; });
    if (bars.size() > 20) bars.resize(20);
    double max = 0;
    for (auto& b : bars)
        max = std::max(max, b.second);
    const int rowH = 22, labelW = 220, barW = 420;
    std::string svg = "<figure><figcaption>" + escapeHtml(title) +
                      "</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                      std::to_string(labelW + barW + 120) + "\" height=\"" +
                      std::to_string(rowH * int(bars.size()) + 4) + "\" role=\"img\">";
    int y = 2;
    for (auto& [label, v] : bars) {
        const int w = max > 0 ? int(std::lround(v / max * barW)) : 0;
        svg += "<text x=\"0\" y=\"" + std::to_string(y + 15) + "\" font-size=\"12\">" +
               escapeHtml(label.size() > 34 ? label.substr(0, 34) + "..." : label) + "</text>";
        svg += "<rect x=\"" + std::to_string(labelW) + "\" y=\"" + std::to_string(y + 3) +
               "\" width=\"" + std::to_string(w) + "\" height=\"" + std::to_string(rowH - 6) +
               "\" fill=\"#3b6ea5\"/>";
        char num[48];
        std::snprintf(num, sizeof num, "%.0f", v);
        svg += "<text x=\"" + std::to_string(labelW + w + 6) + "\" y=\"" + std::to_string(y + 15) +
               "\" font-size=\"12\">" + std::string(num) + " " + escapeHtml(unit) + "</text>";
        y += rowH;
    }
    return svg + "</svg></figure>\n";
}

} // namespace

namespace supervision {

Result<void> ensureReportIndex(storage::Database& db) {
    // What a report reads of each message, in the order it reads it: a scan of this index reads
    // a fifth of the pages a scan of the records table (bodies included) does, and SQLCipher
    // decrypts every page read. Supervision's own: the archive's schema steps (ArchiveSchema.cpp)
    // know nothing of reports, and an archive made before this index gets it at its next refresh.
    return db.exec("CREATE INDEX IF NOT EXISTS sv_report_traffic ON records (server_time_ms, seq, "
                   "type, conversation, user, device, recipients)");
}

} // namespace supervision

Result<Report> Supervision::report(std::uint64_t fromMs, std::uint64_t toMs) {
    auto& db = *m_archive.m->db;
    // Normally made by refresh(); a report on an archive never refreshed makes it here (and
    // scans the table when even that cannot be written).
    (void)supervision::ensureReportIndex(db);
    Report rep;
    rep.fromMs = fromMs;
    rep.toMs = toMs;
    std::map<std::string, std::pair<std::string, std::string>> users; // id -> (name, role)
    {
        VERBATIM_TRY_LET(q, db.prepare("SELECT id, name, role FROM users"));
        VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) {
            users[s.columnText(0)] = {s.columnText(1), s.columnText(2)};
        }));
    }
    std::map<std::string, std::string> titles;
    {
        VERBATIM_TRY_LET(q, db.prepare("SELECT id, title FROM conversations"));
        VERBATIM_TRY(q->forEachRow(
            [&](storage::Statement& s) { titles[s.columnText(0)] = s.columnText(1); }));
    }
    std::map<std::string, ReportRow> people, matters;
    auto person = [&](const std::string& u) -> ReportRow& {
        auto& r = people[u];
        if (r.kind.empty()) {
            r.kind = "participant";
            r.id = u;
            auto it = users.find(u);
            if (it != users.end()) {
                r.name = it->second.first;
                r.role = it->second.second;
            }
        }
        return r;
    };
    auto matter = [&](const std::string& c) -> ReportRow& {
        auto& r = matters[c];
        if (r.kind.empty()) {
            r.kind = "matter";
            r.id = c;
            r.name = titles.count(c) ? titles[c] : std::string();
        }
        return r;
    };
    {
        // One pass over the covering index (ensureReportIndex), in the relay's time order (the
        // order answers are timed in; ties in the order of the log). Each user, conversation and
        // recipient list is looked up once, then reached through these (a year of a firm is
        // millions of rows and a few thousand people).
        VERBATIM_TRY_LET(
            q, db.prepare("SELECT conversation, user, device, recipients, server_time_ms FROM "
                          "records WHERE server_time_ms >= ?3 AND (?4 = 0 OR server_time_ms <= "
                          "?4) AND type IN (?1, ?2) ORDER BY server_time_ms, seq"));
        q->bind(1, std::int64_t(proto::TEXT))
            .bind(2, std::int64_t(proto::ATTACHMENT))
            .bind(3, std::int64_t(fromMs))
            .bind(4, std::int64_t(toMs));
        struct Who {
            ReportRow* row = nullptr;
            bool client = false, answers = false;
            std::set<std::uint32_t> devices;
            std::vector<double> waits;
        };
        /// A sender and a recipient list as met together: parsed once.
        struct Audience {
            Who* sender = nullptr;
            std::vector<Who*> recipients;
            bool toClient = false;
        };
        struct Where {
            ReportRow* row = nullptr;
            std::uint64_t waitingSince = 0; ///< first unanswered client message (0: none)
            std::vector<double> waits;
            std::unordered_set<const Audience*> audiences; ///< who talked there
        };
        std::unordered_map<std::string, Who> who;
        std::unordered_map<std::string, Where> where;
        std::unordered_map<std::string, Audience> audiences; // "sender\nrecipients"
        auto whoIs = [&](const std::string& u) -> Who& {
            auto [it, added] = who.try_emplace(u);
            if (added) {
                it->second.row = &person(u);
                it->second.client = isClient(it->second.row->role);
                it->second.answers = answersClients(it->second.row->role);
            }
            return it->second;
        };
        std::string key;
        VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) {
            const std::string conv = s.columnText(0), sender = s.columnText(1);
            const auto timeMs = std::uint64_t(s.columnInt(4));
            Who& from = whoIs(sender);
            key.assign(sender).append(1, '\n').append(s.columnText(3));
            auto [found, fresh] = audiences.try_emplace(key);
            Audience& to = found->second;
            if (fresh) {
                to.sender = &from;
                const std::string_view list = std::string_view(key).substr(sender.size() + 1);
                for (std::size_t i = 0; i < list.size();) {
                    auto j = list.find(' ', i);
                    if (j == std::string_view::npos) j = list.size();
                    if (j > i && list.substr(i, j - i) != sender) {
                        Who& r = whoIs(std::string(list.substr(i, j - i)));
                        to.recipients.push_back(&r);
                        to.toClient = to.toClient || r.client;
                    }
                    i = j + 1;
                }
            }
            ++from.row->sent;
            from.devices.insert(std::uint32_t(s.columnInt(2)));
            if (to.toClient) ++from.row->toClients;
            for (Who* r : to.recipients) {
                ++r->row->received;
                if (from.client) ++r->row->fromClients;
            }
            auto [at, added] = where.try_emplace(conv);
            Where& m = at->second;
            if (added) {
                m.row = &matter(conv);
                m.row->firstMs = timeMs;
            }
            m.row->lastMs = timeMs;
            m.audiences.insert(&to);
            ++m.row->sent;
            if (from.client)
                ++m.row->fromClients;
            else if (to.toClient)
                ++m.row->toClients;
            // Answer times: a client's first unanswered message waits for a lawyer's.
            if (from.client) {
                m.row->lastClientMs = timeMs;
                if (!m.waitingSince) m.waitingSince = std::max<std::uint64_t>(timeMs, 1);
            } else if (from.answers && m.waitingSince) {
                const double secs = double(timeMs - std::min(timeMs, m.waitingSince)) / 1000.0;
                from.waits.push_back(secs);
                m.waits.push_back(secs);
                m.waitingSince = 0;
            }
        }));
        for (auto& [u, w] : who) {
            w.row->devices = w.devices.size();
            if (!w.waits.empty()) setAnswers(*w.row, std::move(w.waits));
        }
        for (auto& [c, w] : where) {
            if (!w.waits.empty()) setAnswers(*w.row, std::move(w.waits));
            w.row->waitingSinceMs = w.waitingSince;
            std::set<std::string> ids;
            for (const Audience* a : w.audiences) {
                ids.insert(a->sender->row->id);
                for (const Who* r : a->recipients)
                    ids.insert(r->row->id);
            }
            w.row->participants.assign(ids.begin(), ids.end());
        }
    }
    {
        // Alerts by sender, conversation, status and disposition, counted by SQLite: the queue's
        // contexts and matches are not read at all.
        VERBATIM_TRY_LET(
            q, db.prepare("SELECT r.user, r.conversation, coalesce(v.status, 'open'), "
                          "coalesce(v.disposition, ''), count(*) FROM sv_alerts a JOIN records r "
                          "ON r.seq = a.seq LEFT JOIN sv_reviews v ON v.seq = (SELECT max(seq) "
                          "FROM sv_reviews x WHERE x.alert = a.id) WHERE r.server_time_ms >= ?1 "
                          "AND (?2 = 0 OR r.server_time_ms <= ?2) GROUP BY 1, 2, 3, 4"));
        q->bind(1, std::int64_t(fromMs)).bind(2, std::int64_t(toMs));
        VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) {
            const std::string status = s.columnText(2), disposition = s.columnText(3);
            const auto n = std::uint64_t(s.columnInt(4));
            for (ReportRow* r : {&person(s.columnText(0)), &matter(s.columnText(1))}) {
                r->alerts += n;
                r->statuses[status] += n;
                if (!disposition.empty()) r->dispositions[disposition] += n;
            }
        }));
    }
    for (auto& [k, r] : people)
        rep.rows.push_back(std::move(r));
    for (auto& [k, r] : matters)
        rep.rows.push_back(std::move(r));
    return rep;
}

std::string Report::csv() const {
    std::string out = "\xEF\xBB\xBF"; // a spreadsheet reads UTF-8 with the byte-order mark
    std::vector<std::string> head{"kind",
                                  "id",
                                  "name",
                                  "role",
                                  "sent",
                                  "received",
                                  "to_clients",
                                  "from_clients",
                                  "answers",
                                  "answer_median_seconds",
                                  "answer_p90_seconds",
                                  "alerts"};
    for (const char* s : kStatusNames)
        head.push_back(std::string("alerts_") + s);
    for (const char* d : kDispositionNames)
        head.push_back(std::string("disposition_") + d);
    head.push_back("devices");
    auto line = [&](const std::vector<std::string>& cells) {
        for (std::size_t i = 0; i < cells.size(); ++i)
            out += (i ? "," : "") + csvField(cells[i]);
        out += "\r\n";
    };
    line(head);
    for (const auto& r : rows) {
        std::vector<std::string> cells{r.kind,
                                       r.id,
                                       r.name,
                                       r.role,
                                       std::to_string(r.sent),
                                       std::to_string(r.received),
                                       std::to_string(r.toClients),
                                       std::to_string(r.fromClients),
                                       std::to_string(r.answers),
                                       r.answers ? seconds(r.answerMedianSeconds) : "",
                                       r.answers ? seconds(r.answerP90Seconds) : "",
                                       std::to_string(r.alerts)};
        for (const char* s : kStatusNames)
            cells.push_back(std::to_string(count(r.statuses, s)));
        for (const char* d : kDispositionNames)
            cells.push_back(std::to_string(count(r.dispositions, d)));
        cells.push_back(r.kind == "participant" ? std::to_string(r.devices) : "");
        line(cells);
    }
    return out;
}

std::string Report::metadataCsv(std::uint64_t nowMs) const {
    std::map<std::string, std::string> names;
    for (const auto& r : rows)
        if (r.kind == "participant" && !r.name.empty()) names[r.id] = r.name;
    const double weeks = [&] {
        std::uint64_t first = fromMs, last = toMs ? toMs : nowMs;
        if (!first)
            for (const auto& r : rows)
                if (r.kind == "matter" && r.firstMs && (!first || r.firstMs < first))
                    first = r.firstMs;
        return std::max(1.0, double(last > first ? last - first : 0) / (7.0 * 86'400'000.0));
    }();
    std::string out = "\xEF\xBB\xBF";
    auto line = [&](const std::vector<std::string>& cells) {
        for (std::size_t i = 0; i < cells.size(); ++i)
            out += (i ? "," : "") + csvField(cells[i]);
        out += "\r\n";
    };
    line({"conversation", "title", "participants", "messages", "to_clients", "from_clients",
          "messages_per_week", "first_message", "last_message", "last_client_message",
          "client_waiting_since", "client_waiting_hours"});
    for (const auto& r : rows) {
        if (r.kind != "matter") continue;
        std::string who;
        for (const auto& u : r.participants) {
            auto it = names.find(u);
            who +=
                (who.empty() ? "" : "; ") + (it == names.end() ? u : it->second + " (" + u + ")");
        }
        char perWeek[32], waited[32] = "";
        std::snprintf(perWeek, sizeof perWeek, "%.1f", double(r.sent) / weeks);
        const std::uint64_t end = toMs ? toMs : nowMs;
        if (r.waitingSinceMs && end > r.waitingSinceMs)
            std::snprintf(waited, sizeof waited, "%.1f",
                          double(end - r.waitingSinceMs) / 3'600'000.0);
        line({r.id, r.name, who, std::to_string(r.sent), std::to_string(r.toClients),
              std::to_string(r.fromClients), perWeek, r.firstMs ? isoTime(r.firstMs) : "",
              r.lastMs ? isoTime(r.lastMs) : "", r.lastClientMs ? isoTime(r.lastClientMs) : "",
              r.waitingSinceMs ? isoTime(r.waitingSinceMs) : "", waited});
    }
    return out;
}

std::string Report::html(const std::string& firmName) const {
    const std::string period = (fromMs ? isoTime(fromMs) : std::string("the beginning")) + " to " +
                               (toMs ? isoTime(toMs) : std::string("now"));
    std::string out =
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
        "'unsafe-inline'\"><title>Supervision report</title><style>body{font-family:sans-serif;"
        "margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid "
        "#ccc;padding:4px 8px;text-align:right}td.t,th.t{text-align:left}th{background:#eef2f7}"
        "figcaption{font-weight:bold;margin:1em 0 .3em}</style></head><body>\n"
        "<h1>Supervision report</h1>\n<p>";
    if (!firmName.empty()) out += "Firm: " + escapeHtml(firmName) + ". ";
    out += "Period: " + escapeHtml(period) +
           " (the relay's time). Messages are texts and attachments; an answer time runs from a "
           "client's first unanswered message in a conversation to the next message of a lawyer "
           "or supervisor there.</p>\n";
    std::vector<std::pair<std::string, double>> waits, volume;
    for (const char* kind : {"participant", "matter"}) {
        const bool isPerson = std::string(kind) == "participant";
        out += std::string("<h2>") + (isPerson ? "Participants" : "Matters and conversations") +
               "</h2>\n<table><tr><th class=\"t\">" + (isPerson ? "participant" : "matter") +
               "</th>" + (isPerson ? "<th class=\"t\">role</th>" : "") +
               "<th>sent</th><th>received</th><th>to clients</th><th>from clients</th>"
               "<th>answers</th><th>median answer</th><th>90th percentile</th><th>alerts</th>"
               "<th>open</th><th>in review</th><th>escalated</th><th>closed</th>"
               "<th>dispositions</th>" +
               (isPerson ? "<th>devices</th>" : "") + "</tr>\n";
        for (const auto& r : rows) {
            if (r.kind != kind) continue;
            const std::string label = r.name.empty() ? r.id : r.name + " (" + r.id + ")";
            std::string dispositions;
            for (const char* d : kDispositionNames)
                if (auto n = count(r.dispositions, d))
                    dispositions += (dispositions.empty() ? "" : ", ") + std::string(d) + " " +
                                    std::to_string(n);
            out += "<tr><td class=\"t\">" + escapeHtml(label) + "</td>" +
                   (isPerson ? "<td class=\"t\">" + escapeHtml(r.role) + "</td>" : "") + "<td>" +
                   std::to_string(r.sent) + "</td><td>" + std::to_string(r.received) + "</td><td>" +
                   std::to_string(r.toClients) + "</td><td>" + std::to_string(r.fromClients) +
                   "</td><td>" + std::to_string(r.answers) + "</td><td>" +
                   (r.answers ? duration(r.answerMedianSeconds) : "") + "</td><td>" +
                   (r.answers ? duration(r.answerP90Seconds) : "") + "</td><td>" +
                   std::to_string(r.alerts) + "</td>";
            for (const char* st : kStatusNames)
                out += "<td>" + std::to_string(count(r.statuses, st)) + "</td>";
            out += "<td class=\"t\">" + escapeHtml(dispositions) + "</td>" +
                   (isPerson ? "<td>" + std::to_string(r.devices) + "</td>" : "") + "</tr>\n";
            if (!isPerson) {
                volume.push_back({label, double(r.sent)});
                if (r.answers) waits.push_back({label, r.answerMedianSeconds / 60.0});
            }
        }
        out += "</table>\n";
    }
    out += barChart("Messages per matter (the 20 busiest)", volume, "messages");
    if (!waits.empty())
        out +=
            barChart("Median time to answer a client, per matter (the 20 slowest)", waits, "min");
    return out + "</body></html>\n";
}

} // namespace verbatim::compliance

/// @file Supervision.cpp
/// Supervision::refresh() (the records applied, then the policies run: SupervisionRecords.cpp and
/// SupervisionPolicies.cpp), samples drawn, and the policies, the queue and the access log read
/// back (Supervision.h; the report: SupervisionReport.cpp).
#include <chrono>
#include <cmath>

#include "common/Try.h"
#include "compliance/SupervisionImpl.h"
#include "crypto/Digest.h"

namespace verbatim::compliance {

using supervision::matchesLoaded;
using supervision::u64be;

Supervision::Supervision(Archive& archive) : m_archive(archive) {}

Result<RefreshStats> Supervision::refresh() {
    const auto started = std::chrono::steady_clock::now();
    RefreshStats stats;
    auto& db = *m_archive.m->db;
    storage::Transaction tx(db);
    VERBATIM_TRY(tx.begin());
    std::map<std::string, std::string> roles;
    {
        VERBATIM_TRY_LET(q, db.prepare("SELECT id, role FROM users"));
        VERBATIM_TRY(q->forEachRow(
            [&](storage::Statement& s) { roles[s.columnText(0)] = s.columnText(1); }));
    }
    // 1. The records pulled since the last refresh, in log order (SupervisionRecords.cpp).
    VERBATIM_TRY(supervision::applyRecords(*m_archive.m, roles, stats));
    // 2. The enabled policies over the entries each has not run over yet
    // (SupervisionPolicies.cpp).
    VERBATIM_TRY(supervision::runPolicies(m_archive, *m_archive.m, roles, stats));
    // 3. The index reports read (built once, then kept up by SQLite at every insert).
    VERBATIM_TRY(supervision::ensureReportIndex(db));
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

Result<std::vector<SampleRecord>> Supervision::samples() {
    auto& db = *m_archive.m->db;
    VERBATIM_TRY_LET(q, db.prepare("SELECT seq, user || '/' || device, time_ms, scope, from_ms, "
                                   "to_ms, percent, seed, sequences FROM sv_samples ORDER BY seq"));
    std::vector<SampleRecord> out;
    VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) {
        SampleRecord r;
        r.sequence = std::uint64_t(s.columnInt(0));
        r.who = s.columnText(1);
        r.timeMs = std::uint64_t(s.columnInt(2));
        r.scope = s.columnText(3);
        r.fromMs = std::uint64_t(s.columnInt(4));
        r.toMs = std::uint64_t(s.columnInt(5));
        r.percent = s.columnText(6);
        r.seed = s.columnText(7);
        const std::string list = s.columnText(8);
        for (std::size_t i = 0; i < list.size();) {
            auto j = list.find(' ', i);
            if (j == std::string::npos) j = list.size();
            if (j > i) ++r.items;
            i = j + 1;
        }
        out.push_back(std::move(r));
    }));
    return out;
}

Result<std::map<std::uint64_t, std::vector<AttachmentInfo>>> Supervision::alertAttachments() {
    auto& db = *m_archive.m->db;
    // length() of a blob reads its size from the record header, not its pages.
    VERBATIM_TRY_LET(q, db.prepare("SELECT seq, idx, file_name, mime, size, length(data) IS NOT "
                                   "NULL, coalesce(problem, '') FROM attachments WHERE seq IN "
                                   "(SELECT seq FROM sv_alerts) ORDER BY seq, idx"));
    std::map<std::uint64_t, std::vector<AttachmentInfo>> out;
    VERBATIM_TRY(q->forEachRow([&](storage::Statement& s) {
        AttachmentInfo a;
        a.index = std::size_t(s.columnInt(1));
        a.fileName = s.columnText(2);
        a.mimeType = s.columnText(3);
        a.size = std::uint64_t(s.columnInt(4));
        a.available = s.columnInt(5) != 0;
        a.problem = s.columnText(6);
        out[std::uint64_t(s.columnInt(0))].push_back(std::move(a));
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

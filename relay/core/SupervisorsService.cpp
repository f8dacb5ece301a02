/// @file SupervisorsService.cpp
/// RelayService's supervising partners (issue 21; docs/protocol.md, "Supervising partners"): an
/// administrator assigns supervisors to lawyers (journaled), and a supervisor lists the matters of
/// the lawyers they supervise with metadata only: titles, participants, when a client last wrote,
/// how long a client has waited for an answer, messages per week. The relay holds no content to
/// give; what it shows comes from what every send already tells it (sender, role, time,
/// conversation) and the sender's `is_message` declaration, kept per conversation in
/// `matter_activity` and `matter_weeks` (relay schema v14).

#include "relay/core/RelayServiceImpl.h"

namespace verbatim::relay {

using namespace impl;

namespace impl {
// WallsService.cpp (R-SUP-5): the first wall on which `user` stands opposite `conversation` or one
// of `others`, and the first on which `supervisor` stands opposite `lawyer` or a matter of
// theirs; "" when none. `onlyWall`, when not empty, looks at that wall alone.
Result<std::string> wallBetween(Database& db, const std::string& user,
                                const std::string& conversation,
                                const std::set<std::string>& others, const std::string& onlyWall);
Result<std::set<std::string>> matterPeople(Database& db, const std::string& matter);
Result<std::string> wallAcrossSupervision(Database& db, const std::string& supervisor,
                                          const std::string& lawyer, const std::string& onlyWall);
} // namespace impl

namespace {

constexpr std::uint64_t kWeekMs = 7 * kDay;
// 1970-01-05, the first Monday after the epoch: weeks run Monday to Sunday, UTC.
constexpr std::uint64_t kFirstMondayMs = 4 * kDay;
constexpr const char* kThresholdKey = "supervision_threshold_ms";
constexpr std::uint32_t kDefaultWeeks = 8, kMaxWeeks = 52;
// A supervisor of many lawyers still gets one bounded answer (each matter is a few hundred bytes).
constexpr std::size_t kMaxMatters = 2000;

std::uint64_t weekOf(std::uint64_t ms) {
    return ms < kFirstMondayMs ? 0 : (ms - kFirstMondayMs) / kWeekMs;
}

Result<std::optional<proto::Role>> roleOf(Database& db, const std::string& user) {
    VERBATIM_TRY_LET(st, db.cached("SELECT role FROM users WHERE id = ?"));
    st->bind(1, std::string_view(user));
    VERBATIM_TRY_LET(row, st->step());
    if (!*row) return std::optional<proto::Role>();
    return std::optional<proto::Role>(proto::Role(st->columnInt(0)));
}

Result<std::uint64_t> readThreshold(Database& db) {
    VERBATIM_TRY_LET(st, db.cached("SELECT value FROM meta WHERE key = ?"));
    st->bind(1, std::string_view(kThresholdKey));
    VERBATIM_TRY_LET(row, st->step());
    if (!*row) return std::uint64_t(0);
    Bytes v = st->columnBlob(0);
    return std::uint64_t(std::strtoull(std::string(v.begin(), v.end()).c_str(), nullptr, 10));
}

// The storage job behind ListSupervisedMatters: the caller's lawyers, then each matter any of
// them is a member of now, with its metadata. Forbidden (403) when the caller supervises nobody.
Result<void> supervisedMatters(Database& db, const std::string& caller, std::uint32_t weeks,
                               proto::SupervisedMatters& out) {
    std::vector<std::string> lawyers;
    {
        VERBATIM_TRY_LET(st, db.cached("SELECT lawyer FROM supervisors WHERE supervisor = ? "
                                       "ORDER BY lawyer"));
        st->bind(1, std::string_view(caller));
        VERBATIM_TRY(st->forEachRow([&] { lawyers.push_back(st->columnText(0)); }));
    }
    if (lawyers.empty())
        return reject(proto::STATUS_FORBIDDEN,
                      "you supervise nobody: an administrator assigns supervisors "
                      "(verbatim-relay admin supervisor add)");
    for (const auto& l : lawyers)
        out.add_lawyers(l);
    const std::uint64_t now = wallClockMs();
    VERBATIM_TRY_LET(stored, readThreshold(db));
    const std::uint64_t threshold = *stored;
    out.set_now_ms(now);
    out.set_threshold_ms(threshold);
    const std::uint64_t thisWeek = weekOf(now);
    const std::uint64_t firstWeek = thisWeek + 1 >= weeks ? thisWeek + 1 - weeks : 0;
    out.set_first_week_ms(kFirstMondayMs + firstWeek * kWeekMs);

    // Matter id -> the supervised lawyers in it. Only matters: direct conversations are between
    // colleagues and stay out of supervision.
    std::map<std::string, std::vector<std::string>> matters;
    {
        VERBATIM_TRY_LET(st, db.cached("SELECT m.conversation FROM members m JOIN conversations c "
                                       "ON c.id = m.conversation WHERE m.user = ? AND "
                                       "c.is_matter = 1"));
        for (const auto& l : lawyers) {
            (**st).reset();
            st->bind(1, std::string_view(l));
            VERBATIM_TRY(st->forEachRow([&] { matters[st->columnText(0)].push_back(l); }));
        }
    }
    VERBATIM_TRY_LET(conv, db.cached("SELECT title, matter_number, client_name, closed_ms, "
                                     "created_ms FROM conversations WHERE id = ?"));
    VERBATIM_TRY_LET(people, db.cached("SELECT m.user, u.display_name, u.role FROM members m "
                                       "JOIN users u ON u.id = m.user WHERE m.conversation = ? "
                                       "ORDER BY m.user"));
    VERBATIM_TRY_LET(activity, db.cached("SELECT last_client_ms, last_staff_ms, "
                                         "waiting_since_ms FROM matter_activity WHERE "
                                         "conversation = ?"));
    VERBATIM_TRY_LET(volume, db.cached("SELECT week, messages FROM matter_weeks WHERE "
                                       "conversation = ? AND week >= ?"));
    // Most firms have no wall: one probe spares the per-matter look-ups below.
    VERBATIM_TRY_LET(anyWall, exists(db, "SELECT 1 FROM walls LIMIT 1"));
    std::vector<proto::SupervisedMatter> rows;
    for (const auto& [id, supervised] : matters) {
        if (rows.size() >= kMaxMatters) break;
        proto::SupervisedMatter m;
        // A matter across a wall from the caller stays out (R-SUP-5): the matter itself, its
        // members and those who left it, with the sides every send and invite check uses.
        if (*anyWall) {
            VERBATIM_TRY_LET(walledPeople, matterPeople(db, id));
            VERBATIM_TRY_LET(walled, wallBetween(db, caller, id, *walledPeople, {}));
            if (!walled->empty()) continue;
        }
        m.set_conversation_id(id);
        for (const auto& l : supervised)
            m.add_supervised(l);
        (**conv).reset();
        conv->bind(1, std::string_view(id));
        VERBATIM_TRY_LET(found, conv->step());
        if (!*found) continue;
        m.set_title(conv->columnText(0));
        m.set_matter_number(conv->columnText(1));
        m.set_client_name(conv->columnText(2));
        m.set_closed_ms(conv->columnIsNull(3) ? 0 : std::uint64_t(conv->columnInt(3)));
        m.set_created_ms(std::uint64_t(conv->columnInt(4)));
        (**conv).reset();
        (**people).reset();
        people->bind(1, std::string_view(id));
        VERBATIM_TRY(people->forEachRow([&] {
            auto* p = m.add_participants();
            p->set_user(people->columnText(0));
            p->set_display_name(people->columnText(1));
            p->set_role(proto::Role(people->columnInt(2)));
            if (p->user() == caller) m.set_member(true);
        }));
        (**activity).reset();
        activity->bind(1, std::string_view(id));
        VERBATIM_TRY_LET(act, activity->step());
        if (*act) {
            auto at = [&](int col) {
                return activity->columnIsNull(col) ? 0 : std::uint64_t(activity->columnInt(col));
            };
            m.set_last_client_message_ms(at(0));
            m.set_last_lawyer_message_ms(at(1));
            m.set_waiting_since_ms(at(2));
            if (at(2) != 0) m.set_waiting_ms(now > at(2) ? now - at(2) : 0);
        }
        (**activity).reset();
        m.set_overdue(threshold != 0 && m.waiting_since_ms() != 0 && m.waiting_ms() > threshold);
        std::vector<std::uint32_t> perWeek(weeks, 0);
        (**volume).reset();
        volume->bind(1, std::string_view(id)).bind(2, std::int64_t(firstWeek));
        VERBATIM_TRY(volume->forEachRow([&] {
            const auto w = std::uint64_t(volume->columnInt(0));
            if (w >= firstWeek && w - firstWeek < weeks)
                perWeek[w - firstWeek] = std::uint32_t(volume->columnInt(1));
        }));
        for (auto n : perWeek)
            m.add_weekly_messages(n);
        rows.push_back(std::move(m));
    }
    // Flagged first, then who has waited longest, then by title: what a supervisor acts on leads.
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        if (a.overdue() != b.overdue()) return a.overdue();
        if (a.waiting_ms() != b.waiting_ms()) return a.waiting_ms() > b.waiting_ms();
        if (a.title() != b.title()) return a.title() < b.title();
        return a.conversation_id() < b.conversation_id();
    });
    for (auto& m : rows)
        *out.add_matters() = std::move(m);
    return {};
}

} // namespace

namespace impl {

Result<void> recordMessageActivity(Database& db, const std::string& conversation, bool fromClient,
                                   std::uint64_t nowMs) {
    // One upsert per table (SQLite >= 3.24 and PostgreSQL both take ON CONFLICT ... DO UPDATE).
    // A client's message waits from the first one nobody on staff has answered since; any
    // staff message answers everything before it.
    if (fromClient)
        VERBATIM_TRY(execute(db,
                             "INSERT INTO matter_activity (conversation, last_client_ms, "
                             "last_staff_ms, waiting_since_ms) VALUES (?, ?, NULL, ?) "
                             "ON CONFLICT (conversation) DO UPDATE SET last_client_ms = "
                             "excluded.last_client_ms, waiting_since_ms = "
                             "COALESCE(matter_activity.waiting_since_ms, "
                             "excluded.waiting_since_ms)",
                             std::string_view(conversation), std::int64_t(nowMs),
                             std::int64_t(nowMs)));
    else
        VERBATIM_TRY(execute(db,
                             "INSERT INTO matter_activity (conversation, last_client_ms, "
                             "last_staff_ms, waiting_since_ms) VALUES (?, NULL, ?, NULL) "
                             "ON CONFLICT (conversation) DO UPDATE SET last_staff_ms = "
                             "excluded.last_staff_ms, waiting_since_ms = NULL",
                             std::string_view(conversation), std::int64_t(nowMs)));
    return execute(db,
                   "INSERT INTO matter_weeks (conversation, week, messages) VALUES (?, ?, 1) "
                   "ON CONFLICT (conversation, week) DO UPDATE SET messages = "
                   "matter_weeks.messages + 1",
                   std::string_view(conversation), std::int64_t(weekOf(nowMs)));
}

} // namespace impl

void RelayService::noteMessageActivity(const std::string& conversation, bool fromClient,
                                       std::uint64_t nowMs) {
    auto& a = m_batchActivity[conversation];
    if (fromClient) {
        a.lastClientMs = nowMs;
        if (a.waitingSinceMs == 0) a.waitingSinceMs = nowMs;
    } else {
        a.lastStaffMs = nowMs;
        a.staff = true;
        a.waitingSinceMs = 0; // staff answered everything before
    }
    ++a.weeks[weekOf(nowMs)];
}

Result<void> RelayService::flushMessageActivity(Database& db) {
    // The batch's sends in one upsert per row, to the values recordMessageActivity() leaves
    // after the same sends one by one: with a staff message, its time and the client's wait
    // since the first message after it (or none); without, the wait the row held, else the
    // batch's first client message.
    auto activity = std::move(m_batchActivity);
    m_batchActivity.clear();
    for (const auto& [conversation, a] : activity) {
        if (!a.staff) {
            VERBATIM_TRY(execute(db,
                                 "INSERT INTO matter_activity (conversation, last_client_ms, "
                                 "last_staff_ms, waiting_since_ms) VALUES (?, ?, NULL, ?) "
                                 "ON CONFLICT (conversation) DO UPDATE SET last_client_ms = "
                                 "excluded.last_client_ms, waiting_since_ms = "
                                 "COALESCE(matter_activity.waiting_since_ms, "
                                 "excluded.waiting_since_ms)",
                                 std::string_view(conversation), std::int64_t(a.lastClientMs),
                                 std::int64_t(a.waitingSinceMs)));
        } else {
            VERBATIM_TRY_LET(st, db.cached("INSERT INTO matter_activity (conversation, "
                                           "last_client_ms, last_staff_ms, waiting_since_ms) "
                                           "VALUES (?, ?, ?, ?) ON CONFLICT (conversation) DO "
                                           "UPDATE SET last_client_ms = coalesce(excluded."
                                           "last_client_ms, matter_activity.last_client_ms), "
                                           "last_staff_ms = excluded.last_staff_ms, "
                                           "waiting_since_ms = excluded.waiting_since_ms"));
            st->bind(1, std::string_view(conversation)).bind(3, std::int64_t(a.lastStaffMs));
            if (a.lastClientMs)
                st->bind(2, std::int64_t(a.lastClientMs));
            else
                st->bindNull(2);
            if (a.waitingSinceMs)
                st->bind(4, std::int64_t(a.waitingSinceMs));
            else
                st->bindNull(4);
            VERBATIM_TRY(st->run());
        }
        for (const auto& [week, count] : a.weeks)
            VERBATIM_TRY(execute(db,
                                 "INSERT INTO matter_weeks (conversation, week, messages) VALUES "
                                 "(?, ?, ?) ON CONFLICT (conversation, week) DO UPDATE SET "
                                 "messages = matter_weeks.messages + excluded.messages",
                                 std::string_view(conversation), std::int64_t(week), count));
    }
    return {};
}

void RelayService::onListSupervisedMatters(const DeviceId& from, proto::Request& request,
                                           Done& done, const RequestRun& run) {
    if (auto wait = m_limiter.take("supervised:" + from.user + "/" + std::to_string(from.device),
                                   m_config.limits.supervisedList, monotonicMs()))
        return done(errorResponse(proto::STATUS_RATE_LIMITED, "listing too often", wait));
    // Only staff who can be assigned supervise; everyone else supervises nobody (rule R-SUP-1).
    if (from.role != proto::ROLE_LAWYER && from.role != proto::ROLE_SUPERVISOR &&
        from.role != proto::ROLE_ADMIN)
        return done(errorResponse(proto::STATUS_FORBIDDEN, "only supervising staff list this"));
    std::uint32_t weeks = request.list_supervised_matters().weeks();
    if (weeks == 0) weeks = kDefaultWeeks;
    if (weeks > kMaxWeeks)
        return done(errorResponse(proto::STATUS_BAD_REQUEST, "weeks is 1 to 52"));
    return run([from, weeks](Database& db, proto::Response& out) -> Result<Completion> {
        VERBATIM_TRY(supervisedMatters(db, from.user, weeks, *out.mutable_supervised_matters()));
        return Completion();
    });
}

Result<bool> RelayService::addSupervisor(const std::string& lawyer, const std::string& supervisor,
                                         const std::string& actor) {
    if (lawyer == supervisor)
        return fail(ErrorCode::InvalidArgument, "nobody supervises themselves");
    bool added = false;
    std::string refusal;
    auto ran = runAndWait([&](Database& db) -> Result<Completion> {
        VERBATIM_TRY_LET(lawyerRole, roleOf(db, lawyer));
        if (!*lawyerRole) return fail(ErrorCode::NotFound, "no such user: " + lawyer);
        if (**lawyerRole != proto::ROLE_LAWYER && **lawyerRole != proto::ROLE_SUPERVISOR)
            return fail(ErrorCode::InvalidArgument,
                        lawyer + " is not a lawyer: supervisors are assigned to lawyers");
        VERBATIM_TRY_LET(supervisorRole, roleOf(db, supervisor));
        if (!*supervisorRole) return fail(ErrorCode::NotFound, "no such user: " + supervisor);
        if (**supervisorRole != proto::ROLE_LAWYER && **supervisorRole != proto::ROLE_SUPERVISOR &&
            **supervisorRole != proto::ROLE_ADMIN)
            return fail(ErrorCode::InvalidArgument,
                        supervisor + " cannot supervise: a supervisor is a lawyer, supervisor or "
                                     "administrator");
        VERBATIM_TRY_LET(already,
                         exists(db, "SELECT 1 FROM supervisors WHERE supervisor = ? AND lawyer = ?",
                                std::string_view(supervisor), std::string_view(lawyer)));
        if (*already) return Completion();
        // Supervision shows a matter's title, client and people: none across a wall (R-SUP-5).
        // The refusal names the wall and commits its journal entry alone.
        VERBATIM_TRY_LET(wall, wallAcrossSupervision(db, supervisor, lawyer, {}));
        if (!wall->empty()) {
            VERBATIM_TRY(recordAdminAction(db, actor, "wall-refused", lawyer, *wall,
                                           {{"wall", *wall},
                                            {"request", "supervisor-add"},
                                            {"lawyer", lawyer},
                                            {"supervisor", supervisor}}));
            refusal = "refused by the ethical wall \"" + *wall + "\": " + supervisor +
                      " stands on its other side from " + lawyer + " or a matter of theirs";
            return Completion();
        }
        VERBATIM_TRY(execute(db,
                             "INSERT INTO supervisors (supervisor, lawyer, assigned_ms, "
                             "assigned_by) VALUES (?, ?, ?, ?)",
                             std::string_view(supervisor), std::string_view(lawyer),
                             std::int64_t(wallClockMs()), std::string_view(actor)));
        VERBATIM_TRY(recordAdminAction(db, actor, "supervisor-added", lawyer, supervisor,
                                       {{"lawyer", lawyer}, {"supervisor", supervisor}}));
        added = true;
        return Completion();
    });
    if (!ran) return tl::unexpected(ran.error());
    if (!refusal.empty()) return fail(ErrorCode::InvalidArgument, refusal, int(kStatusEthicalWall));
    return added;
}

Result<void> RelayService::removeSupervisor(const std::string& lawyer,
                                            const std::string& supervisor,
                                            const std::string& actor) {
    return runAndWait([&](Database& db) -> Result<Completion> {
        VERBATIM_TRY_LET(found,
                         exists(db, "SELECT 1 FROM supervisors WHERE supervisor = ? AND lawyer = ?",
                                std::string_view(supervisor), std::string_view(lawyer)));
        if (!*found) return fail(ErrorCode::NotFound, supervisor + " does not supervise " + lawyer);
        VERBATIM_TRY(execute(db, "DELETE FROM supervisors WHERE supervisor = ? AND lawyer = ?",
                             std::string_view(supervisor), std::string_view(lawyer)));
        VERBATIM_TRY(recordAdminAction(db, actor, "supervisor-removed", lawyer, supervisor,
                                       {{"lawyer", lawyer}, {"supervisor", supervisor}}));
        return Completion();
    });
}

Result<std::vector<RelayService::SupervisorRow>> RelayService::listSupervisors() {
    Result<std::vector<SupervisorRow>> out = std::vector<SupervisorRow>();
    m_storage->runSync([&](Database& db) {
        out = [&]() -> Result<std::vector<SupervisorRow>> {
            std::vector<SupervisorRow> rows;
            VERBATIM_TRY_LET(st, db.prepare("SELECT supervisor, lawyer, assigned_ms, assigned_by "
                                            "FROM supervisors ORDER BY supervisor, lawyer"));
            VERBATIM_TRY(st->forEachRow([&] {
                rows.push_back({st->columnText(0), st->columnText(1), st->columnText(3),
                                std::uint64_t(st->columnInt(2))});
            }));
            return rows;
        }();
    });
    return out;
}

Result<void> RelayService::setSupervisionThreshold(std::uint64_t ms, const std::string& actor) {
    return runAndWait([&](Database& db) -> Result<Completion> {
        const std::string v = std::to_string(ms);
        VERBATIM_TRY_LET(st, db.cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)"));
        st->bind(1, std::string_view(kThresholdKey)).bind(2, view(v));
        VERBATIM_TRY(st->run());
        VERBATIM_TRY(recordAdminAction(db, actor, "supervision-threshold-set", "firm", v,
                                       {{"threshold_ms", v}}));
        return Completion();
    });
}

Result<std::uint64_t> RelayService::supervisionThreshold() {
    Result<std::uint64_t> out = std::uint64_t(0);
    m_storage->runSync([&](Database& db) { out = readThreshold(db); });
    return out;
}

} // namespace verbatim::relay

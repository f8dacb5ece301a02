/// @file WallsService.cpp
/// RelayService's ethical walls (issue 22, relay/core/Walls.h): defining, listing and removing
/// walls, the conflicts a wall finds among existing memberships, and the check every request
/// that adds people to a conversation runs (refuseAtWalls).

#include "relay/core/RelayServiceImpl.h"

namespace verbatim::relay {

using namespace impl;

namespace impl {
Result<std::string> wallAcrossSupervision(Database& db, const std::string& supervisor,
                                          const std::string& lawyer, const std::string& onlyWall);
} // namespace impl

namespace {

constexpr int kUser = 0, kMatter = 1;
constexpr std::size_t kMaxWallName = 100, kMaxWallEntries = 10000;

// Per wall, the sides (bit 0: side 0, bit 1: side 1) that `users` stand on, with the matter
// `conversation` itself (when it is on a wall, its members stand on that side). A user stands on
// a side when the side names them or a matter they are, or were, a member of (B5: leaving a
// walled matter, by removal, a cut or offboarding, does not take back what they read there). A
// former membership gives no side on a wall that names the user on its other side: the
// administrator's naming wins, so cutting a user out of a matter across their own wall resolves
// the conflict. `onlyWall`, when not empty, looks at that wall alone.
Result<std::map<std::string, int>> sidesOf(Database& db, const std::string& conversation,
                                           const std::set<std::string>& users,
                                           const std::string& onlyWall = {}) {
    std::map<std::string, int> seen;
    auto collect = [&](Statement& st, std::map<std::string, int>& into) {
        return st.forEachRow([&] {
            std::string wall = st.columnText(0);
            if (onlyWall.empty() || wall == onlyWall) into[wall] |= 1 << int(st.columnInt(1));
        });
    };
    if (!conversation.empty()) {
        VERBATIM_TRY_LET(st, db.cached("SELECT wall, side FROM wall_entries WHERE kind = 1 AND "
                                       "ref = ?"));
        st->bind(1, std::string_view(conversation));
        VERBATIM_TRY(collect(**st, seen));
    }
    VERBATIM_TRY_LET(direct, db.cached("SELECT wall, side FROM wall_entries WHERE kind = 0 AND "
                                       "ref = ?"));
    VERBATIM_TRY_LET(viaMatter,
                     db.cached("SELECT w.wall, w.side FROM members m JOIN wall_entries w ON "
                               "w.kind = 1 AND w.ref = m.conversation WHERE m.user = ?"));
    VERBATIM_TRY_LET(viaFormer,
                     db.cached("SELECT w.wall, w.side FROM former_members f JOIN wall_entries w "
                               "ON w.kind = 1 AND w.ref = f.conversation WHERE f.user = ?"));
    for (const auto& u : users) {
        // A statement that ran to its end takes new bindings only after a reset.
        std::map<std::string, int> named, former;
        (**direct).reset();
        direct->bind(1, std::string_view(u));
        VERBATIM_TRY(collect(**direct, named));
        (**viaMatter).reset();
        viaMatter->bind(1, std::string_view(u));
        VERBATIM_TRY(collect(**viaMatter, seen));
        (**viaFormer).reset();
        viaFormer->bind(1, std::string_view(u));
        VERBATIM_TRY(collect(**viaFormer, former));
        for (const auto& [wall, sides] : named)
            seen[wall] |= sides;
        for (const auto& [wall, sides] : former) {
            const auto it = named.find(wall);
            seen[wall] |= it == named.end() ? sides : sides & it->second;
        }
    }
    return seen;
}

// The first wall (by name) that `users` in `conversation` would cross; "" when none.
Result<std::string> crossedWall(Database& db, const std::string& conversation,
                                const std::set<std::string>& users,
                                const std::string& onlyWall = {}) {
    // Most firms have no wall, or none near most conversations: one probe decides the common case.
    VERBATIM_TRY_LET(any, exists(db, "SELECT 1 FROM walls LIMIT 1"));
    if (!*any) return std::string();
    VERBATIM_TRY_LET(seen, sidesOf(db, conversation, users, onlyWall));
    for (const auto& [wall, sides] : *seen)
        if (sides == 3) return wall;
    return std::string();
}

// The wall a join would cross elsewhere (issue 22, B1): a user who joins the walled matter
// `conversation` stands on its side from then on in every conversation they are in, so each of
// the joining users' other conversations is checked with that side added. "" when none.
Result<std::string> crossedByJoining(Database& db, const std::string& conversation,
                                     const std::set<std::string>& users) {
    std::map<std::string, int> gained;
    {
        VERBATIM_TRY_LET(st, db.cached("SELECT wall, side FROM wall_entries WHERE kind = 1 AND "
                                       "ref = ?"));
        st->bind(1, std::string_view(conversation));
        VERBATIM_TRY(
            st->forEachRow([&] { gained[st->columnText(0)] |= 1 << int(st->columnInt(1)); }));
    }
    if (gained.empty()) return std::string();
    VERBATIM_TRY_LET(present, memberUsers(db, conversation));
    for (const auto& u : users) {
        if (present->count(u)) continue; // already stands on the matter's side
        std::vector<std::string> others;
        VERBATIM_TRY_LET(st, db.prepare("SELECT conversation FROM members WHERE user = ?"));
        st->bind(1, std::string_view(u));
        VERBATIM_TRY(st->forEachRow([&] { others.push_back(st->columnText(0)); }));
        for (const auto& other : others) {
            if (other == conversation) continue;
            VERBATIM_TRY_LET(members, memberUsers(db, other));
            VERBATIM_TRY_LET(seen, sidesOf(db, other, *members));
            for (const auto& [wall, sides] : gained)
                if (((*seen)[wall] | sides) == 3) return wall;
        }
    }
    return std::string();
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v)
        out += (out.empty() ? "" : " ") + s;
    return out;
}

bool acceptableWallName(const std::string& name) {
    return !name.empty() && name.size() <= kMaxWallName && isUtf8(name) && isPlainText(name);
}

// The matter a wall names: a conversation id, or the title of exactly one matter.
Result<std::string> resolveMatter(Database& db, const std::string& named) {
    VERBATIM_TRY_LET(byId, db.prepare("SELECT is_matter FROM conversations WHERE id = ?"));
    byId->bind(1, std::string_view(named));
    VERBATIM_TRY_LET(row, byId->step());
    if (*row) {
        if (byId->columnInt(0) == 0)
            return fail(ErrorCode::InvalidArgument,
                        named + " is a direct conversation, not a matter: walls name users and "
                                "matters");
        return named;
    }
    byId->reset();
    VERBATIM_TRY_LET(byTitle, db.prepare("SELECT id FROM conversations WHERE title = ? AND "
                                         "is_matter = 1 ORDER BY id"));
    byTitle->bind(1, std::string_view(named));
    std::vector<std::string> ids;
    VERBATIM_TRY(byTitle->forEachRow([&] { ids.push_back(byTitle->columnText(0)); }));
    if (ids.empty()) return fail(ErrorCode::NotFound, "no such matter: " + named);
    if (ids.size() > 1)
        return fail(ErrorCode::InvalidArgument,
                    std::to_string(ids.size()) + " matters are titled \"" + named +
                        "\"; name the one you mean by its id (" + joined(ids) + ")");
    return ids.front();
}

// The conversations that hold people of both sides of `wall` now.
Result<std::vector<WallConflict>> conflictsOf(Database& db, const WallInfo& wall) {
    std::set<std::string> candidates;
    for (int side : {0, 1}) {
        candidates.insert(wall.matters[side].begin(), wall.matters[side].end());
        VERBATIM_TRY_LET(st, db.cached("SELECT conversation FROM members WHERE user = ?"));
        for (const auto& u : wall.users[side]) {
            (**st).reset();
            st->bind(1, std::string_view(u));
            VERBATIM_TRY(st->forEachRow([&] { candidates.insert(st->columnText(0)); }));
        }
        // The members of a walled matter, and those who left it (B5), may meet the other side
        // elsewhere too.
        VERBATIM_TRY_LET(former, db.cached("SELECT user FROM former_members WHERE "
                                           "conversation = ?"));
        for (const auto& m : wall.matters[side]) {
            VERBATIM_TRY_LET(members, memberUsers(db, m));
            (**former).reset();
            former->bind(1, std::string_view(m));
            VERBATIM_TRY(former->forEachRow([&] { members->insert(former->columnText(0)); }));
            for (const auto& u : *members) {
                (**st).reset();
                st->bind(1, std::string_view(u));
                VERBATIM_TRY(st->forEachRow([&] { candidates.insert(st->columnText(0)); }));
            }
        }
    }
    std::vector<WallConflict> out;
    for (const auto& c : candidates) {
        VERBATIM_TRY_LET(members, memberUsers(db, c));
        VERBATIM_TRY_LET(crossed, crossedWall(db, c, *members, wall.name));
        if (crossed->empty()) continue;
        VERBATIM_TRY_LET(st, db.prepare("SELECT title, is_matter FROM conversations WHERE id = ?"));
        st->bind(1, std::string_view(c));
        VERBATIM_TRY_LET(row, st->step());
        if (!*row) continue;
        out.push_back({c, st->columnText(0), st->columnInt(1) != 0, {}, {}});
    }
    // Supervisor assignments across the wall (R-SUP-5) are conflicts too, with no conversation:
    // the supervisor no longer sees the matters behind it, and the assignment stays for the
    // administrator to remove.
    std::vector<std::pair<std::string, std::string>> assignments;
    {
        VERBATIM_TRY_LET(st, db.prepare("SELECT supervisor, lawyer FROM supervisors ORDER BY "
                                        "supervisor, lawyer"));
        VERBATIM_TRY(st->forEachRow(
            [&] { assignments.emplace_back(st->columnText(0), st->columnText(1)); }));
    }
    for (const auto& [supervisor, lawyer] : assignments) {
        VERBATIM_TRY_LET(crossed, wallAcrossSupervision(db, supervisor, lawyer, wall.name));
        if (!crossed->empty())
            out.push_back(
                {std::string(), supervisor + " supervises " + lawyer, false, supervisor, lawyer});
    }
    return out;
}

// A stored wall with its conflicts now; NotFound when there is none named so.
Result<WallInfo> loadWall(Database& db, const std::string& name) {
    VERBATIM_TRY_LET(st, db.prepare("SELECT created_ms, created_by FROM walls WHERE name = ?"));
    st->bind(1, std::string_view(name));
    VERBATIM_TRY_LET(row, st->step());
    if (!*row) return fail(ErrorCode::NotFound, "no such wall: " + name);
    WallInfo w;
    w.name = name;
    w.createdMs = std::uint64_t(st->columnInt(0));
    w.createdBy = st->columnText(1);
    VERBATIM_TRY_LET(e, db.prepare("SELECT side, kind, ref FROM wall_entries WHERE wall = ? "
                                   "ORDER BY side, kind, ref"));
    e->bind(1, std::string_view(name));
    VERBATIM_TRY(e->forEachRow([&] {
        const int side = int(e->columnInt(0)) == 1 ? 1 : 0;
        (e->columnInt(1) == kMatter ? w.matters : w.users)[side].push_back(e->columnText(2));
    }));
    VERBATIM_TRY_LET(conflicts, conflictsOf(db, w));
    w.conflicts = std::move(*conflicts);
    return w;
}

} // namespace

namespace impl {

Result<std::set<std::string>> memberUsers(Database& db, const std::string& conversation) {
    std::set<std::string> out;
    if (conversation.empty()) return out;
    VERBATIM_TRY_LET(st, db.cached("SELECT user FROM members WHERE conversation = ?"));
    st->bind(1, std::string_view(conversation));
    VERBATIM_TRY(st->forEachRow([&] { out.insert(st->columnText(0)); }));
    return out;
}

// Supervision across walls (issue 21, R-SUP-5); declared in SupervisorsService.cpp, their user.
// The first wall (by name) on which `user` stands on one side and `conversation` (its own wall
// entries) or one of `others` on the other; "" when none. The sides are sidesOf's, the ones every
// send and invite check uses.
Result<std::string> wallBetween(Database& db, const std::string& user,
                                const std::string& conversation,
                                const std::set<std::string>& others, const std::string& onlyWall) {
    VERBATIM_TRY_LET(any, exists(db, "SELECT 1 FROM walls LIMIT 1"));
    if (!*any) return std::string();
    VERBATIM_TRY_LET(mine, sidesOf(db, {}, {user}, onlyWall));
    if (mine->empty()) return std::string();
    VERBATIM_TRY_LET(theirs, sidesOf(db, conversation, others, onlyWall));
    for (const auto& [wall, sides] : *mine) {
        const auto it = theirs->find(wall);
        if (it == theirs->end()) continue;
        if (((sides & 1) && (it->second & 2)) || ((sides & 2) && (it->second & 1))) return wall;
    }
    return std::string();
}

// A matter's people as walls see them: its members and those who left it (B5).
Result<std::set<std::string>> matterPeople(Database& db, const std::string& matter) {
    VERBATIM_TRY_LET(people, memberUsers(db, matter));
    VERBATIM_TRY_LET(st, db.cached("SELECT user FROM former_members WHERE conversation = ?"));
    st->bind(1, std::string_view(matter));
    VERBATIM_TRY(st->forEachRow([&] { people->insert(st->columnText(0)); }));
    return people;
}

Result<std::vector<WallInfo>> loadWalls(Database& db) {
    std::vector<std::string> names;
    VERBATIM_TRY_LET(st, db.prepare("SELECT name FROM walls ORDER BY name"));
    VERBATIM_TRY(st->forEachRow([&] { names.push_back(st->columnText(0)); }));
    std::vector<WallInfo> walls;
    for (const auto& n : names) {
        VERBATIM_TRY_LET(w, loadWall(db, n));
        walls.push_back(std::move(*w));
    }
    return walls;
}

// The first wall on which `supervisor` stands opposite `lawyer`, or opposite a matter `lawyer` is
// a member of (the matter, its members or former members); "" when none.
Result<std::string> wallAcrossSupervision(Database& db, const std::string& supervisor,
                                          const std::string& lawyer, const std::string& onlyWall) {
    VERBATIM_TRY_LET(any, exists(db, "SELECT 1 FROM walls LIMIT 1"));
    if (!*any) return std::string();
    VERBATIM_TRY_LET(direct, wallBetween(db, supervisor, {}, {lawyer}, onlyWall));
    if (!direct->empty()) return direct;
    std::vector<std::string> matters;
    {
        VERBATIM_TRY_LET(st, db.cached("SELECT m.conversation FROM members m JOIN conversations c "
                                       "ON c.id = m.conversation WHERE m.user = ? AND "
                                       "c.is_matter = 1 ORDER BY m.conversation"));
        st->bind(1, std::string_view(lawyer));
        VERBATIM_TRY(st->forEachRow([&] { matters.push_back(st->columnText(0)); }));
    }
    for (const auto& m : matters) {
        VERBATIM_TRY_LET(people, matterPeople(db, m));
        VERBATIM_TRY_LET(wall, wallBetween(db, supervisor, m, *people, onlyWall));
        if (!wall->empty()) return wall;
    }
    return std::string();
}

} // namespace impl

Result<std::string> RelayService::refuseAtWalls(Database& db, const std::string& conversation,
                                                const std::set<std::string>& users,
                                                std::string_view request, const std::string& actor,
                                                const AuditFields& extra) {
    VERBATIM_TRY_LET(wall, crossedWall(db, conversation, users));
    if (wall->empty() && !conversation.empty()) {
        VERBATIM_TRY_LET(elsewhere, crossedByJoining(db, conversation, users));
        *wall = std::move(*elsewhere);
    }
    if (wall->empty()) return std::string();
    // The entry says which wall and what was refused; the people on its other side are in the
    // wall's own entry (`wall-added`), not repeated here, and no message content is involved.
    AuditFields fields{{"wall", *wall}, {"request", std::string(request)}};
    if (!conversation.empty()) fields.emplace_back("conversation", conversation);
    // Who was asked for: compliance sees who probed whom (ids only).
    fields.emplace_back("members", joined(std::vector<std::string>(users.begin(), users.end())));
    fields.insert(fields.end(), extra.begin(), extra.end());
    VERBATIM_TRY(recordAdminAction(db, actor, "wall-refused", conversation, *wall, fields));
    // The refused party learns the wall's name and nothing of who stands behind it.
    return "refused by the ethical wall \"" + *wall +
           "\": this would put people it separates in one conversation; ask the firm's "
           "administrator";
}

Result<std::string> RelayService::wallCrossedBy(Database& db, const std::string& conversation) {
    VERBATIM_TRY_LET(any, exists(db, "SELECT 1 FROM walls LIMIT 1"));
    if (!*any) return std::string(); // the common case: one probe, no member lookup
    VERBATIM_TRY_LET(members, memberUsers(db, conversation));
    return crossedWall(db, conversation, *members);
}

Result<std::string> RelayService::refuseSendAtWall(Database& db, const std::string& conversation,
                                                   const std::string& wall,
                                                   const std::string& actor) {
    // Once per conversation and wall: a member retrying sends cannot grow the journal.
    if (m_wallSendRefusals.size() >= 100000) m_wallSendRefusals.clear(); // bounded
    if (m_wallSendRefusals.insert({conversation, wall}).second)
        VERBATIM_TRY(recordAdminAction(
            db, actor, "wall-refused", conversation, wall,
            {{"wall", wall}, {"request", "send"}, {"conversation", conversation}}));
    return "refused by the ethical wall \"" + wall +
           "\": this conversation holds people it separates, so nothing is sent in it until the "
           "firm's administrator resolves it";
}

Result<WallInfo> RelayService::addWallJob(Database& db, const WallSpec& spec,
                                          const std::string& actor) {
    if (!acceptableWallName(spec.name))
        return fail(ErrorCode::InvalidArgument,
                    "a wall's name is 1-100 bytes of text without control characters or direction "
                    "overrides");
    for (int side : {0, 1})
        if (spec.users[side].empty() && spec.matters[side].empty())
            return fail(ErrorCode::InvalidArgument,
                        std::string("each side of a wall names at least one user or matter: "
                                    "side ") +
                            (side == 0 ? "A" : "B") + " is empty");
    if (spec.users[0].size() + spec.users[1].size() + spec.matters[0].size() +
            spec.matters[1].size() >
        kMaxWallEntries)
        return fail(ErrorCode::InvalidArgument, "a wall names at most 10000 users and matters");
    VERBATIM_TRY_LET(taken,
                     exists(db, "SELECT 1 FROM walls WHERE name = ?", std::string_view(spec.name)));
    if (*taken)
        return fail(ErrorCode::InvalidArgument, "a wall named \"" + spec.name +
                                                    "\" exists; remove it first or choose "
                                                    "another name");
    WallInfo w;
    w.name = spec.name;
    w.createdBy = actor;
    w.createdMs = wallClockMs();
    for (int side : {0, 1}) {
        std::set<std::string> users, matters;
        for (const auto& u : spec.users[side]) {
            if (u.empty()) return fail(ErrorCode::InvalidArgument, "an empty user id");
            VERBATIM_TRY_LET(known,
                             exists(db, "SELECT 1 FROM users WHERE id = ?", std::string_view(u)));
            if (!*known) return fail(ErrorCode::NotFound, "no such user: " + u);
            users.insert(u);
        }
        for (const auto& m : spec.matters[side]) {
            VERBATIM_TRY_LET(id, resolveMatter(db, m));
            matters.insert(*id);
        }
        w.users[side].assign(users.begin(), users.end());
        w.matters[side].assign(matters.begin(), matters.end());
    }
    for (const auto& u : w.users[0])
        if (std::binary_search(w.users[1].begin(), w.users[1].end(), u))
            return fail(ErrorCode::InvalidArgument,
                        u + " is on both sides of the wall; a wall separates two groups");
    for (const auto& m : w.matters[0])
        if (std::binary_search(w.matters[1].begin(), w.matters[1].end(), m))
            return fail(ErrorCode::InvalidArgument,
                        "matter " + m + " is on both sides of the wall");
    VERBATIM_TRY(execute(db, "INSERT INTO walls (name, created_ms, created_by) VALUES (?, ?, ?)",
                         std::string_view(w.name), std::int64_t(w.createdMs),
                         std::string_view(actor)));
    for (int side : {0, 1}) {
        for (int kind : {kUser, kMatter})
            for (const auto& ref : kind == kUser ? w.users[side] : w.matters[side])
                VERBATIM_TRY(execute(db,
                                     "INSERT INTO wall_entries (wall, side, kind, ref) VALUES "
                                     "(?, ?, ?, ?)",
                                     std::string_view(w.name), std::int64_t(side),
                                     std::int64_t(kind), std::string_view(ref)));
    }
    VERBATIM_TRY_LET(conflicts, conflictsOf(db, w));
    w.conflicts = std::move(*conflicts);
    std::vector<std::string> ids;
    for (const auto& c : w.conflicts)
        ids.push_back(c.conversation);
    VERBATIM_TRY(recordAdminAction(db, actor, "wall-added", w.name,
                                   std::to_string(w.conflicts.size()),
                                   {{"wall", w.name},
                                    {"side_a", joined(w.users[0])},
                                    {"side_b", joined(w.users[1])},
                                    {"matters_a", joined(w.matters[0])},
                                    {"matters_b", joined(w.matters[1])},
                                    {"conflicts", joined(ids)}}));
    return w;
}

Result<WallInfo> RelayService::addWall(const WallSpec& spec, const std::string& actor) {
    WallInfo out;
    auto ran = runAndWait([&](Database& db) -> Result<Completion> {
        VERBATIM_TRY_LET(w, addWallJob(db, spec, actor));
        out = std::move(*w);
        return Completion();
    });
    if (!ran) return tl::unexpected(ran.error());
    return out;
}

Result<std::vector<WallInfo>> RelayService::listWalls() {
    Result<std::vector<WallInfo>> out = std::vector<WallInfo>();
    m_storage->runSync([&](Database& db) { out = loadWalls(db); });
    return out;
}

Result<WallInfo> RelayService::showWall(const std::string& name) {
    Result<WallInfo> out = WallInfo();
    m_storage->runSync([&](Database& db) { out = loadWall(db, name); });
    return out;
}

Result<void> RelayService::removeWallJob(Database& db, const std::string& name,
                                         const std::string& actor) {
    VERBATIM_TRY_LET(wall, loadWall(db, name));
    VERBATIM_TRY(execute(db, "DELETE FROM wall_entries WHERE wall = ?", std::string_view(name)));
    VERBATIM_TRY(execute(db, "DELETE FROM walls WHERE name = ?", std::string_view(name)));
    return recordAdminAction(
        db, actor, "wall-removed", name, {},
        {{"wall", name}, {"conflicts", std::to_string(wall->conflicts.size())}});
}

Result<void> RelayService::removeWall(const std::string& name, const std::string& actor) {
    return runAndWait([&](Database& db) -> Result<Completion> {
        VERBATIM_TRY(removeWallJob(db, name, actor));
        return Completion();
    });
}

} // namespace verbatim::relay

/// @file WallsRequests.cpp
/// Ethical walls over the WebSocket (H6, issue 22; docs/protocol.md, "Walls over the WebSocket"):
/// the app's view of the walls the relay holds (ListWalls), and an administrator's AddWall and
/// RemoveWall. The rules are the ones `verbatim-relay admin wall` follows (WallsService.cpp runs
/// the same storage jobs); what is added here is who may ask, the names people see, and the
/// journal entry of a listing.
///
/// Who may: an administrator lists, adds and removes; a compliance officer lists (read-only: the
/// firm's information barriers are part of what compliance oversees); lawyers, supervisors and
/// clients see no wall at all (403): a refused user learns a wall's name from the refusal alone.

#include "relay/core/RelayServiceImpl.h"

namespace verbatim::relay {

using namespace impl;

namespace {

// A person as a wall lists them: their id, name and role ("" and unspecified for an id the relay
// no longer knows, which keeps its place on the wall).
Result<proto::WallPerson> person(Database& db, const std::string& user) {
    proto::WallPerson p;
    p.set_user(user);
    VERBATIM_TRY_LET(st, db.cached("SELECT display_name, role FROM users WHERE id = ?"));
    st->bind(1, std::string_view(user));
    VERBATIM_TRY_LET(row, st->step());
    if (*row) {
        p.set_display_name(st->columnText(0));
        p.set_role(proto::Role(st->columnInt(1)));
    }
    (**st).reset();
    return p;
}

Result<void> fillSide(Database& db, const WallInfo& w, int side, proto::WallSide& out) {
    for (const auto& u : w.users[side]) {
        VERBATIM_TRY_LET(p, person(db, u));
        *out.add_users() = std::move(*p);
    }
    VERBATIM_TRY_LET(st, db.cached("SELECT title FROM conversations WHERE id = ?"));
    for (const auto& m : w.matters[side]) {
        auto* matter = out.add_matters();
        matter->set_conversation_id(m);
        (**st).reset();
        st->bind(1, std::string_view(m));
        VERBATIM_TRY_LET(row, st->step());
        if (*row) matter->set_title(st->columnText(0));
    }
    (**st).reset();
    return {};
}

// A stored wall as the app sees it: people by name, matters by title, who made it.
Result<proto::Wall> wallProto(Database& db, const WallInfo& w) {
    proto::Wall out;
    out.set_name(w.name);
    out.set_created_ms(w.createdMs);
    out.set_created_by(w.createdBy);
    // USER/DEVICE for a device's request; admin-cli (no user) for the relay's own command.
    if (const auto slash = w.createdBy.find('/'); slash != std::string::npos) {
        VERBATIM_TRY_LET(by, person(db, w.createdBy.substr(0, slash)));
        out.set_created_by_name(by->display_name());
    }
    VERBATIM_TRY(fillSide(db, w, 0, *out.mutable_side_a()));
    VERBATIM_TRY(fillSide(db, w, 1, *out.mutable_side_b()));
    for (const auto& c : w.conflicts) {
        auto* p = out.add_conflicts();
        if (c.conversation.empty()) {
            p->set_kind(proto::WallConflictInfo::SUPERVISION);
            VERBATIM_TRY_LET(supervisor, person(db, c.supervisor));
            VERBATIM_TRY_LET(lawyer, person(db, c.lawyer));
            *p->mutable_supervisor() = std::move(*supervisor);
            *p->mutable_lawyer() = std::move(*lawyer);
            continue;
        }
        p->set_kind(c.matter ? proto::WallConflictInfo::MATTER : proto::WallConflictInfo::DIRECT);
        p->set_conversation_id(c.conversation);
        p->set_title(c.title);
    }
    return out;
}

std::string actorOf(const DeviceId& from) {
    return from.user + "/" + std::to_string(from.device);
}

} // namespace

void RelayService::onListWalls(const DeviceId& from, proto::Request& request, Done& done,
                               const RequestRun& run) {
    if (from.role != proto::ROLE_ADMIN && from.role != proto::ROLE_COMPLIANCE)
        return done(errorResponse(proto::STATUS_FORBIDDEN,
                                  "only the firm's administrators and compliance list walls"));
    // Each listing computes every wall's conflicts over the memberships: bounded per device.
    if (auto wait =
            m_limiter.take("walls:" + actorOf(from), m_config.limits.wallsList, monotonicMs()))
        return done(errorResponse(proto::STATUS_RATE_LIMITED, "listing too often", wait));
    return run([this, from](Database& db, proto::Response& out) -> Result<Completion> {
        VERBATIM_TRY_LET(walls, loadWalls(db));
        auto* list = out.mutable_wall_list();
        for (const auto& w : *walls) {
            VERBATIM_TRY_LET(p, wallProto(db, w));
            *list->add_walls() = std::move(*p);
        }
        // Who looked at the barriers, and when: the list names who stands where and which
        // conversations cross, so compliance sees every look as it sees supervision's accesses.
        VERBATIM_TRY(recordAdminAction(db, actorOf(from), "walls-listed", "walls",
                                       std::to_string(walls->size()),
                                       {{"walls", std::to_string(walls->size())}}));
        return Completion();
    });
}

void RelayService::onAddWall(const DeviceId& from, proto::Request& request, Done& done,
                             const RequestRun& run) {
    if (from.role != proto::ROLE_ADMIN)
        return done(errorResponse(proto::STATUS_FORBIDDEN, "admin role required"));
    const auto& a = request.add_wall();
    WallSpec spec;
    spec.name = a.name();
    spec.users[0].assign(a.users_a().begin(), a.users_a().end());
    spec.users[1].assign(a.users_b().begin(), a.users_b().end());
    spec.matters[0].assign(a.matters_a().begin(), a.matters_a().end());
    spec.matters[1].assign(a.matters_b().begin(), a.matters_b().end());
    // The same checks, change and `wall-added` entry as `admin wall add`; a refusal (400 or 404
    // with its reason) changes nothing and journals nothing.
    return run([this, from, spec = std::move(spec)](Database& db,
                                                    proto::Response& out) -> Result<Completion> {
        VERBATIM_TRY_LET(wall, addWallJob(db, spec, actorOf(from)));
        VERBATIM_TRY_LET(p, wallProto(db, *wall));
        *out.mutable_wall() = std::move(*p);
        return Completion();
    });
}

void RelayService::onRemoveWall(const DeviceId& from, proto::Request& request, Done& done,
                                const RequestRun& run) {
    if (from.role != proto::ROLE_ADMIN)
        return done(errorResponse(proto::STATUS_FORBIDDEN, "admin role required"));
    const std::string name = request.remove_wall().name();
    if (name.empty()) return done(errorResponse(proto::STATUS_BAD_REQUEST, "name required"));
    return run([this, from, name](Database& db, proto::Response& out) -> Result<Completion> {
        VERBATIM_TRY(removeWallJob(db, name, actorOf(from)));
        VERBATIM_TRY_LET(walls, loadWalls(db));
        auto* list = out.mutable_wall_list();
        for (const auto& w : *walls) {
            VERBATIM_TRY_LET(p, wallProto(db, w));
            *list->add_walls() = std::move(*p);
        }
        return Completion();
    });
}

} // namespace verbatim::relay

// Client, ethical walls (H6, issue 22): the walls the relay holds, for an administrator (list,
// add, remove) and a compliance officer (list), over ListWalls, AddWall and RemoveWall. The relay
// decides who may: everyone else gets ErrorCode::Forbidden with its reason.
#include "client/core/ClientImpl.h"
#include "common/Try.h"

namespace verbatim::client {

namespace {

WallPersonView personView(const proto::WallPerson& p) {
    return {p.user(), p.display_name(),
            p.role() == proto::ROLE_UNSPECIFIED ? std::string() : roleText(p.role())};
}

WallView wallView(const proto::Wall& w) {
    WallView v;
    v.name = w.name();
    v.createdMs = w.created_ms();
    v.createdBy = w.created_by();
    v.createdByName = w.created_by_name();
    int side = 0;
    for (const auto* s : {&w.side_a(), &w.side_b()}) {
        for (const auto& u : s->users())
            v.users[side].push_back(personView(u));
        for (const auto& m : s->matters())
            v.matters[side].emplace_back(m.conversation_id(), m.title());
        ++side;
    }
    for (const auto& c : w.conflicts()) {
        WallConflictView cv;
        cv.kind = c.kind() == proto::WallConflictInfo::SUPERVISION ? "supervision"
                  : c.kind() == proto::WallConflictInfo::MATTER    ? "matter"
                                                                   : "direct";
        cv.conversationId = c.conversation_id();
        cv.title = c.title();
        cv.supervisor = personView(c.supervisor());
        cv.lawyer = personView(c.lawyer());
        v.conflicts.push_back(std::move(cv));
    }
    return v;
}

// The relay's refusal as an Error the app can act on; its text says why (never a secret).
Result<proto::Response> answered(Result<proto::Response> resp) {
    if (!resp) return resp;
    switch (resp->status()) {
    case proto::STATUS_OK:
        return resp;
    case proto::STATUS_FORBIDDEN:
        return fail(ErrorCode::Forbidden, resp->error());
    case proto::STATUS_BAD_REQUEST:
        return fail(ErrorCode::InvalidArgument, resp->error());
    case proto::STATUS_NOT_FOUND:
        return fail(ErrorCode::NotFound, resp->error());
    default:
        return fail(ErrorCode::Unavailable, "relay refused: " + resp->error());
    }
}

std::vector<WallView> wallViews(const proto::WallList& list) {
    std::vector<WallView> out;
    for (const auto& w : list.walls())
        out.push_back(wallView(w));
    return out;
}

} // namespace

Result<std::vector<WallView>> Client::walls() {
    proto::Request req;
    req.mutable_list_walls();
    VERBATIM_TRY_LET(resp, answered(m->call(req)));
    return wallViews(resp->wall_list());
}

Result<WallView> Client::addWall(const WallRequest& wall) {
    proto::Request req;
    auto* a = req.mutable_add_wall();
    a->set_name(wall.name);
    for (const auto& u : wall.users[0])
        a->add_users_a(u);
    for (const auto& m : wall.matters[0])
        a->add_matters_a(m);
    for (const auto& u : wall.users[1])
        a->add_users_b(u);
    for (const auto& m : wall.matters[1])
        a->add_matters_b(m);
    VERBATIM_TRY_LET(resp, answered(m->call(req)));
    return wallView(resp->wall());
}

Result<std::vector<WallView>> Client::removeWall(const std::string& name) {
    proto::Request req;
    req.mutable_remove_wall()->set_name(name);
    VERBATIM_TRY_LET(resp, answered(m->call(req)));
    return wallViews(resp->wall_list());
}

} // namespace verbatim::client

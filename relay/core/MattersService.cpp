/// @file MattersService.cpp
/// RelayService's matter lifecycle (issue 22): closing and reopening a matter, removing a member
/// (and an administrator's cut from any conversation), and offboarding a departing lawyer, each
/// journaled. Conversations, invites and their state are in ConversationsService.cpp.

#include "relay/core/RelayServiceImpl.h"

namespace verbatim::relay {

using namespace impl;

namespace {

// Ends `user`'s membership of `conversation` and remembers it (issue 22, B5): a former member of
// a walled matter keeps its side, since what they read there stays with them. Deleting the
// member row empties the member-device cache (onRowChange): the next send into the conversation
// is checked against the members without this user.
Result<void> endMembership(Database& db, const std::string& conversation, const std::string& user,
                           std::uint64_t now) {
    VERBATIM_TRY(execute(db, "DELETE FROM members WHERE conversation = ? AND user = ?",
                         std::string_view(conversation), std::string_view(user)));
    return execute(db,
                   "INSERT OR REPLACE INTO former_members (conversation, user, left_ms) VALUES "
                   "(?, ?, ?)",
                   std::string_view(conversation), std::string_view(user), std::int64_t(now));
}

} // namespace

Result<std::pair<proto::Conversation, std::vector<std::pair<DeviceId, proto::Frame>>>>
RelayService::setMatterClosedJob(Database& db, const std::string& id, bool closed,
                                 const std::string& owner, const std::string& actor) {
    VERBATIM_TRY_LET(st, db.prepare("SELECT is_matter, created_by, closed_ms IS NOT NULL FROM "
                                    "conversations WHERE id = ?"));
    st->bind(1, std::string_view(id));
    VERBATIM_TRY_LET(row, st->step());
    if (!*row) return reject(proto::STATUS_NOT_FOUND, "no such matter");
    const bool isMatter = st->columnInt(0) != 0;
    const std::string creator = st->columnText(1);
    const bool wasClosed = st->columnInt(2) != 0;
    st->reset();
    if (!owner.empty()) {
        // A lawyer closes only a matter they opened and are still a member of; someone else's
        // matter is "not found" to them unless they are in it.
        VERBATIM_TRY_LET(member, exists(db,
                                        "SELECT 1 FROM members WHERE conversation = ? AND "
                                        "user = ?",
                                        std::string_view(id), std::string_view(owner)));
        if (!*member) return reject(proto::STATUS_NOT_FOUND, "no such matter");
        if (creator != owner)
            return reject(proto::STATUS_FORBIDDEN,
                          "only the lawyer who opened this matter, a supervisor or an "
                          "administrator closes or reopens it");
    }
    if (!isMatter)
        return reject(proto::STATUS_BAD_REQUEST,
                      "this is a direct conversation, not a matter: only matters are closed");
    std::vector<std::pair<DeviceId, proto::Frame>> notices;
    if (wasClosed != closed) {
        const std::uint64_t now = wallClockMs();
        if (closed) {
            VERBATIM_TRY(
                execute(db, "UPDATE conversations SET closed_ms = ?, closed_by = ? WHERE id = ?",
                        std::int64_t(now), std::string_view(actor), std::string_view(id)));
        } else {
            VERBATIM_TRY(execute(
                db, "UPDATE conversations SET closed_ms = NULL, closed_by = NULL WHERE id = ?",
                std::string_view(id)));
        }
        // Invites into a closed matter die: each open one is revoked, journaled as any revocation
        // (reopening revives none).
        std::vector<std::pair<std::string, std::string>> open; // (invite id, inviter)
        if (closed) {
            VERBATIM_TRY_LET(inv, db.prepare("SELECT lookup, coalesce(inviter, '') FROM tokens "
                                             "WHERE kind = ? AND conversation = ? AND used_ms IS "
                                             "NULL AND revoked_ms IS NULL AND expires_ms > ? "
                                             "ORDER BY lookup"));
            inv->bind(1, std::int64_t(kTokenInvite))
                .bind(2, std::string_view(id))
                .bind(3, std::int64_t(now));
            VERBATIM_TRY(inv->forEachRow(
                [&] { open.emplace_back(inv->columnText(0), inv->columnText(1)); }));
        }
        VERBATIM_TRY_LET(conv, loadConversation(db, id));
        VERBATIM_TRY(recordAdminAction(db, actor, closed ? "matter-closed" : "matter-reopened", id,
                                       conv->title(),
                                       {{"conversation", id},
                                        {"title", conv->title()},
                                        {"invites_revoked", std::to_string(open.size())}}));
        for (const auto& [invite, inviter] : open) {
            VERBATIM_TRY(execute(db,
                                 "UPDATE tokens SET revoked_ms = ?, revoked_by = ? WHERE kind = ? "
                                 "AND lookup = ? AND conversation = ? AND used_ms IS NULL AND "
                                 "revoked_ms IS NULL",
                                 std::int64_t(now), std::string_view(actor),
                                 std::int64_t(kTokenInvite), std::string_view(invite),
                                 std::string_view(id)));
            VERBATIM_TRY(recordAdminAction(
                db, actor, "invite-revoked", id, invite,
                {{"invite", invite}, {"conversation", id}, {"inviter", inviter}}));
        }
        VERBATIM_TRY_LET(devices, memberDevices(db, id));
        for (const auto& d : *devices) {
            proto::Push p;
            *p.mutable_conversation_changed() = *conv;
            notices.push_back({DeviceId{d.user(), d.device(), {}, {}}, pushFrame(std::move(p))});
        }
        return std::make_pair(std::move(*conv), std::move(notices));
    }
    VERBATIM_TRY_LET(conv, loadConversation(db, id));
    return std::make_pair(std::move(*conv), std::move(notices));
}

void RelayService::onSetMatterClosed(const DeviceId& from, proto::Request& request, Done& done,
                                     const RequestRun& run) {
    if (from.role != proto::ROLE_LAWYER && from.role != proto::ROLE_SUPERVISOR &&
        from.role != proto::ROLE_ADMIN)
        return done(errorResponse(proto::STATUS_FORBIDDEN,
                                  "only the matter's lawyer, a supervisor or an administrator "
                                  "closes or reopens a matter"));
    auto req = request.set_matter_closed();
    if (req.conversation_id().empty() || req.conversation_id().size() > 64)
        return done(errorResponse(proto::STATUS_BAD_REQUEST, "name the matter to close"));
    return run([this, from, req](Database& db, proto::Response& out) -> Result<Completion> {
        VERBATIM_TRY_LET(
            changed, setMatterClosedJob(db, req.conversation_id(), req.closed(),
                                        from.role == proto::ROLE_LAWYER ? from.user : std::string(),
                                        from.user + "/" + std::to_string(from.device)));
        *out.mutable_conversation() = std::move(changed->first);
        return Completion([this, notices = std::move(changed->second)] { pushLive(notices); });
    });
}

void RelayService::onRemoveMember(const DeviceId& from, proto::Request& request, Done& done,
                                  const RequestRun& run) {
    if (from.role != proto::ROLE_LAWYER && from.role != proto::ROLE_SUPERVISOR &&
        from.role != proto::ROLE_ADMIN)
        return done(errorResponse(proto::STATUS_FORBIDDEN,
                                  "only the matter's lawyer, a supervisor or an administrator "
                                  "removes a member"));
    auto req = request.remove_member();
    if (req.conversation_id().empty() || req.conversation_id().size() > 64 || req.user().empty() ||
        req.user().size() > 200)
        return done(errorResponse(proto::STATUS_BAD_REQUEST, "name the matter and the member"));
    return run([this, from, req](Database& db, proto::Response& out) -> Result<Completion> {
        const std::string& id = req.conversation_id();
        VERBATIM_TRY_LET(st, db.prepare("SELECT is_matter, created_by FROM conversations WHERE "
                                        "id = ?"));
        st->bind(1, std::string_view(id));
        VERBATIM_TRY_LET(row, st->step());
        if (!*row) return reject(proto::STATUS_NOT_FOUND, "no such matter");
        const bool isMatter = st->columnInt(0) != 0;
        const std::string creator = st->columnText(1);
        st->reset();
        if (from.role == proto::ROLE_LAWYER) {
            VERBATIM_TRY_LET(in, exists(db,
                                        "SELECT 1 FROM members WHERE conversation = ? AND "
                                        "user = ?",
                                        std::string_view(id), std::string_view(from.user)));
            if (!*in) return reject(proto::STATUS_NOT_FOUND, "no such matter");
            if (creator != from.user)
                return reject(proto::STATUS_FORBIDDEN,
                              "only the lawyer who opened this matter, a supervisor or an "
                              "administrator removes a member");
        }
        if (!isMatter)
            return reject(proto::STATUS_BAD_REQUEST,
                          "this is a direct conversation, not a matter: members leave matters");
        VERBATIM_TRY_LET(member, exists(db,
                                        "SELECT 1 FROM members WHERE conversation = ? AND "
                                        "user = ?",
                                        std::string_view(id), std::string_view(req.user())));
        if (!*member) return reject(proto::STATUS_NOT_FOUND, "not a member of this matter");
        if (req.user() == creator)
            return reject(proto::STATUS_CONFLICT,
                          "the lawyer who opened this matter stays in it; offboarding hands it "
                          "to a colleague");
        // Every member's devices, the removed user's included (read before the row goes): all get
        // the change.
        VERBATIM_TRY_LET(devices, memberDevices(db, id));
        VERBATIM_TRY(endMembership(db, id, req.user(), wallClockMs()));
        VERBATIM_TRY_LET(conv, loadConversation(db, id));
        const std::string actor = from.user + "/" + std::to_string(from.device);
        VERBATIM_TRY(recordAdminAction(
            db, actor, "member-removed", id, req.user(),
            {{"conversation", id}, {"user", req.user()}, {"title", conv->title()}}));
        std::vector<std::pair<DeviceId, proto::Frame>> notices;
        for (const auto& d : *devices) {
            proto::Push p;
            *p.mutable_conversation_changed() = *conv;
            notices.push_back({DeviceId{d.user(), d.device(), {}, {}}, pushFrame(std::move(p))});
        }
        *out.mutable_conversation() = std::move(*conv);
        return Completion([this, notices = std::move(notices)] { pushLive(notices); });
    });
}

Result<proto::Conversation> RelayService::cutFromConversation(const std::string& conversation,
                                                              const std::string& user,
                                                              const std::string& actor) {
    proto::Conversation out;
    std::vector<std::pair<DeviceId, proto::Frame>> notices;
    auto ran = runAndWait([&](Database& db) -> Result<Completion> {
        notices.clear();
        VERBATIM_TRY_LET(member, exists(db,
                                        "SELECT 1 FROM members WHERE conversation = ? AND "
                                        "user = ?",
                                        std::string_view(conversation), std::string_view(user)));
        if (!*member)
            return fail(ErrorCode::NotFound,
                        "no such member: " + user + " is not in conversation " + conversation);
        // Every member's devices, the removed user's included (read before the row goes).
        VERBATIM_TRY_LET(devices, memberDevices(db, conversation));
        VERBATIM_TRY(endMembership(db, conversation, user, wallClockMs()));
        VERBATIM_TRY_LET(conv, loadConversation(db, conversation));
        VERBATIM_TRY(recordAdminAction(db, actor, "member-removed", conversation, user,
                                       {{"conversation", conversation},
                                        {"user", user},
                                        {"title", conv->title()},
                                        {"matter", conv->is_matter() ? "true" : "false"}}));
        for (const auto& d : *devices) {
            proto::Push p;
            *p.mutable_conversation_changed() = *conv;
            notices.push_back({DeviceId{d.user(), d.device(), {}, {}}, pushFrame(std::move(p))});
        }
        out = std::move(*conv);
        return Completion();
    });
    if (!ran) return tl::unexpected(ran.error());
    pushLive(notices);
    return out;
}

Result<RelayService::Offboarded>
RelayService::offboard(const std::string& user, const std::string& to, const std::string& actor) {
    if (user == to) return fail(ErrorCode::InvalidArgument, "hand the matters to someone else");
    Offboarded done;
    std::vector<std::function<void()>> after;
    std::string refusal;
    auto ran = runAndWait([&](Database& db) -> Result<Completion> {
        done = {};
        after.clear();
        refusal.clear();
        auto roleOf = [&](const std::string& u) -> Result<int> {
            VERBATIM_TRY_LET(st, db.prepare("SELECT role FROM users WHERE id = ?"));
            st->bind(1, std::string_view(u));
            VERBATIM_TRY_LET(row, st->step());
            if (!*row) return fail(ErrorCode::NotFound, "no such user: " + u);
            return int(st->columnInt(0));
        };
        VERBATIM_TRY_LET(leaving, roleOf(user));
        if (!isStaff(proto::Role(*leaving)))
            return fail(ErrorCode::InvalidArgument, "only firm staff are offboarded");
        VERBATIM_TRY_LET(taking, roleOf(to));
        if (*taking != proto::ROLE_LAWYER && *taking != proto::ROLE_SUPERVISOR)
            return fail(ErrorCode::InvalidArgument, "matters go to a lawyer or a supervisor");
        const std::uint64_t now = wallClockMs();
        std::vector<std::string> matters, convs;
        {
            VERBATIM_TRY_LET(st, db.prepare("SELECT id FROM conversations WHERE created_by = ? "
                                            "AND is_matter = 1 ORDER BY id"));
            st->bind(1, std::string_view(user));
            VERBATIM_TRY(st->forEachRow([&] { matters.push_back(st->columnText(0)); }));
        }
        // The colleague joins each matter the departing user leaves: not across a wall. The
        // departing user counts with the matter's members: what they wrote there stays in it, so a
        // colleague on the other side of a wall from them is refused too (issue 22). Checked
        // before anything is written, so a refusal commits its journal entry alone.
        for (const auto& m : matters) {
            VERBATIM_TRY_LET(members, memberUsers(db, m));
            members->insert(user);
            members->insert(to);
            VERBATIM_TRY_LET(walled, refuseAtWalls(db, m, *members, "handover", actor,
                                                   {{"from", user}, {"to", to}}));
            if (!walled->empty()) {
                refusal = "handing matter " + m + " to " + to + " is " + *walled;
                return Completion();
            }
        }
        for (const auto& m : matters) {
            VERBATIM_TRY(execute(db, "UPDATE conversations SET created_by = ? WHERE id = ?",
                                 std::string_view(to), std::string_view(m)));
            VERBATIM_TRY(execute(db,
                                 "INSERT OR IGNORE INTO members (conversation, user, joined_ms) "
                                 "VALUES (?, ?, ?)",
                                 std::string_view(m), std::string_view(to), std::int64_t(now)));
            VERBATIM_TRY(recordAdminAction(db, actor, "matter-handed-over", m, to,
                                           {{"conversation", m}, {"from", user}, {"to", to}}));
            ++done.matters;
        }
        {
            VERBATIM_TRY_LET(st, db.prepare("SELECT conversation FROM members WHERE user = ? "
                                            "ORDER BY conversation"));
            st->bind(1, std::string_view(user));
            VERBATIM_TRY(st->forEachRow([&] { convs.push_back(st->columnText(0)); }));
        }
        for (const auto& c : convs) {
            VERBATIM_TRY(endMembership(db, c, user, now));
            VERBATIM_TRY(recordAdminAction(db, actor, "member-removed", c, user,
                                           {{"conversation", c}, {"user", user}}));
            ++done.memberships;
        }
        {
            std::vector<std::string> invites;
            VERBATIM_TRY_LET(rows, inviteRows(db, user, {}, 100000));
            for (const auto& i : *rows)
                if (i.state() == proto::INVITE_OPEN) invites.push_back(i.id());
            for (const auto& id : invites) {
                VERBATIM_TRY(revokeInviteJob(db, id, user, actor));
                ++done.invites;
            }
        }
        {
            // Supervision is people to people (issue 21): the departing user's assignments, as
            // supervisor and as supervised lawyer, end here and are not handed to `to`.
            std::vector<std::pair<std::string, std::string>> pairs; // (lawyer, supervisor)
            VERBATIM_TRY_LET(st, db.prepare("SELECT lawyer, supervisor FROM supervisors WHERE "
                                            "supervisor = ? OR lawyer = ? ORDER BY lawyer, "
                                            "supervisor"));
            st->bind(1, std::string_view(user)).bind(2, std::string_view(user));
            VERBATIM_TRY(
                st->forEachRow([&] { pairs.emplace_back(st->columnText(0), st->columnText(1)); }));
            for (const auto& [lawyer, supervisor] : pairs) {
                VERBATIM_TRY(execute(db,
                                     "DELETE FROM supervisors WHERE supervisor = ? AND lawyer = ?",
                                     std::string_view(supervisor), std::string_view(lawyer)));
                VERBATIM_TRY(recordAdminAction(db, actor, "supervisor-removed", lawyer, supervisor,
                                               {{"lawyer", lawyer}, {"supervisor", supervisor}}));
            }
        }
        {
            std::vector<std::uint32_t> devices;
            VERBATIM_TRY_LET(st, db.prepare("SELECT device FROM devices WHERE user = ? AND "
                                            "revoked_ms IS NULL ORDER BY device"));
            st->bind(1, std::string_view(user));
            VERBATIM_TRY(
                st->forEachRow([&] { devices.push_back(std::uint32_t(st->columnInt(0))); }));
            for (auto d : devices) {
                VERBATIM_TRY_LET(cut, revokeJob(db, user, d, actor));
                after.push_back(std::move(*cut));
                ++done.devices;
            }
        }
        VERBATIM_TRY(recordAdminAction(db, actor, "user-offboarded", user, to,
                                       {{"user", user},
                                        {"to", to},
                                        {"matters", std::to_string(done.matters)},
                                        {"devices", std::to_string(done.devices)},
                                        {"invites", std::to_string(done.invites)}}));
        // The new owner's devices and the remaining members learn of each handed matter.
        std::vector<std::pair<DeviceId, proto::Frame>> notices;
        for (const auto& m : matters) {
            VERBATIM_TRY_LET(conv, loadConversation(db, m));
            VERBATIM_TRY_LET(devices, memberDevices(db, m));
            for (const auto& d : *devices) {
                proto::Push p;
                *p.mutable_conversation_changed() = *conv;
                notices.push_back(
                    {DeviceId{d.user(), d.device(), {}, {}}, pushFrame(std::move(p))});
            }
        }
        return Completion([this, notices, after] {
            for (const auto& f : after)
                if (f) f();
            pushLive(notices);
        });
    });
    if (!ran) return tl::unexpected(ran.error());
    if (!refusal.empty()) return fail(ErrorCode::InvalidArgument, refusal, int(kStatusEthicalWall));
    return done;
}

} // namespace verbatim::relay

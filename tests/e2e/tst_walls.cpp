// Over 600 lines on purpose: one Qt Test class for ethical walls; every function builds its firm
// on the same request and journal helpers defined at the top.
//
// Issue 22, ethical walls, against a real relay over TLS (devices and real clients) and the real
// `verbatim-relay admin wall` program:
//   - a wall refuses, with status 451 and a text naming the wall and no one behind it, a direct
//     conversation or a matter opened with people of both sides, an invite into a matter that
//     holds both sides, the redemption of a link minted before the wall, an administrator's
//     invite and an offboarding handover into a walled matter; removing the wall lifts them;
//   - a wall made over existing memberships lists the conversations that cross it and removes
//     nobody;
//   - walls and every refusal are journaled (`wall-added`, `wall-refused`, `wall-removed`) and the
//     real Archive verifies the log clean;
//   - bad input (unknown user or matter, a user on both sides, an empty side, a name in use) gets
//     a clear error and changes nothing.

#include <QtTest>

#include <algorithm>
#include <array>

#include "ClientParty.h"
#include "ComplianceParty.h"
#include "E2EHarness.h"
#include "RelayProgram.h"
#include "client/compliance/Archive.h"
#include "client/core/Client.h"
#include "common/Bytes.h"

using namespace verbatim;
using namespace verbatim::e2e::parties;

namespace {

constexpr int kWall = 451;

relay::WallSpec wall(const std::string& name, std::vector<std::string> a,
                     std::vector<std::string> b, std::vector<std::string> mattersA = {},
                     std::vector<std::string> mattersB = {}) {
    relay::WallSpec s;
    s.name = name;
    s.users = {std::move(a), std::move(b)};
    s.matters = {std::move(mattersA), std::move(mattersB)};
    return s;
}

proto::Request createConversation(const std::string& title, bool matter,
                                  std::vector<std::string> members) {
    proto::Request r;
    auto* c = r.mutable_create_conversation();
    c->set_title(title);
    c->set_is_matter(matter);
    for (auto& m : members)
        c->add_members(m);
    return r;
}

proto::Request createInvite(const std::string& conversation) {
    proto::Request r;
    r.mutable_create_invite()->set_conversation_id(conversation);
    return r;
}

/// The response's status, or -1 when the call failed.
int statusOf(const Result<proto::Response>& r) {
    return r ? int(r->status()) : -1;
}

/// "" when `r` failed as a refusal at wall `name` (451, naming the wall); else what happened.
template <class T> std::string wallRefusal(const Result<T>& r, const std::string& name) {
    if (r) return "not refused";
    if (r.error().detail != kWall) return "refused otherwise: " + r.error().message;
    if (r.error().message.find("\"" + name + "\"") == std::string::npos)
        return "the wall is not named: " + r.error().message;
    return {};
}

/// Lawyers enrolled on `h` under `names`, in that order, those named in `online` connected; all
/// null when `h` or any step failed.
template <std::size_t N>
std::array<std::unique_ptr<e2e::Device>, N> lawyers(e2e::Harness& h, const char* const (&names)[N],
                                                    std::initializer_list<std::string> online) {
    std::array<std::unique_ptr<e2e::Device>, N> out;
    bool ok = h.ok();
    for (std::size_t i = 0; ok && i < N; ++i)
        ok = (out[i] = h.enrollStaff(names[i], proto::ROLE_LAWYER)) != nullptr;
    // Connected only once all are enrolled, in the order named.
    for (std::size_t i = 0; ok && i < N; ++i)
        if (std::find(online.begin(), online.end(), names[i]) != online.end())
            ok = static_cast<bool>(out[i]->connect(h.endpoint()));
    if (!ok) out = {};
    return out;
}

} // namespace

class TestWalls : public QObject {
    Q_OBJECT

private slots:
    // Direct conversations and matters opened with both sides are refused (451, naming the wall
    // and nobody of its other side); others are not; the wall's removal lifts the refusal.
    void wallRefusesConversationsAcrossIt() {
        e2e::Harness h;
        auto [alice, bob, carl] = lawyers(h, {"alice", "bob", "carl"}, {"alice", "bob"});
        QVERIFY(alice);
        auto added = h.service().addWall(wall("Acme v Beta", {"alice"}, {"bob"}), "admin-cli");
        QVERIFY2(added, added ? "" : added.error().message.c_str());
        QVERIFY(added->conflicts.empty());

        auto direct = alice->connection->call(createConversation("Lunch", false, {"bob"}));
        QCOMPARE(statusOf(direct), kWall);
        QVERIFY2(direct->error().find("\"Acme v Beta\"") != std::string::npos,
                 direct->error().c_str());
        // The refused party learns the wall's name, not who stands on its other side.
        QVERIFY(direct->error().find("bob") == std::string::npos);
        auto reverse = bob->connection->call(createConversation("Lunch", false, {"alice"}));
        QCOMPARE(statusOf(reverse), kWall);
        QVERIFY(reverse->error().find("alice") == std::string::npos);
        // A matter opened with a member of the other side: the member is not added.
        auto matter = alice->connection->call(createConversation("Estate", true, {"carl", "bob"}));
        QCOMPARE(statusOf(matter), kWall);
        proto::Request list;
        list.mutable_list_conversations();
        auto listed = bob->connection->call(list);
        QVERIFY(listed && listed->status() == proto::STATUS_OK);
        QCOMPARE(listed->conversations().conversations_size(), 0);
        // Outside the wall nothing changes.
        auto fine = alice->connection->call(createConversation("Estate", true, {"carl"}));
        QCOMPARE(statusOf(fine), 0);

        QVERIFY(h.service().removeWall("Acme v Beta", "admin-cli"));
        auto after = alice->connection->call(createConversation("Lunch", false, {"bob"}));
        QCOMPARE(statusOf(after), 0);

        // The three refusals journaled (no conversation was made: the target is empty), verify
        // clean.
        auto officer = joinOfficer(h);
        QVERIFY(officer);
        std::vector<std::string> lines;
        auto report = auditedPull(h, *officer, &lines);
        QVERIFY(report);
        QVERIFY2(report->problems.empty(), report->text().c_str());
        QCOMPARE(countPrefix(lines, "wall-refused alice/1  Acme v Beta"), 2);
        QCOMPARE(countPrefix(lines, "wall-refused bob/1  Acme v Beta"), 1);
        QCOMPARE(countPrefix(lines, "conversation-created"), 2);
    }

    // A wall made over a matter that already holds both sides lists it and removes nobody; from
    // then on nobody joins it: no invite is made (by the lawyer or the administrator), a link
    // minted before the wall enrols nobody (real client and raw registration), and after the
    // wall's removal the same link works. Every act journaled; verify clean.
    void wallOverExistingMembershipsListsConflictsAndStopsJoins() {
        e2e::Harness h;
        auto [alice, bob] = lawyers(h, {"alice", "bob"}, {"alice"});
        QVERIFY(alice);
        auto made = alice->connection->call(createConversation("Estate", true, {"bob"}));
        QCOMPARE(statusOf(made), 0);
        const std::string conv = made->conversation().id();
        auto early = alice->connection->call(createInvite(conv));
        QCOMPARE(statusOf(early), 0);
        const std::string oldLink = early->invite().link();
        const std::string oldToken = e2e::linkToken(oldLink);
        QCOMPARE(oldToken.size(), std::size_t(32));

        auto added = h.service().addWall(wall("Screen 7", {"alice"}, {"bob"}), "admin-cli");
        QVERIFY2(added, added ? "" : added.error().message.c_str());
        QCOMPARE(added->conflicts.size(), std::size_t(1));
        QCOMPARE(added->conflicts[0].conversation, conv);
        QCOMPARE(added->conflicts[0].title, std::string("Estate"));
        QVERIFY(added->conflicts[0].matter);
        auto shown = h.service().showWall("Screen 7");
        QVERIFY(shown && shown->conflicts.size() == 1);
        // Nobody was removed.
        proto::Request members;
        members.mutable_list_member_devices()->set_conversation_id(conv);
        auto devices = alice->connection->call(members);
        QVERIFY(devices && devices->status() == proto::STATUS_OK);
        QCOMPARE(devices->member_devices().devices_size(), 2);

        // The lawyer's invite and the administrator's are refused.
        auto invite = alice->connection->call(createInvite(conv));
        QCOMPARE(statusOf(invite), kWall);
        QVERIFY(invite->error().find("\"Screen 7\"") != std::string::npos);
        QVERIFY(invite->invite().link().empty());
        auto adminInvite = h.service().inviteToMatter("alice", "Estate", 3600 * 1000);
        QVERIFY(!adminInvite);
        QCOMPARE(adminInvite.error().detail, kWall);

        // The link minted before the wall: 451 over HTTPS, naming the wall; the real client says
        // so and is not enrolled; the token stays unused.
        auto ctx = *signal::SignalContext::create();
        auto reg = e2e::Device::create(ctx);
        auto refused = client::RelayConnection::registerDevice(h.endpoint(),
                                                               reg->registration(oldToken, "Dora"));
        const auto enrolRefusal = wallRefusal(refused, "Screen 7");
        QVERIFY2(enrolRefusal.empty(), enrolRefusal.c_str());
        QVERIFY(refused.error().message.find("bob") == std::string::npos);
        QVERIFY(!joinParty(h.link("join", oldToken), "Dora", true));
        auto users = h.service().listUsers();
        QVERIFY(users);
        QVERIFY(std::none_of(users->begin(), users->end(),
                             [](const auto& u) { return u.role == proto::ROLE_CLIENT; }));

        // Removing the wall lifts it: the same link enrols the client into the matter.
        QVERIFY(h.service().removeWall("Screen 7", "admin-cli"));
        auto listed = h.service().listWalls();
        QVERIFY(listed && listed->empty());
        auto client = joinParty(h.link("join", oldToken), "Dora", true);
        QVERIFY(client);
        QCOMPARE(client->account().user.substr(0, 7), std::string("client-"));

        // Journaled: the wall with its conflict, each refusal (no message content: none was
        // involved, and the entry names the wall and the request), the removal; verify clean.
        auto officer = joinOfficer(h);
        QVERIFY(officer);
        std::vector<std::string> lines;
        auto report = auditedPull(h, *officer, &lines);
        QVERIFY(report);
        QVERIFY2(report->problems.empty(), report->text().c_str());
        QCOMPARE(countPrefix(lines, "wall-added admin-cli Screen 7 1"), 1);
        QCOMPARE(countPrefix(lines, "wall-refused alice/1 " + conv + " Screen 7"), 1);
        QCOMPARE(countPrefix(lines, "wall-refused admin-cli " + conv + " Screen 7"), 1);
        // Two redemptions of the old link: the raw one and the real client's.
        QCOMPARE(countPrefix(lines, "wall-refused token " + conv + " Screen 7"), 2);
        QCOMPARE(countPrefix(lines, "wall-removed admin-cli Screen 7"), 1);
        QCOMPARE(countPrefix(lines, "invite-redeemed token"), 1);
    }

    // A wall between a matter and a user: the user is kept out of the matter (an offboarding
    // handover to them is refused, and changes nothing), and out of conversations with the
    // matter's members.
    void walledMatterKeepsTheOtherSideOut() {
        e2e::Harness h;
        auto [alice, bob, dan] = lawyers(h, {"alice", "bob", "dan"}, {"alice", "bob"});
        QVERIFY(alice);
        auto made = alice->connection->call(createConversation("Acme merger", true, {"dan"}));
        QCOMPARE(statusOf(made), 0);
        const std::string conv = made->conversation().id();
        // The matter by its title, the user by id.
        auto added =
            h.service().addWall(wall("Acme screen", {}, {"bob"}, {"Acme merger"}), "admin-cli");
        QVERIFY2(added, added ? "" : added.error().message.c_str());
        QCOMPARE(added->matters[0], std::vector<std::string>{conv});
        QVERIFY(added->conflicts.empty());

        // The matter's members stand on its side: bob may not open a conversation with them.
        auto withDan = bob->connection->call(createConversation("Coffee", false, {"dan"}));
        QCOMPARE(statusOf(withDan), kWall);
        QVERIFY(withDan->error().find("\"Acme screen\"") != std::string::npos);

        // Offboarding alice to bob would hand him the matter: refused whole, nothing changed.
        auto handover = h.service().offboard("alice", "bob", "admin-cli");
        const auto handoverRefusal = wallRefusal(handover, "Acme screen");
        QVERIFY2(handoverRefusal.empty(), handoverRefusal.c_str());
        auto devices = h.service().listDevices("alice");
        QVERIFY(devices && devices->size() == 1 && devices->front().revokedMs == 0);
        proto::Request members;
        members.mutable_list_member_devices()->set_conversation_id(conv);
        auto still = alice->connection->call(members);
        QCOMPARE(statusOf(still), 0);
        // To someone outside the wall it goes through.
        auto toDan = h.service().offboard("alice", "dan", "admin-cli");
        QVERIFY2(toDan, toDan ? "" : toDan.error().message.c_str());
        QCOMPARE(toDan->matters, std::size_t(1));
    }

    // Review finding B1: a join puts the joining user on the walled matter's side in every
    // conversation they are in. Dan talks with bob; a wall puts a matter on side A and bob on
    // side B (no conflict yet); handing the matter to dan would make his conversation with bob
    // cross the wall: refused whole (451), nothing changed, and dan and bob still talk.
    void handoverIsRefusedWhenItCrossesAWallElsewhere() {
        e2e::Harness h;
        auto [alice, bob, dan] = lawyers(h, {"alice", "bob", "dan"}, {"alice", "bob", "dan"});
        QVERIFY(alice);
        auto matter = alice->connection->call(createConversation("Acme v Globex", true, {}));
        QCOMPARE(statusOf(matter), 0);
        auto direct = dan->connection->call(createConversation("Chat", false, {"bob"}));
        QCOMPARE(statusOf(direct), 0);
        const std::string chat = direct->conversation().id();
        auto added =
            h.service().addWall(wall("Globex screen", {}, {"bob"}, {"Acme v Globex"}), "admin-cli");
        QVERIFY2(added, added ? "" : added.error().message.c_str());
        QVERIFY(added->conflicts.empty());

        auto handover = h.service().offboard("alice", "dan", "admin-cli");
        const auto handoverRefusal = wallRefusal(handover, "Globex screen");
        QVERIFY2(handoverRefusal.empty(), handoverRefusal.c_str());
        QVERIFY(handover.error().message.find("bob") == std::string::npos);
        auto devices = h.service().listDevices("alice");
        QVERIFY(devices && devices->size() == 1 && devices->front().revokedMs == 0);
        auto shown = h.service().showWall("Globex screen");
        QVERIFY(shown && shown->conflicts.empty());
        // Dan is not in the matter: his conversation with bob still carries messages.
        proto::Request send;
        *send.mutable_send() = h.buildSend(*dan, chat, "still allowed");
        auto sent = dan->connection->call(send);
        QCOMPARE(statusOf(sent), 0);
        QCOMPARE(bob->waitForEnvelopes(1).size(), std::size_t(1));
    }

    // Review finding B5: a member removed from a walled matter keeps its side (what they read
    // there stays with them). Erin leaves the matter before the wall and talks with bob: the new
    // wall lists that conversation. Dan is removed by the matter's lawyer after the wall: bob may
    // not open a conversation with him. Frank, named on bob's side and in the matter, is cut out
    // of it: the administrator's naming wins, and he talks with bob again.
    void removedMemberKeepsTheirWallSide() {
        e2e::Harness h;
        auto [alice, bob, dan, erin, frank] =
            lawyers(h, {"alice", "bob", "dan", "erin", "frank"}, {"alice", "bob", "erin"});
        QVERIFY(alice);
        auto made = alice->connection->call(
            createConversation("Acme merger", true, {"dan", "erin", "frank"}));
        QCOMPARE(statusOf(made), 0);
        const std::string matter = made->conversation().id();
        auto removeFromMatter = [&](const std::string& user) {
            proto::Request r;
            r.mutable_remove_member()->set_conversation_id(matter);
            r.mutable_remove_member()->set_user(user);
            return statusOf(alice->connection->call(r));
        };
        QCOMPARE(removeFromMatter("erin"), 0);
        auto chat = erin->connection->call(createConversation("Chat", false, {"bob"}));
        QCOMPARE(statusOf(chat), 0);

        auto added =
            h.service().addWall(wall("Acme screen", {}, {"bob", "frank"}, {matter}), "admin-cli");
        QVERIFY2(added, added ? "" : added.error().message.c_str());
        std::vector<std::string> conflicts;
        for (const auto& c : added->conflicts)
            conflicts.push_back(c.conversation);
        std::sort(conflicts.begin(), conflicts.end());
        std::vector<std::string> expected{matter, chat->conversation().id()};
        std::sort(expected.begin(), expected.end());
        QCOMPARE(conflicts, expected); // frank in the matter; erin, who left it, with bob

        QCOMPARE(removeFromMatter("dan"), 0);
        auto withDan = bob->connection->call(createConversation("Coffee", false, {"dan"}));
        QCOMPARE(statusOf(withDan), kWall);
        QVERIFY2(withDan->error().find("\"Acme screen\"") != std::string::npos,
                 withDan->error().c_str());
        // Nor put him in a matter of his.
        auto beta = bob->connection->call(createConversation("Beta", true, {"dan"}));
        QCOMPARE(statusOf(beta), kWall);

        // Frank is named on bob's side: cutting him out of the matter resolves his conflict.
        auto cut = h.service().cutFromConversation(matter, "frank", "admin-cli");
        QVERIFY2(cut, cut ? "" : cut.error().message.c_str());
        auto withFrank = bob->connection->call(createConversation("Tea", false, {"frank"}));
        QCOMPARE(statusOf(withFrank), 0);
        auto shown = h.service().showWall("Acme screen");
        QVERIFY(shown);
        QCOMPARE(shown->conflicts.size(), std::size_t(1)); // erin's chat with bob stays
        QCOMPARE(shown->conflicts[0].conversation, chat->conversation().id());
    }

    // Offboarding across a wall: a departing lawyer's matters go to nobody on the other side of
    // a wall from them (what they wrote stays in the matters), even when no member left in a
    // matter stands anywhere; refused whole (451, naming the wall), nothing changed, journaled.
    void offboardingAcrossAWallIsRefused() {
        e2e::Harness h;
        auto [alice, bob, carl] = lawyers(h, {"alice", "bob", "carl"}, {"alice"});
        QVERIFY(alice);
        auto made = alice->connection->call(createConversation("Acme v Beta", true, {}));
        QCOMPARE(statusOf(made), 0);
        const std::string matter = made->conversation().id();
        auto added = h.service().addWall(wall("Beta screen", {"alice"}, {"bob"}), "admin-cli");
        QVERIFY2(added, added ? "" : added.error().message.c_str());
        QVERIFY(added->conflicts.empty());

        auto handover = h.service().offboard("alice", "bob", "admin-cli");
        const auto handoverRefusal = wallRefusal(handover, "Beta screen");
        QVERIFY2(handoverRefusal.empty(), handoverRefusal.c_str());
        auto devices = h.service().listDevices("alice");
        QVERIFY(devices && devices->size() == 1 && devices->front().revokedMs == 0);
        proto::Request list;
        list.mutable_list_conversations();
        auto still = alice->connection->call(list);
        QVERIFY(still && still->status() == proto::STATUS_OK);
        QCOMPARE(still->conversations().conversations_size(), 1);
        QCOMPARE(still->conversations().conversations(0).members_size(), 1);

        auto toCarl = h.service().offboard("alice", "carl", "admin-cli");
        QVERIFY2(toCarl, toCarl ? "" : toCarl.error().message.c_str());
        QCOMPARE(toCarl->matters, std::size_t(1));

        auto officer = joinOfficer(h);
        QVERIFY(officer);
        std::vector<std::string> lines;
        auto report = auditedPull(h, *officer, &lines);
        QVERIFY(report);
        QVERIFY(report->problems.empty());
        QCOMPARE(countPrefix(lines, "wall-refused admin-cli " + matter + " Beta screen"), 1);
        QCOMPARE(countPrefix(lines, "user-offboarded admin-cli alice carl"), 1);
    }

    // Review finding B2: a conversation that crosses a wall (a conflict listed when the wall was
    // made) carries no message: every send is refused (451) and journaled once, not per send;
    // the administrator's `wall cut` removes a member of the direct conversation, and after it
    // sends go through again.
    void sendsAcrossAWallAreRefusedUntilAMemberIsCut() {
        e2e::Harness h;
        auto [alice, bob] = lawyers(h, {"alice", "bob"}, {"alice", "bob"});
        QVERIFY(alice);
        auto direct = alice->connection->call(createConversation("Chat", false, {"bob"}));
        QCOMPARE(statusOf(direct), 0);
        const std::string chat = direct->conversation().id();
        auto sendFrom = [&](e2e::Device& d, const std::string& text) {
            proto::Request send;
            *send.mutable_send() = h.buildSend(d, chat, text);
            return statusOf(d.connection->call(send));
        };
        QCOMPARE(sendFrom(*alice, "before the wall"), 0);
        QCOMPARE(bob->waitForEnvelopes(1).size(), std::size_t(1));

        auto added = h.service().addWall(wall("Chat screen", {"alice"}, {"bob"}), "admin-cli");
        QVERIFY2(added, added ? "" : added.error().message.c_str());
        QCOMPARE(added->conflicts.size(), std::size_t(1));
        for (int i = 0; i < 3; ++i)
            QCOMPARE(sendFrom(*alice, "across the wall"), kWall);
        QCOMPARE(sendFrom(*bob, "back across it"), kWall);
        QTest::qWait(300);
        QCOMPARE(bob->envelopes().size(), std::size_t(1));
        QCOMPARE(alice->envelopes().size(), std::size_t(0));

        // The administrator cuts bob out of the direct conversation (RemoveMember refuses that).
        auto missing = h.service().cutFromConversation(chat, "carl", "admin-cli");
        QVERIFY(!missing);
        QVERIFY(missing.error().message.find("no such member") != std::string::npos);
        auto cut = h.service().cutFromConversation(chat, "bob", "admin-cli");
        QVERIFY2(cut, cut ? "" : cut.error().message.c_str());
        QCOMPARE(cut->members_size(), 1);
        auto shown = h.service().showWall("Chat screen");
        QVERIFY(shown && shown->conflicts.empty());
        QCOMPARE(sendFrom(*alice, "after the cut"), 0);

        auto officer = joinOfficer(h);
        QVERIFY(officer);
        std::vector<std::string> lines;
        auto report = auditedPull(h, *officer, &lines);
        QVERIFY(report);
        QVERIFY(report->problems.empty());
        QCOMPARE(countPrefix(lines, "wall-refused alice/1 " + chat + " Chat screen"), 1);
        QCOMPARE(countPrefix(lines, "wall-refused"), 1); // not one per send
        QCOMPARE(countPrefix(lines, "member-removed admin-cli " + chat + " bob"), 1);
    }

    // Review finding B6: wall names and matter titles with control characters (a terminal escape
    // sequence) or a direction override are refused where they are made, and nothing is stored.
    void controlCharactersInNamesAndTitlesAreRefused() {
        e2e::Harness h;
        auto [alice, bob] = lawyers(h, {"alice", "bob"}, {"alice"});
        QVERIFY(alice);
        // Split literals: a hex escape runs on over the letters a-f that follow it.
        const std::vector<std::string> bad = {"Acme\x1b]0;owned\x07",
                                              "Acme \xe2\x80\xae"
                                              "evil",
                                              "Acme \xe2\x81\xa6"
                                              "x",
                                              "Acme \xc2\x9b"
                                              "31m"};
        for (const auto& name : bad) {
            auto r = h.service().addWall(wall(name, {"alice"}, {"bob"}), "admin-cli");
            QVERIFY(!r);
            QVERIFY(r.error().message.find("control characters") != std::string::npos);
            auto made = alice->connection->call(createConversation(name, true, {}));
            QVERIFY2(statusOf(made) == int(proto::STATUS_BAD_REQUEST),
                     (std::to_string(statusOf(made)) + " " +
                      (made ? made->error() : made.error().message) + " at " +
                      std::to_string(&name - &bad[0]))
                         .c_str());
            auto invite = h.service().inviteToMatter("alice", name, 3600 * 1000);
            QVERIFY(!invite);
            QVERIFY(invite.error().message.find("control characters") != std::string::npos);
        }
        auto walls = h.service().listWalls();
        QVERIFY(walls && walls->empty());
        proto::Request list;
        list.mutable_list_conversations();
        auto listed = alice->connection->call(list);
        QVERIFY(listed && listed->status() == proto::STATUS_OK);
        QCOMPARE(listed->conversations().conversations_size(), 0);
        // Plain text outside ASCII is fine.
        auto fine = alice->connection->call(createConversation("Müller v Zoë", true, {}));
        QCOMPARE(statusOf(fine), 0);
    }

    // Review findings B3/B4: refusals are no free oracle. A device probing who stands behind a
    // wall gets 429 after 10 refused CreateConversations (nothing more journaled), and 451
    // redemptions count against the address's redeem allowance like wrong tokens.
    void refusalsAtWallsAreRateLimited() {
        e2e::Harness h;
        auto [alice, bob] = lawyers(h, {"alice", "bob"}, {"alice"});
        QVERIFY(alice);
        auto made = alice->connection->call(createConversation("Estate", true, {"bob"}));
        QCOMPARE(statusOf(made), 0);
        const std::string conv = made->conversation().id();
        auto early = alice->connection->call(createInvite(conv));
        QCOMPARE(statusOf(early), 0);
        const std::string token = e2e::linkToken(early->invite().link());
        QVERIFY(h.service().addWall(wall("Probe screen", {"alice"}, {"bob"}), "admin-cli"));
        const auto head = h.service().journalHead().first;
        for (int i = 0; i < 10; ++i)
            QCOMPARE(statusOf(alice->connection->call(createConversation("Lunch", false, {"bob"}))),
                     kWall);
        QCOMPARE(h.service().journalHead().first, head + 10);
        auto limited = alice->connection->call(createConversation("Lunch", false, {"bob"}));
        QCOMPARE(statusOf(limited), int(proto::STATUS_RATE_LIMITED));
        QVERIFY(limited->retry_after_ms() > 0);
        QCOMPARE(h.service().journalHead().first, head + 10); // the 429 journals nothing

        auto ctx = *signal::SignalContext::create();
        int refused = 0;
        for (int i = 0; i < 11; ++i) {
            auto reg = e2e::Device::create(ctx);
            auto r = client::RelayConnection::registerDevice(h.endpoint(),
                                                             reg->registration(token, "Dora"));
            QVERIFY(!r);
            if (r.error().detail == kWall)
                ++refused;
            else
                QVERIFY2(r.error().detail == 429, r.error().message.c_str());
        }
        QCOMPARE(refused, 10);
    }

    // Bad input gets a clear error and changes nothing (no wall stored, nothing journaled).
    void badWallInputChangesNothing() {
        e2e::Harness h;
        auto [alice, bob] = lawyers(h, {"alice", "bob"}, {"alice"});
        QVERIFY(alice);
        auto direct = alice->connection->call(createConversation("Chat", false, {"bob"}));
        QCOMPARE(statusOf(direct), 0);
        QVERIFY(h.service().addWall(wall("Existing", {"alice"}, {"bob"}), "admin-cli"));
        const auto head = h.service().journalHead().first;
        struct Case {
            relay::WallSpec spec;
            std::string says;
        };
        const std::vector<Case> cases = {
            {wall("W", {"alice"}, {"nobody"}), "no such user: nobody"},
            {wall("W", {"alice", "bob"}, {"bob"}), "bob is on both sides"},
            {wall("W", {"alice"}, {}), "side B is empty"},
            {wall("W", {}, {"bob"}), "side A is empty"},
            {wall("Existing", {"alice"}, {"bob"}), "a wall named \"Existing\" exists"},
            {wall("", {"alice"}, {"bob"}), "a wall's name is 1-100 bytes"},
            {wall("W\n2", {"alice"}, {"bob"}), "a wall's name is 1-100 bytes"},
            {wall("W", {"alice"}, {}, {}, {"No such matter"}), "no such matter: No such matter"},
            {wall("W", {"alice"}, {}, {}, {direct->conversation().id()}),
             "is a direct conversation, not a matter"},
        };
        for (const auto& c : cases) {
            auto r = h.service().addWall(c.spec, "admin-cli");
            QVERIFY2(!r, c.says.c_str());
            QVERIFY2(r.error().message.find(c.says) != std::string::npos,
                     (r.error().message + " (expected: " + c.says + ")").c_str());
        }
        auto missing = h.service().removeWall("Nonexistent", "admin-cli");
        QVERIFY(!missing);
        QVERIFY(missing.error().message.find("no such wall: Nonexistent") != std::string::npos);
        auto walls = h.service().listWalls();
        QVERIFY(walls && walls->size() == 1 && walls->front().name == "Existing");
        QCOMPARE(h.service().journalHead().first, head);
    }

    // The real program: `verbatim-relay admin wall add|list|show|remove` on an initialised relay,
    // its refusals of bad input (exit 1 or 2, nothing stored) and the conflict listing.
    void adminWallCommands() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        e2e::OfflineRelay offline(dir.path(), "walls-test-passphrase-long-enough", "Walls LLP");
        QVERIFY2(offline.ok(), qPrintable(offline.init.err));
        auto admin = [&](const QStringList& args) { return offline.admin(args); };
        for (const char* u : {"alice", "bob", "carl"})
            QCOMPARE(admin({"enroll", u, "--role", "lawyer"}).code, 0);
        QCOMPARE(admin({"invite", "--from", "alice", "--matter", "Estate"}).code, 0);

        auto add =
            admin({"wall", "add", "Acme v Beta", "--group-a", "alice,carl", "--group-b", "bob"});
        QVERIFY2(add.code == 0, qPrintable(add.err));
        QVERIFY2(add.out.contains("side A\tusers alice,carl"), qPrintable(add.out));
        QVERIFY(add.out.contains("conflicts\t0"));
        // A matter by title on side B: alice is in it, so it is a conflict at once.
        auto overMatter =
            admin({"wall", "add", "Estate screen", "--group-a", "alice", "--matter-b", "Estate"});
        QVERIFY2(overMatter.code == 0, qPrintable(overMatter.err));
        QVERIFY2(overMatter.out.contains("conflicts\t1"), qPrintable(overMatter.out));
        QVERIFY(overMatter.out.contains("\tmatter\tEstate"));
        QVERIFY(overMatter.out.contains("nobody was removed"));

        struct Bad {
            QStringList args;
            int code;
            QString says;
        };
        const std::vector<Bad> bad = {
            {{"wall", "add", "W", "--group-a", "alice", "--group-b", "nobody"},
             1,
             "no such user: nobody"},
            {{"wall", "add", "W", "--group-a", "alice,bob", "--group-b", "bob"},
             1,
             "bob is on both sides"},
            {{"wall", "add", "W", "--group-a", "alice"}, 2, "side B is empty"},
            {{"wall", "add", "W", "--group-a", "alice,", "--group-b", "bob"}, 1, "none empty"},
            {{"wall", "add", "Acme v Beta", "--group-a", "alice", "--group-b", "bob"}, 1, "exists"},
            {{"wall", "show", "Nope"}, 1, "no such wall: Nope"},
            {{"wall", "remove", "Nope"}, 1, "no such wall: Nope"},
        };
        for (const auto& b : bad) {
            auto r = admin(b.args);
            QVERIFY2(r.code == b.code, qPrintable(b.args.join(' ') + ": " + r.err));
            QVERIFY2(r.err.contains(b.says), qPrintable(r.err));
        }
        auto list = admin({"wall", "list"});
        QCOMPARE(list.code, 0);
        QVERIFY2(list.out.contains("Acme v Beta\t2\t0\t1\t0\t0"), qPrintable(list.out));
        QVERIFY(list.out.contains("Estate screen\t1\t0\t0\t1\t1"));
        QCOMPARE(list.out.count('\n'), 3); // the header and the two walls: nothing else stored
        auto show = admin({"wall", "show", "Estate screen"});
        QCOMPARE(show.code, 0);
        QVERIFY(show.out.contains("conflict\t"));
        // `wall cut` resolves the conflict: alice leaves the matter; a non-member is refused.
        QString estate;
        for (const auto& line : show.out.split('\n'))
            if (line.startsWith("conflict\t")) estate = line.split('\t').value(1);
        QVERIFY(!estate.isEmpty());
        auto notMember = admin({"wall", "cut", estate, "bob"});
        QCOMPARE(notMember.code, 1);
        QVERIFY2(notMember.err.contains("no such member"), qPrintable(notMember.err));
        auto cut = admin({"wall", "cut", estate, "alice"});
        QVERIFY2(cut.code == 0, qPrintable(cut.err));
        QVERIFY(cut.out.contains("alice removed from conversation " + estate));
        QVERIFY(admin({"wall", "show", "Estate screen"}).out.contains("conflicts\t0"));
        // A name with an escape sequence is refused; nothing of it reaches the terminal.
        auto escape = admin({"wall", "add", "W\x1b[2J", "--group-a", "alice", "--group-b", "bob"});
        QCOMPARE(escape.code, 1);
        QVERIFY(!escape.out.contains('\x1b') && !escape.err.contains('\x1b'));
        QCOMPARE(admin({"wall", "remove", "Acme v Beta"}).code, 0);
        auto after = admin({"wall", "list"});
        QVERIFY(!after.out.contains("Acme v Beta"));
    }
};

QTEST_GUILESS_MAIN(TestWalls)
#include "tst_walls.moc"

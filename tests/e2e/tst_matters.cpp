// Issue 22, matter lifecycle, against a real relay over TLS and real clients:
//   - closing a matter makes it read-only: the relay refuses every send into it with
//     STATUS_MATTER_CLOSED (the client shows the refusal), members see it closed, its open
//     invites die and no new one is made; who may close and reopen it; both acts journaled;
//   - a removed member's devices get nothing more of the matter from the removal on (the relay's
//     member cache emptied), their copy shows the removal, journaled;
//   - a relay that lets a send into a closed matter through is caught by the real Archive
//     verify (`closed-matter`).

#include <QtTest>

#include <algorithm>

#include "ClientParty.h"
#include "ComplianceParty.h"
#include "E2EHarness.h"
#include "MatterParties.h"
#include "client/compliance/Archive.h"
#include "client/core/Client.h"
#include "storage/Database.h"

using namespace verbatim;
using namespace verbatim::e2e::parties;

namespace {

bool received(Party& p, const std::string& conv, const std::string& body) {
    auto msgs = p->history(conv, 200);
    return msgs && std::any_of(msgs->begin(), msgs->end(),
                               [&](const client::MessageView& m) { return m.body == body; });
}

std::optional<client::ConversationView> conversation(Party& p, const std::string& id) {
    auto list = p->conversations();
    if (!list) return std::nullopt;
    for (auto& c : *list)
        if (c.id == id) return c;
    return std::nullopt;
}

std::size_t failuresMentioning(Party& p, const std::string& text) {
    auto failed = p.eventsOf(client::Event::Kind::SendFailed);
    return std::size_t(std::count_if(failed.begin(), failed.end(), [&](const client::Event& e) {
        return e.detail.find(text) != std::string::npos;
    }));
}

/// The officer's archive of everything journaled so far, verified.
std::optional<compliance::VerifyReport> pullAndVerify(e2e::Harness& h, Party& officer,
                                                      std::vector<std::string>* actions = nullptr) {
    QTemporaryDir dir;
    auto pulled = pullInProcess(officer, dir.path().toStdString() + "/a.archive", h.journalKey());
    if (!pulled) return std::nullopt;
    if (actions) {
        auto db = pulled->archive->auditTrail();
        if (db)
            for (const auto& a : *db)
                actions->push_back(a.action + " " + a.actor + " " + a.target);
    }
    return pulled->report;
}

} // namespace

class TestMatters : public QObject {
    Q_OBJECT

private slots:
    void closedMatterIsReadOnlyAndItsInvitesDie() {
        e2e::Harness h;
        QVERIFY(h.ok());
        EstateParties estate;
        QVERIFY(joinEstate(h, estate));
        auto &lawyer = estate.lawyer, &client = estate.client;
        const std::string& conv = estate.conv;
        QVERIFY(client->sendText(conv, "before the close"));
        QVERIFY(eventually([&] { return received(*lawyer, conv, "before the close"); }));
        const std::string pending = h.inviteLink("alice", "Estate"); // open, unredeemed
        QVERIFY(!pending.empty());

        // Nobody but the matter's lawyer, a supervisor or an administrator closes it.
        auto byClient = client->setMatterClosed(conv, true);
        QVERIFY(!byClient);
        QVERIFY2(byClient.error().message.find("only the matter's lawyer") != std::string::npos,
                 byClient.error().message.c_str());
        auto bob = joinParty(h.enrollLink("bob", proto::ROLE_LAWYER), "Bob");
        QVERIFY(bob);
        bob->start();
        QVERIFY(eventually([&] { return bob->isConnected(); }));
        QVERIFY(!bob->setMatterClosed(conv, true)); // another lawyer's matter: not found

        auto closed = lawyer->setMatterClosed("Estate", true);
        QVERIFY2(closed, closed ? "" : closed.error().message.c_str());
        QVERIFY(closed->closedMs != 0);
        QCOMPARE(closed->closedBy.substr(0, 6), std::string("alice/"));
        // Every member's device learns it at once (pushed).
        QVERIFY(eventually([&] {
            auto c = conversation(*client, conv);
            return c && c->closedMs != 0;
        }));

        // Read-only: the client's send and the lawyer's are refused, and the client shows why.
        QVERIFY(client->sendText(conv, "after the close"));
        QVERIFY(eventually([&] { return failuresMentioning(*client, "matter is closed") == 1; }));
        QVERIFY(lawyer->sendText(conv, "lawyer after the close"));
        QVERIFY(eventually([&] { return failuresMentioning(*lawyer, "matter is closed") == 1; }));
        QVERIFY(client->waitForOutbox(10s));
        QVERIFY(lawyer->waitForOutbox(10s));
        QTest::qWait(300);
        QVERIFY(!received(*lawyer, conv, "after the close"));
        QVERIFY(!received(*client, conv, "lawyer after the close"));

        // Its invites die: the open one enrols nobody, and no new one is made.
        QVERIFY(!joinParty(pending, "Dave", true));
        QVERIFY(h.inviteLink("alice", "Estate").empty());
        QVERIFY(!lawyer->createInvite("Estate"));
        auto invites = lawyer->invites();
        QVERIFY(invites);
        QVERIFY(std::none_of(invites->begin(), invites->end(),
                             [](const client::InviteView& v) { return v.state == "open"; }));

        // A supervisor (not in the matter) reopens it: sends flow again.
        auto sup = joinParty(h.enrollLink("sam", proto::ROLE_SUPERVISOR), "Sam");
        QVERIFY(sup);
        sup->start();
        QVERIFY(eventually([&] { return sup->isConnected(); }));
        auto reopened = sup->setMatterClosed(conv, false);
        QVERIFY2(reopened, reopened ? "" : reopened.error().message.c_str());
        QCOMPARE(reopened->closedMs, std::uint64_t(0));
        QVERIFY(eventually([&] {
            auto c = conversation(*client, conv);
            return c && c->closedMs == 0;
        }));
        QVERIFY(client->sendText(conv, "after the reopening"));
        QVERIFY(eventually([&] { return received(*lawyer, conv, "after the reopening"); }));

        // Journaled, by who did it; the log verifies with no fault.
        auto officer = joinOfficer(h);
        QVERIFY(officer);
        std::vector<std::string> actions;
        auto report = pullAndVerify(h, *officer, &actions);
        QVERIFY(report);
        QVERIFY2(report->problems.empty(), report->text().c_str());
        auto has = [&](const std::string& prefix) {
            return std::any_of(actions.begin(), actions.end(), [&](const std::string& a) {
                return a.rfind(prefix, 0) == 0 && a.find(conv) != std::string::npos;
            });
        };
        QVERIFY(has("matter-closed alice/"));
        QVERIFY(has("matter-reopened sam/"));
        QVERIFY(has("invite-revoked alice/"));
    }

    void removedClientStopsReceivingAtOnce() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto lawyer = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice");
        QVERIFY(lawyer);
        lawyer->start();
        auto carol = joinParty(h.inviteLink("alice", "Estate"), "Carol", true);
        auto dave = joinParty(h.inviteLink("alice", "Estate"), "Dave", true);
        QVERIFY(carol && dave);
        carol->start();
        dave->start();
        QVERIFY(eventually(
            [&] { return lawyer->isConnected() && carol->isConnected() && dave->isConnected(); }));
        auto convs = dave->conversations();
        QVERIFY(convs && convs->size() == 1);
        const std::string conv = convs->front().id;
        const std::string daveUser = dave->account().user;
        QVERIFY(eventually([&] {
            auto c = conversation(*lawyer, conv);
            return c && c->members.size() == 3;
        }));
        // Everyone's device lists, and the relay's member cache, hold Dave's device now.
        QVERIFY(lawyer->sendText(conv, "before the removal"));
        QVERIFY(eventually([&] {
            return received(*dave, conv, "before the removal") &&
                   received(*carol, conv, "before the removal");
        }));

        // Only the matter's lawyer, a supervisor or an administrator removes a member.
        QVERIFY(!carol->removeMember(conv, daveUser));
        auto removed = lawyer->removeMember("Estate", daveUser);
        QVERIFY2(removed, removed ? "" : removed.error().message.c_str());
        QCOMPARE(removed->members.size(), std::size_t(2));
        QVERIFY(!lawyer->removeMember(conv, daveUser)); // not a member any more
        QVERIFY(!lawyer->removeMember(conv, "alice"));  // the matter's lawyer stays

        // At once: the next message reaches Carol and not Dave, whose copy shows the removal
        // within a second.
        QVERIFY(lawyer->sendText(conv, "after the removal"));
        QVERIFY(eventually([&] { return received(*carol, conv, "after the removal"); }, 5s));
        QVERIFY(eventually(
            [&] {
                auto c = conversation(*dave, conv);
                return c && c->removed;
            },
            1s));
        QTest::qWait(500);
        QVERIFY(!received(*dave, conv, "after the removal"));
        QVERIFY(received(*dave, conv, "before the removal")); // what came before stays
        // Dave's sends are refused (shown on the failed message); nobody receives them.
        QVERIFY(dave->sendText(conv, "still here?"));
        QVERIFY(eventually([&] { return failuresMentioning(*dave, "not a member") == 1; }));
        QTest::qWait(300);
        QVERIFY(!received(*lawyer, conv, "still here?"));

        auto officer = joinOfficer(h);
        QVERIFY(officer);
        std::vector<std::string> actions;
        auto report = pullAndVerify(h, *officer, &actions);
        QVERIFY(report);
        QVERIFY2(report->problems.empty(), report->text().c_str());
        QVERIFY(std::any_of(actions.begin(), actions.end(), [&](const std::string& a) {
            return a == "member-removed alice/1 " + conv;
        }));
    }

    void removalEmptiesTheRelaysMemberCache() {
        // Raw devices, no other activity between the removal and the next send: only the
        // relay's cache invalidation keeps the removed client's device out of the set.
        e2e::Harness h;
        QVERIFY(h.ok());
        auto lawyer = h.enrollStaff("alice", proto::ROLE_LAWYER);
        std::string conv, conv2;
        auto carol = h.inviteClient("alice", "Estate", &conv);
        auto dave = h.inviteClient("alice", "Estate", &conv2);
        QVERIFY(lawyer && carol && dave);
        QCOMPARE(conv2, conv);
        QVERIFY(lawyer->connect(h.endpoint()));
        QVERIFY(carol->connect(h.endpoint()));
        QVERIFY(dave->connect(h.endpoint()));
        proto::Request send;
        *send.mutable_send() = h.buildSend(*lawyer, conv, "before");
        auto first = lawyer->connection->call(send);
        QVERIFY(first && first->status() == proto::STATUS_OK); // the cache holds Dave's device
        QCOMPARE(dave->waitForEnvelopes(1).size(), std::size_t(1));
        proto::Request remove;
        remove.mutable_remove_member()->set_conversation_id(conv);
        remove.mutable_remove_member()->set_user(dave->user);
        auto removed = lawyer->connection->call(remove);
        QVERIFY(removed && removed->status() == proto::STATUS_OK);
        QCOMPARE(removed->conversation().members_size(), 2);
        *send.mutable_send() = h.buildSend(*lawyer, conv, "after");
        auto second = lawyer->connection->call(send);
        QVERIFY(second);
        QVERIFY2(second->status() == proto::STATUS_OK, second->error().c_str());
        QCOMPARE(carol->waitForEnvelopes(2).size(), std::size_t(2));
        QCOMPARE(dave->waitForEnvelopes(2, 500).size(), std::size_t(1));
    }

    void offboardingHandsMattersOverAndCutsTheLawyerOff() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice");
        auto bob = joinParty(h.enrollLink("bob", proto::ROLE_LAWYER), "Bob");
        QVERIFY(alice && bob);
        alice->start();
        bob->start();
        auto carol = joinParty(h.inviteLink("alice", "Estate"), "Carol", true);
        QVERIFY(carol);
        carol->start();
        QVERIFY(eventually(
            [&] { return alice->isConnected() && bob->isConnected() && carol->isConnected(); }));
        const std::string conv = carol->conversations()->front().id;
        QVERIFY(carol->sendText(conv, "to Alice"));
        QVERIFY(eventually([&] { return received(*alice, conv, "to Alice"); }));
        QVERIFY(!h.inviteLink("alice", "Estate").empty()); // an open invite of Alice's

        auto done = h.service().offboard("alice", "bob", "admin-cli");
        QVERIFY2(done, done ? "" : done.error().message.c_str());
        QCOMPARE(done->matters, std::size_t(1));
        QCOMPARE(done->memberships, std::size_t(1));
        QCOMPARE(done->devices, std::size_t(1));
        QCOMPARE(done->invites, std::size_t(1));
        // Bob has the matter now, and Carol's next message reaches him, not Alice.
        QVERIFY(eventually([&] {
            auto c = conversation(*bob, conv);
            return c && std::count(c->members.begin(), c->members.end(), "bob") == 1;
        }));
        QVERIFY(eventually([&] { return !alice->isConnected(); }, 2s));
        QVERIFY(carol->sendText(conv, "to Bob"));
        QVERIFY(eventually([&] { return received(*bob, conv, "to Bob"); }));
        QVERIFY(!received(*alice, conv, "to Bob"));
        auto invites = h.service().listInvites("alice");
        QVERIFY(invites);
        QVERIFY(std::none_of(invites->begin(), invites->end(), [](const proto::InviteInfo& i) {
            return i.state() == proto::INVITE_OPEN;
        }));
        // Bob may close it now (he owns it).
        QVERIFY(bob->setMatterClosed(conv, true));

        auto officer = joinOfficer(h);
        QVERIFY(officer);
        std::vector<std::string> actions;
        auto report = pullAndVerify(h, *officer, &actions);
        QVERIFY(report);
        QVERIFY2(report->problems.empty(), report->text().c_str());
        for (const char* want :
             {"matter-handed-over admin-cli", "member-removed admin-cli",
              "invite-revoked admin-cli", "revoke-device admin-cli", "user-offboarded admin-cli"})
            QVERIFY2(std::any_of(actions.begin(), actions.end(),
                                 [&](const std::string& a) { return a.rfind(want, 0) == 0; }),
                     want);
    }

    void verifyFlagsASendIntoAClosedMatter() {
        // A relay that forgets the closure (its row reset behind its back, the journaled
        // `matter-closed` kept) lets a send through: compliance catches it.
        e2e::Harness h;
        QVERIFY(h.ok());
        auto lawyer = h.enrollStaff("alice", proto::ROLE_LAWYER);
        QVERIFY(lawyer);
        QVERIFY(lawyer->connect(h.endpoint()));
        proto::Request create;
        create.mutable_create_conversation()->set_title("Estate");
        create.mutable_create_conversation()->set_is_matter(true);
        auto made = lawyer->connection->call(create);
        QVERIFY(made && made->status() == proto::STATUS_OK);
        const std::string conv = made->conversation().id();
        proto::Request close;
        close.mutable_set_matter_closed()->set_conversation_id(conv);
        close.mutable_set_matter_closed()->set_closed(true);
        auto closed = lawyer->connection->call(close);
        QVERIFY(closed && closed->status() == proto::STATUS_OK);
        QVERIFY(closed->conversation().closed_ms() != 0);
        proto::Request send;
        *send.mutable_send() = h.buildSend(*lawyer, conv, "refused");
        auto refused = lawyer->connection->call(send);
        QVERIFY(refused);
        QCOMPARE(int(refused->status()), int(proto::STATUS_MATTER_CLOSED));

        lawyer->disconnect();
        h.stop();
        {
            storage::OpenOptions o;
            o.create = false;
            auto db = storage::Database::open(h.databasePath(), h.databaseKey(), o);
            QVERIFY(db);
            QVERIFY((*db)->exec("UPDATE conversations SET closed_ms = NULL, closed_by = NULL"));
        }
        QVERIFY(h.restart());
        QVERIFY(lawyer->connect(h.endpoint()));
        *send.mutable_send() = h.buildSend(*lawyer, conv, "let through");
        auto through = lawyer->connection->call(send);
        QVERIFY(through && through->status() == proto::STATUS_OK);
        const auto seq = through->send_result().journal_sequence();

        auto officer = joinOfficer(h);
        QVERIFY(officer);
        auto report = pullAndVerify(h, *officer);
        QVERIFY(report);
        std::vector<std::uint64_t> flagged;
        for (const auto& p : report->problems) {
            qWarning("problem at %llu: %s %s", (unsigned long long)p.sequence, p.fault.c_str(),
                     p.detail.c_str());
            if (p.fault == "closed-matter") flagged.push_back(p.sequence);
        }
        QCOMPARE(flagged, std::vector<std::uint64_t>{seq});
        QVERIFY(std::string(compliance::faultDescription("closed-matter")).find("closed") !=
                std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestMatters)
#include "tst_matters.moc"

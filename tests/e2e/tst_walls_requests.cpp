// H6 (issue 22): ethical walls from a device, the app's way (ListWalls, AddWall, RemoveWall),
// against a real relay over TLS with real clients (client::Client):
//   - an administrator adds a wall over existing memberships and a supervision: the answer names
//     both sides and both conflicts by name, nobody is removed, and the relay holds exactly what
//     `verbatim-relay admin wall` would (same store, same refusals, 451 naming the wall);
//   - a compliance officer lists it read-only; lawyers, supervisors and clients see no wall and
//     change none, and compliance changes none (403, nothing stored or journaled);
//   - bad input gets the CLI's reasons and changes nothing; removal lifts the refusals;
//   - every change is journaled with the device as the actor, every listing as `walls-listed`,
//     and the real Archive verifies the log clean;
//   - listing is bounded per device (20, then 429).

#include <QtTest>

#include <algorithm>

#include "ClientParty.h"
#include "ComplianceParty.h"
#include "E2EHarness.h"
#include "client/compliance/Archive.h"
#include "client/core/Client.h"

using namespace verbatim;
using namespace verbatim::e2e::parties;

namespace {

client::WallRequest wallRequest(const std::string& name, std::vector<std::string> a,
                                std::vector<std::string> b, std::vector<std::string> mattersA = {},
                                std::vector<std::string> mattersB = {}) {
    client::WallRequest r;
    r.name = name;
    r.users = {std::move(a), std::move(b)};
    r.matters = {std::move(mattersA), std::move(mattersB)};
    return r;
}

/// Staff user `id` named `name` (the walls show names), joined with a real client.
PartyHandle staff(e2e::Harness& h, const std::string& id, proto::Role role,
                  const std::string& name) {
    if (!h.service().createUser(id, role, name, "test")) return {};
    return joinParty(h.enrollLink(id, role), name);
}

bool started(Party& p) {
    p->start();
    return eventually([&] { return p->isConnected(); });
}

} // namespace

class TestWallsRequests : public QObject {
    Q_OBJECT

private slots:
    void adminManagesWallsFromADeviceUnderTheCliRules() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto root = staff(h, "root", proto::ROLE_ADMIN, "Ada Admin");
        auto alice = staff(h, "alice", proto::ROLE_LAWYER, "Alice Adams");
        auto bob = staff(h, "bob", proto::ROLE_LAWYER, "Bob Brown");
        auto sam = staff(h, "sam", proto::ROLE_SUPERVISOR, "Sam Partner");
        QVERIFY(root && alice && bob && sam);
        for (auto* p : {root.get(), alice.get(), bob.get(), sam.get()})
            QVERIFY(started(*p));
        auto officer = joinOfficer(h);
        QVERIFY(officer);
        // Before the wall: a matter holding both sides, and a supervision across it.
        auto estate = alice->createConversation("Estate", true, {"bob"});
        QVERIFY2(estate, estate ? "" : estate.error().message.c_str());
        QVERIFY(h.service().addSupervisor("bob", "sam", "admin-cli"));

        // Lawyers, supervisors and compliance change no wall; lawyers and supervisors see none.
        for (auto* p : {alice.get(), sam.get()}) {
            auto seen = (*p)->walls();
            QVERIFY(!seen);
            QCOMPARE(seen.error().code, ErrorCode::Forbidden);
        }
        for (auto* p : {alice.get(), sam.get(), officer.get()}) {
            auto add = (*p)->addWall(wallRequest("Sneaky", {"alice"}, {"bob"}));
            QVERIFY(!add);
            QCOMPARE(add.error().code, ErrorCode::Forbidden);
            auto remove = (*p)->removeWall("Sneaky");
            QVERIFY(!remove);
            QCOMPARE(remove.error().code, ErrorCode::Forbidden);
        }
        QVERIFY(h.service().listWalls()->empty());

        // The administrator's device adds the wall: both sides and both conflicts by name,
        // nobody removed.
        auto added = root->addWall(wallRequest("Acme v Beta", {"alice", "sam"}, {"bob"}));
        QVERIFY2(added, added ? "" : added.error().message.c_str());
        QCOMPARE(added->name, std::string("Acme v Beta"));
        QCOMPARE(added->createdBy, std::string("root/1"));
        QCOMPARE(added->createdByName, std::string("Ada Admin"));
        QVERIFY(added->createdMs > 0);
        QCOMPARE(added->users[0].size(), std::size_t(2));
        QCOMPARE(added->users[0][0].displayName, std::string("Alice Adams"));
        QCOMPARE(added->users[0][0].role, std::string("lawyer"));
        QCOMPARE(added->users[0][1].displayName, std::string("Sam Partner"));
        QCOMPARE(added->users[1].size(), std::size_t(1));
        QCOMPARE(added->users[1][0].displayName, std::string("Bob Brown"));
        QCOMPARE(added->conflicts.size(), std::size_t(2));
        const auto matter = std::find_if(added->conflicts.begin(), added->conflicts.end(),
                                         [](const auto& c) { return c.kind == "matter"; });
        QVERIFY(matter != added->conflicts.end());
        QCOMPARE(matter->conversationId, *estate);
        QCOMPARE(matter->title, std::string("Estate"));
        const auto supervision =
            std::find_if(added->conflicts.begin(), added->conflicts.end(),
                         [](const auto& c) { return c.kind == "supervision"; });
        QVERIFY(supervision != added->conflicts.end());
        QCOMPARE(supervision->supervisor.displayName, std::string("Sam Partner"));
        QCOMPARE(supervision->lawyer.displayName, std::string("Bob Brown"));

        // The relay holds what the CLI's `wall show` prints, made by the device.
        auto shown = h.service().showWall("Acme v Beta");
        QVERIFY(shown);
        QCOMPARE(shown->createdBy, std::string("root/1"));
        QCOMPARE(shown->users[0], (std::vector<std::string>{"alice", "sam"}));
        QCOMPARE(shown->users[1], (std::vector<std::string>{"bob"}));
        QCOMPARE(shown->conflicts.size(), std::size_t(2));
        // And refuses as a wall made by the CLI does: 451, naming the wall and nobody behind it.
        auto lunch = alice->createConversation("Lunch", false, {"bob"});
        QVERIFY(!lunch);
        QVERIFY2(lunch.error().message.find("refused by the ethical wall \"Acme v Beta\"") !=
                     std::string::npos,
                 lunch.error().message.c_str());
        QVERIFY(lunch.error().message.find("bob") == std::string::npos);

        // Compliance reads the same list (read-only).
        auto seen = officer->walls();
        QVERIFY2(seen, seen ? "" : seen.error().message.c_str());
        QCOMPARE(seen->size(), std::size_t(1));
        QCOMPARE(seen->front().name, std::string("Acme v Beta"));
        QCOMPARE(seen->front().conflicts.size(), std::size_t(2));
        QCOMPARE(seen->front().users[1][0].displayName, std::string("Bob Brown"));

        // Bad input: the CLI's reasons, and nothing changes.
        struct Bad {
            client::WallRequest request;
            ErrorCode code;
            std::string reason;
        };
        const std::vector<Bad> bad{
            {wallRequest("Other", {"zed"}, {"bob"}), ErrorCode::NotFound, "no such user: zed"},
            {wallRequest("Other", {"alice"}, {"alice"}), ErrorCode::InvalidArgument,
             "on both sides"},
            {wallRequest("Acme v Beta", {"alice"}, {"bob"}), ErrorCode::InvalidArgument, "exists"},
            {wallRequest("Other", {"alice"}, {}), ErrorCode::InvalidArgument, "side B is empty"},
            {wallRequest("Other", {"alice"}, {}, {}, {"No such matter"}), ErrorCode::NotFound,
             "no such matter"},
            {wallRequest("Bad\x1b[2Jname", {"alice"}, {"bob"}), ErrorCode::InvalidArgument,
             "control characters"},
            {wallRequest("", {"alice"}, {"bob"}), ErrorCode::InvalidArgument, "1-100 bytes"},
        };
        for (const auto& b : bad) {
            auto r = root->addWall(b.request);
            QVERIFY2(!r, b.reason.c_str());
            QCOMPARE(r.error().code, b.code);
            QVERIFY2(r.error().message.find(b.reason) != std::string::npos,
                     r.error().message.c_str());
        }
        QCOMPARE(h.service().listWalls()->size(), std::size_t(1));

        // Removal lifts the refusals; the walls left come back (none).
        auto left = root->removeWall("Acme v Beta");
        QVERIFY2(left, left ? "" : left.error().message.c_str());
        QVERIFY(left->empty());
        auto again = root->removeWall("Acme v Beta");
        QVERIFY(!again);
        QCOMPARE(again.error().code, ErrorCode::NotFound);
        QVERIFY(alice->createConversation("Lunch", false, {"bob"}));

        // Journaled with the device as the actor, each listing too; refused requests journal
        // nothing; verify clean.
        std::vector<std::string> lines;
        {
            QTemporaryDir dir;
            auto pulled =
                pullInProcess(*officer, dir.path().toStdString() + "/a.archive", h.journalKey());
            QVERIFY2(pulled, pulled ? "" : pulled.error().message.c_str());
            QVERIFY2(pulled->report.problems.empty(), pulled->report.text().c_str());
            auto trail = pulled->archive->auditTrail();
            QVERIFY(trail);
            for (const auto& a : *trail)
                lines.push_back(a.action + " " + a.actor + " " + a.target + " " + a.detail);
        }
        QCOMPARE(countPrefix(lines, "wall-added root/1 Acme v Beta 2"), 1);
        QCOMPARE(countPrefix(lines, "wall-added"), 1);
        QCOMPARE(countPrefix(lines, "walls-listed officer/1 walls 1"), 1);
        QCOMPARE(countPrefix(lines, "walls-listed"), 1); // the refused lists: none
        QCOMPARE(countPrefix(lines, "wall-refused alice/1  Acme v Beta"), 1);
        QCOMPARE(countPrefix(lines, "wall-removed root/1 Acme v Beta"), 1);
        QCOMPARE(countPrefix(lines, "wall-removed"), 1);
    }

    // A client's device sees no wall either; listing is bounded per device: 20, then 429 with a
    // retry time, and the refused listing is not journaled.
    void listingIsForStaffWhoOverseeAndBounded() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto lawyer = h.enrollStaff("lena", proto::ROLE_LAWYER);
        std::string conv;
        auto client = h.inviteClient("lena", "Tenancy", &conv);
        auto admin = h.enrollStaff("adam", proto::ROLE_ADMIN);
        QVERIFY(lawyer && client && admin);
        QVERIFY(client->connect(h.endpoint()));
        QVERIFY(admin->connect(h.endpoint()));
        proto::Request list;
        list.mutable_list_walls();
        auto refused = client->connection->call(list);
        QVERIFY(refused);
        QCOMPARE(refused->status(), proto::STATUS_FORBIDDEN);
        QVERIFY(!refused->has_wall_list());
        const auto before = h.service().journalHead().first;
        for (int i = 0; i < 20; ++i) {
            auto r = admin->connection->call(list);
            QVERIFY(r);
            QCOMPARE(r->status(), proto::STATUS_OK);
        }
        const auto listed = h.service().journalHead().first;
        QVERIFY(listed >= before + 20); // one walls-listed each
        auto limited = admin->connection->call(list);
        QVERIFY(limited);
        QCOMPARE(limited->status(), proto::STATUS_RATE_LIMITED);
        QVERIFY(limited->retry_after_ms() > 0);
        QCOMPARE(h.service().journalHead().first, listed);
    }
};

QTEST_MAIN(TestWallsRequests)
#include "tst_walls_requests.moc"

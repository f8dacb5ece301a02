// Issue 21, supervising partners without the journal key, against a real relay over TLS, real
// clients and the real `verbatim-relay admin supervisor` program:
//   - an administrator assigns a supervisor to a lawyer (journaled `supervisor-added`); the
//     supervisor then lists every matter the lawyer is a member of, with metadata only: title,
//     number, client, participants, when the client last wrote, how long the client has waited
//     for an answer (a lawyer's receipt is no answer; their message is), volume per week;
//   - the firm's threshold flags a matter whose client has waited longer, and it comes first;
//   - nobody who supervises nobody is answered (403), whatever their role; a supervisor never
//     sees the matters of a lawyer they do not supervise; removing the assignment takes effect
//     at once (`supervisor-removed`);
//   - no message text is in the response bytes;
//   - the real Archive verifies the log clean and its audit trail lists the assignments;
//   - supervision stops at ethical walls (R-SUP-5): an assignment across one is refused naming
//     the wall (journaled `wall-refused`), a later wall hides the matter and lists the
//     assignment as a conflict, by the service and by the real admin program.

#include <QtTest>

#include <algorithm>

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

constexpr const char* kSecret = "settlement figure 4.2m, keep it between us";
constexpr const char* kAnswer = "understood, I will call you at noon";

proto::Request listSupervised(std::uint32_t weeks = 0) {
    proto::Request r;
    r.mutable_list_supervised_matters()->set_weeks(weeks);
    return r;
}

bool received(Party& p, const std::string& conv, const std::string& body) {
    auto msgs = p->history(conv, 200);
    return msgs && std::any_of(msgs->begin(), msgs->end(),
                               [&](const client::MessageView& m) { return m.body == body; });
}

const client::SupervisedMatterView* find(const client::SupervisionView& v, const std::string& id) {
    for (const auto& m : v.matters)
        if (m.conversationId == id) return &m;
    return nullptr;
}

/// "Partners LLP" initialised offline in a temporary folder, for `verbatim-relay admin`.
struct OfflineFirm {
    QTemporaryDir dir;
    e2e::OfflineRelay relay{dir.path(), "supervisors-test-passphrase-long-enough", "Partners LLP"};
    /// Why it cannot be used ("" when it can).
    QString problem() const {
        if (!dir.isValid()) return "no temporary folder";
        return relay.ok() ? QString() : relay.init.err;
    }
};

} // namespace

class TestSupervisors : public QObject {
    Q_OBJECT

private slots:
    // The whole flow with real clients: refused before the assignment; after it the supervisor
    // sees the lawyer's matter (and not another lawyer's), the client's wait grows through the
    // lawyer's receipts and ends with the lawyer's answer; the threshold flags it; no text in
    // the response; the removal ends it; the journal verifies and lists both acts.
    void supervisorSeesSupervisedLawyersMattersMetadataOnly() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto lara = joinParty(h.enrollLink("lara", proto::ROLE_LAWYER), "Lara Lawyer");
        auto sam = joinParty(h.enrollLink("sam", proto::ROLE_SUPERVISOR), "Sam Partner");
        auto otto = joinParty(h.enrollLink("otto", proto::ROLE_LAWYER), "Otto Other");
        auto officer = joinParty(h.enrollLink("officer", proto::ROLE_COMPLIANCE), "Officer");
        QVERIFY(lara && sam && otto && officer);
        for (auto* p : {lara.get(), sam.get(), otto.get(), officer.get()})
            (*p)->start();
        auto client = joinParty(h.inviteLink("lara", "Estate of Smith"), "Carol Client", true);
        QVERIFY(client);
        client->start();
        QVERIFY(eventually([&] {
            return lara->isConnected() && sam->isConnected() && otto->isConnected() &&
                   client->isConnected();
        }));
        auto convs = client->conversations();
        QVERIFY(convs && convs->size() == 1);
        const std::string estate = convs->front().id;
        auto other = otto->createConversation("Otto's matter", true, {}, "M-9", "Someone Else");
        QVERIFY2(other, other ? "" : other.error().message.c_str());

        // Before any assignment sam supervises nobody: refused.
        auto before = sam->supervisedMatters();
        QVERIFY(!before);
        QVERIFY(before.error().code == ErrorCode::Forbidden);

        auto added = h.service().addSupervisor("lara", "sam", "admin-cli");
        QVERIFY2(added && *added, added ? "" : added.error().message.c_str());

        // The client asks; the lawyer's device receives it and sends its receipts, which answer
        // nothing.
        QVERIFY(client->sendText(estate, kSecret));
        QVERIFY(eventually([&] { return received(*lara, estate, kSecret); }));
        QVERIFY(client->waitForOutbox(10s));
        QVERIFY(lara->waitForOutbox(10s));
        QTest::qWait(300); // receipts sent on idle reach the relay
        QVERIFY(lara->waitForOutbox(10s));
        auto seen = sam->supervisedMatters(4);
        QVERIFY2(seen, seen ? "" : seen.error().message.c_str());
        QVERIFY(seen->lawyers == std::vector<std::string>{"lara"});
        QCOMPARE(seen->matters.size(), std::size_t(1)); // not Otto's matter
        const auto* m = find(*seen, estate);
        QVERIFY(m);
        QCOMPARE(m->title, std::string("Estate of Smith"));
        QVERIFY(m->lastClientMs != 0);
        QCOMPARE(m->waitingSinceMs, m->lastClientMs);
        QVERIFY(m->waitingMs > 0 || seen->nowMs == m->waitingSinceMs);
        QCOMPARE(m->lastLawyerMs, std::uint64_t(0));
        QVERIFY(!m->overdue); // no threshold set
        QVERIFY(!m->member);
        QCOMPARE(m->weekly.size(), std::size_t(4));
        QCOMPARE(m->weekly.back(), 1u); // the message, not the notice acceptance or receipts
        QVERIFY(m->supervised == std::vector<std::string>{"lara"});
        std::map<std::string, std::string> roles, names;
        for (const auto& p : m->participants) {
            roles[p.user] = p.role;
            names[p.user] = p.displayName;
        }
        QCOMPARE(roles.size(), std::size_t(2));
        QCOMPARE(roles["lara"], std::string("lawyer"));
        QCOMPARE(roles[client->account().user], std::string("client"));
        QCOMPARE(names[client->account().user], std::string("Carol Client"));

        // The firm's threshold flags it (1 ms: the client has waited longer by now).
        QVERIFY(h.service().setSupervisionThreshold(1, "admin-cli"));
        QTest::qWait(5);
        auto flagged = sam->supervisedMatters();
        QVERIFY(flagged && flagged->matters.size() == 1);
        QVERIFY(flagged->matters.front().overdue);
        QCOMPARE(flagged->thresholdMs, std::uint64_t(1));

        // The lawyer answers: nobody waits any more.
        QVERIFY(lara->sendText(estate, kAnswer));
        QVERIFY(eventually([&] { return received(*client, estate, kAnswer); }));
        auto answered = sam->supervisedMatters(4);
        QVERIFY(answered && answered->matters.size() == 1);
        m = &answered->matters.front();
        QCOMPARE(m->waitingMs, std::uint64_t(0));
        QCOMPARE(m->waitingSinceMs, std::uint64_t(0));
        QVERIFY(!m->overdue);
        QVERIFY(m->lastLawyerMs >= m->lastClientMs);
        QCOMPARE(m->weekly.back(), 2u);

        // Otto's matter appears once otto is supervised too, and goes with the assignment.
        QVERIFY(h.service().addSupervisor("otto", "sam", "admin-cli"));
        auto both = sam->supervisedMatters();
        QVERIFY(both && both->matters.size() == 2 && find(*both, *other));
        QVERIFY(h.service().removeSupervisor("otto", "sam", "admin-cli"));
        auto afterRemoval = sam->supervisedMatters();
        QVERIFY(afterRemoval && afterRemoval->matters.size() == 1 && !find(*afterRemoval, *other));
        QVERIFY(h.service().removeSupervisor("lara", "sam", "admin-cli"));
        auto none = sam->supervisedMatters();
        QVERIFY(!none);
        QVERIFY(none.error().code == ErrorCode::Forbidden);

        std::vector<std::string> lines;
        auto report = auditedPull(h, *officer, &lines);
        QVERIFY(report);
        QVERIFY2(report->problems.empty(),
                 report->problems.empty() ? "" : report->problems.front().detail.c_str());
        QCOMPARE(countPrefix(lines, "supervisor-added admin-cli lara sam"), 1);
        QCOMPARE(countPrefix(lines, "supervisor-added admin-cli otto sam"), 1);
        QCOMPARE(countPrefix(lines, "supervisor-removed admin-cli otto sam"), 1);
        QCOMPARE(countPrefix(lines, "supervisor-removed admin-cli lara sam"), 1);
        QCOMPARE(countPrefix(lines, "supervision-threshold-set admin-cli firm 1"), 1);
    }

    // RL: nobody who supervises nobody gets an answer, whatever their role; a supervisor gets
    // only the matters of the lawyers they supervise, never a matter they are not tied to, and
    // the response carries no message text (its bytes are searched).
    void supervisorGetsOnlySupervisedMattersAndNoContent() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto lara = h.enrollStaff("lara", proto::ROLE_LAWYER);
        auto otto = h.enrollStaff("otto", proto::ROLE_LAWYER);
        auto rex = h.enrollStaff("rex", proto::ROLE_SUPERVISOR);
        auto admin = h.enrollStaff("adam", proto::ROLE_ADMIN);
        auto officer = h.enrollStaff("cora", proto::ROLE_COMPLIANCE);
        std::string laraMatter, ottoMatter;
        auto laraClient = h.inviteClient("lara", "Lara's matter", &laraMatter);
        auto ottoClient = h.inviteClient("otto", "Otto's matter", &ottoMatter);
        QVERIFY(lara && otto && rex && admin && officer && laraClient && ottoClient);
        for (auto* d : {lara.get(), otto.get(), rex.get(), admin.get(), officer.get(),
                        laraClient.get(), ottoClient.get()})
            QVERIFY(d->connect(h.endpoint()));

        // Nobody is assigned: every role is refused, the relay's staff included.
        for (auto* d : {lara.get(), rex.get(), admin.get(), officer.get(), laraClient.get()}) {
            auto r = d->connection->call(listSupervised());
            QVERIFY(r);
            QVERIFY2(r->status() == proto::STATUS_FORBIDDEN, d->user.c_str());
            QVERIFY(!r->has_supervised_matters());
        }
        QVERIFY(h.service().addSupervisor("lara", "rex", "admin-cli"));
        // Clients, compliance and lawyers who supervise nobody are still refused.
        for (auto* d : {otto.get(), officer.get(), laraClient.get(), ottoClient.get()}) {
            auto r = d->connection->call(listSupervised());
            QVERIFY(r);
            QVERIFY2(r->status() == proto::STATUS_FORBIDDEN, d->user.c_str());
        }
        // Messages with content in both matters, then rex's list as raw bytes.
        for (auto& [from, conv] : std::vector<std::pair<e2e::Device*, std::string>>{
                 {laraClient.get(), laraMatter}, {ottoClient.get(), ottoMatter}}) {
            proto::Request send;
            *send.mutable_send() = h.buildSend(*from, conv, kSecret);
            send.mutable_send()->set_is_message(true);
            auto sent = from->connection->call(send);
            QVERIFY(sent && sent->status() == proto::STATUS_OK);
        }
        auto r = rex->connection->call(listSupervised());
        QVERIFY(r && r->status() == proto::STATUS_OK);
        QCOMPARE(r->supervised_matters().matters_size(), 1);
        const auto& m = r->supervised_matters().matters(0);
        QCOMPARE(m.conversation_id(), laraMatter);
        QVERIFY(m.waiting_since_ms() != 0);
        const std::string bytes = r->SerializeAsString();
        QVERIFY(bytes.find("Lara's matter") != std::string::npos); // the search works
        QVERIFY(bytes.find(kSecret) == std::string::npos);
        QVERIFY(bytes.find("settlement") == std::string::npos);
        QVERIFY(bytes.find(ottoMatter) == std::string::npos);
        QVERIFY(bytes.find("Otto's matter") == std::string::npos);
        // Out-of-range weeks are refused with a reason.
        auto bad = rex->connection->call(listSupervised(53));
        QVERIFY(bad && bad->status() == proto::STATUS_BAD_REQUEST);
    }

    // R-SUP-5, supervision stops at ethical walls, over the real relay: a wall made after an
    // assignment lists it as a conflict, removes nobody and hides the matter from the
    // supervisor's list at once; an assignment across a wall (the supervisor opposite the
    // lawyer's matter) is refused with the wall's name (451), stores nothing and is journaled
    // `wall-refused`; the journal verifies clean.
    void supervisionStopsAtWalls() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto lara = h.enrollStaff("lara", proto::ROLE_LAWYER);
        auto rex = h.enrollStaff("rex", proto::ROLE_SUPERVISOR);
        auto pat = h.enrollStaff("pat", proto::ROLE_SUPERVISOR);
        std::string matter;
        auto client = h.inviteClient("lara", "Harbour dispute", &matter);
        QVERIFY(lara && rex && pat && client);
        QVERIFY(rex->connect(h.endpoint()));
        QVERIFY(h.service().addSupervisor("lara", "rex", "admin-cli"));
        auto before = rex->connection->call(listSupervised());
        QVERIFY(before && before->status() == proto::STATUS_OK);
        QCOMPARE(before->supervised_matters().matters_size(), 1); // the search works

        relay::WallSpec spec;
        spec.name = "Harbour screen";
        spec.users[0] = {"rex", "pat"};
        spec.matters[1] = {matter};
        auto added = h.service().addWall(spec, "admin-cli");
        QVERIFY2(added, added ? "" : added.error().message.c_str());
        QCOMPARE(added->conflicts.size(), std::size_t(1));
        QCOMPARE(added->conflicts[0].conversation, std::string());
        QCOMPARE(added->conflicts[0].title, std::string("rex supervises lara"));
        QVERIFY(!added->conflicts[0].matter);
        auto rows = h.service().listSupervisors();
        QVERIFY(rows && rows->size() == 1 && rows->front().supervisor == "rex"); // kept
        auto after = rex->connection->call(listSupervised());
        QVERIFY(after && after->status() == proto::STATUS_OK);
        QCOMPARE(after->supervised_matters().matters_size(), 0);
        const std::string bytes = after->SerializeAsString();
        QVERIFY(bytes.find("Harbour dispute") == std::string::npos);
        QVERIFY(bytes.find(matter) == std::string::npos);

        auto refused = h.service().addSupervisor("lara", "pat", "admin-cli");
        QVERIFY(!refused);
        QCOMPARE(refused.error().detail, int(relay::kStatusEthicalWall));
        QVERIFY2(refused.error().message.find("\"Harbour screen\"") != std::string::npos,
                 refused.error().message.c_str());
        rows = h.service().listSupervisors();
        QVERIFY(rows && rows->size() == 1); // nothing stored for pat

        auto officer = joinParty(h.enrollLink("officer", proto::ROLE_COMPLIANCE), "Officer");
        QVERIFY(officer);
        officer->start();
        QVERIFY(eventually([&] { return officer->isConnected(); }));
        std::vector<std::string> lines;
        auto report = auditedPull(h, *officer, &lines);
        QVERIFY(report && report->problems.empty());
        QCOMPARE(countPrefix(lines, "wall-refused admin-cli lara Harbour screen"), 1);
        QCOMPARE(countPrefix(lines, "supervisor-added admin-cli lara pat"), 0);
    }

    // R-SUP-5 through the real program: `admin supervisor add` across a wall between the two
    // people exits 1 naming the wall and stores nothing; `admin wall add` over an existing
    // assignment lists it as a supervision conflict and removes nobody.
    void adminSupervisorStopsAtWalls() {
        OfflineFirm firm;
        QVERIFY2(firm.problem().isEmpty(), qPrintable(firm.problem()));
        auto admin = [&](const QStringList& args) { return firm.relay.admin(args); };
        QCOMPARE(admin({"enroll", "lara", "--role", "lawyer"}).code, 0);
        QCOMPARE(admin({"enroll", "otto", "--role", "lawyer"}).code, 0);
        QCOMPARE(admin({"enroll", "sam", "--role", "supervisor"}).code, 0);

        auto dock = admin({"wall", "add", "Dock screen", "--group-a", "sam", "--group-b", "lara"});
        QVERIFY2(dock.code == 0, qPrintable(dock.err));
        auto refused = admin({"supervisor", "add", "lara", "--by", "sam"});
        QVERIFY2(refused.code == 1, qPrintable(refused.out));
        QVERIFY2(refused.err.contains("ethical wall \"Dock screen\""), qPrintable(refused.err));
        auto empty = admin({"supervisor", "list"});
        QVERIFY2(!empty.out.contains("\nsam\tlara\t"), qPrintable(empty.out));

        QCOMPARE(admin({"supervisor", "add", "otto", "--by", "sam"}).code, 0);
        auto quay = admin({"wall", "add", "Quay screen", "--group-a", "sam", "--group-b", "otto"});
        QVERIFY2(quay.code == 0, qPrintable(quay.err));
        QVERIFY2(quay.out.contains("conflicts\t1"), qPrintable(quay.out));
        QVERIFY2(quay.out.contains("conflict\t-\tsupervision\tsam supervises otto"),
                 qPrintable(quay.out));
        auto kept = admin({"supervisor", "list"});
        QVERIFY2(kept.out.contains("\nsam\totto\t"), qPrintable(kept.out));
    }

    // The real program: `verbatim-relay admin supervisor add|list|remove|threshold` and its
    // refusals of bad input (exit 1 or 2, nothing stored).
    // Offboarding (issue 22) ends the departing user's assignments, as supervisor and as
    // supervised lawyer, in its transaction, journaled as supervisor-removed; the colleague who
    // takes the matters takes no supervision, and others' assignments stay.
    void offboardingEndsTheLeaversSupervision() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto officer = joinParty(h.enrollLink("officer", proto::ROLE_COMPLIANCE), "Officer");
        QVERIFY(officer);
        officer->start();
        for (const auto& [user, role] :
             std::vector<std::pair<std::string, proto::Role>>{{"lara", proto::ROLE_LAWYER},
                                                              {"otto", proto::ROLE_LAWYER},
                                                              {"kim", proto::ROLE_LAWYER},
                                                              {"sam", proto::ROLE_SUPERVISOR},
                                                              {"pat", proto::ROLE_SUPERVISOR}})
            QVERIFY(!h.enrollLink(user, role).empty());
        for (const auto& [lawyer, supervisor] : std::vector<std::pair<std::string, std::string>>{
                 {"lara", "sam"}, {"otto", "sam"}, {"sam", "pat"}, {"kim", "pat"}}) {
            auto added = h.service().addSupervisor(lawyer, supervisor, "admin-cli");
            QVERIFY2(added && *added, added ? "" : added.error().message.c_str());
        }
        auto off = h.service().offboard("sam", "kim", "admin-cli");
        QVERIFY2(off, off ? "" : off.error().message.c_str());

        auto rows = h.service().listSupervisors();
        QVERIFY2(rows, rows ? "" : rows.error().message.c_str());
        std::vector<std::string> left;
        for (const auto& r : *rows)
            left.push_back(r.supervisor + ">" + r.lawyer);
        QCOMPARE(left, std::vector<std::string>{"pat>kim"});

        std::vector<std::string> lines;
        auto report = auditedPull(h, *officer, &lines);
        QVERIFY(report);
        QVERIFY2(report->problems.empty(),
                 report->problems.empty() ? "" : report->problems.front().detail.c_str());
        QCOMPARE(countPrefix(lines, "supervisor-removed admin-cli lara sam"), 1);
        QCOMPARE(countPrefix(lines, "supervisor-removed admin-cli otto sam"), 1);
        QCOMPARE(countPrefix(lines, "supervisor-removed admin-cli sam pat"), 1);
        QCOMPARE(countPrefix(lines, "supervisor-removed "), 3);
        QCOMPARE(countPrefix(lines, "supervisor-added admin-cli lara kim"), 0);
        QCOMPARE(countPrefix(lines, "user-offboarded admin-cli sam"), 1);
    }

    void adminSupervisorCommands() {
        OfflineFirm firm;
        QVERIFY2(firm.problem().isEmpty(), qPrintable(firm.problem()));
        auto admin = [&](const QStringList& args) { return firm.relay.admin(args); };
        QCOMPARE(admin({"enroll", "lara", "--role", "lawyer"}).code, 0);
        QCOMPARE(admin({"enroll", "sam", "--role", "supervisor"}).code, 0);
        QCOMPARE(admin({"enroll", "cora", "--role", "compliance"}).code, 0);

        auto add = admin({"supervisor", "add", "lara", "--by", "sam"});
        QVERIFY2(add.code == 0, qPrintable(add.err));
        QVERIFY2(add.out.contains("sam supervises lara"), qPrintable(add.out));
        auto again = admin({"supervisor", "add", "lara", "--by", "sam"});
        QVERIFY(again.code == 0 && again.out.contains("already supervises"));
        auto threshold = admin({"supervisor", "threshold", "48"});
        QVERIFY2(threshold.code == 0, qPrintable(threshold.err));

        struct Bad {
            QStringList args;
            int code;
            QString says;
        };
        const std::vector<Bad> bad = {
            {{"supervisor", "add", "nobody", "--by", "sam"}, 1, "no such user: nobody"},
            {{"supervisor", "add", "lara", "--by", "nobody"}, 1, "no such user: nobody"},
            {{"supervisor", "add", "lara", "--by", "lara"}, 1, "nobody supervises themselves"},
            {{"supervisor", "add", "cora", "--by", "sam"}, 1, "cora is not a lawyer"},
            {{"supervisor", "add", "lara", "--by", "cora"}, 1, "cora cannot supervise"},
            {{"supervisor", "add", "lara"}, 2, "--by"},
            {{"supervisor", "remove", "lara", "--by", "cora"}, 1, "cora does not supervise lara"},
            {{"supervisor", "threshold", "two days"}, 1, "HOURS is a whole number"},
            {{"supervisor", "threshold", "1.5"}, 1, "HOURS is a whole number"},
        };
        for (const auto& b : bad) {
            auto r = admin(b.args);
            QVERIFY2(r.code == b.code, qPrintable(b.args.join(' ') + ": " + r.err));
            QVERIFY2(r.err.contains(b.says), qPrintable(b.args.join(' ') + ": " + r.err));
        }
        auto list = admin({"supervisor", "list"});
        QVERIFY2(list.code == 0, qPrintable(list.err));
        QVERIFY2(list.out.contains("threshold_hours\t48\n"), qPrintable(list.out));
        QVERIFY2(list.out.contains("\nsam\tlara\t"), qPrintable(list.out));
        QCOMPARE(int(list.out.count('\n')), 3); // threshold, header, one assignment

        auto removed = admin({"supervisor", "remove", "lara", "--by", "sam"});
        QVERIFY2(removed.code == 0, qPrintable(removed.err));
        QVERIFY(removed.out.contains("sam no longer supervises lara"));
        auto empty = admin({"supervisor", "list"});
        QCOMPARE(int(empty.out.count('\n')), 2);
    }
};

QTEST_GUILESS_MAIN(TestSupervisors)
#include "tst_supervisors.moc"

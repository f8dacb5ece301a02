// Relay journal pruning after compliance acknowledgements (issue 22), end to end through a real
// relay over TLS. Two compliance officers each keep an archive with verbatim-journal: one ack
// prunes nothing, the second lets the relay delete the rows both acknowledged (the store
// shrinks, an attachment only those rows referenced goes too); the archives still verify and
// pull, sends still work, and a new archive is told plainly where the relay's journal now
// starts. Hostile acknowledgements (bad signature, another device's, a lawyer's, another
// firm's, beyond the head, a differing chain hash, a replay, one that moves back, a revoked
// device) are each refused, and held ranges survive pruning. The PostgreSQL store is pruned
// the same way.

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "../relay/PgCluster.h"
#include "ClientParty.h"
#include "ComplianceParty.h"
#include "E2EHarness.h"
#include "RelayProgram.h"
#include "compliance/Supervision.h"
#include "crypto/Ed25519.h"
#include "crypto/PassphraseBox.h"
#include "journal/JournalAck.h"
#include "storage/Database.h"

using namespace verbatim;
using namespace verbatim::e2e;
using namespace verbatim::e2e::parties;

namespace {

constexpr const char* kPrunedText = "were pruned after every compliance archive acknowledged them";
constexpr const char* kRelayPass = "relay root key passphrase 1";

proto::JournalPruneState pruneState(Harness& h) {
    auto s = h.service().journalPruneState();
    return s ? *s : proto::JournalPruneState();
}

/// An acknowledgement as a compliance device makes it, signed by `signer`'s identity key.
journal::JournalAck makeAck(const std::string& firm, const Device& as, Device& signer,
                            std::uint64_t seq, const journal::ChainHash& hash, std::uint64_t timeMs,
                            std::vector<journal::SequenceRange> keep = {}) {
    auto ack =
        journal::JournalAck::make(firm, as.user, as.device, seq, hash, timeMs, std::move(keep),
                                  [&](ByteView m) { return signer.sessions->sign(m); });
    return ack ? *ack : journal::JournalAck();
}

proto::Response sendAck(Device& from, const Bytes& ack) {
    proto::Request req;
    req.mutable_ack_journal()->set_ack(std::string(ack.begin(), ack.end()));
    auto r = from.connection->call(req);
    if (!r) {
        proto::Response failed;
        failed.set_status(proto::STATUS_INTERNAL);
        failed.set_error("no answer: " + r.error().message);
        return failed;
    }
    return *r;
}

proto::Response pullAfter(Device& officer, std::uint64_t after) {
    proto::Request req;
    req.mutable_pull_journal()->set_after_sequence(after);
    auto r = officer.connection->call(req);
    return r ? *r : proto::Response();
}

/// Chain hash of row `seq` in a pulled chain.
journal::ChainHash hashAt(const PulledChain& chain, std::uint64_t seq) {
    for (const auto& i : chain.items)
        if (i.sequence == seq && i.chainHash) return *i.chainHash;
    return {};
}

/// The firm the acknowledgement tests start from: lawyer alice (and `colleague`, a second lawyer
/// enrolled right after her, when named) with a client on a matter, two compliance devices,
/// 20 entries sent and the journal as the first officer pulled it.
struct Firm {
    std::unique_ptr<Device> lawyer, colleague, client, a, b;
    std::string conv;
    PulledChain chain;
    std::uint64_t head = 0;
};

bool setUpFirm(Harness& h, Firm& f, const std::string& colleague = {}) {
    f.lawyer = h.enrollStaff("alice", proto::ROLE_LAWYER);
    if (!colleague.empty()) f.colleague = h.enrollStaff(colleague, proto::ROLE_LAWYER);
    f.client = h.inviteClient("alice", "Lease dispute", &f.conv);
    f.a = h.enrollStaff("comply-a", proto::ROLE_COMPLIANCE);
    f.b = h.enrollStaff("comply-b", proto::ROLE_COMPLIANCE);
    if (!f.lawyer || (!colleague.empty() && !f.colleague) || !f.client || !f.a || !f.b)
        return false;
    for (Device* d : {f.lawyer.get(), f.a.get(), f.b.get()})
        if (!d->connect(h.endpoint())) return false;
    if (!sendNumbered(h, *f.lawyer, f.conv, "entry ", 20)) return false;
    auto chain = pullJournalChain(*f.a);
    if (!chain || chain->items.empty()) return false;
    f.chain = std::move(*chain);
    f.head = f.chain.items.back().sequence;
    return true;
}

} // namespace

class TestPruning : public QObject {
    Q_OBJECT

private slots:
    // Issue 22 (hostile input): every bad acknowledgement is refused with its own clear answer
    // and stores nothing; a good one is stored; held ranges survive pruning; a pull below the
    // boundary is 410 with the boundary, a pull at it carries the signed boundary checkpoint; a
    // revoked compliance device can no longer speak and no longer counts.
    void hostileAcknowledgementsAreRefusedAndHeldRangesSurvive() {
        Harness h({}, [](relay::RelayConfig& c) {
            c.journalPruneAfter = std::chrono::milliseconds(0);
            c.journalPruneInterval = std::chrono::milliseconds(0); // pruned when the test says
            c.journalPruneBatch = 4; // several steps, each one storage job
        });
        QVERIFY(h.ok());
        Firm setup;
        QVERIFY(setUpFirm(h, setup));
        auto& lawyer = setup.lawyer;
        auto& a = setup.a;
        auto& b = setup.b;
        const PulledChain* chain = &setup.chain;
        const std::uint64_t head = setup.head;
        const auto headHash = hashAt(*chain, head);
        const std::string firm = h.firmFingerprint();
        std::uint64_t t = 1764300000000ULL;

        auto refused = [&](Device& via, const Bytes& ack, proto::Status status,
                           const char* text) -> bool {
            auto r = sendAck(via, ack);
            if (r.status() != status || r.error().find(text) == std::string::npos) {
                qWarning("expected %d '%s', got %d '%s'", int(status), text, int(r.status()),
                         r.error().c_str());
                return false;
            }
            return true;
        };
        // A lawyer is not compliance, whatever it signs.
        QVERIFY(refused(*lawyer, makeAck(firm, *lawyer, *lawyer, head, headHash, t).serialize(),
                        proto::STATUS_FORBIDDEN, "compliance role required"));
        // A signature that does not verify under the sending device's key.
        auto forged = makeAck(firm, *a, *a, head, headHash, t);
        forged.signature[5] ^= 1;
        QVERIFY(refused(*a, forged.serialize(), proto::STATUS_BAD_REQUEST,
                        "signature does not verify"));
        // Signed by b's key but naming a: the signature does not verify under a's key.
        QVERIFY(refused(*a, makeAck(firm, *a, *b, head, headHash, t).serialize(),
                        proto::STATUS_BAD_REQUEST, "signature does not verify"));
        // b's own acknowledgement, replayed by a.
        QVERIFY(refused(*a, makeAck(firm, *b, *b, head, headHash, t).serialize(),
                        proto::STATUS_FORBIDDEN, "acknowledges only as itself"));
        // Another firm's.
        QVERIFY(refused(*a, makeAck("00" + firm.substr(2), *a, *a, head, headHash, t).serialize(),
                        proto::STATUS_FORBIDDEN, "another firm"));
        // Beyond the relay's head.
        QVERIFY(refused(*a, makeAck(firm, *a, *a, head + 5, headHash, t).serialize(),
                        proto::STATUS_BAD_REQUEST, "beyond the relay's head"));
        // A chain hash that differs from the relay's at that sequence.
        auto wrong = hashAt(*chain, 10);
        wrong[0] ^= 0x80;
        QVERIFY(refused(*a, makeAck(firm, *a, *a, 10, wrong, t).serialize(), proto::STATUS_CONFLICT,
                        "differs from the relay's at sequence 10"));
        // Malformed bytes.
        QVERIFY(refused(*a, Bytes{1, 2, 3}, proto::STATUS_BAD_REQUEST, "malformed"));
        auto before = pruneState(h);
        QCOMPARE(before.acks_size(), 2);
        for (const auto& d : before.acks())
            QCOMPARE(d.sequence(), std::uint64_t(0)); // nothing refused was stored

        // A good one, keeping 3..5 (a legal hold): stored.
        const auto good = makeAck(firm, *a, *a, head, headHash, t, {{3, 5}}).serialize();
        auto ok = sendAck(*a, good);
        QVERIFY2(ok.status() == proto::STATUS_OK, ok.error().c_str());
        QCOMPARE(ok.journal_prune_state().acks(0).sequence(), head);
        QCOMPARE(ok.journal_prune_state().acks(0).kept_ranges(), std::uint64_t(1));
        // Replayed as it was: refused; an older sequence signed later: refused (never backwards).
        QVERIFY(refused(*a, good, proto::STATUS_CONFLICT, "not newer"));
        QVERIFY(refused(
            *a, makeAck(firm, *a, *a, head - 2, hashAt(*chain, head - 2), t + 1).serialize(),
            proto::STATUS_CONFLICT, "never moves back"));

        // b never acknowledged: nothing may go.
        auto none = h.service().pruneJournalNow();
        QVERIFY(none);
        QCOMPARE(*none, std::uint64_t(0));
        QCOMPARE(pruneState(h).pruned_through(), std::uint64_t(0));

        // b acknowledges its own head (which includes a's journaled acknowledgement).
        auto chainB = pullJournalChain(*b);
        QVERIFY(chainB);
        const std::uint64_t headB = chainB->items.back().sequence;
        QVERIFY(headB > head);
        auto okB = sendAck(*b, makeAck(firm, *b, *b, headB, hashAt(*chainB, headB), t).serialize());
        QVERIFY2(okB.status() == proto::STATUS_OK, okB.error().c_str());
        const auto rowsBefore = pruneState(h).rows();
        auto pruned = h.service().pruneJournalNow();
        QVERIFY(pruned);
        // Everything below the least acknowledged head (a's) goes, except the held 3..5.
        QCOMPARE(*pruned, head - 1 - 3);
        auto after = pruneState(h);
        QCOMPARE(after.pruned_through(), head - 1);
        QCOMPARE(after.acknowledged_through(), head);
        QCOMPARE(after.oldest_kept(), std::uint64_t(3));
        QCOMPARE(after.rows(), rowsBefore - (head - 1 - 3));

        // Below the boundary: a clear 410, never a silent gap; at it: the page says where it is
        // and carries the relay's signed checkpoint there.
        auto below = pullAfter(*a, 0);
        QCOMPARE(below.status(), proto::STATUS_GONE);
        QVERIFY2(below.error().find(kPrunedText) != std::string::npos, below.error().c_str());
        QVERIFY(below.error().find("1.." + std::to_string(head - 1)) != std::string::npos);
        auto at = pullAfter(*a, head - 1);
        QCOMPARE(at.status(), proto::STATUS_OK);
        QCOMPARE(at.journal_page().pruned_through(), head - 1);
        QCOMPARE(at.journal_page().rows(0).sequence(), head);
        auto cp = journal::Checkpoint::parse(view(at.journal_page().boundary_checkpoint()));
        QVERIFY(cp);
        QVERIFY(cp->sequence >= head - 1);
        QVERIFY(journal::verifyCheckpoint(*cp, h.relayKey().publicKey));
        // An acknowledgement at or below the boundary is refused too.
        QVERIFY(refused(*a, makeAck(firm, *a, *a, 2, hashAt(*chain, 2), t + 5).serialize(),
                        proto::STATUS_GONE, kPrunedText));

        // A revoked compliance device is cut off, cannot come back, and no longer counts.
        QVERIFY(h.service().revokeDevice("comply-b", b->device, "test"));
        QVERIFY(b->waitForClose() != 0);
        b->disconnect();
        QVERIFY(!b->connect(h.endpoint()));
        auto left = pruneState(h);
        QCOMPARE(left.acks_size(), 1);
        QCOMPARE(left.acks(0).user(), std::string("comply-a"));
    }

    // Issue 22 (TESTPLAN "relay pruning after acknowledgement"): real clients and the real
    // compliance tool. One officer's ack prunes nothing; both acks let the relay delete what
    // both archives hold (rows and the attachment only they referenced); the archives verify and
    // pull as before, a new archive is told where the journal starts, sends still work.
    void pruningWaitsForEveryArchiveAndLeavesArchivesWhole() {
        Harness h({}, [](relay::RelayConfig& c) {
            c.journalPruneAfter = std::chrono::milliseconds(0);
            c.journalPruneInterval = std::chrono::milliseconds(100);
            c.journalPruneBatch = 16;
        });
        QVERIFY(h.ok());
        QTemporaryDir dir;
        auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice Adams");
        auto bob = joinParty(h.enrollLink("bob", proto::ROLE_LAWYER), "Bob Brown");
        auto officerA = joinParty(h.enrollLink("comply-a", proto::ROLE_COMPLIANCE), "Casey A");
        auto officerB = joinParty(h.enrollLink("comply-b", proto::ROLE_COMPLIANCE), "Casey B");
        QVERIFY(alice && bob && officerA && officerB);
        for (auto* p : {&alice, &bob, &officerA, &officerB})
            (*p)->start();
        QVERIFY(alice->waitUntilSynced(20s) && bob->waitUntilSynced(20s));
        auto conv = alice->createConversation("Lease", true, {"bob"});
        QVERIFY(conv);
        QVERIFY(bob->waitUntilSynced(20s));
        const QString attachment = dir.path() + "/lease.pdf";
        {
            QFile f(attachment);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray(40000, 'L'));
        }
        QVERIFY(alice->sendAttachment(*conv, attachment.toStdString(), "the lease"));
        for (int i = 0; i < 30; ++i)
            QVERIFY(alice->sendText(*conv, "clause " + std::to_string(i)));
        QVERIFY(eventually(
            [&] { return (*bob).eventsOf(client::Event::Kind::Message).size() >= 31; }, 30s));
        officerA->stop(); // the tool opens the profiles itself
        officerB->stop();
        const QString blobs = h.dataDir() + "/blobs";
        auto blobFiles = [&] {
            return QDir(blobs).entryList(QDir::Files | QDir::NoDotAndDotDot).size();
        };
        QCOMPARE(blobFiles(), 1);
        const QString profileA = QString::fromStdString(officerA.get()->profile());
        const QString profileB = QString::fromStdString(officerB.get()->profile());
        const QString key = writeKeyFile(dir.path(), h.journalKey());
        const QString archiveA = dir.path() + "/a.archive", archiveB = dir.path() + "/b.archive";
        for (const auto& [profile, archive] :
             {std::pair{profileA, archiveA}, {profileB, archiveB}}) {
            auto pulled = pullArchive(profile, archive, key);
            QVERIFY2(pulled.code == 0, qPrintable(pulled.err));
        }
        const auto start = pruneState(h);
        QVERIFY(start.rows() > 40);

        // One archive acknowledged: nothing goes, and the tool says who it waits for.
        auto ackA = journalTool({"ack", archiveA, "--profile", profileA, "--key", key});
        QVERIFY2(ackA.code == 0, qPrintable(ackA.err));
        QVERIFY2(ackA.out.contains("waiting for comply-b/"), qPrintable(ackA.out));
        QTest::qWait(500); // several pruner rounds
        auto waiting = pruneState(h);
        QCOMPARE(waiting.pruned_through(), std::uint64_t(0));
        QVERIFY(waiting.rows() >= start.rows());
        QCOMPARE(blobFiles(), 1);

        auto freePages = [&]() -> std::int64_t {
            auto db = storage::Database::open(h.databasePath(), h.databaseKey(), {false});
            if (!db) return -1;
            auto st = (*db)->prepare("PRAGMA freelist_count");
            if (!st || !st->step()) return -1;
            return st->columnInt(0);
        };
        const auto freeBefore = freePages();

        // Both acknowledged: the rows both hold go (all but the least acknowledged head and
        // what came after it), with the attachment only they referenced.
        auto ackB = journalTool({"ack", archiveB, "--profile", profileB, "--key", key});
        QVERIFY2(ackB.code == 0, qPrintable(ackB.err));
        QVERIFY(eventually([&] {
            auto s = pruneState(h);
            return s.acknowledged_through() > 0 &&
                   s.pruned_through() == s.acknowledged_through() - 1;
        }));
        auto pruned = pruneState(h);
        QVERIFY2(pruned.rows() + 40 <= start.rows(),
                 qPrintable(QString("rows %1 -> %2").arg(start.rows()).arg(pruned.rows())));
        QCOMPARE(pruned.oldest_kept(), pruned.pruned_through() + 1);
        QVERIFY(eventually([&] { return blobFiles() == 0; }, 5s));
        QVERIFY(freePages() > freeBefore); // the rows' pages are free for new rows

        // The archives that hold them are unaffected.
        auto verifyA = journalTool({"verify", archiveA, "--key", key});
        QVERIFY2(verifyA.code == 0, qPrintable(verifyA.out + verifyA.err));
        // A new archive is told where the relay's journal starts now.
        auto fresh = journalTool({"pull", "--profile", profileA, "--archive",
                                  dir.path() + "/fresh.archive", "--key", key});
        QCOMPARE(fresh.code, 1);
        QVERIFY2(fresh.err.contains(kPrunedText), qPrintable(fresh.err));

        // Sending, receiving and pulling go on.
        QVERIFY(alice->sendText(*conv, "after pruning"));
        QVERIFY(eventually(
            [&] { return (*bob).eventsOf(client::Event::Kind::Message).size() >= 32; }, 30s));
        auto again = pullArchive(profileA, archiveA, key);
        QVERIFY2(again.code == 0, qPrintable(again.err));
        QVERIFY2(!again.out.contains("pulled 0 new"), qPrintable(again.out));
        auto verifyAgain = journalTool({"verify", archiveA, "--key", key});
        QVERIFY2(verifyAgain.code == 0, qPrintable(verifyAgain.out + verifyAgain.err));
    }

    // Issue 22: a legal hold placed with the real tool (`verbatim-journal hold add`) reaches the
    // relay in both officers' acknowledgements, and the held matter's rows survive pruning while
    // the rest goes.
    void heldMatterSurvivesPruningThroughTheTool() {
        Harness h({}, [](relay::RelayConfig& c) {
            c.journalPruneAfter = std::chrono::milliseconds(0);
            c.journalPruneInterval = std::chrono::milliseconds(100);
        });
        QVERIFY(h.ok());
        QTemporaryDir dir;
        auto alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice Adams");
        auto bob = joinParty(h.enrollLink("bob", proto::ROLE_LAWYER), "Bob Brown");
        auto admin = joinParty(h.enrollLink("root", proto::ROLE_ADMIN), "Ada Admin");
        auto officerA = joinParty(h.enrollLink("comply-a", proto::ROLE_COMPLIANCE), "Casey A");
        auto officerB = joinParty(h.enrollLink("comply-b", proto::ROLE_COMPLIANCE), "Casey B");
        QVERIFY(alice && bob && admin && officerA && officerB);
        for (auto* p : {&alice, &bob, &admin, &officerA, &officerB})
            (*p)->start();
        QVERIFY(alice->waitUntilSynced(20s) && admin->waitUntilSynced(20s));
        QVERIFY(admin->createConversation(compliance::kReviewConversationTitle, false,
                                          {"comply-a", "comply-b"}));
        auto held = alice->createConversation("Held matter", true, {"bob"});
        auto other = alice->createConversation("Other matter", true, {"bob"});
        QVERIFY(held && other);
        for (int i = 0; i < 10; ++i) {
            QVERIFY(alice->sendText(*held, "held " + std::to_string(i)));
            QVERIFY(alice->sendText(*other, "other " + std::to_string(i)));
        }
        QVERIFY(eventually(
            [&] { return (*bob).eventsOf(client::Event::Kind::Message).size() >= 20; }, 30s));
        QVERIFY(officerA->waitUntilSynced(20s) && officerB->waitUntilSynced(20s));
        const OfficerFiles files = officerFiles(h, dir, *officerA, *officerB);
        const QString &key = files.key, &profileA = files.profileA, &profileB = files.profileB;
        const QString &archiveA = files.archiveA, &archiveB = files.archiveB;
        auto pulled = pullArchive(profileA, archiveA, key);
        QVERIFY2(pulled.code == 0, qPrintable(pulled.err));
        auto hold = journalTool({"hold", "add", archiveA, "--profile", profileA, "--key", key,
                                 "--matter", "Held matter", "--reason", "litigation expected"});
        QVERIFY2(hold.code == 0, qPrintable(hold.out + hold.err));
        pulled = pullArchive(profileB, archiveB, key);
        QVERIFY2(pulled.code == 0, qPrintable(pulled.err));
        auto ackA = journalTool({"ack", archiveA, "--profile", profileA, "--key", key});
        QVERIFY2(ackA.code == 0, qPrintable(ackA.err));
        QVERIFY2(!ackA.out.contains("keeping 0 held"), qPrintable(ackA.out));
        auto ackB = journalTool({"ack", archiveB, "--profile", profileB, "--key", key});
        QVERIFY2(ackB.code == 0, qPrintable(ackB.err));
        QVERIFY2(!ackB.out.contains("keeping 0 held"), qPrintable(ackB.out));
        QVERIFY(eventually([&] {
            auto s = pruneState(h);
            return s.acknowledged_through() > 0 &&
                   s.pruned_through() == s.acknowledged_through() - 1;
        }));
        // What the relay still stores below the boundary is the held matter's, and all of it.
        auto db = storage::Database::open(h.databasePath(), h.databaseKey(), {false});
        QVERIFY(db);
        const auto boundary = pruneState(h).pruned_through();
        auto below = (*db)->prepare("SELECT count(*) FROM journal WHERE seq <= ?");
        QVERIFY(below);
        below->bind(1, std::int64_t(boundary));
        auto row = below->step();
        QVERIFY(row && *row);
        const auto keptBelow = below->columnInt(0);
        QVERIFY2(keptBelow >= 10,
                 qPrintable(QString("kept below the boundary: %1").arg(keptBelow)));
        QVERIFY2(keptBelow < std::int64_t(boundary) - 10,
                 qPrintable(QString("kept %1 of %2").arg(keptBelow).arg(boundary)));
        auto verifyA = journalTool({"verify", archiveA, "--key", key});
        QVERIFY2(verifyA.code == 0, qPrintable(verifyA.out + verifyA.err));
    }

    // Issue 22: a hold is the firm's. Offboarding the officer whose acknowledgement kept rows
    // 3..5 does not release them while the other archive may not hold the hold (it acknowledged
    // less than the former one); then that archive's own acknowledgement speaks for the hold.
    // (A current officer's release: tst_retention_officers.) Offboarding a held custodian (a
    // lawyer) deletes no journal row either.
    void offboardingKeepsHeldRanges() {
        Harness h({}, [](relay::RelayConfig& c) {
            c.journalPruneAfter = std::chrono::milliseconds(0);
            c.journalPruneInterval = std::chrono::milliseconds(0); // pruned when the test says
        });
        QVERIFY(h.ok());
        Firm setup;
        QVERIFY(setUpFirm(h, setup, "bob"));
        auto& a = setup.a;
        auto& b = setup.b;
        const PulledChain* chain = &setup.chain;
        const std::uint64_t head = setup.head;
        const std::string firm = h.firmFingerprint();
        const std::uint64_t t = 1764300000000ULL;
        auto okA =
            sendAck(*a, makeAck(firm, *a, *a, head, hashAt(*chain, head), t, {{3, 5}}).serialize());
        QVERIFY2(okA.status() == proto::STATUS_OK, okA.error().c_str());

        // The held custodian leaves the firm: nothing journal-side goes with them.
        const auto rowsBefore = pruneState(h).rows();
        auto custodian = h.service().offboard("alice", "bob", "admin-cli");
        QVERIFY2(custodian, custodian ? "" : custodian.error().message.c_str());
        QVERIFY(pruneState(h).rows() > rowsBefore);
        // So does the officer who placed the hold.
        auto officer = h.service().offboard("comply-a", "bob", "admin-cli");
        QVERIFY2(officer, officer ? "" : officer.error().message.c_str());
        QCOMPARE(officer->devices, std::size_t(1));
        QCOMPARE(pruneState(h).acks_size(), 1); // a no longer counts

        auto heldRows = [&]() -> std::int64_t {
            auto db = storage::Database::open(h.databasePath(), h.databaseKey(), {false});
            if (!db) return -1;
            auto held = (*db)->prepare("SELECT count(*) FROM journal WHERE seq BETWEEN 3 AND 5");
            if (!held) return -1;
            auto row = held->step();
            return row && *row ? held->columnInt(0) : -1;
        };
        // b acknowledges short of a's sequence, without the hold (its archive has not pulled
        // that far): the held rows stay, the rest up to b's sequence goes.
        auto chainB = pullJournalChain(*b);
        QVERIFY(chainB);
        const std::uint64_t short_ = head - 1;
        auto okB =
            sendAck(*b, makeAck(firm, *b, *b, short_, hashAt(*chainB, short_), t).serialize());
        QVERIFY2(okB.status() == proto::STATUS_OK, okB.error().c_str());
        auto pruned = h.service().pruneJournalNow();
        QVERIFY(pruned);
        QCOMPARE(*pruned, short_ - 1 - 3);
        auto after = pruneState(h);
        QCOMPARE(after.pruned_through(), short_ - 1);
        QCOMPARE(after.oldest_kept(), std::uint64_t(3));
        QCOMPARE(heldRows(), std::int64_t(3));

        // b's archive now holds everything a's did, the hold included, and keeps it.
        const std::uint64_t headB = chainB->items.back().sequence;
        QVERIFY(headB > head);
        auto keeps = sendAck(
            *b, makeAck(firm, *b, *b, headB, hashAt(*chainB, headB), t + 1, {{3, 5}}).serialize());
        QVERIFY2(keeps.status() == proto::STATUS_OK, keeps.error().c_str());
        QVERIFY(h.service().pruneJournalNow());
        QCOMPARE(pruneState(h).pruned_through(), headB - 1);
        QCOMPARE(heldRows(), std::int64_t(3));
    }

    // Issue 22 on the PostgreSQL store (issue 20): the real `verbatim-relay serve` with
    // --journal-prune-after-days 0, real clients, the real compliance tool and the real
    // `verbatim-relay admin journal status`. A cluster that cannot start fails the test saying why.
    void postgresStorePrunesAfterBothArchivesAcknowledge() {
        auto cluster = relay::PgCluster::shared();
        QVERIFY2(cluster, cluster ? "" : cluster.error().message.c_str());
        auto url = (*cluster)->createDatabase();
        QVERIFY2(url, url ? "" : url.error().message.c_str());
        QTemporaryDir dir;
        const QString data = dir.path() + "/relay", unlock = dir.path() + "/relay.unlock";
        const auto env = relayEnvironment(kRelayPass);
        auto journalKey = *crypto::X25519Key::generate();
        QFile pub(dir.path() + "/journal.pub");
        QVERIFY(pub.open(QIODevice::WriteOnly));
        pub.write(QByteArray::fromStdString(toHex(journalKey.publicKey())));
        pub.close();
        const std::uint16_t port = freeLoopbackPort(), adminPort = freeLoopbackPort();
        const QString address = QString("127.0.0.1:%1").arg(port);
        const QString store = QString::fromStdString(*url);
        auto init =
            runProgram(VERBATIM_RELAY_BIN,
                       {"init", "--data", data, "--store", store, "--firm", "Prune & Co",
                        "--journal-key", pub.fileName(), "--root-key-out", dir.path() + "/root.key",
                        "--unlock-file", unlock, "--address", address},
                       env);
        QVERIFY2(init.code == 0, qPrintable(init.err));
        QProcess serve;
        serve.setProcessEnvironment(env);
        serve.start(VERBATIM_RELAY_BIN,
                    {"serve", "--data", data, "--store", store, "--listen", address,
                     "--admin-listen", QString("127.0.0.1:%1").arg(adminPort), "--bench-limits",
                     "--unlock-file", unlock, "--journal-prune-after-days", "0",
                     "--journal-prune-interval-s", "1"});
        QVERIFY(serve.waitForStarted(10000));
        QByteArray said;
        QVERIFY(eventually([&] {
            serve.waitForReadyRead(100);
            said += serve.readAllStandardOutput();
            return said.contains("listening") || serve.state() != QProcess::Running;
        }));
        QVERIFY2(said.contains("listening"), serve.readAllStandardError().constData());
        auto admin = [&](const QStringList& args) {
            return runProgram(
                VERBATIM_RELAY_BIN,
                QStringList{"admin", "--data", data, "--store", store, "--unlock-file", unlock} +
                    args,
                env);
        };
        auto enroll = [&](const char* user, const char* role) {
            auto r = admin({"enroll", user, "--role", role, "--name", user});
            return r.code == 0 ? r.out.trimmed().toStdString() : std::string();
        };
        auto alice = joinParty(enroll("alice", "lawyer"), "Alice");
        auto bob = joinParty(enroll("bob", "lawyer"), "Bob");
        auto officerA = joinParty(enroll("comply-a", "compliance"), "Casey A");
        auto officerB = joinParty(enroll("comply-b", "compliance"), "Casey B");
        QVERIFY(alice && bob && officerA && officerB);
        for (auto* p : {&alice, &bob, &officerA, &officerB})
            (*p)->start();
        QVERIFY(alice->waitUntilSynced(20s) && bob->waitUntilSynced(20s));
        auto conv = alice->createConversation("Lease", true, {"bob"});
        QVERIFY(conv);
        for (int i = 0; i < 20; ++i)
            QVERIFY(alice->sendText(*conv, "clause " + std::to_string(i)));
        QVERIFY(eventually(
            [&] { return (*bob).eventsOf(client::Event::Kind::Message).size() >= 20; }, 30s));
        officerA->stop();
        officerB->stop();
        const QString key = writeKeyFile(dir.path(), journalKey);
        const QString profileA = QString::fromStdString(officerA.get()->profile());
        const QString profileB = QString::fromStdString(officerB.get()->profile());
        const QString archiveA = dir.path() + "/a.archive", archiveB = dir.path() + "/b.archive";
        for (const auto& [profile, archive] :
             {std::pair{profileA, archiveA}, {profileB, archiveB}}) {
            auto pulled = pullArchive(profile, archive, key);
            QVERIFY2(pulled.code == 0, qPrintable(pulled.err));
        }
        auto status = [&](const char* field) -> long long {
            auto r = admin({"journal", "status"});
            for (const auto& line : r.out.split('\n'))
                if (line.startsWith(QString(field) + "\t"))
                    return line.section('\t', 1, 1).toLongLong();
            return -1;
        };
        const long long rows0 = status("rows");
        QVERIFY(rows0 > 20);
        auto ackA = journalTool({"ack", archiveA, "--profile", profileA, "--key", key});
        QVERIFY2(ackA.code == 0, qPrintable(ackA.err));
        QTest::qWait(2500); // two pruner rounds
        QCOMPARE(status("pruned_through"), 0LL);
        auto shown = admin({"journal", "status"});
        QVERIFY2(shown.out.contains("comply-b/1\tnever"), qPrintable(shown.out));
        auto ackB = journalTool({"ack", archiveB, "--profile", profileB, "--key", key});
        QVERIFY2(ackB.code == 0, qPrintable(ackB.err));
        QVERIFY(eventually([&] { return status("pruned_through") > 0; }));
        QVERIFY2(status("rows") + 20 <= rows0,
                 qPrintable(QString("rows %1 -> %2").arg(rows0).arg(status("rows"))));
        auto verifyA = journalTool({"verify", archiveA, "--key", key});
        QVERIFY2(verifyA.code == 0, qPrintable(verifyA.out + verifyA.err));
        auto fresh = journalTool({"pull", "--profile", profileA, "--archive",
                                  dir.path() + "/fresh.archive", "--key", key});
        QCOMPARE(fresh.code, 1);
        QVERIFY2(fresh.err.contains(kPrunedText), qPrintable(fresh.err));
        serve.terminate();
        QVERIFY(serve.waitForFinished(15000));
    }
};

QTEST_GUILESS_MAIN(TestPruning)
#include "tst_pruning.moc"

// A new compliance archive on a pruned relay (issue 22), end to end through a real relay over
// TLS and the real verbatim-journal: two officers' archives acknowledge, the relay prunes, and a
// fresh archive started with `pull --from-pruned-boundary` verifies clean (reporting where it
// starts and which acknowledgements co-sign the chain through the boundary) and finds the
// messages sent after it. Tampered snapshots are each refused, leaving no archive behind: a
// signature that does not verify, a chain hash the rows do not reproduce, a device registration
// the log never had (the operator re-signing the snapshot), and an older snapshot replayed after
// the relay pruned further. Over 600 lines: one firm set-up serves every attack on the boundary,
// and each attack needs its own steps.

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include "ClientParty.h"
#include "ComplianceParty.h"
#include "E2EHarness.h"
#include "compliance/Supervision.h"
#include "journal/BoundarySnapshot.h"
#include "journal/JournalAck.h"
#include "journal/JournalCrypto.h"
#include "journal/SealedEntry.h"
#include "signal/SessionManager.h"
#include "signal/SignalContext.h"
#include "storage/Database.h"

using namespace verbatim;
using namespace verbatim::e2e;
using namespace verbatim::e2e::parties;

namespace {

proto::JournalPruneState pruneState(Harness& h) {
    auto s = h.service().journalPruneState();
    return s ? *s : proto::JournalPruneState();
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeAll(const QString& path, const Bytes& bytes) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) &&
           f.write(reinterpret_cast<const char*>(bytes.data()), qint64(bytes.size())) ==
               qint64(bytes.size());
}

Result<journal::BoundarySnapshot> readSnapshot(const QString& path) {
    const QByteArray b = readAll(path);
    return journal::BoundarySnapshot::parse(
        ByteView(reinterpret_cast<const std::uint8_t*>(b.constData()), std::size_t(b.size())));
}

/// The snapshot's header signed again with `key` for its (changed) fields: what the relay's
/// operator, who holds the relay key, can do.
void resign(journal::BoundarySnapshot& s, const crypto::Ed25519KeyPair& key) {
    auto signedAgain =
        journal::signBoundarySnapshot(s.boundary, s.chainHash, s.timeMs, key.privateKey);
    if (signedAgain) s.signature = signedAgain->signature;
}

/// chain[P] over the snapshot's listed hashes.
journal::ChainHash chainOver(const journal::BoundarySnapshot& s) {
    journal::ChainHash c = journal::genesisChainHash();
    for (const auto& r : s.rows) {
        std::uint8_t buf[72];
        std::copy(c.begin(), c.end(), buf);
        for (int i = 0; i < 8; ++i)
            buf[32 + i] = std::uint8_t(r.sequence >> (56 - 8 * i));
        std::copy(r.entryHash.begin(), r.entryHash.end(), buf + 40);
        c = crypto::sha256(ByteView(buf, sizeof buf));
    }
    return c;
}

/// The firm every test starts from: lawyers alice and bob in a matter, two compliance officers
/// whose archives acknowledged, a relay that pruned what both hold, and a message after it.
struct Firm {
    PartyHandle alice, bob, officerA, officerB;
    std::string conv;
    QString profileA, profileB, key, archiveA, archiveB;
    QString identityA, identityB; ///< the officers' identity keys (hex), as their pulls print them
    std::uint64_t boundary = 0;
};

bool ackBoth(Firm& f) {
    for (const auto& [profile, archive] :
         {std::pair{f.profileA, f.archiveA}, std::pair{f.profileB, f.archiveB}}) {
        auto r = journalTool({"ack", archive, "--profile", profile, "--key", f.key});
        if (r.code != 0) {
            qWarning("ack: %s", qPrintable(r.err));
            return false;
        }
    }
    return true;
}

bool setUp(Harness& h, const QTemporaryDir& dir, Firm& f) {
    f.alice = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice Adams");
    f.bob = joinParty(h.enrollLink("bob", proto::ROLE_LAWYER), "Bob Brown");
    f.officerA = joinParty(h.enrollLink("comply-a", proto::ROLE_COMPLIANCE), "Casey A");
    f.officerB = joinParty(h.enrollLink("comply-b", proto::ROLE_COMPLIANCE), "Casey B");
    if (!f.alice || !f.bob || !f.officerA || !f.officerB) return false;
    for (auto* p : {&f.alice, &f.bob, &f.officerA, &f.officerB})
        (*p)->start();
    if (!f.alice->waitUntilSynced(20s) || !f.bob->waitUntilSynced(20s)) return false;
    auto conv = f.alice->createConversation("Lease", true, {"bob"});
    if (!conv) return false;
    f.conv = *conv;
    if (!f.bob->waitUntilSynced(20s)) return false;
    for (int i = 0; i < 20; ++i)
        if (!f.alice->sendText(f.conv, "clause " + std::to_string(i))) return false;
    if (!eventually([&] { return (*f.bob).eventsOf(client::Event::Kind::Message).size() >= 20; },
                    30s))
        return false;
    f.identityA = QString::fromStdString(f.officerA->identityKeyHex());
    f.identityB = QString::fromStdString(f.officerB->identityKeyHex());
    f.officerA->stop(); // the tool opens the profiles itself
    f.officerB->stop();
    f.profileA = QString::fromStdString(f.officerA.get()->profile());
    f.profileB = QString::fromStdString(f.officerB.get()->profile());
    f.key = writeKeyFile(dir.path(), h.journalKey());
    f.archiveA = dir.path() + "/a.archive";
    f.archiveB = dir.path() + "/b.archive";
    for (const auto& [profile, archive] :
         {std::pair{f.profileA, f.archiveA}, std::pair{f.profileB, f.archiveB}})
        if (pullArchive(profile, archive, f.key).code != 0) return false;
    if (!ackBoth(f)) return false;
    if (!eventually([&] {
            auto s = pruneState(h);
            return s.acknowledged_through() > 0 &&
                   s.pruned_through() == s.acknowledged_through() - 1;
        }))
        return false;
    f.boundary = pruneState(h).pruned_through();
    // After the boundary: a message from a device registered before it.
    if (!f.alice->sendText(f.conv, "after pruning zanzibar")) return false;
    return eventually([&] { return (*f.bob).eventsOf(client::Event::Kind::Message).size() >= 21; },
                      30s);
}

std::function<void(relay::RelayConfig&)> pruneAtOnce() {
    return [](relay::RelayConfig& c) {
        c.journalPruneAfter = std::chrono::milliseconds(0);
        c.journalPruneInterval = std::chrono::milliseconds(100);
        c.journalPruneBatch = 16;
    };
}

} // namespace

class TestBoundary : public QObject {
    Q_OBJECT

private slots:
    // Issue 22: a fresh archive from the relay's signed boundary snapshot verifies clean, says
    // where it starts and who co-signs the chain through it, and finds what came after.
    void freshArchiveFromTheBoundaryVerifiesAndFindsLaterMessages() {
        Harness h({}, pruneAtOnce());
        QVERIFY(h.ok());
        QTemporaryDir dir;
        Firm f;
        QVERIFY(setUp(h, dir, f));
        QVERIFY(f.boundary > 20);
        const QString fresh = dir.path() + "/fresh.archive";
        // Without the option a new archive is told where the journal starts.
        auto plain = pullArchive(f.profileA, dir.path() + "/plain.archive", f.key);
        QCOMPARE(plain.code, 1);
        QVERIFY2(plain.err.contains("--from-pruned-boundary"), qPrintable(plain.err));

        // Officer B's device knows its own key; officer A's it is given (as A's pull prints it).
        auto started =
            journalTool({"pull", "--profile", f.profileB, "--archive", fresh, "--key", f.key,
                         "--from-pruned-boundary", "--cosigner", "comply-a/1:" + f.identityA});
        QVERIFY2(started.code == 0, qPrintable(started.out + started.err));
        QVERIFY2(started.out.contains("starting at pruned boundary " + QString::number(f.boundary) +
                                      ", chain hash ") &&
                     started.out.contains("this device: comply-b/1, identity key " + f.identityB),
                 qPrintable(started.out));
        const QString absent = "entries 1.." + QString::number(f.boundary) +
                               " are absent by design (pruned by the relay)";
        QVERIFY2(started.out.contains(absent), qPrintable(started.out));
        auto verify = journalTool({"verify", fresh, "--key", f.key});
        QVERIFY2(verify.code == 0, qPrintable(verify.out + verify.err));
        QVERIFY2(verify.out.contains("starts at pruned boundary " + QString::number(f.boundary) +
                                     ", chain hash ") &&
                     verify.out.contains("snapshot signed by relay key " +
                                         QString::fromStdString(toHex(h.relayKey().publicKey))),
                 qPrintable(verify.out));
        QVERIFY2(verify.out.contains("co-signed by comply-a/1's acknowledgement") &&
                     verify.out.contains("co-signed by comply-b/1's acknowledgement") &&
                     verify.out.contains(absent) && !verify.out.contains("WARNING"),
                 qPrintable(verify.out));
        auto found = journalTool({"search", fresh, "zanzibar", "--key", f.key});
        QVERIFY2(found.code == 0 && found.out.contains("after pruning zanzibar"),
                 qPrintable(found.out + found.err));
        // Nothing from before the boundary is in it (only the relay's and compliance's state).
        QVERIFY(!journalTool({"search", fresh, "clause", "--key", f.key}).out.contains("clause 3"));

        // It goes on like any archive: a later message is pulled, and it still verifies.
        QVERIFY(f.alice->sendText(f.conv, "later still quokka"));
        QVERIFY(eventually(
            [&] { return (*f.bob).eventsOf(client::Event::Kind::Message).size() >= 22; }, 30s));
        auto again = pullArchive(f.profileB, fresh, f.key);
        QVERIFY2(again.code == 0 && !again.out.contains("pulled 0 new"),
                 qPrintable(again.out + again.err));
        QVERIFY(journalTool({"search", fresh, "quokka", "--key", f.key}).out.contains("quokka"));
        auto verifyAgain = journalTool({"verify", fresh, "--key", f.key});
        QVERIFY2(verifyAgain.code == 0, qPrintable(verifyAgain.out + verifyAgain.err));

        // The relay kept whole only the entries that carry state; the rest as hashes.
        const QString snapPath = dir.path() + "/boundary.snapshot";
        auto saved = journalTool({"boundary-snapshot", "--profile", f.profileA, "--out", snapPath});
        QVERIFY2(saved.code == 0, qPrintable(saved.err));
        auto snap = readSnapshot(snapPath);
        QVERIFY(snap);
        QCOMPARE(snap->boundary, f.boundary);
        std::size_t whole = 0;
        for (const auto& r : snap->rows)
            whole += r.entry.empty() ? 0 : 1;
        QVERIFY2(whole > 0 && whole + 20 <= snap->rows.size(),
                 qPrintable(QString("%1 of %2 rows whole").arg(whole).arg(snap->rows.size())));
    }

    // Issue 22 (hostile input): each tampered snapshot is refused with its reason and leaves no
    // archive.
    void tamperedSnapshotsAreRefused() {
        Harness h({}, pruneAtOnce());
        QVERIFY(h.ok());
        QTemporaryDir dir;
        Firm f;
        QVERIFY(setUp(h, dir, f));
        const QString snapPath = dir.path() + "/boundary.snapshot";
        auto saved = journalTool({"boundary-snapshot", "--profile", f.profileA, "--out", snapPath});
        QVERIFY2(saved.code == 0, qPrintable(saved.err));
        auto good = readSnapshot(snapPath);
        QVERIFY(good);
        int n = 0;
        auto tryWith = [&](const journal::BoundarySnapshot& s) {
            const QString file = dir.path() + QString("/tampered-%1.snapshot").arg(++n);
            const QString archive = dir.path() + QString("/tampered-%1.archive").arg(n);
            if (!writeAll(file, s.serialize())) return Run{};
            auto r = journalTool({"pull", "--profile", f.profileA, "--archive", archive, "--key",
                                  f.key, "--from-pruned-boundary", "--boundary-snapshot", file});
            if (QFile::exists(archive)) r.err += " [the refused archive was left behind]";
            return r;
        };

        // A signature that does not verify.
        auto badSig = *good;
        badSig.signature[10] ^= 1;
        auto r1 = tryWith(badSig);
        QCOMPARE(r1.code, 3);
        QVERIFY2(r1.err.contains("not signed by the relay key the firm manifest names") &&
                     !r1.err.contains("left behind"),
                 qPrintable(r1.err));

        // A chain hash the listed rows do not reproduce, signed again by the relay key.
        auto wrongChain = *good;
        wrongChain.chainHash[0] ^= 1;
        resign(wrongChain, h.relayKey());
        auto r2 = tryWith(wrongChain);
        QCOMPARE(r2.code, 3);
        QVERIFY2(r2.err.contains("do not reproduce its signed chain hash") &&
                     !r2.err.contains("left behind"),
                 qPrintable(r2.err));

        // An entry whose bytes differ from the hash the snapshot lists for it.
        auto swapped = *good;
        for (auto& r : swapped.rows)
            if (!r.entry.empty()) {
                r.entry.back() ^= 1;
                break;
            }
        auto r3 = tryWith(swapped);
        QCOMPARE(r3.code, 3);
        QVERIFY2(r3.err.contains("does not match the hash it lists"), qPrintable(r3.err));

        // A device registration the log never had, sealed and signed with the relay's own keys
        // in place of a pruned message, the chain recomputed and the snapshot signed again: what
        // the relay's operator could forge. The officers' acknowledgements (and the relay's
        // checkpoints signed before) bind the chain the archives verified, so it is refused.
        auto signal = signal::SignalContext::create();
        QVERIFY(signal);
        auto mallory = crypto::X25519Key::generate();
        QVERIFY(mallory);
        proto::JournalRecord rec;
        rec.set_version(2);
        rec.set_message_id(journal::newMessageId(good->timeMs));
        rec.set_conversation_id("firm-audit");
        rec.mutable_sender()->set_user("relay");
        rec.mutable_sender()->set_device(0);
        rec.set_client_time_ms(good->timeMs);
        rec.set_type(proto::ADMIN_ACTION);
        rec.set_body("{\"version\":\"2\",\"actor\":\"token\",\"action\":\"device-registered\","
                     "\"target\":\"mallory/1\",\"detail\":\"\",\"user\":\"mallory\",\"device\":"
                     "\"1\",\"identity_key\":\"05" +
                     toHex(mallory->publicKey()) + "\",\"pending\":\"0\"}");
        rec.set_commit_key(std::string(32, 'k'));
        auto forgedEntry = journal::sealRecord(rec, h.journalKey().publicKey(), [&](ByteView m) {
            return signal::SessionManager::signWith(**signal, h.relayIdentityPrivate(), m);
        });
        QVERIFY(forgedEntry);
        auto forged = *good;
        bool placed = false;
        for (auto& r : forged.rows)
            if (r.entry.empty() && r.sequence > 5) {
                r.entry = forgedEntry->serialize();
                r.entryHash = crypto::sha256(r.entry);
                placed = true;
                break;
            }
        QVERIFY(placed);
        forged.chainHash = chainOver(forged);
        resign(forged, h.relayKey());
        QVERIFY(journal::verifyBoundaryRows(forged)); // consistent in itself
        auto r4 = tryWith(forged);
        QCOMPARE(r4.code, 3);
        // Refused by what binds the chain after the boundary: the relay's own chain hashes of
        // the rows after it (`altered`) or, were those rewritten too, the officers' signed
        // acknowledgements (`boundary-snapshot`).
        QVERIFY2(r4.err.contains("the boundary snapshot does not hold") &&
                     (r4.err.contains(" altered: ") ||
                      r4.err.contains("the pruned entries the snapshot lists are not the ones "
                                      "that archive verified")) &&
                     !r4.err.contains("left behind"),
                 qPrintable(r4.err));

        // An older snapshot, replayed once the relay has pruned further.
        for (int i = 0; i < 10; ++i)
            QVERIFY(f.alice->sendText(f.conv, "more " + std::to_string(i)));
        QVERIFY(eventually(
            [&] { return (*f.bob).eventsOf(client::Event::Kind::Message).size() >= 31; }, 30s));
        for (const auto& [profile, archive] :
             {std::pair{f.profileA, f.archiveA}, std::pair{f.profileB, f.archiveB}})
            QVERIFY(pullArchive(profile, archive, f.key).code == 0);
        QVERIFY(ackBoth(f));
        QVERIFY(eventually([&] { return pruneState(h).pruned_through() > f.boundary; }));
        auto r5 = tryWith(*good);
        QCOMPARE(r5.code, 3);
        QVERIFY2(r5.err.contains("an older snapshot (replayed?)") &&
                     !r5.err.contains("left behind"),
                 qPrintable(r5.err));

        // The relay's current snapshot still starts a clean archive.
        auto ok =
            journalTool({"pull", "--profile", f.profileA, "--archive", dir.path() + "/good.archive",
                         "--key", f.key, "--from-pruned-boundary"});
        QVERIFY2(ok.code == 0, qPrintable(ok.out + ok.err));
        QVERIFY(journalTool({"verify", dir.path() + "/good.archive", "--key", f.key}).code == 0);
    }

    // Review of issue 22, M1 and M2 (attack): which pruned rows stay whole is decided when each
    // row is stored. Officer A places a hold and is then made a lawyer in the relay's records
    // (what an operator, or any later role change, can do): the hold record stays whole in the
    // boundary snapshot. The officers' ordinary messages are pruned to their hashes like
    // anyone's. And a relay that lists the hold as a bare hash anyway (its operator re-signing
    // the snapshot) is caught by the co-signer's acknowledgement, which attests the state rows.
    void stateRowsAreDecidedAtTheirSendAndAttested() {
        Harness h({}, pruneAtOnce());
        QVERIFY(h.ok());
        QTemporaryDir dir;
        ComplianceStaff staff;
        QVERIFY(joinComplianceStaff(h, staff));
        auto &alice = staff.alice, &admin = staff.admin;
        auto &officerA = staff.officerA, &officerB = staff.officerB;
        auto review = admin->createConversation(compliance::kReviewConversationTitle, false,
                                                {"comply-a", "comply-b"});
        auto matter = alice->createConversation("Held matter", true, {});
        QVERIFY(review && matter);
        for (int i = 0; i < 5; ++i)
            QVERIFY(alice->sendText(*matter, "held " + std::to_string(i)));
        QVERIFY(officerA->waitUntilSynced(20s) && officerB->waitUntilSynced(20s));
        auto chatA = officerA->sendText(*review, "lunch at one?");
        auto chatB = officerB->sendText(*review, "yes, at one");
        QVERIFY(chatA && chatB);
        QVERIFY(eventually([&] {
            return (*officerA).eventsOf(client::Event::Kind::Message).size() >= 1 &&
                   (*officerB).eventsOf(client::Event::Kind::Message).size() >= 1;
        }));
        const OfficerFiles files = officerFiles(h, dir, *officerA, *officerB);
        const QString &key = files.key, &profileA = files.profileA, &profileB = files.profileB;
        const QString &archiveA = files.archiveA, &archiveB = files.archiveB;
        QVERIFY(pullArchive(profileA, archiveA, key).code == 0);
        auto hold = journalTool({"hold", "add", archiveA, "--profile", profileA, "--key", key,
                                 "--matter", "Held matter", "--reason", "litigation expected"});
        QVERIFY2(hold.code == 0, qPrintable(hold.out + hold.err));
        auto listed = journalTool({"hold", "list", archiveA, "--key", key, "--json"});
        const int at = listed.out.indexOf("{\"id\":");
        QVERIFY2(listed.code == 0 && at >= 0, qPrintable(listed.out + listed.err));
        const std::uint64_t holdSeq = listed.out.mid(at + 6).section(',', 0, 0).toULongLong();
        QVERIFY(holdSeq > 0);
        // Something after the hold, so that the hold lies below what B acknowledges.
        const auto before = pruneState(h).head_sequence();
        QVERIFY(alice->sendText(*matter, "after the hold"));
        QVERIFY(eventually([&] { return pruneState(h).head_sequence() > before; }));

        // Officer A becomes a lawyer in the relay's records; the relay learns each row's sender
        // and message id from its store, as it can.
        std::map<std::string, std::uint64_t> seqOf; // message id (hex) -> sequence
        {
            auto db = storage::Database::open(h.databasePath(), h.databaseKey(), {false});
            QVERIFY(db);
            QVERIFY((*db)->exec("UPDATE users SET role = 2 WHERE id = 'comply-a'"));
            QCOMPARE(int(proto::ROLE_LAWYER), 2);
            auto rows = (*db)->prepare("SELECT seq, entry FROM journal");
            QVERIFY(rows);
            QVERIFY(rows->forEachRow([&] {
                if (auto e = journal::SealedEntry::parse(rows->columnBlob(1)))
                    seqOf[toHex(ByteView(e->header.messageId.data(), 16))] =
                        std::uint64_t(rows->columnInt(0));
            }));
        }
        QVERIFY(seqOf.count(*chatA) && seqOf.count(*chatB));
        QVERIFY(pullArchive(profileB, archiveB, key).code == 0);
        auto ackB = journalTool({"ack", archiveB, "--profile", profileB, "--key", key});
        QVERIFY2(ackB.code == 0, qPrintable(ackB.out + ackB.err));
        QVERIFY(eventually([&] {
            auto s = pruneState(h);
            return s.acknowledged_through() > 0 &&
                   s.pruned_through() == s.acknowledged_through() - 1;
        }));
        QVERIFY2(pruneState(h).pruned_through() >= holdSeq,
                 qPrintable(QString("pruned through %1, hold at %2")
                                .arg(pruneState(h).pruned_through())
                                .arg(holdSeq)));

        const QString snapPath = dir.path() + "/boundary.snapshot";
        auto saved = journalTool({"boundary-snapshot", "--profile", profileB, "--out", snapPath});
        QVERIFY2(saved.code == 0, qPrintable(saved.err));
        auto snap = readSnapshot(snapPath);
        QVERIFY(snap);
        auto rowAt = [&](std::uint64_t seq) -> journal::PrunedRow& { return snap->rows[seq - 1]; };
        QVERIFY2(!rowAt(holdSeq).entry.empty(), "the hold of a former officer became a hash");
        QVERIFY2(rowAt(seqOf[*chatA]).entry.empty() && rowAt(seqOf[*chatB]).entry.empty(),
                 "an officer's ordinary message was kept whole");

        // The relay's operator lists the hold as a bare hash and signs the snapshot again: the
        // chain still holds, but officer B's acknowledgement attests other state rows.
        auto hidden = *snap;
        hidden.rows[holdSeq - 1].entry.clear();
        resign(hidden, h.relayKey());
        const QString hiddenPath = dir.path() + "/hidden.snapshot";
        QVERIFY(writeAll(hiddenPath, hidden.serialize()));
        const QString victim = dir.path() + "/victim.archive";
        auto refused =
            journalTool({"pull", "--profile", profileB, "--archive", victim, "--key", key,
                         "--from-pruned-boundary", "--boundary-snapshot", hiddenPath});
        QCOMPARE(refused.code, 3);
        QVERIFY2(refused.err.contains("attests other state rows") &&
                     refused.err.contains("as a bare hash") && !QFile::exists(victim),
                 qPrintable(refused.out + refused.err));
        // The relay's own snapshot starts a clean archive that holds the hold.
        auto fresh = journalTool({"pull", "--profile", profileB, "--archive", victim, "--key", key,
                                  "--from-pruned-boundary", "--boundary-snapshot", snapPath});
        QVERIFY2(fresh.code == 0, qPrintable(fresh.out + fresh.err));
        auto holds = journalTool({"hold", "list", victim, "--key", key, "--json"});
        QVERIFY2(holds.out.contains("{\"id\":" + QString::number(holdSeq) + ",\"open\":true"),
                 qPrintable(holds.out + holds.err));
    }

    // Review of issue 22, finding 1 (attack): the relay vouches for its own co-signer. Its
    // operator enrols a compliance device of its own (a real registration the relay writes,
    // with the operator's key), acknowledges with it, and hands a new archive a snapshot whose
    // only acknowledgement is that one. Its key is known only from the relay's records, so it
    // co-signs nothing: refused, unless the operator of the new archive accepts the relay's word
    // (--trust-relay-prefix), and then every verify says so.
    void aCosignerOnlyTheRelayVouchesForIsRefused() {
        Harness h({}, pruneAtOnce());
        QVERIFY(h.ok());
        QTemporaryDir dir;
        Firm f;
        QVERIFY(setUp(h, dir, f));
        auto mallory = joinParty(h.enrollLink("mallory", proto::ROLE_COMPLIANCE), "Mal Lory");
        QVERIFY(mallory);
        mallory->start();
        QVERIFY(eventually([&] { return mallory->identityKeyHex().size() == 66; }));
        mallory->stop();
        const QString malloryProfile = QString::fromStdString(mallory.get()->profile());
        const QString malloryArchive = dir.path() + "/mallory.archive";
        auto own = journalTool({"pull", "--profile", malloryProfile, "--archive", malloryArchive,
                                "--key", f.key, "--from-pruned-boundary", "--trust-relay-prefix"});
        QVERIFY2(own.code == 0, qPrintable(own.out + own.err));
        auto acked =
            journalTool({"ack", malloryArchive, "--profile", malloryProfile, "--key", f.key});
        QVERIFY2(acked.code == 0, qPrintable(acked.out + acked.err));

        const QString snapPath = dir.path() + "/boundary.snapshot";
        auto saved = journalTool({"boundary-snapshot", "--profile", f.profileA, "--out", snapPath});
        QVERIFY2(saved.code == 0, qPrintable(saved.err));
        auto evil = readSnapshot(snapPath);
        QVERIFY(evil);
        std::vector<Bytes> only;
        for (const auto& raw : evil->acks)
            if (auto a = journal::JournalAck::parse(raw); a && a->user == "mallory")
                only.push_back(raw);
        QCOMPARE(only.size(), std::size_t(1));
        evil->acks = only;
        const QString evilPath = dir.path() + "/evil.snapshot";
        QVERIFY(writeAll(evilPath, evil->serialize()));

        // Officer A's new archive: its own key and B's are known, mallory's only from the relay.
        const QString victim = dir.path() + "/victim.archive";
        auto refused = journalTool({"pull", "--profile", f.profileA, "--archive", victim, "--key",
                                    f.key, "--from-pruned-boundary", "--boundary-snapshot",
                                    evilPath, "--cosigner", "comply-b/1:" + f.identityB});
        QCOMPARE(refused.code, 3);
        QVERIFY2(refused.err.contains("known independently of the relay") &&
                     refused.err.contains("1 of devices only the relay vouches for") &&
                     !QFile::exists(victim),
                 qPrintable(refused.out + refused.err));

        // The relay's word taken knowingly: started, and every verify warns.
        auto trusted = journalTool({"pull", "--profile", f.profileA, "--archive", victim, "--key",
                                    f.key, "--from-pruned-boundary", "--boundary-snapshot",
                                    evilPath, "--trust-relay-prefix"});
        QVERIFY2(trusted.code == 0 && trusted.out.contains("rests on the relay's word alone"),
                 qPrintable(trusted.out + trusted.err));
        for (int run = 0; run < 2; ++run) {
            auto v = journalTool({"verify", victim, "--key", f.key});
            QVERIFY2(v.code == 0 && v.out.contains("WARNING") &&
                         v.out.contains("rests on the relay's word alone") &&
                         v.out.contains("are absent by design") && !v.out.contains("co-signed by"),
                     qPrintable(v.out + v.err));
        }

        // A key given wrongly is no co-signer either: an acknowledgement that does not verify
        // under it is forged.
        auto wrongKey = journalTool({"pull", "--profile", f.profileA, "--archive",
                                     dir.path() + "/wrong.archive", "--key", f.key,
                                     "--from-pruned-boundary", "--boundary-snapshot", evilPath,
                                     "--cosigner", "mallory/1:" + f.identityB});
        QCOMPARE(wrongKey.code, 3);
        QVERIFY2(wrongKey.err.contains("not signed by the identity key known for that device"),
                 qPrintable(wrongKey.err));
        // A bad --cosigner is refused before anything happens.
        auto bad =
            journalTool({"pull", "--profile", f.profileA, "--archive", dir.path() + "/bad.archive",
                         "--key", f.key, "--from-pruned-boundary", "--cosigner", "comply-b:05ab"});
        QCOMPARE(bad.code, 2);
        QVERIFY2(bad.err.contains("is not USER/DEVICE:HEXKEY"), qPrintable(bad.err));
    }

    // Review of this session, HIGH: a version 1 acknowledgement attests no state rows, and
    // nothing marks an acknowledgement as its device's latest, so an operator who kept an old one
    // could replay it beside a snapshot that lists a hold as a bare hash. It co-signs nothing: a
    // snapshot whose only acknowledgement is of version 1 is refused (it was accepted with a
    // warning).
    void aReplayedVersion1AcknowledgementCosignsNothing() {
        Harness h({}, pruneAtOnce());
        QVERIFY(h.ok());
        QTemporaryDir dir;
        Firm f;
        QVERIFY(setUp(h, dir, f));
        // Officer B acknowledges as a client from before version 2 did; the operator keeps it.
        std::uint64_t seq = 0;
        std::string hash;
        {
            auto db = storage::Database::open(h.databasePath(), h.databaseKey(), {false});
            QVERIFY(db);
            auto st = (*db)->prepare("SELECT seq, chain_hash FROM journal ORDER BY seq DESC");
            QVERIFY(st);
            auto row = st->step();
            QVERIFY(row && *row);
            seq = std::uint64_t(st->columnInt(0));
            const Bytes b = st->columnBlob(1);
            hash.assign(b.begin(), b.end());
        }
        f.officerB->start();
        QVERIFY(f.officerB->waitUntilSynced(20s));
        auto v1 = f.officerB->acknowledgeJournal(seq, hash, {});
        QVERIFY2(v1, v1 ? "" : v1.error().message.c_str());
        f.officerB->stop();
        Bytes kept;
        {
            auto db = storage::Database::open(h.databasePath(), h.databaseKey(), {false});
            QVERIFY(db);
            auto st = (*db)->prepare("SELECT ack FROM journal_acks WHERE user = 'comply-b'");
            QVERIFY(st);
            auto row = st->step();
            QVERIFY(row && *row);
            kept = st->columnBlob(0);
        }
        auto parsed = journal::JournalAck::parse(kept);
        QVERIFY(parsed && !parsed->stateRows);

        const QString snapPath = dir.path() + "/boundary.snapshot";
        auto saved = journalTool({"boundary-snapshot", "--profile", f.profileB, "--out", snapPath});
        QVERIFY2(saved.code == 0, qPrintable(saved.err));
        auto snap = readSnapshot(snapPath);
        QVERIFY(snap);
        snap->acks = {kept}; // the replayed version 1 acknowledgement, alone
        resign(*snap, h.relayKey());
        const QString replayed = dir.path() + "/replayed.snapshot";
        QVERIFY(writeAll(replayed, snap->serialize()));
        auto r = journalTool({"pull", "--profile", f.profileB, "--archive",
                              dir.path() + "/new.archive", "--key", f.key, "--from-pruned-boundary",
                              "--boundary-snapshot", replayed});
        QVERIFY2(r.code != 0, qPrintable(r.out + r.err));
        QVERIFY2(r.err.contains("of version 1"), qPrintable(r.err));
        QVERIFY(!QFile::exists(dir.path() + "/new.archive"));
    }
};

QTEST_GUILESS_MAIN(TestBoundary)
#include "tst_boundary.moc"

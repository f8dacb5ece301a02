// Issue 22: legal holds inside one archive. Hold and release records journaled by compliance are
// applied in log order (a hold's id is its record's sequence), those written by anyone else, or
// releasing a hold that is not open, are refused and reported; Archive::heldRanges() covers a
// held matter's entries and every entry a held custodian sent or received, and a release lifts
// it; disposition bodies split into records of at most kRangesPerRecord ranges and read back.
// (Disposal and verify end to end, through a real relay and two officers:
// tests/e2e/tst_retention.cpp.)

#include <QTemporaryDir>
#include <QtTest>

#include "ArchiveRows.h"
#include "compliance/Archive.h"
#include "compliance/Retention.h"
#include "compliance/Supervision.h"
#include "crypto/Random.h"
#include "crypto/X25519.h"
#include "storage/Database.h"
#include "verbatim.pb.h"

using namespace verbatim;
using namespace verbatim::test;

namespace {

using Ranges = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

} // namespace

class TestRetentionArchive : public QObject {
    Q_OBJECT
private slots:
    // TESTPLAN J-HOLD-1, J-HOLD-2 (issue 22).
    void holdsApplyInLogOrderAndCoverMattersAndCustodians() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("holds.archive").toStdString();
        auto journalKey = crypto::X25519Key::generate();
        QVERIFY(journalKey);
        const SecureBytes priv = *journalKey->privateKey();
        QVERIFY(compliance::Archive::open(path, keysOf(priv), true));
        auto hold = [](const std::string& matter, const std::string& custodian) {
            return *compliance::holdBody(matter, custodian, "Claim letter received", "CLM-1");
        };
        {
            auto db = archiveDatabase(path, priv, false);
            QVERIFY(db);
            QVERIFY(db->exec("INSERT INTO conversations (id, title, matter) VALUES ('m1', "
                             "'Estate of Smith', 1), ('m2', 'Jones Lease', 1)"));
            QVERIFY(db->exec("INSERT INTO users (id, name, role) VALUES ('alice', 'Alice', "
                             "'ROLE_LAWYER'), ('carl', 'Carl', 'ROLE_CLIENT'), ('olga', 'Olga', "
                             "'ROLE_COMPLIANCE')"));
            addRecord(*db, 1, "m1", "alice", "carl", proto::TEXT, "Smith one");
            addRecord(*db, 2, "m1", "carl", "alice", proto::TEXT, "Smith two");
            addRecord(*db, 3, "m2", "alice", "dave", proto::TEXT, "Jones one");
            addRecord(*db, 4, "m2", "dave", "alice carl", proto::TEXT, "Jones to carl");
            addRecord(*db, 5, "m2", "dave", "alice", proto::TEXT, "Jones three");
            addRecord(*db, 6, "m1", "alice", "carl", proto::TEXT, "Smith three");
            addRecord(*db, 10, "review", "olga", "olga", proto::SUPERVISION, hold("m1", ""));
            addRecord(*db, 11, "review", "olga", "olga", proto::SUPERVISION, hold("", "carl"));
            // A lawyer may neither place nor release a hold.
            addRecord(*db, 12, "m2", "alice", "dave", proto::SUPERVISION, hold("m2", ""));
            addRecord(*db, 13, "m2", "alice", "dave", proto::SUPERVISION,
                      *compliance::holdReleaseBody(10, "mine to lift"));
        }
        auto archive = compliance::Archive::open(path, keysOf(priv), false);
        QVERIFY(archive);
        compliance::Supervision sv(**archive);
        auto refreshed = sv.refresh();
        QVERIFY2(refreshed, refreshed ? "" : refreshed.error().message.c_str());
        QCOMPARE(refreshed->records, std::size_t(2));
        QCOMPARE(refreshed->refused, std::size_t(2));
        compliance::Retention rt(**archive);
        auto holds = rt.holds();
        QVERIFY(holds);
        QCOMPARE(holds->size(), std::size_t(2));
        QCOMPARE((*holds)[0].id, std::uint64_t(10));
        QCOMPARE((*holds)[0].matterTitle, std::string("Estate of Smith"));
        QCOMPARE((*holds)[0].reference, std::string("CLM-1"));
        QCOMPARE((*holds)[0].placedBy, std::string("olga/1"));
        QVERIFY((*holds)[0].open() && (*holds)[1].open());
        QCOMPARE((*holds)[1].custodian, std::string("carl"));
        auto problems = (*archive)->problems();
        QVERIFY(problems);
        int forged = 0;
        for (const auto& p : *problems)
            forged += p.fault == "forged-supervision" && (p.sequence == 12 || p.sequence == 13);
        QCOMPARE(forged, 2);
        // Smith (1, 2, 6) held as a matter, 4 because carl received it.
        auto ranges = (*archive)->heldRanges();
        QVERIFY(ranges);
        QCOMPARE(*ranges, (Ranges{{1, 2}, {4, 4}, {6, 6}}));

        // Olga releases the custodian hold; a release of it again, or of a hold that never was,
        // is refused.
        archive->reset();
        {
            auto db = archiveDatabase(path, priv, false);
            QVERIFY(db);
            addRecord(*db, 20, "review", "olga", "olga", proto::SUPERVISION,
                      *compliance::holdReleaseBody(11, "Settled"));
            addRecord(*db, 21, "review", "olga", "olga", proto::SUPERVISION,
                      *compliance::holdReleaseBody(11, "Settled twice"));
            addRecord(*db, 22, "review", "olga", "olga", proto::SUPERVISION,
                      *compliance::holdReleaseBody(5, "No such hold"));
        }
        archive = compliance::Archive::open(path, keysOf(priv), false);
        QVERIFY(archive);
        compliance::Supervision sv2(**archive);
        refreshed = sv2.refresh();
        QVERIFY(refreshed);
        QCOMPARE(refreshed->records, std::size_t(1));
        QCOMPARE(refreshed->refused, std::size_t(2));
        compliance::Retention rt2(**archive);
        auto released = rt2.hold(11);
        QVERIFY(released);
        QVERIFY(!released->open());
        QCOMPARE(released->releasedSeq, std::uint64_t(20));
        QCOMPARE(released->releaseReason, std::string("Settled"));
        ranges = (*archive)->heldRanges();
        QVERIFY(ranges);
        QCOMPARE(*ranges, (Ranges{{1, 2}, {6, 6}}));
    }

    // A hold names one matter or one custodian, with a reason; nothing else is journaled.
    void recordBodiesRefuseWhatCannotBeJournaled() {
        QVERIFY(!compliance::holdBody("m1", "carl", "why", ""));
        QVERIFY(!compliance::holdBody("", "", "why", ""));
        QVERIFY(!compliance::holdBody("m1", "", "", ""));
        QVERIFY(!compliance::holdBody("m1", "", "why", "ref\nwith a line break"));
        QVERIFY(!compliance::holdReleaseBody(0, "why"));
        QVERIFY(!compliance::retentionBody("m1", 101));
        QVERIFY(compliance::retentionBody("m1", 0));
    }

    // A large disposal is several records (each under the 64 KiB a record may hold), and each
    // record's ranges read back as written; a malformed list reads as nothing.
    void dispositionBodiesSplitAndReadBack() {
        compliance::DisposalPlan plan;
        for (std::uint64_t i = 0; i < 2 * compliance::kRangesPerRecord + 1; ++i) {
            plan.ranges.push_back(
                {10 * i + 1, 10 * i + 5, std::string(64, 'a'), std::string(64, 'b')});
            plan.entries += 5;
        }
        auto bodies = compliance::dispositionBodies(plan, "before 2020-01-01T00:00:00Z");
        QCOMPARE(bodies.size(), std::size_t(3));
        std::size_t read = 0;
        for (const auto& b : bodies) {
            QVERIFY(b.size() < 64 * 1024);
            const auto at = b.find("\"ranges\":\"") + 10;
            bool ok = false;
            auto ranges = compliance::parseRanges(b.substr(at, b.find('"', at) - at), ok);
            QVERIFY(ok);
            for (const auto& r : ranges) {
                QCOMPARE(r.first, plan.ranges[read].first);
                QCOMPARE(r.last, plan.ranges[read].last);
                QCOMPARE(r.lastChainHash, std::string(64, 'b'));
                ++read;
            }
        }
        QCOMPARE(read, plan.ranges.size());
        bool ok = true;
        QVERIFY(
            compliance::parseRanges("5-3:" + std::string(64, 'a') + ":" + std::string(64, 'a'), ok)
                .empty());
        QVERIFY(!ok);
        QVERIFY(compliance::parseRanges("1-3:xyz:" + std::string(64, 'a'), ok).empty());
        QVERIFY(!ok);
    }
};

QTEST_GUILESS_MAIN(TestRetentionArchive)
#include "tst_retention_archive.moc"

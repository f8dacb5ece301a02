// Issue 21: supervision inside one archive. An archive written by the previous release (schema
// version 3) opens, gains the supervision tables, and its first refresh runs the policies over
// everything it holds; policies read as the search language reads them, with the matches'
// offsets; records from anyone but compliance are not applied; samples are reproducible.
// (The same end to end, through a real relay and two officers: tests/e2e/tst_supervision.cpp.)

#include <QTemporaryDir>
#include <QtTest>

#include <set>
#include <tuple>

#include "ArchiveRows.h"
#include "compliance/Archive.h"
#include "compliance/ArchiveSchema.h"
#include "compliance/Supervision.h"
#include "crypto/Random.h"
#include "crypto/X25519.h"
#include "journal/SupervisionSeal.h"
#include "storage/Database.h"
#include "verbatim.pb.h"

using namespace verbatim;
using namespace verbatim::test;

namespace {

void addUser(storage::Database& db, const std::string& id, const std::string& role) {
    QVERIFY(db.exec("INSERT OR REPLACE INTO users (id, name, role) VALUES ('" + id + "', '', '" +
                    role + "')"));
}

} // namespace

class TestSupervisionArchive : public QObject {
    Q_OBJECT
private slots:
    void previousVersionArchiveMigratesAndIsSupervised() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("v3.archive").toStdString();
        auto journalKey = crypto::X25519Key::generate();
        QVERIFY(journalKey);
        const SecureBytes priv = *journalKey->privateKey();
        // An archive as the previous release left it: schema version 3, with what it pulled.
        {
            auto db = archiveDatabase(path, priv, true);
            QVERIFY(db);
            const auto& steps = compliance::archiveSchema();
            QVERIFY(steps.size() >= 4);
            QVERIFY(db->migrate(std::span<const std::string_view>(steps.data(), 3)));
            QCOMPARE(*db->userVersion(), 3);
            QVERIFY(db->exec("INSERT INTO conversations (id, title, matter) VALUES ('m1', "
                             "'Estate of Smith', 1), ('m2', 'Other matter', 1)"));
            addUser(*db, "alice", "ROLE_LAWYER");
            addUser(*db, "carol", "ROLE_CLIENT");
            addUser(*db, "casey", "ROLE_COMPLIANCE");
            addRecord(*db, 1, "m1", "carol", "alice", proto::TEXT,
                      "Can you guarantee we will win? Also my Account Number is 12345678.");
            addRecord(*db, 2, "m1", "alice", "carol", proto::TEXT, "Let us talk tomorrow");
            addRecord(*db, 3, "m1", "alice", "carol", proto::EDIT,
                      "Please delete this draft, it is not final");
            addRecord(*db, 4, "m2", "alice", "bob", proto::TEXT, "Please delete this one too");
            addRecord(*db, 5, "m1", "carol", "alice", proto::TEXT,
                      "I promise the fees will be paid by Friday");
        }
        auto archive = compliance::Archive::open(path, keysOf(priv), false);
        QVERIFY2(archive, archive ? "" : archive.error().message.c_str());
        compliance::Supervision sv(**archive);
        auto first = sv.refresh();
        QVERIFY2(first, first ? "" : first.error().message.c_str());
        QCOMPARE(first->newAlerts, std::size_t(0));
        auto policies = sv.policies();
        QVERIFY(policies && policies->empty());
        archive->reset();

        // Policies journaled later (written here as the pull stores them), and one by a lawyer.
        {
            auto db = archiveDatabase(path, priv, true);
            QVERIFY(db);
            QCOMPARE(*db->userVersion(), std::int64_t(compliance::archiveSchema().size()));
            compliance::PolicySpec accounts;
            accounts.name = "Account numbers";
            accounts.query = "\"account number\" OR iban";
            compliance::PolicySpec deletion;
            deletion.name = "Delete this";
            deletion.query = "\"delete this\" NOT final";
            deletion.severity = "high";
            compliance::PolicySpec promises;
            promises.name = "Promises";
            promises.query = "(guarantee* OR promise*) w/4 (win OR fees)";
            promises.matter = "Estate of Smith";
            promises.direction = "to-clients";
            std::uint64_t seq = 10;
            for (const auto& p : {accounts, deletion, promises})
                addRecord(*db, seq++, "review", "casey", "", proto::SUPERVISION,
                          *compliance::supervisionPolicyBody(p));
            compliance::PolicySpec forged = accounts;
            forged.enabled = false;
            addRecord(*db, seq++, "m1", "alice", "carol", proto::SUPERVISION,
                      *compliance::supervisionPolicyBody(forged));
            // A compliance officer's record whose entry did not verify under the device's key.
            addRecord(*db, seq, "review", "casey", "", proto::SUPERVISION,
                      *compliance::supervisionPolicyBody(forged));
            QVERIFY(db->exec("INSERT INTO problems (seq, fault, detail, origin) VALUES (" +
                             std::to_string(seq) + ", 'bad-signature', 'test', 'pull')"));
        }
        archive = compliance::Archive::open(path, keysOf(priv), false);
        QVERIFY(archive);
        compliance::Supervision again(**archive);
        auto second = again.refresh();
        QVERIFY2(second, second ? "" : second.error().message.c_str());
        QCOMPARE(second->records, std::size_t(3));
        QCOMPARE(second->refused, std::size_t(2));
        auto alerts = again.alerts();
        QVERIFY(alerts);
        std::map<std::string, std::vector<std::uint64_t>> byPolicy;
        for (const auto& a : *alerts)
            byPolicy[a.policy].push_back(a.sequence);
        // "delete this" NOT final: seq 4 only (seq 3 says "not final"); promises: 1 and 5, both
        // in the matter and with a client.
        QCOMPARE(byPolicy["Account numbers"], std::vector<std::uint64_t>{1});
        QCOMPARE(byPolicy["Delete this"], std::vector<std::uint64_t>{4});
        QCOMPARE(byPolicy["Promises"], (std::vector<std::uint64_t>{1, 5}));
        for (const auto& a : *alerts) {
            QCOMPARE(a.status, std::string("open"));
            QVERIFY(!a.matches.empty());
            for (const auto& m : a.matches)
                QCOMPARE(a.context.substr(m.offset, m.length), m.text);
            if (a.policy == "Account numbers")
                QCOMPARE(a.matches.front().text, std::string("Account Number"));
        }
        // The lawyer's record did not disable the policy, and is on record.
        auto latest = again.policies("Account numbers");
        QVERIFY(latest && latest->size() == 1 && latest->front().spec.enabled &&
                latest->front().version == 1);
        auto problems = (*archive)->problems();
        QVERIFY(problems);
        bool forgedSeen = false;
        for (const auto& p : *problems)
            forgedSeen = forgedSeen || (p.sequence == 13 && p.fault == "forged-supervision");
        QVERIFY(forgedSeen);
        bool badSignerSeen = false;
        for (const auto& p : *problems)
            badSignerSeen = badSignerSeen || (p.sequence == 14 && p.fault == "forged-supervision" &&
                                              p.detail.find("bad-signature") != std::string::npos);
        QVERIFY(badSignerSeen);
        // A refresh with nothing new raises nothing again.
        auto third = again.refresh();
        QVERIFY(third && third->newAlerts == 0 && third->records == 0);
    }

    // Supervision bodies are sealed to the journal key (C-SV-2): an archive with the key applies
    // them; one sealed to a key the archive does not hold, or altered, is refused as
    // unsupported-supervision and changes nothing (J-SV-4); a body in clear (the first format)
    // is still read.
    void sealedRecordsOpenOnlyWithTheJournalKey() {
        QTemporaryDir dir;
        auto journalKey = crypto::X25519Key::generate();
        auto otherKey = crypto::X25519Key::generate();
        QVERIFY(journalKey && otherKey);
        const SecureBytes priv = *journalKey->privateKey();
        const std::string path = dir.filePath("sealed.archive").toStdString();
        { QVERIFY(compliance::Archive::open(path, keysOf(priv), true)); }
        auto policy = [](const std::string& name) {
            compliance::PolicySpec p;
            p.name = name;
            p.query = "alpha";
            return *compliance::supervisionPolicyBody(p);
        };
        auto sealTo = [](const std::string& body, const crypto::X25519Key& key) {
            auto s = journal::sealSupervisionBody(body, key.publicKey());
            return s ? *s : std::string();
        };
        {
            auto db = archiveDatabase(path, priv, true);
            QVERIFY(db);
            addUser(*db, "casey", "ROLE_COMPLIANCE");
            addRecord(*db, 1, "m1", "alice", "bob", proto::TEXT, "alpha one");
            const std::string sealed = sealTo(policy("Sealed"), *journalKey);
            QVERIFY(journal::isSealedSupervisionBody(sealed));
            QVERIFY(sealed.find("alpha") == std::string::npos);
            addRecord(*db, 2, "review", "casey", "", proto::SUPERVISION, sealed);
            addRecord(*db, 3, "review", "casey", "", proto::SUPERVISION,
                      sealTo(policy("Other key"), *otherKey));
            std::string altered = sealTo(policy("Altered"), *journalKey);
            // One base64 digit changed, well inside the ciphertext.
            altered[altered.size() - 20] = altered[altered.size() - 20] == 'A' ? 'B' : 'A';
            addRecord(*db, 4, "review", "casey", "", proto::SUPERVISION, altered);
            addRecord(*db, 5, "review", "casey", "", proto::SUPERVISION, policy("In clear"));
        }
        auto archive = compliance::Archive::open(path, keysOf(priv), false);
        QVERIFY(archive);
        compliance::Supervision sv(**archive);
        auto stats = sv.refresh();
        QVERIFY2(stats, stats ? "" : stats.error().message.c_str());
        QCOMPARE(stats->records, std::size_t(2));
        QCOMPARE(stats->refused, std::size_t(2));
        auto policies = sv.policies();
        QVERIFY(policies);
        std::set<std::string> names;
        for (const auto& p : *policies)
            names.insert(p.spec.name);
        QCOMPARE(names, (std::set<std::string>{"In clear", "Sealed"}));
        auto problems = (*archive)->problems();
        QVERIFY(problems);
        std::set<std::uint64_t> refused;
        for (const auto& p : *problems)
            if (p.fault == "unsupported-supervision") refused.insert(p.sequence);
        QCOMPARE(refused, (std::set<std::uint64_t>{3, 4}));
    }

    // Two officers' archives of one journal, one refreshed between the versions of a policy and
    // one refreshed once at the end, hold the same alerts (J-SV-3).
    void policyVersionsRaiseTheSameAlertsWhateverThePullTiming() {
        QTemporaryDir dir;
        auto journalKey = crypto::X25519Key::generate();
        const SecureBytes priv = *journalKey->privateKey();
        compliance::PolicySpec v1;
        v1.name = "Watch";
        v1.query = "alpha";
        compliance::PolicySpec v2 = v1;
        v2.query = "beta";
        auto firstPart = [&](storage::Database& db) {
            addUser(db, "casey", "ROLE_COMPLIANCE");
            addRecord(db, 1, "m1", "alice", "bob", proto::TEXT, "alpha one");
            addRecord(db, 2, "m1", "alice", "bob", proto::TEXT, "beta two");
            addRecord(db, 3, "review", "casey", "", proto::SUPERVISION,
                      *compliance::supervisionPolicyBody(v1));
        };
        auto secondPart = [&](storage::Database& db) {
            addRecord(db, 4, "m1", "alice", "bob", proto::TEXT, "alpha three");
            addRecord(db, 5, "m1", "alice", "bob", proto::TEXT, "alpha beta four");
            addRecord(db, 6, "review", "casey", "", proto::SUPERVISION,
                      *compliance::supervisionPolicyBody(v2));
            addRecord(db, 7, "m1", "alice", "bob", proto::TEXT, "alpha beta seven");
        };
        auto alertsOf = [&](const std::string& name, bool between) {
            const std::string path = dir.filePath(QString::fromStdString(name)).toStdString();
            { auto a = compliance::Archive::open(path, keysOf(priv), true); }
            std::set<std::tuple<std::string, std::uint32_t, std::uint64_t>> out;
            {
                auto db = archiveDatabase(path, priv, true);
                firstPart(*db);
                if (!between) secondPart(*db);
            }
            if (between) {
                auto a = compliance::Archive::open(path, keysOf(priv), false);
                compliance::Supervision sv(**a);
                if (!sv.refresh()) return out;
                a->reset();
                auto db = archiveDatabase(path, priv, true);
                secondPart(*db);
            }
            auto a = compliance::Archive::open(path, keysOf(priv), false);
            compliance::Supervision sv(**a);
            if (!sv.refresh()) return out;
            auto alerts = sv.alerts();
            if (!alerts) return out;
            for (const auto& al : *alerts)
                out.insert({al.id, al.version, al.sequence});
            return out;
        };
        const auto stepwise = alertsOf("a.archive", true), once = alertsOf("b.archive", false);
        QCOMPARE(stepwise, once);
        // v1 reads the entries before v2 (1, 4, 5); v2 every entry (2, 5 again, 7): the hit on 5
        // is one alert, of version 1.
        std::map<std::uint64_t, std::uint32_t> versionOf;
        for (const auto& [id, version, seq] : once)
            versionOf[seq] = version;
        QCOMPARE(versionOf,
                 (std::map<std::uint64_t, std::uint32_t>{{1, 1}, {2, 2}, {4, 1}, {5, 1}, {7, 2}}));
    }

    void samplesAreReproducibleFromTheirSeed() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("s.archive").toStdString();
        auto journalKey = crypto::X25519Key::generate();
        const SecureBytes priv = *journalKey->privateKey();
        {
            auto archive = compliance::Archive::open(path, keysOf(priv), true);
            QVERIFY(archive);
        }
        {
            auto db = archiveDatabase(path, priv, true);
            QVERIFY(db);
            QVERIFY(db->exec("INSERT INTO conversations (id, title, matter) VALUES ('m1', "
                             "'Estate of Smith', 1)"));
            for (std::uint64_t s = 1; s <= 400; ++s)
                addRecord(*db, s, "m1", s % 2 ? "alice" : "carol", s % 2 ? "carol" : "alice",
                          proto::TEXT, "message " + std::to_string(s), 1764300000000ULL + s);
        }
        auto archive = compliance::Archive::open(path, keysOf(priv), false);
        QVERIFY(archive);
        compliance::Supervision sv(**archive);
        compliance::SampleRequest r;
        r.matter = "Estate of Smith";
        r.percent = 10;
        r.seed = 42;
        auto a = sv.drawSample(r), b = sv.drawSample(r);
        QVERIFY(a && b);
        QCOMPARE(*a, *b);
        QVERIFY2(a->size() > 20 && a->size() < 70, std::to_string(a->size()).c_str());
        r.seed = 43;
        auto c = sv.drawSample(r);
        QVERIFY(c && *c != *a);
        // The period bounds it (the relay's time, inclusive).
        r.fromMs = 1764300000000ULL + 101;
        r.toMs = 1764300000000ULL + 200;
        r.percent = 100;
        auto window = sv.drawSample(r);
        QVERIFY(window && window->size() == 100 && window->front() == 101);
        // A sample of nobody, or of two scopes, is refused.
        compliance::SampleRequest bad;
        bad.percent = 5;
        QVERIFY(!sv.drawSample(bad));
        QVERIFY(!compliance::supervisionSampleBody(bad, {}));
    }
};

QTEST_GUILESS_MAIN(TestSupervisionArchive)
#include "tst_supervision_archive.moc"

// Issue 16 item 6 with the real programs: one passphrase rule, in the same words, in the app's
// controller, verbatim-cli, verbatim-relay init (the firm root key) and verbatim-journal keygen;
// and the real verbatim-cli (which, unlike this test, does not link the tests' cheap scrypt
// cost) stores at least the production cost, scrypt N = 2^17, r = 8, p = 1. The profile's own
// counter, upgrade and re-key are tested in tests/storage/tst_profile.

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "E2EHarness.h"
#include "client/core/Profile.h"
#include "client/qt/AppController.h"
#include "common/Passphrase.h"
#include "crypto/PassphraseBox.h"

using namespace verbatim;

namespace {

const QString kRule = QString::fromUtf8(kPassphraseRule.data(), int(kPassphraseRule.size()));

struct Run {
    int code = -1;
    QByteArray out, err;
};
Run run(const QString& bin, const QStringList& args, const QString& passphrase) {
    QProcess p;
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("VERBATIM_PASSPHRASE", passphrase);
    p.setProcessEnvironment(env);
    p.start(bin, args);
    Run r;
    if (!p.waitForFinished(60000)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out: " + p.readAllStandardError();
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    if (r.code != 0)
        qWarning("%s %s: %s", qPrintable(bin), qPrintable(args.join(' ')), r.err.constData());
    return r;
}

bool emptyOrAbsent(const QString& dir) {
    return !QDir(dir).exists() ||
           QDir(dir).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
}

} // namespace

class TestPassphrasePolicy : public QObject {
    Q_OBJECT

private slots:
    // A one-character and an eleven-character passphrase: refused by verbatim-cli join and by
    // the app's join and change of passphrase, with the same words, before anything is created
    // or redeemed. Then the same link joins with a good passphrase through the real CLI, whose
    // profile states the production scrypt cost.
    void cliAndAppRefuseShortPassphrasesWithTheSameWords() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        const QString link = QString::fromStdString(h.enrollLink("alice", proto::ROLE_LAWYER));
        for (const QString& weak : {QStringLiteral("a"), QStringLiteral("abcdefghijk")}) {
            const QString cliProfile = dir.filePath("cli-" + QString::number(weak.size()));
            auto r = run(VERBATIM_CLI_BIN,
                         {"--profile", cliProfile, "join", link, "--name", "Alice"}, weak);
            QCOMPARE(r.code, 1);
            QCOMPARE(QString::fromUtf8(r.err), "verbatim-cli: " + kRule + "\n");
            QVERIFY(emptyOrAbsent(cliProfile));

            const QString appProfile = dir.filePath("app-" + QString::number(weak.size()));
            qt::AppController app(appProfile);
            QVERIFY(!app.session()->join(link, "Alice", weak));
            QCOMPARE(app.error(), kRule);
            QCOMPARE(app.session()->passphraseRule(), kRule);
            QVERIFY(emptyOrAbsent(appProfile));
        }

        // The link was not spent by the refusals: the real CLI joins with a good passphrase.
        const QString profile = dir.filePath("cli-good");
        auto joined = run(VERBATIM_CLI_BIN, {"--profile", profile, "join", link, "--name", "Alice"},
                          "a good passphrase for Alice");
        QVERIFY2(joined.code == 0, joined.err.constData());
        // What a guess costs is what the key file states (read, not timed).
        QFile keyFile(profile + "/profile.key");
        QVERIFY(keyFile.open(QIODevice::ReadOnly));
        const QByteArray bytes = keyFile.readAll();
        QVERIFY(bytes.startsWith("VPK1"));
        const QByteArray box = bytes.mid(36);
        auto params = crypto::passphraseBoxParams(ByteView(
            reinterpret_cast<const std::uint8_t*>(box.constData()), std::size_t(box.size())));
        QVERIFY(params);
        QVERIFY2(params->log2N >= 17 && params->r >= 8 && params->p >= 1,
                 qPrintable(QString("stored N = 2^%1, r = %2, p = %3")
                                .arg(params->log2N)
                                .arg(params->r)
                                .arg(params->p)));
        QVERIFY(crypto::scryptAtLeast(*params, crypto::ScryptParams{}));

        // The app's change of passphrase: the same rule, the same words, nothing changed.
        const QString appProfile = dir.filePath("app-good");
        qt::AppController app(appProfile);
        QVERIFY(app.session()->join(QString::fromStdString(h.enrollLink("bob", proto::ROLE_LAWYER)),
                                    "Bob", "Bob's good passphrase"));
        for (const QString& weak : {QStringLiteral("a"), QStringLiteral("abcdefghijk")}) {
            QVERIFY(!app.session()->changePassphrase("Bob's good passphrase", weak));
            QCOMPARE(app.error(), kRule);
        }
        app.session()->lock();
        QVERIFY(app.session()->unlock("Bob's good passphrase"));
    }

    // verbatim-cli change-passphrase: a weak new passphrase is refused with the rule and changes
    // nothing (the old one still opens); a good one re-keys, after which only the new one opens.
    void cliChangesThePassphrase() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        const QString profile = dir.filePath("p");
        const QString oldPass = "the first passphrase of Alice",
                      newPass = "a second, longer passphrase";
        auto joined = run(VERBATIM_CLI_BIN,
                          {"--profile", profile, "join",
                           QString::fromStdString(h.enrollLink("alice", proto::ROLE_LAWYER)),
                           "--name", "Alice"},
                          oldPass);
        QVERIFY2(joined.code == 0, joined.err.constData());
        const QString newFile = dir.filePath("new");
        auto writeNew = [&](const QString& text) {
            QFile f(newFile);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(text.toUtf8() + "\n");
        };
        writeNew("short");
        auto weak = run(
            VERBATIM_CLI_BIN,
            {"--profile", profile, "change-passphrase", "--new-passphrase-file", newFile}, oldPass);
        QCOMPARE(weak.code, 1);
        QCOMPARE(QString::fromUtf8(weak.err), "verbatim-cli: " + kRule + "\n");
        QCOMPARE(run(VERBATIM_CLI_BIN, {"--profile", profile, "whoami"}, oldPass).code, 0);

        writeNew(newPass);
        auto changed = run(
            VERBATIM_CLI_BIN,
            {"--profile", profile, "change-passphrase", "--new-passphrase-file", newFile}, oldPass);
        QVERIFY2(changed.code == 0, changed.err.constData());
        QCOMPARE(run(VERBATIM_CLI_BIN, {"--profile", profile, "whoami"}, oldPass).code, 1);
        auto after = run(VERBATIM_CLI_BIN, {"--profile", profile, "whoami"}, newPass);
        QVERIFY2(after.code == 0, after.err.constData());
        QVERIFY(after.out.contains("alice"));
    }

    // The firm root key (verbatim-relay init) and the journal key (verbatim-journal keygen) take
    // the same rule and say it the same way; nothing is written.
    void relayAndJournalToolsRefuseAShortPassphrase() {
        QTemporaryDir dir;
        const QString weak = "abcdefghijk";
        auto keygenWeak =
            run(VERBATIM_JOURNAL_BIN, {"keygen", "--out", dir.filePath("weak")}, weak);
        QCOMPARE(keygenWeak.code, 1);
        QCOMPARE(QString::fromUtf8(keygenWeak.err), "verbatim-journal: " + kRule + "\n");
        QVERIFY(emptyOrAbsent(dir.filePath("weak")));

        auto keygen = run(VERBATIM_JOURNAL_BIN, {"keygen", "--out", dir.filePath("journal")},
                          "journal key passphrase 1");
        QVERIFY2(keygen.code == 0, keygen.err.constData());
        const QStringList init{"init",
                               "--data",
                               dir.filePath("relay"),
                               "--firm",
                               "Test LLP",
                               "--journal-key",
                               dir.filePath("journal/journal.pub"),
                               "--root-key-out",
                               dir.filePath("root.key"),
                               "--unlock-file",
                               dir.filePath("relay.unlock")};
        auto initWeak = run(VERBATIM_RELAY_BIN, init, "a");
        QCOMPARE(initWeak.code, 1);
        QCOMPARE(QString::fromUtf8(initWeak.err), "verbatim-relay: " + kRule + "\n");
        QVERIFY(emptyOrAbsent(dir.filePath("relay")));
        QVERIFY(!QFile::exists(dir.filePath("root.key")));
        auto initGood = run(VERBATIM_RELAY_BIN, init, "root key passphrase");
        QVERIFY2(initGood.code == 0, initGood.err.constData());
    }
};

QTEST_MAIN(TestPassphrasePolicy)
#include "tst_passphrase_policy.moc"

// Issue 16 item 9: every program refuses a command line it does not understand, with its usage
// and exit code 2, before it changes anything; every command line the docs and tests use still
// parses. Runs the real binaries: verbatim-relay, verbatim-cli, verbatim-journal, verbatim.

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "common/CommandLine.h"

namespace {

struct Run {
    int code = -1;
    QString out, err;
};

const QString kPin = QString(64, 'a');

} // namespace

class TestCommandLines : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_inputs;  ///< files a command line names that exist (a journal public key)
    QString m_scratch; ///< where a refused command line would write: must stay empty
    QString m_good;    ///< where accepted command lines point (nothing exists there)

    QString binary(const QString& program) const {
        if (program == "relay") return VERBATIM_RELAY_BIN;
        if (program == "cli") return VERBATIM_CLI_BIN;
        if (program == "journal") return VERBATIM_JOURNAL_BIN;
        return VERBATIM_APP_BIN;
    }

    /// `S/`, `I/` and `G/` in arguments name the scratch, input and good directories.
    QStringList expand(const QStringList& args) const {
        QStringList out;
        for (QString a : args) {
            a.replace("S/", m_scratch + "/")
                .replace("I/", m_inputs + "/")
                .replace("G/", m_good + "/");
            out << a;
        }
        return out;
    }

    Run run(const QString& program, const QStringList& args) {
        QProcess p;
        auto env = QProcessEnvironment::systemEnvironment();
        // Nothing waits for a prompt, and whatever a program would write lands in the scratch dir.
        env.insert("VERBATIM_PASSPHRASE", "a passphrase long enough for every tool");
        env.insert("VERBATIM_PROFILE_PASSPHRASE", "a passphrase long enough for every tool");
        env.insert("HOME", m_scratch + "/home");
        env.insert("XDG_DATA_HOME", m_scratch + "/xdg-data");
        env.insert("XDG_CONFIG_HOME", m_scratch + "/xdg-config");
        env.insert("XDG_CACHE_HOME", m_scratch + "/xdg-cache");
        env.insert("XDG_RUNTIME_DIR", m_inputs + "/runtime"); // Qt warns without one
        env.insert("QT_QPA_PLATFORM", "offscreen");
        env.remove("VERBATIM_RELAY_UNLOCK_FILE");
        env.remove("CREDENTIALS_DIRECTORY");
        p.setProcessEnvironment(env);
        p.setWorkingDirectory(m_scratch);
        p.start(binary(program), expand(args));
        p.closeWriteChannel();
        Run r;
        if (!p.waitForFinished(30000)) {
            p.kill();
            p.waitForFinished();
            return r;
        }
        r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        r.out = QString::fromUtf8(p.readAllStandardOutput());
        r.err = QString::fromUtf8(p.readAllStandardError());
        return r;
    }

    QStringList scratchContents() const {
        QStringList found;
        QDirIterator it(m_scratch, QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden,
                        QDirIterator::Subdirectories);
        while (it.hasNext())
            found << it.next();
        return found;
    }

    static void row(const char* program, const QStringList& args, const QStringList& named) {
        QTest::newRow(qPrintable(QString(program) + " " + args.join(' ')))
            << QString(program) << args << named;
    }

private slots:
    void initTestCase() {
        QVERIFY(m_tmp.isValid());
        m_inputs = m_tmp.filePath("inputs");
        m_scratch = m_tmp.filePath("scratch");
        m_good = m_tmp.filePath("good");
        QVERIFY(QDir().mkpath(m_inputs) && QDir().mkpath(m_scratch) && QDir().mkpath(m_good));
        // A well-formed journal public key: with it the old relay's `init` ran to the end.
        QFile pub(m_inputs + "/journal.pub");
        QVERIFY(pub.open(QIODevice::WriteOnly));
        pub.write(QByteArray(64, 'b') + "\n");
        QVERIFY(QDir().mkpath(m_inputs + "/runtime"));
        QVERIFY(QFile::setPermissions(m_inputs + "/runtime", QFileDevice::ReadOwner |
                                                                 QFileDevice::WriteOwner |
                                                                 QFileDevice::ExeOwner));
    }

    void cleanup() {
        // A refused line that wrote anyway already failed its row; clear it for the next.
        QDir(m_scratch).removeRecursively();
        QDir().mkpath(m_scratch);
    }

    /// The shared parser's rules, without a process: value forms, `--`, near misses.
    void parserRules() {
        using namespace verbatim::cmdline;
        CommandLine cl(
            "prog",
            {Command{"run",
                     "  prog run A [B] [--n N] [--tag T]... [--quiet]\n",
                     {Option::value("n", "N").checked(number(1, 10)),
                      Option::value("tag", "T").repeatable(), Option::flag("quiet"),
                      Option::value("pins", "HEX").allowEmpty()},
                     {Positional::required("A"), Positional::optional("B")},
                     true,
                     {},
                     {}},
             Command{"admin", "", {Option::value("data", "DIR").required()}, {}, false, {}, {}},
             Command{"admin users", "  prog admin --data DIR users\n", {}, {}, true, {}, {}}});
        auto ok =
            cl.parse({"run", "a", "--n=3", "--tag", "x", "--tag", "y", "--pins=", "--", "--quiet"});
        QVERIFY(ok);
        QCOMPARE(ok->command, std::string("run"));
        QCOMPARE(ok->positionals, (std::vector<std::string>{"a", "--quiet"}));
        QCOMPARE(ok->integer("n", 0), 3LL);
        QCOMPARE(ok->values("tag"), (std::vector<std::string>{"x", "y"}));
        QVERIFY(ok->has("pins") && ok->value("pins", "unset").empty());
        QVERIFY(!ok->has("quiet"));
        auto flagged = cl.parse({"run", "--quiet", "-5", "b"});
        QVERIFY(flagged && flagged->has("quiet"));
        QCOMPARE(flagged->positionals, (std::vector<std::string>{"-5", "b"}));

        auto refused = [&](std::vector<std::string> args, const std::string& expected) {
            auto r = cl.parse(args);
            if (r) return std::string("accepted");
            return r.error().message.find(expected) == std::string::npos ? r.error().message
                                                                         : std::string();
        };
        QCOMPARE(refused({"run"}, "missing A"), std::string());
        QCOMPARE(refused({"run", "a", "b", "c"}, "unexpected argument 'c' for run"), std::string());
        QCOMPARE(
            refused({"run", "a", "--n", "11"}, "--n: must be a whole number in 1..10, not '11'"),
            std::string());
        QCOMPARE(refused({"run", "a", "--n", "+3"}, "--n: must be a whole number"), std::string());
        QCOMPARE(refused({"run", "a", "--n"}, "--n needs a value (N)"), std::string());
        QCOMPARE(refused({"run", "a", "--n", "--quiet"},
                         "--n needs a value (N), not the option --quiet"),
                 std::string());
        QCOMPARE(refused({"run", "a", "--tag", ""}, "--tag needs a non-empty T"), std::string());
        QCOMPARE(refused({"run", "a", "--quiet=1"}, "--quiet takes no value"), std::string());
        QCOMPARE(refused({"run", "a", "--quiet", "--quiet"}, "--quiet given twice"), std::string());
        QCOMPARE(refused({"run", "a", "--tga", "x"},
                         "unknown option --tga for run (did you mean --tag?)"),
                 std::string());
        QCOMPARE(refused({"run", "a", "--data", "d"}, "--data is not an option for run"),
                 std::string());
        QCOMPARE(refused({"--data", "d", "admin", "users"},
                         "--data is an option of admin: give it after the command"),
                 std::string());
        QCOMPARE(refused({"admin", "users"}, "--data DIR is required for admin users"),
                 std::string());
        QCOMPARE(refused({"admin", "--data", "d"}, "no command given after admin"), std::string());
        QCOMPARE(refused({"admn"}, "unknown command 'admn' (did you mean admin?)"), std::string());
        QCOMPARE(refused({"admin", "--data", "d", "user"},
                         "unknown command 'user' for admin (did you mean users?)"),
                 std::string());
        QCOMPARE(refused({}, "no command given"), std::string());
        auto wrong = cl.parse({"admin", "users", "x"});
        QVERIFY(!wrong);
        QCOMPARE(wrong.error().command, std::string("admin users"));
        const std::string usage = cl.usage("admin users");
        QVERIFY(usage.find("prog admin --data DIR users") != std::string::npos);
        QVERIFY(usage.find("prog run") == std::string::npos);
        auto help = cl.parse({"admin", "--help", "--bogus"});
        QVERIFY(help && help->help);
        QCOMPARE(help->command, std::string("admin"));

        QCOMPARE(closestNames("wipe-after-failed-unlock",
                              {"wipe-after-failed-unlocks", "wipe-after-offline-days"}),
                 (std::vector<std::string>{"wipe-after-failed-unlocks"}));
        QCOMPARE(
            closestNames("wipe", {"wipe-after-failed-unlocks", "wipe-after-offline-days"}),
            (std::vector<std::string>{"wipe-after-failed-unlocks", "wipe-after-offline-days"}));
        QVERIFY(closestNames("zebra", {"data", "firm"}).empty());
        QCOMPARE(didYouMean({"a", "b"}, "--"), std::string(" (did you mean --a or --b?)"));
    }

    void badCommandLinesAreRefused_data() {
        QTest::addColumn<QString>("program");
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QStringList>("named");
        const QStringList init{"init",       "--data",        "S/relay",       "--firm",
                               "Typo LLP",   "--journal-key", "I/journal.pub", "--root-key-out",
                               "S/root.key", "--unlock-file", "S/relay.unlock"};
        // verbatim-relay
        row("relay", init + QStringList{"--wipe-after-failed-unlock", "3"},
            {"--wipe-after-failed-unlock ", "did you mean --wipe-after-failed-unlocks?"});
        row("relay", init + QStringList{"--bogus-option", "x"}, {"unknown option --bogus-option"});
        row("relay", init + QStringList{"--wipe-after-failed-unlocks"},
            {"--wipe-after-failed-unlocks needs a value"});
        row("relay", init + QStringList{"--wipe-after-failed-unlocks", "three"},
            {"--wipe-after-failed-unlocks", "three"});
        row("relay", init + QStringList{"--wipe-after-offline-days", "999999"},
            {"--wipe-after-offline-days", "999999"});
        row("relay", init + QStringList{"--address", "relay.example"},
            {"--address", "relay.example"});
        row("relay", init + QStringList{"--tls-key-pins", "abc"}, {"--tls-key-pins"});
        row("relay", init + QStringList{"extra"}, {"unexpected argument 'extra'"});
        row("relay", init + QStringList{"--data", "S/relay2"}, {"--data given twice"});
        row("relay",
            {"init", "--data", "--firm", "X", "--journal-key", "I/journal.pub", "--root-key-out",
             "S/root.key"},
            {"--data needs a value", "--firm"});
        row("relay",
            {"init", "--data", "S/relay", "--firm", "", "--journal-key", "I/journal.pub",
             "--root-key-out", "S/r.key"},
            {"--firm needs a non-empty NAME"});
        row("relay", {"init", "--data", "S/relay", "--firm", "X", "--journal-key", "I/journal.pub"},
            {"--root-key-out"});
        row("relay",
            {"init", "--data", "S/relay", "--firm", QString(257, 'F'), "--journal-key",
             "I/journal.pub", "--root-key-out", "S/r.key", "--unlock-file", "S/relay.unlock"},
            {"--firm", "1 to 256 bytes of UTF-8"});
        row("relay", {"inti", "--data", "S/relay"},
            {"unknown command 'inti'", "did you mean init?"});
        row("relay", {}, {"no command given"});
        row("relay", {"serve", "--data", "S/relay", "--firm", "X"},
            {"--firm is not an option for serve"});
        row("relay", {"serve", "--data", "S/relay", "--commit-window-us", "1e3"},
            {"--commit-window-us", "1e3"});
        row("relay", {"serve", "--data", "S/relay", "--db-cache-mib", "1"},
            {"--db-cache-mib", "2..65536"});
        row("relay", {"serve", "--data", "S/relay", "--journal-signatures", "none"},
            {"--journal-signatures", "relay or compliance"});
        row("relay", {"serve", "--data", "S/relay", "--listen", "127.0.0.1:99999"},
            {"--listen", "127.0.0.1:99999"});
        row("relay", {"serve", "--data", "S/relay", "--bench-limits=yes"},
            {"--bench-limits takes no value"});
        row("relay", {"serve", "--dat", "S/relay"}, {"--dat ", "did you mean --data?"});
        row("relay", {"admin", "--data", "S/relay"}, {"no command given after admin"});
        row("relay", {"admin", "--data", "S/relay", "enrol", "alice", "--role", "lawyer"},
            {"'enrol'", "did you mean enroll?"});
        row("relay", {"admin", "--data", "S/relay", "enroll", "alice", "--role", "boss"},
            {"--role", "boss"});
        row("relay", {"admin", "--data", "S/relay", "enroll", "--role", "lawyer"},
            {"missing USER"});
        row("relay", {"admin", "--data", "S/relay", "enroll", "alice"}, {"--role"});
        row("relay", {"admin", "--data", "S/relay", "revoke", "alice", "one"}, {"DEVICE", "'one'"});
        row("relay", {"admin", "--data", "S/relay", "users", "extra"}, {"'extra'"});
        row("relay", {"admin", "--data", "S/relay", "users", "--matter", "M"},
            {"--matter is not an option for admin users"});
        row("relay", {"admin", "--data", "S/relay", "invite", "--from", "alice"}, {"--matter"});
        row("relay", {"admin", "enroll", "alice", "--role", "lawyer"}, {"--data DIR is required"});
        row("relay", {"manifest", "--data", "S/relay"}, {"--show", "--root-key"});
        row("relay", {"manifest", "--data", "S/relay", "--show", "--root-key", "I/journal.pub"},
            {"--show"});
        row("relay", {"tls-key-pin"}, {"missing CERT"});
        row("relay", {"tls-key-pin", "a.pem", "b.pem"}, {"'b.pem'"});
        row("relay", {"seal-keys", "--data", "S/relay", "--unlock-fil", "S/u"},
            {"did you mean --unlock-file?"});
        // verbatim-cli
        const QString link = "verbatim://join?relay=127.0.0.1:1&token=abc&firm=def";
        row("cli", {"--profile", "S/p", "join", link, "--nme", "Carol"},
            {"--nme", "did you mean --name?"});
        row("cli", {"--profile", "S/p", "join", link, "--bogus-option", "x"},
            {"unknown option --bogus-option"});
        row("cli", {"--profile", "S/p", "join", link, "extra"}, {"'extra'"});
        row("cli", {"--profile", "S/p", "join"}, {"missing LINK"});
        row("cli", {"--profile", "S/p", "--name", "Carol", "join", link},
            {"--name", "after the command"});
        row("cli", {"--profile", "S/p", "send", "Estate"}, {"missing TEXT"});
        row("cli", {"--profile", "S/p", "send", "Estate", "text", "more"}, {"'more'"});
        row("cli", {"--profile", "S/p", "snd", "Estate", "text"}, {"'snd'", "did you mean send?"});
        row("cli", {"--profile", "S/p", "sync", "--wait"}, {"--wait needs a value"});
        row("cli", {"--profile", "S/p", "sync", "--wait", "soon"}, {"--wait", "soon"});
        row("cli", {"--profile", "S/p", "history", "Estate", "--limit", "-1"}, {"--limit", "-1"});
        row("cli", {"--profile", "S/p", "save", "id", "S/out", "--index", "x"}, {"--index"});
        row("cli", {"--profile", "S/p", "whoami", "--matter", "M"},
            {"--matter is not an option for whoami"});
        row("cli", {"--profile", "S/p", "invite"}, {"--matter TITLE is required"});
        row("cli", {"--profile", "S/p", "create", "T", "--matter=yes"},
            {"--matter takes no value"});
        row("cli", {"--profile", "S/p", "devices", "approve"}, {"missing DEVICE"});
        row("cli", {"--profile", "S/p", "devices", "approve", "two"}, {"DEVICE", "'two'"});
        row("cli", {"--profile", "S/p", "devices", "aprove", "2"},
            {"'aprove'", "did you mean approve?"});
        row("cli", {"--profile", "S/p", "admin-revoke", "alice", "x"}, {"DEVICE", "'x'"});
        row("cli", {"--profile", "S/p", "--profile", "S/q", "whoami"}, {"--profile given twice"});
        row("cli", {"--profile", "", "whoami"}, {"--profile needs a non-empty DIR"});
        row("cli", {"whoami"}, {"--profile DIR is required"});
        row("cli", {"--profile", "S/p"}, {"no command given"});
        // verbatim-journal
        row("journal", {"keygen", "--out", "S/keys", "--bogus-option", "x"},
            {"unknown option --bogus-option"});
        row("journal", {"keygen", "--otu", "S/keys"}, {"--otu", "did you mean --out?"});
        row("journal", {"keygen"}, {"--out DIR is required"});
        row("journal", {"keygen", "--out", "S/keys", "S/more"}, {"unexpected argument"});
        row("journal", {"verfy", "S/a.archive", "--key", "I/k"},
            {"'verfy'", "did you mean verify?"});
        row("journal", {"verify", "S/a.archive", "extra", "--key", "I/k"}, {"'extra'"});
        row("journal", {"verify", "S/a.archive"}, {"--key"});
        row("journal", {"search", "S/a.archive", "--key", "I/k"}, {"missing QUERY"});
        row("journal", {"search", "S/a.archive", "q", "--key", "I/k", "--limit", "many"},
            {"--limit", "many"});
        row("journal", {"search", "S/a.archive", "q", "--key", "I/k", "--from", "yesterday"},
            {"--from", "yesterday"});
        row("journal", {"show", "S/a.archive", "Estate", "--key", "I/k", "--format", "rsmf"},
            {"--format is not an option for show"});
        row("journal", {"export", "S/a.archive", "--format", "pdf", "--out", "S/x", "--key", "I/k"},
            {"--format", "pdf"});
        row("journal", {"export", "S/a.archive", "--key", "I/k"}, {"--out"});
        row("journal", {"pull", "--profile", "S/p", "--archive", "S/a", "--key", "I/k", "--relay"},
            {"--relay needs a value"});
        row("journal", {"audit", "S/a.archive", "--key", "I/k", "--json", "--json"},
            {"--json given twice"});
        row("journal", {}, {"no command given"});
        // verbatim (the app)
        row("app", {"--profile", "S/p", "--bogus-option"}, {"--bogus-option"});
        row("app", {"--profil", "S/p"}, {"--profil", "did you mean --profile?"});
        row("app", {"--profile"}, {"--profile"});
        row("app", {"--profile", "--dark"}, {"--profile", "--dark"});
        row("app", {"--profile", "S/p", "--size", "big"}, {"--size", "big"});
        row("app", {"--profile", "S/p", "verbatim://join?a", "verbatim://join?b"},
            {"verbatim://join?b"});
        row("app", {"--profile", "S/p", "--profile", "S/q"}, {"--profile given twice"});
    }

    void badCommandLinesAreRefused() {
        QFETCH(QString, program);
        QFETCH(QStringList, args);
        QFETCH(QStringList, named);
        const Run r = run(program, args);
        const QByteArray what = ("stderr: " + r.err + "\nstdout: " + r.out).toUtf8();
        QVERIFY2(r.code == 2, what.constData());
        QVERIFY2(r.err.contains("usage", Qt::CaseInsensitive), what.constData());
        for (const auto& n : named)
            QVERIFY2(r.err.contains(expand({n}).value(0)),
                     (n + " not named; " + what).toUtf8().constData());
        QVERIFY2(r.out.isEmpty(), what.constData());
        const QStringList left = scratchContents();
        QVERIFY2(left.isEmpty(), qPrintable("created: " + left.join(", ")));
    }

    void helpPrintsUsageAndSucceeds_data() {
        QTest::addColumn<QString>("program");
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QStringList>("named");
        row("relay", {"--help"}, {"verbatim-relay init", "verbatim-relay serve", "unlock secret"});
        row("relay", {"-h"}, {"verbatim-relay init"});
        row("relay", {"init", "--help"}, {"verbatim-relay init", "--wipe-after-failed-unlocks"});
        row("relay", {"serve", "--data", "S/relay", "--help"}, {"--commit-window-us"});
        row("relay", {"admin", "--data", "S/relay", "enroll", "--help"}, {"enroll USER"});
        row("cli", {"--help"}, {"verbatim-cli --profile DIR", "safety-number"});
        row("cli", {"--profile", "S/p", "send", "--help"}, {"send CONVERSATION TEXT"});
        row("journal", {"--help"}, {"verbatim-journal keygen", "verbatim-journal export"});
        row("journal", {"search", "-h"}, {"verbatim-journal search"});
        row("app", {"--help"}, {"--profile", "--screenshot"});
    }

    void helpPrintsUsageAndSucceeds() {
        QFETCH(QString, program);
        QFETCH(QStringList, args);
        QFETCH(QStringList, named);
        const Run r = run(program, args);
        const QByteArray what = ("stderr: " + r.err + "\nstdout: " + r.out).toUtf8();
        QVERIFY2(r.code == 0, what.constData());
        QVERIFY2(r.out.contains("usage", Qt::CaseInsensitive), what.constData());
        for (const auto& n : named)
            QVERIFY2(r.out.contains(n), (n + " not shown; " + what).toUtf8().constData());
        QVERIFY2(r.err.isEmpty(), what.constData());
        QVERIFY(scratchContents().isEmpty());
    }

    /// The forms README, packaging/dev.sh and the tests use. Each names something that does not
    /// exist, so the program gets past its command line and fails on that (exit 1), never 2.
    void documentedCommandLinesStillParse_data() {
        QTest::addColumn<QString>("program");
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QStringList>("named");
        row("relay",
            {"init",
             "--data",
             "G/relay",
             "--firm",
             "Doe & Partners LLP",
             "--journal-key",
             "G/journal.pub",
             "--root-key-out",
             "G/firm-root.key",
             "--address",
             "127.0.0.1:8443,relay2.example:443",
             "--unlock-file",
             "G/relay.unlock",
             "--passphrase-file",
             "G/pass",
             "--tls-key-pins",
             kPin,
             "--pin-cert",
             "G/a.pem,G/b.pem",
             "--wipe-after-failed-unlocks",
             "3",
             "--wipe-after-offline-days",
             "30"},
            {});
        row("relay",
            {"init", "--data=G/relay", "--firm=Doe", "--journal-key=G/journal.pub",
             "--root-key-out=G/root.key"},
            {});
        row("relay",
            {"serve",
             "--data",
             "G/relay",
             "--listen",
             "127.0.0.1:0",
             "--admin-listen",
             "127.0.0.1:0",
             "--cert",
             "G/c.pem",
             "--key",
             "G/k.pem",
             "--journal-signatures",
             "compliance",
             "--commit-window-us",
             "0",
             "--db-cache-mib",
             "64",
             "--bench-limits",
             "--unlock-file",
             "G/relay.unlock"},
            {});
        row("relay",
            {"admin", "--data", "G/relay", "enroll", "alice", "--role", "lawyer", "--name",
             "Alice Adams"},
            {});
        row("relay",
            {"admin", "--data", "G/relay", "--unlock-file", "G/u", "enroll", "u1", "--role",
             "lawyer", "--name", "L 1"},
            {});
        row("relay", {"admin", "--data", "G/relay", "users", "--unlock-file", "G/u"}, {});
        row("relay",
            {"admin", "--data", "G/relay", "invite", "--from", "lena", "--matter", "Crash matter"},
            {});
        row("relay", {"admin", "--data", "G/relay", "devices"}, {});
        row("relay", {"admin", "--data", "G/relay", "devices", "rita"}, {});
        row("relay", {"admin", "--data", "G/relay", "revoke", "rita", "2"}, {});
        row("relay", {"admin", "--data", "G/relay", "wipe", "rita", "2"}, {});
        row("relay", {"manifest", "--data", "G/relay", "--show"}, {});
        row("relay",
            {"manifest", "--data", "G/relay", "--root-key", "G/root.key", "--address",
             "127.0.0.1:1", "--pin-cert", "G/old.pem,G/new.pem", "--passphrase-file", "G/pass"},
            {});
        row("relay",
            {"manifest", "--data", "G/relay", "--root-key", "G/root.key", "--tls-key-pins", ""},
            {});
        row("relay", {"tls-key-pin", "G/cert.pem"}, {});
        row("relay", {"seal-keys", "--data", "G/relay", "--unlock-file", "G/u"}, {});
        const QString link = "not-a-link";
        row("cli", {"--profile", "G/p", "join", link, "--platform", "desktop"}, {});
        row("cli", {"--profile", "G/p", "join", link, "--decline"}, {});
        row("cli",
            {"--profile", "G/p", "join", link, "--name", "Carol Smith", "--accept-notice",
             "--platform", "desktop"},
            {});
        row("cli", {"--profile", "G/p", "--passphrase-file", "G/pass", "whoami"}, {});
        row("cli", {"--profile", "G/p", "accept-notice"}, {});
        row("cli", {"--profile", "G/p", "invite", "--matter", "Estate of Doe"}, {});
        row("cli",
            {"--profile", "G/p", "create", "Estate", "--matter", "--member", "bob", "--member",
             "carol"},
            {});
        row("cli", {"--profile", "G/p", "conversations"}, {});
        row("cli",
            {"--profile", "G/p", "send", "Estate of Doe",
             "-5 degrees: a text that starts with a dash"},
            {});
        row("cli",
            {"--profile", "G/p", "send", "Estate of Doe", "--",
             "--a text that starts with two dashes"},
            {});
        row("cli",
            {"--profile", "G/p", "attach", "Estate of Doe", "G/will.txt", "--caption",
             "Here is the scan."},
            {});
        row("cli", {"--profile", "G/p", "save", "id", "G/out", "--index", "0"}, {});
        row("cli", {"--profile", "G/p", "edit", "id", "new text"}, {});
        row("cli", {"--profile", "G/p", "retract", "id"}, {});
        row("cli", {"--profile", "G/p", "react", "id", "+1"}, {});
        row("cli", {"--profile", "G/p", "read", "Estate"}, {});
        row("cli", {"--profile", "G/p", "sync", "--wait", "2"}, {});
        row("cli", {"--profile", "G/p", "history", "Estate", "--limit", "1000"}, {});
        row("cli", {"--profile", "G/p", "search", "lease"}, {});
        row("cli", {"--profile", "G/p", "safety-number", "bob", "--accept"}, {});
        row("cli", {"--profile", "G/p", "outbox"}, {});
        row("cli", {"--profile", "G/p", "devices"}, {});
        row("cli", {"--profile", "G/p", "devices", "approve", "3"}, {});
        row("cli", {"--profile", "G/p", "link-device"}, {});
        row("cli", {"--profile", "G/p", "admin-devices"}, {});
        row("cli", {"--profile", "G/p", "admin-devices", "alice"}, {});
        row("cli", {"--profile", "G/p", "admin-revoke", "alice", "2"}, {});
        row("cli", {"--profile", "G/p", "admin-wipe", "alice", "2"}, {});
        row("journal",
            {"pull", "--profile", "G/p", "--archive", "G/a.archive", "--key", "G/journal.key",
             "--relay", "127.0.0.1:1", "--passphrase-file", "G/pass", "--profile-passphrase-file",
             "G/pass2"},
            {});
        row("journal", {"verify", "G/a.archive", "--key", "G/journal.key", "--json"}, {});
        row("journal",
            {"search", "G/a.archive", "12-34-56", "--key", "G/k1,G/k2", "--matter",
             "Estate of Smith", "--participant", "carol", "--from", "2024-01-01", "--to",
             "2024-12-31T10:00Z", "--limit", "5", "--json"},
            {});
        row("journal",
            {"show", "G/a.archive", "Estate of Smith", "--key", "G/journal.key", "--json"}, {});
        row("journal",
            {"export", "G/a.archive", "--format", "rsmf", "--out", "G/x.rsmf", "--key",
             "G/journal.key", "--matter", "Estate of Smith", "--from", "2024-01-01", "--to",
             "2024-12-31"},
            {});
        row("journal",
            {"export", "G/a.archive", "--format", "jsonl", "--out", "G/x.jsonl", "--key",
             "G/journal.key"},
            {});
        row("journal", {"conversations", "G/a.archive", "--key", "G/journal.key"}, {});
        row("journal", {"audit", "G/a.archive", "--key", "G/journal.key", "--json"}, {});
        // The app stops at the passphrase file it cannot read (qFatal, so not exit 1).
        row("app",
            {"--profile", "G/p", "--passphrase-file", "G/pass", "--open", "Estate of Doe", "--size",
             "390x844", "--dark", "--screenshot", "G/shot.png", "--window-title",
             "Verbatim - Alice Adams (lawyer)"},
            {});
    }

    void documentedCommandLinesStillParse() {
        QFETCH(QString, program);
        QFETCH(QStringList, args);
        const Run r = run(program, args);
        const QByteArray what = ("stderr: " + r.err + "\nstdout: " + r.out).toUtf8();
        QVERIFY2(program == "app" ? r.code != 0 && r.code != 2 : r.code == 1, what.constData());
        QVERIFY2(!r.err.contains("usage", Qt::CaseInsensitive), what.constData());
        QVERIFY2(r.err.contains(program == "app" ? "passphrase file" : ""), what.constData());
    }
};

QTEST_GUILESS_MAIN(TestCommandLines)
#include "tst_command_lines.moc"

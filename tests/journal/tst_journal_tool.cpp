// verbatim-journal keygen: the key pair compliance makes offline (issue 6, first part).

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <sys/stat.h>

#include "crypto/PassphraseBox.h"
#include "crypto/X25519.h"

using namespace verbatim;

namespace {

std::pair<int, QByteArray> run(const QString& bin, const QStringList& args,
                               const QString& passphrase) {
    QProcess p;
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("VERBATIM_PASSPHRASE", passphrase);
    p.setProcessEnvironment(env);
    p.start(bin, args);
    p.waitForFinished(60000);
    return {p.exitCode(), p.readAllStandardOutput() + p.readAllStandardError()};
}

} // namespace

class TestJournalTool : public QObject {
    Q_OBJECT
private slots:
    void keygenWritesASealedKeyPair() {
        QTemporaryDir dir;
        const QString out = dir.filePath("keys");
        const QString pass = "compliance passphrase 42";
        auto [code, text] = run(VERBATIM_JOURNAL_BIN, {"keygen", "--out", out}, pass);
        QCOMPARE(code, 0);
        QFile pub(out + "/journal.pub"), key(out + "/journal.key");
        QVERIFY(pub.open(QIODevice::ReadOnly) && key.open(QIODevice::ReadOnly));
        const QByteArray hex = pub.readAll().trimmed();
        QCOMPARE(hex.size(), 64);
        QVERIFY(text.contains(hex));
        struct stat st {};
        QCOMPARE(::stat(QFile::encodeName(out + "/journal.key").constData(), &st), 0);
        QCOMPARE(int(st.st_mode & 0777), 0600);
        // The private key is sealed: the passphrase opens it and it matches the public key.
        const QByteArray box = key.readAll();
        const ByteView boxView(reinterpret_cast<const std::uint8_t*>(box.constData()),
                               std::size_t(box.size()));
        auto priv = crypto::passphraseOpen(boxView, view(pass.toStdString()));
        QVERIFY(priv);
        auto pair = crypto::X25519Key::fromPrivate(*priv);
        QVERIFY(pair);
        QCOMPARE(QByteArray::fromStdString(toHex(pair->publicKey())), hex);
        QVERIFY(!box.contains(
            QByteArray(reinterpret_cast<const char*>(priv->data()), int(priv->size()))));
        auto wrong = crypto::passphraseOpen(boxView, view(std::string("not the passphrase")));
        QVERIFY(!wrong);
        QCOMPARE(wrong.error().code, ErrorCode::WrongKey);

        // Never overwrites; refuses a short passphrase, writing nothing.
        auto [again, againText] = run(VERBATIM_JOURNAL_BIN, {"keygen", "--out", out}, pass);
        QCOMPARE(again, 1);
        QVERIFY(againText.contains("refusing to overwrite"));
        auto [shortCode, shortText] =
            run(VERBATIM_JOURNAL_BIN, {"keygen", "--out", dir.filePath("other")}, "short");
        QCOMPARE(shortCode, 1);
        QVERIFY(!QFile::exists(dir.filePath("other/journal.key")));

        // The relay takes the public key as it is.
        auto [initCode, initText] =
            run(VERBATIM_RELAY_BIN,
                {"init", "--data", dir.filePath("relay"), "--firm", "Test LLP", "--journal-key",
                 out + "/journal.pub", "--root-key-out", dir.filePath("root.key"), "--unlock-file",
                 dir.filePath("relay.unlock")},
                "root key passphrase");
        QVERIFY2(initCode == 0, initText.constData());
    }
};

QTEST_GUILESS_MAIN(TestJournalTool)
#include "tst_journal_tool.moc"

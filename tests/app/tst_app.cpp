// The Qt layer against a real relay: the list models under QAbstractItemModelTester (attached
// before any data arrives), the QML screens driven offscreen (join by invite, recording notice,
// send, receive, edit, retract placeholder, safety number), and screenshots of the main screens
// at phone and laptop size in both themes, checked for not being blank (ES-12 UI half). The
// compliance page (issue 6) against the same relay: unlock the journal key, pull, verify, search,
// timeline with the deleted and edited history, RSMF export, and its screenshots.

#include <QAbstractItemModelTester>
#include <QDir>
#include <QFont>
#include <QQmlApplicationEngine>
#include <QQmlContext>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QtQml/qqmlextensionplugin.h>
#include <QtTest>

#include <set>

#include "../e2e/E2EHarness.h"
#include "client/qt/AppController.h"
#include "client/qt/ComplianceController.h"
#include "client/qt/QrImageProvider.h"
#include "crypto/PassphraseBox.h"

Q_IMPORT_QML_PLUGIN(VerbatimPlugin)

using namespace verbatim;
using namespace std::chrono_literals;

namespace {

constexpr const char* kPass = "app test passphrase";
constexpr const char* kJournalPass = "journal key passphrase 1";

/// Runs the event loop until `f` holds (or the timeout).
template <class F>
bool until(F f, int ms = 20000) {
    QElapsedTimer t;
    t.start();
    while (!f() && t.elapsed() < ms) QTest::qWait(20);
    return f();
}

int rowOf(QAbstractItemModel* m, int role, const QVariant& value) {
    for (int i = 0; i < m->rowCount(); ++i)
        if (m->data(m->index(i, 0), role) == value) return i;
    return -1;
}

QVariant cell(QAbstractItemModel* m, int row, int role) { return m->data(m->index(row, 0), role); }

/// Distinct colours in a sample of the image: a blank render has one or two.
int colours(const QImage& img) {
    std::set<QRgb> seen;
    for (int y = 0; y < img.height(); y += 7)
        for (int x = 0; x < img.width(); x += 7) seen.insert(img.pixel(x, y));
    return int(seen.size());
}

/// Writes `key` sealed under kJournalPass, as `verbatim-journal keygen` does.
QString writeKeyFile(const QString& dir, const crypto::X25519Key& key) {
    auto priv = key.privateKey();
    if (!priv) return {};
    auto box = crypto::passphraseSeal(*priv, view(std::string_view(kJournalPass)));
    if (!box) return {};
    const QString path = dir + "/journal.key";
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) return {};
    f.write(reinterpret_cast<const char*>(box->data()), qint64(box->size()));
    return path;
}

/// Files in `dir` whose name starts with `prefix` (an archive and its -wal/-shm companions).
QStringList filesLike(const QString& dir, const QString& prefix) {
    return QDir(dir).entryList({prefix + "*"}, QDir::Files);
}

struct Ui {
    QQmlApplicationEngine engine;
    QQuickWindow* window = nullptr;
    bool load(qt::AppController& app, int w, int h, bool dark) {
        engine.addImageProvider("qr", new qt::QrImageProvider);
        auto* ctx = engine.rootContext();
        ctx->setContextProperty("app", &app);
        ctx->setContextProperty("startLink", QString());
        ctx->setContextProperty("darkTheme", dark);
        ctx->setContextProperty("initialWidth", w);
        ctx->setContextProperty("initialHeight", h);
        ctx->setContextProperty("windowTitle", QStringLiteral("Verbatim test"));
        engine.load(QUrl("qrc:/Verbatim/Main.qml"));
        if (engine.rootObjects().isEmpty()) return false;
        window = qobject_cast<QQuickWindow*>(engine.rootObjects().first());
        return window != nullptr;
    }
    QObject* find(const char* name) { return window ? window->findChild<QObject*>(name) : nullptr; }
    /// Items named `name` in the visual tree (delegates and their contentItem are not always
    /// QObject children, so findChild misses them).
    QList<QQuickItem*> findItems(const char* name, QQuickItem* from = nullptr) {
        QList<QQuickItem*> out;
        if (!from) from = window ? window->contentItem() : nullptr;
        if (!from) return out;
        if (from->objectName() == QLatin1String(name)) out << from;
        for (auto* child : from->childItems()) out << findItems(name, child);
        return out;
    }
    /// A visible item named `name` whose text satisfies `f`.
    template <class F>
    bool shows(const char* name, F f) {
        for (auto* item : findItems(name))
            if (item->isVisible() && f(item->property("text").toString())) return true;
        return false;
    }
    bool click(const char* name) {
        auto* o = find(name);
        return o && QMetaObject::invokeMethod(o, "clicked");
    }
    bool type(const char* name, const QString& text) {
        auto* o = find(name);
        return o && o->setProperty("text", text);
    }
};

}  // namespace

class TestApp : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QQuickStyle::setStyle("Material"); }

    // Every model under QAbstractItemModelTester from before the first row, through joins,
    // messages, edits, retractions, paging and search.
    void modelsStayConsistent() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/lawyer");
        QAbstractItemModelTester t1(lawyer.conversations(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t2(lawyer.messages(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t3(lawyer.searchResults(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t4(lawyer.participants(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t5(lawyer.devices(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(lawyer.screen(), QStringLiteral("onboarding"));
        QVERIFY2(lawyer.join(QString::fromStdString(h.enrollLink("alice", proto::ROLE_LAWYER)), "Alice Adams", kPass),
                 qPrintable(lawyer.error()));
        QCOMPARE(lawyer.screen(), QStringLiteral("ready"));
        QVERIFY(until([&] { return lawyer.connected(); }));
        auto* core = lawyer.client();
        auto invite = core->createInvite("Estate of Doe");
        QVERIFY(invite);

        QTemporaryDir cdir;
        qt::AppController client(cdir.path() + "/client");
        QAbstractItemModelTester c1(client.messages(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(client.join(QString::fromStdString(*invite), "Carol Client", kPass));
        QCOMPARE(client.screen(), QStringLiteral("notice"));  // before the first message (ES-12)
        QVERIFY(!client.send("too early"));
        QVERIFY(client.acceptNotice());
        QCOMPARE(client.screen(), QStringLiteral("ready"));
        QVERIFY(until([&] { return client.conversations()->rowCount() == 1; }));
        client.openConversation(client.conversations()->data(client.conversations()->index(0, 0), qt::ConversationListModel::IdRole).toString());
        QCOMPARE(client.currentTitle(), QStringLiteral("Estate of Doe"));
        QVERIFY(client.currentIsMatter());

        QVERIFY(until([&] { return lawyer.conversations()->rowCount() == 1; }));
        const QString conv = cell(lawyer.conversations(), 0, qt::ConversationListModel::IdRole).toString();
        lawyer.openConversation(conv);
        QCOMPARE(lawyer.participants()->rowCount(), 2);
        for (int i = 0; i < 130; ++i) QVERIFY(lawyer.send(QStringLiteral("message %1").arg(i)));
        QVERIFY(core->waitForOutbox(30s));
        auto* cm = client.messages();
        QVERIFY(until([&] { return rowOf(cm, qt::MessageListModel::BodyRole, "message 129") >= 0; }));
        // Paging (on a model of its own: the tester itself fetches everything): opening loads
        // the newest page; older ones come with fetchMore.
        {
            qt::MessageListModel pager;
            pager.open(client.client(), client.currentConversation());
            QCOMPARE(pager.rowCount(), int(qt::MessageListModel::kPage));
            QVERIFY(pager.canFetchMore({}));
            QVERIFY(rowOf(&pager, qt::MessageListModel::BodyRole, "message 0") < 0);
            while (pager.canFetchMore({})) pager.fetchMore({});
            QVERIFY(rowOf(&pager, qt::MessageListModel::BodyRole, "message 0") >= 0);
        }
        QVERIFY(rowOf(cm, qt::MessageListModel::BodyRole, "message 0") >= 0);

        const QString id = cell(cm, rowOf(cm, qt::MessageListModel::BodyRole, "message 129"), qt::MessageListModel::IdRole).toString();
        QVERIFY(lawyer.edit(id, "message 129, corrected"));
        QVERIFY(until([&] {
            int r = rowOf(cm, qt::MessageListModel::IdRole, id);
            return r >= 0 && cell(cm, r, qt::MessageListModel::EditedRole).toBool();
        }));
        QCOMPARE(cell(cm, rowOf(cm, qt::MessageListModel::IdRole, id), qt::MessageListModel::BodyRole).toString(),
                 QStringLiteral("message 129, corrected"));
        QVERIFY(lawyer.retract(id));
        QVERIFY(until([&] { return cell(cm, rowOf(cm, qt::MessageListModel::IdRole, id), qt::MessageListModel::RetractedRole).toBool(); }));
        QVERIFY(cell(cm, rowOf(cm, qt::MessageListModel::IdRole, id), qt::MessageListModel::BodyRole).toString().isEmpty());

        client.search("corrected");
        QCOMPARE(client.searchResults()->rowCount(), 0);
        client.search("message");
        QVERIFY(client.searchResults()->rowCount() > 0);

        // Safety number: the same digits on both sides.
        const QString sn = client.safetyNumber("alice");
        QCOMPARE(sn.size(), 60);
        QCOMPARE(lawyer.safetyNumber(QString::fromStdString(client.client()->account().user)), sn);

        // An attachment from the app: uploaded in the background, received by the lawyer.
        {
            QTemporaryDir files;
            QFile f(files.filePath("scan.pdf"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray(200 * 1024, 'x'));
            f.close();
            QSignalSpy done(&client, &qt::AppController::attachmentDone);
            QVERIFY(client.attach(QUrl::fromLocalFile(f.fileName())));
            QCOMPARE(client.uploading(), QStringLiteral("scan.pdf"));
            QVERIFY(done.wait(20000));
            QVERIFY(done.first().first().toBool());
            QVERIFY(client.uploading().isEmpty());
            auto* lm = lawyer.messages();
            QVERIFY(until([&] { return rowOf(lm, qt::MessageListModel::AttachmentNameRole, "scan.pdf") >= 0; }));
            QCOMPARE(cell(lm, rowOf(lm, qt::MessageListModel::AttachmentNameRole, "scan.pdf"), qt::MessageListModel::AttachmentSizeRole)
                         .toULongLong(),
                     200ull * 1024);
        }

        // Change the passphrase: the old one no longer unlocks.
        QVERIFY(!client.changePassphrase("not it", "a new passphrase"));
        QVERIFY(client.changePassphrase(kPass, "a new passphrase"));

        // The lawyer's devices, as the relay lists them.
        lawyer.refreshDevices();
        QCOMPARE(lawyer.devices()->rowCount(), 1);
        QVERIFY(cell(lawyer.devices(), 0, qt::DevicesModel::ThisDeviceRole).toBool());
        QCOMPARE(cell(lawyer.devices(), 0, qt::DevicesModel::StatusRole).toString(), QStringLiteral("active"));
        QCOMPARE(cell(lawyer.devices(), 0, qt::DevicesModel::PlatformRole).toString(), QStringLiteral("desktop"));

        // Lock and unlock.
        client.lock();
        QCOMPARE(client.screen(), QStringLiteral("unlock"));
        QCOMPARE(client.messages()->rowCount(), 0);
        QVERIFY(!client.unlock("wrong passphrase"));
        QCOMPARE(client.error(), QStringLiteral("Wrong passphrase."));
        QVERIFY(!client.unlock(kPass));
        QVERIFY(client.unlock("a new passphrase"));
        QCOMPARE(client.screen(), QStringLiteral("ready"));
    }

    // The screens, driven through QML: join by invite, accept the notice, send, receive, edit,
    // retract (placeholder shown); then screenshots at both sizes and in both themes.
    void screensAndScreenshots() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/lawyer");
        QVERIFY(lawyer.join(QString::fromStdString(h.enrollLink("alice", proto::ROLE_LAWYER)), "Alice Adams", kPass));
        QVERIFY(until([&] { return lawyer.connected(); }));
        auto invite = lawyer.client()->createInvite("Estate of Doe");
        QVERIFY(invite);

        qt::AppController client(dir.path() + "/client");
        Ui ui;
        QVERIFY(ui.load(client, 390, 844, false));
        QVERIFY(QTest::qWaitForWindowExposed(ui.window) || true);
        QCOMPARE(client.screen(), QStringLiteral("onboarding"));
        QVERIFY(until([&] { return ui.find("linkField") != nullptr; }));
        QVERIFY(ui.type("linkField", QString::fromStdString(*invite)));
        QVERIFY(ui.type("nameField", "Carol Client"));
        QVERIFY(ui.type("passField", kPass));
        QVERIFY(ui.click("joinButton"));
        QVERIFY2(until([&] { return client.screen() == "notice"; }), qPrintable(client.error()));
        QVERIFY(until([&] { return ui.find("acceptNotice") != nullptr; }));
        QTest::qWait(500);
        QImage noticeShot = ui.window->grabWindow();
        QVERIFY(ui.click("acceptNotice"));
        QVERIFY(until([&] { return client.screen() == "ready"; }));
        QVERIFY(until([&] { return client.conversations()->rowCount() == 1; }));
        client.openConversation(cell(client.conversations(), 0, qt::ConversationListModel::IdRole).toString());

        // ES-12: the journaling notice sits above the first message, for the client...
        QVERIFY(until([&] { return ui.find("journalNotice") && ui.find("journalNotice")->property("visible").toBool(); }));

        // Send through the composer.
        QVERIFY(until([&] { return ui.find("messageInput") != nullptr; }));
        QVERIFY(ui.type("messageInput", "Hello, I have questions about the will."));
        QVERIFY(ui.click("sendButton"));
        QVERIFY(until([&] { return rowOf(client.messages(), qt::MessageListModel::BodyRole, "Hello, I have questions about the will.") >= 0; }));
        QVERIFY(ui.find("messageInput")->property("text").toString().isEmpty());

        // Receive, edit and retract from the lawyer.
        const std::string conv = *lawyer.client()->resolveConversation("Estate of Doe");
        lawyer.openConversation(QString::fromStdString(conv));
        QVERIFY(lawyer.send("Of course. Which clause?"));
        QVERIFY(lawyer.send("Also: the meeting is on Tuesday at 10."));
        auto* cm = client.messages();
        QVERIFY(until([&] { return rowOf(cm, qt::MessageListModel::BodyRole, "Also: the meeting is on Tuesday at 10.") >= 0; }));
        const QString wrong = cell(lawyer.messages(), rowOf(lawyer.messages(), qt::MessageListModel::BodyRole, "Of course. Which clause?"),
                                   qt::MessageListModel::IdRole).toString();
        QVERIFY(lawyer.edit(wrong, "Of course. Which clause do you mean?"));
        const QString gone = cell(lawyer.messages(), rowOf(lawyer.messages(), qt::MessageListModel::BodyRole, "Also: the meeting is on Tuesday at 10."),
                                  qt::MessageListModel::IdRole).toString();
        QVERIFY(lawyer.retract(gone));
        QVERIFY(until([&] { return cell(cm, rowOf(cm, qt::MessageListModel::IdRole, gone), qt::MessageListModel::RetractedRole).toBool(); }));
        QVERIFY(until([&] { return cell(cm, rowOf(cm, qt::MessageListModel::IdRole, wrong), qt::MessageListModel::EditedRole).toBool(); }));
        QTest::qWait(300);

        // ... and for the lawyer.
        {
            Ui lawyerUi;
            QVERIFY(lawyerUi.load(lawyer, 1280, 800, false));
            QVERIFY(until([&] {
                auto* n = lawyerUi.find("journalNotice");
                return n && n->property("visible").toBool();
            }));
        }

        // Screenshots: chat at phone size, then the other sizes and themes.
        const QString out = qEnvironmentVariable("VERBATIM_SCREENSHOT_DIR", QDir::currentPath() + "/screenshots");
        QDir().mkpath(out);
        auto shoot = [&](const QString& name) {
            QTest::qWait(400);
            QImage img = ui.window->grabWindow();
            QVERIFY2(!img.isNull(), qPrintable(name));
            QVERIFY2(colours(img) > 12, qPrintable(name + " looks blank"));
            QVERIFY(img.save(out + "/" + name + ".png"));
        };
        QVERIFY(colours(noticeShot) > 4);
        noticeShot.save(out + "/phone-light-notice.png");
        shoot("phone-light-chat");
        client.closeConversation();
        shoot("phone-light-list");
        client.openConversation(QString::fromStdString(conv));
        ui.window->resize(1280, 800);
        shoot("laptop-light-chat");

        Ui dark;
        QVERIFY(dark.load(client, 1280, 800, true));
        QTest::qWait(200);
        QImage d = dark.window->grabWindow();
        QVERIFY(colours(d) > 12);
        d.save(out + "/laptop-dark-chat.png");
        dark.window->resize(390, 844);
        QTest::qWait(400);
        d = dark.window->grabWindow();
        QVERIFY(colours(d) > 12);
        d.save(out + "/phone-dark-chat.png");
    }

    // The compliance page (issue 6): a matter with an edit, a retraction and an attachment; the
    // compliance profile opens on the compliance page instead of the chat; a wrong journal
    // passphrase is refused and writes nothing; unlock, pull and verify; the retracted text is
    // found and marked deleted; the timeline shows the deletion and the edit; RSMF export;
    // screenshots at both sizes in both themes. The archive models are under
    // QAbstractItemModelTester from before the first row.
    void compliancePage() {
        using R = qt::ArchiveTimelineModel;
        using S = qt::ArchiveSearchModel;
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController officer(dir.path() + "/officer");
        QVERIFY2(officer.join(QString::fromStdString(h.enrollLink("comply", proto::ROLE_COMPLIANCE)), "Casey Compliance", kPass),
                 qPrintable(officer.error()));
        QCOMPARE(officer.role(), QStringLiteral("compliance"));
        QCOMPARE(officer.screen(), QStringLiteral("ready"));
        qt::AppController lawyer(dir.path() + "/lawyer");
        QVERIFY(lawyer.join(QString::fromStdString(h.enrollLink("alice", proto::ROLE_LAWYER)), "Alice Adams", kPass));
        QVERIFY(until([&] { return lawyer.connected(); }));
        auto invite = lawyer.client()->createInvite("Estate of Smith");
        QVERIFY(invite);
        qt::AppController client(dir.path() + "/client");
        QVERIFY(client.join(QString::fromStdString(*invite), "Carol Client", kPass));
        QVERIFY(client.acceptNotice());
        QVERIFY(until([&] { return client.conversations()->rowCount() == 1; }));
        const QString conv = cell(client.conversations(), 0, qt::ConversationListModel::IdRole).toString();
        client.openConversation(conv);
        QVERIFY(until([&] { return lawyer.conversations()->rowCount() == 1; }));
        lawyer.openConversation(conv);
        QVERIFY(lawyer.send("Please send the signed engagement letter"));
        QVERIFY(client.send("My account number is 12345678"));
        QVERIFY(client.send("The hearing is on Tuesdy"));
        auto* cm = client.messages();
        const QString secret = cell(cm, rowOf(cm, qt::MessageListModel::BodyRole, "My account number is 12345678"),
                                    qt::MessageListModel::IdRole).toString();
        const QString typo = cell(cm, rowOf(cm, qt::MessageListModel::BodyRole, "The hearing is on Tuesdy"),
                                  qt::MessageListModel::IdRole).toString();
        QVERIFY(!secret.isEmpty() && !typo.isEmpty());
        QVERIFY(client.edit(typo, "The hearing is on Tuesday"));
        QVERIFY(client.retract(secret));
        {
            QFile f(dir.filePath("engagement.pdf"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray("%PDF-1.4 signed ") + QByteArray(4000, 'x'));
            f.close();
            QSignalSpy done(&client, &qt::AppController::attachmentDone);
            QVERIFY(client.attach(QUrl::fromLocalFile(f.fileName())));
            QVERIFY(done.wait(20000));
            QVERIFY(done.first().first().toBool());
        }
        QVERIFY(client.client()->waitForOutbox(20s));
        QVERIFY(lawyer.client()->waitForOutbox(20s));
        const QString keyFile = writeKeyFile(dir.path(), h.journalKey());
        QVERIFY(!keyFile.isEmpty());

        // A lawyer's profile may read an archive but not pull the firm's journal.
        {
            qt::ComplianceController notCompliance;
            notCompliance.setAppController(&lawyer);
            QCOMPARE(notCompliance.archivePath(), dir.path() + "/lawyer/journal.archive");
            notCompliance.setArchivePath(dir.path() + "/lawyer.archive");
            QSignalSpy unlocked(&notCompliance, &qt::ComplianceController::unlockFinished);
            notCompliance.unlock(keyFile, kJournalPass);
            QVERIFY(unlocked.wait(30000));
            QVERIFY2(unlocked.first().first().toBool(), qPrintable(notCompliance.error()));
            notCompliance.pull();
            QVERIFY(notCompliance.error().contains("compliance account"));
            QVERIFY(!notCompliance.busy());
        }

        // The compliance profile opens on the compliance page, not the chat.
        Ui ui;
        QVERIFY(ui.load(officer, 1280, 800, false));
        QVERIFY(until([&] { return ui.find("complianceController") != nullptr; }));
        auto* cc = qobject_cast<qt::ComplianceController*>(ui.find("complianceController"));
        QVERIFY(cc);
        QVERIFY(!ui.find("messageInput"));
        QVERIFY(!ui.find("conversationList"));
        QAbstractItemModelTester t1(cc->conversations(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t2(cc->timeline(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t3(cc->searchResults(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t4(cc->problems(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QString profileDir = dir.path() + "/officer";
        QCOMPARE(cc->archivePath(), profileDir + "/journal.archive");
        QCOMPARE(ui.find("archivePathField")->property("text").toString(), cc->archivePath());

        // A wrong passphrase: a clear error that does not repeat it, and no archive file.
        QSignalSpy unlocked(cc, &qt::ComplianceController::unlockFinished);
        QVERIFY(ui.type("journalKeyField", keyFile));
        QVERIFY(ui.type("journalPassphraseField", "not the journal passphrase"));
        QVERIFY(ui.click("journalUnlockButton"));
        QVERIFY(unlocked.wait(30000));
        QVERIFY(!unlocked.takeFirst().first().toBool());
        QVERIFY(!cc->unlocked());
        QVERIFY2(cc->error().contains("Wrong passphrase"), qPrintable(cc->error()));
        QVERIFY(!cc->error().contains("not the journal passphrase"));
        QVERIFY(ui.find("unlockError")->property("visible").toBool());
        QCOMPARE(filesLike(profileDir, "journal.archive"), QStringList());
        const QString out = qEnvironmentVariable("VERBATIM_SCREENSHOT_DIR", QDir::currentPath() + "/screenshots");
        QDir().mkpath(out);
        auto shoot = [&](const QString& name) {
            QTest::qWait(400);
            QImage img = ui.window->grabWindow();
            QVERIFY2(!img.isNull(), qPrintable(name));
            QVERIFY2(colours(img) > 12, qPrintable(name + " looks blank"));
            QVERIFY(img.save(out + "/" + name + ".png"));
        };
        shoot("compliance-laptop-light-unlock");

        // The right one.
        QVERIFY(ui.type("journalPassphraseField", kJournalPass));
        QVERIFY(ui.click("journalUnlockButton"));
        QVERIFY(unlocked.wait(30000));
        QVERIFY2(unlocked.takeFirst().first().toBool(), qPrintable(cc->error()));
        QVERIFY(cc->unlocked());
        QVERIFY(cc->error().isEmpty());
        QVERIFY(QFile::exists(cc->archivePath()));
        QVERIFY(ui.find("journalPassphraseField")->property("text").toString().isEmpty());
        QCOMPARE(cc->verification(), QStringLiteral("empty"));

        // Pull (verified on the way).
        QSignalSpy pulled(cc, &qt::ComplianceController::pullFinished);
        QVERIFY(ui.click("pullButton"));
        QVERIFY(cc->busy());
        QVERIFY(pulled.wait(60000));
        QVERIFY2(pulled.first().first().toBool(), qPrintable(cc->error()));
        QVERIFY(until([&] { return !cc->busy(); }));
        QCOMPARE(cc->verification(), QStringLiteral("ok"));
        QCOMPARE(cc->problemCount(), 0);
        QVERIFY(cc->entries() > 5);
        QVERIFY(cc->headSequence() >= cc->entries());
        QCOMPARE(ui.find("verificationText")->property("text").toString(),
                 QStringLiteral("\u2714 Journal verified: %1 entries, head #%2").arg(cc->entries()).arg(cc->headSequence()));
        const int convRow = rowOf(cc->conversations(), qt::ArchiveConversationsModel::IdRole, conv);
        QVERIFY(convRow >= 0);
        QCOMPARE(cell(cc->conversations(), convRow, qt::ArchiveConversationsModel::TitleRole).toString(),
                 QStringLiteral("Estate of Smith"));
        QVERIFY(cell(cc->conversations(), convRow, qt::ArchiveConversationsModel::MatterRole).toBool());
        QVERIFY(cell(cc->conversations(), convRow, qt::ArchiveConversationsModel::ParticipantsRole).toString().contains("Carol Client"));

        // Verify again, on its own.
        QSignalSpy verified(cc, &qt::ComplianceController::verifyFinished);
        QVERIFY(ui.click("verifyButton"));
        QVERIFY(verified.wait(60000));
        QVERIFY(verified.first().first().toBool());
        QCOMPARE(cc->verification(), QStringLiteral("ok"));

        // Search finds the retracted text, marked deleted.
        QSignalSpy searched(cc, &qt::ComplianceController::searchFinished);
        QVERIFY(ui.type("complianceSearchField", "12345678"));
        QVERIFY(ui.click("complianceSearchButton"));
        QVERIFY(searched.wait(30000));
        QVERIFY(searched.takeFirst().first().toBool());
        QVERIFY(cc->searchActive());
        auto* sm = cc->searchResults();
        QCOMPARE(sm->rowCount(), 1);
        QCOMPARE(cell(sm, 0, S::TextRole).toString(), QStringLiteral("My account number is 12345678"));
        QCOMPARE(cell(sm, 0, S::StatusRole).toString(), QStringLiteral("deleted"));
        QVERIFY(cell(sm, 0, S::DeletedRole).toBool());
        QCOMPARE(cell(sm, 0, S::ConversationRole).toString(), conv);
        QCOMPARE(cell(sm, 0, S::SenderNameRole).toString(), QStringLiteral("Carol Client"));
        QVERIFY(until([&] { return ui.shows("hitStatus", [](const QString& t) { return t.startsWith("Deleted for everyone"); }); }));
        // The filters narrow it: by matter and by participant (by name or id).
        cc->search("hearing", "Estate of Smith", "Carol Client");
        QVERIFY(searched.wait(30000));
        QVERIFY(sm->rowCount() >= 1);
        QVERIFY(rowOf(sm, S::TextRole, "The hearing is on Tuesdy") >= 0);
        cc->search("hearing", {}, "comply");
        QVERIFY(searched.wait(30000));
        QCOMPARE(sm->rowCount(), 0);
        cc->search("hearing", "No such matter", {});
        QVERIFY(searched.wait(30000));
        QVERIFY(!searched.last().first().toBool());
        QVERIFY(!cc->error().isEmpty());
        cc->search("12345678");
        QVERIFY(searched.wait(30000));
        QCOMPARE(sm->rowCount(), 1);

        // The timeline: the deletion with who and when, the edit with old and new, the rest.
        QSignalSpy loaded(cc, &qt::ComplianceController::timelineLoaded);
        cc->openConversation(cell(sm, 0, S::ConversationRole).toString());
        QVERIFY(loaded.wait(30000));
        QCOMPARE(cc->currentTitle(), QStringLiteral("Estate of Smith"));
        auto* tm = cc->timeline();
        const int gone = rowOf(tm, R::OriginalTextRole, "My account number is 12345678");
        QVERIFY(gone >= 0);
        QVERIFY(cell(tm, gone, R::DeletedRole).toBool());
        QCOMPARE(cell(tm, gone, R::DeletedByRole).toString(), QStringLiteral("Carol Client"));
        QVERIFY(cell(tm, gone, R::DeletedTimeRole).toDateTime().isValid());
        QCOMPARE(cell(tm, gone, R::SenderNameRole).toString(), QStringLiteral("Carol Client"));
        const int fixed = rowOf(tm, R::OriginalTextRole, "The hearing is on Tuesdy");
        QVERIFY(fixed >= 0);
        QCOMPARE(cell(tm, fixed, R::TextRole).toString(), QStringLiteral("The hearing is on Tuesday"));
        QVERIFY(cell(tm, fixed, R::EditedRole).toBool());
        QVERIFY(!cell(tm, fixed, R::DeletedRole).toBool());
        QCOMPARE(cell(tm, fixed, R::EditsRole).toStringList(),
                 QStringList{QStringLiteral("The hearing is on Tuesdy \u2192 The hearing is on Tuesday")});
        QVERIFY(rowOf(tm, R::AttachmentsRole, "engagement.pdf") >= 0);
        QVERIFY(rowOf(tm, R::KindRole, "notice") >= 0);
        QVERIFY(rowOf(tm, R::KindRole, "join") >= 0);
        // Staff are named as the firm enrolled them (the harness names them by their id).
        QCOMPARE(cell(tm, rowOf(tm, R::TextRole, "Please send the signed engagement letter"), R::SenderNameRole).toString(),
                 QStringLiteral("alice"));
        for (int i = 0; i < tm->rowCount(); ++i) QVERIFY2(cell(tm, i, R::VerifiedRole).toBool(), qPrintable(cell(tm, i, R::VerificationRole).toString()));
        // ... and the page shows them.
        QVERIFY(until([&] {
            return ui.shows("deletedLabel", [](const QString& t) {
                return t.startsWith("Deleted by Carol Client at ") && t.endsWith("original text kept");
            });
        }));
        // The deleted text is still there, struck through.
        bool struck = false;
        for (auto* item : ui.findItems("timelineText"))
            if (item->isVisible() && item->property("text").toString() == "My account number is 12345678")
                struck = item->property("font").value<QFont>().strikeOut();
        QVERIFY(struck);
        QVERIFY(ui.shows("timelineText", [](const QString& t) { return t == "The hearing is on Tuesday"; }));
        QVERIFY(ui.shows("editLine", [](const QString& t) { return t == QStringLiteral("The hearing is on Tuesdy \u2192 The hearing is on Tuesday"); }));
        QCOMPARE(ui.find("timelineTitle")->property("text").toString(), QStringLiteral("Estate of Smith"));

        // Export RSMF (the default format) to a file.
        QTemporaryDir exportDir;
        const QString rsmf = exportDir.filePath("smith.rsmf");
        QVERIFY(!ui.find("exportPathField")->property("visible").toBool());
        QVERIFY(ui.click("exportToggle"));
        QVERIFY(ui.find("exportPathField")->property("visible").toBool());
        QCOMPARE(ui.find("exportFormat")->property("value").toString(), QStringLiteral("rsmf"));
        QVERIFY(ui.type("exportPathField", rsmf));
        QSignalSpy exported(cc, &qt::ComplianceController::exportFinished);
        QVERIFY(ui.click("exportButton"));
        QVERIFY(exported.wait(60000));
        QVERIFY2(exported.first().first().toBool(), qPrintable(cc->error()));
        QCOMPARE(cc->exportedFiles(), rsmf);
        {
            QFile f(rsmf);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray bytes = f.readAll();
            const int end = bytes.indexOf("\r\n\r\n");
            QVERIFY(end > 0);
            const QByteArray header = bytes.left(end);
            QVERIFY(QRegularExpression("^[A-Za-z][A-Za-z0-9-]*: ").match(QString::fromLatin1(header)).hasMatch());
            QVERIFY2(header.contains("\r\nX-RSMF-Version: 2.0.0\r\n") || header.startsWith("X-RSMF-Version: 2.0.0\r\n"),
                     header.constData());
        }
        // A format it does not know is refused, writing nothing.
        cc->exportTo("pdf", exportDir.filePath("smith.pdf"));
        QVERIFY(cc->error().contains("RSMF"));
        QVERIFY(!QFile::exists(exportDir.filePath("smith.pdf")));
        cc->clearError();

        // Screenshots: the timeline beside the search hits on a laptop, alone on a phone.
        shoot("compliance-laptop-light");
        ui.engine.rootContext()->setContextProperty("darkTheme", true);
        shoot("compliance-laptop-dark");
        QVERIFY(ui.click("exportToggle"));
        ui.window->resize(390, 844);
        shoot("compliance-phone-dark");
        ui.engine.rootContext()->setContextProperty("darkTheme", false);
        shoot("compliance-phone-light");
        cc->closeConversation();
        shoot("compliance-phone-light-search");
        cc->clearSearch();
        QVERIFY(!cc->searchActive());
        QCOMPARE(cc->searchResults()->rowCount(), 0);
        QVERIFY(ui.find("complianceSearchField")->property("text").toString().isEmpty());
        QVERIFY(ui.find("archiveConversationList")->property("visible").toBool());
        shoot("compliance-phone-light-list");

        // Locking the profile mid-pull cancels the pull and closes the archive before the
        // client goes away.
        QPointer<qt::ComplianceController> alive(cc);
        cc->pull();
        officer.lock();
        QCOMPARE(officer.screen(), QStringLiteral("unlock"));
        QVERIFY(until([&] { return !alive || !alive->unlocked(); }));
    }
};

QTEST_MAIN(TestApp)
#include "tst_app.moc"

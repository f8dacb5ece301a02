// The Qt layer against a real relay: the list models under QAbstractItemModelTester (attached
// before any data arrives), the QML screens driven offscreen (join by invite, recording notice,
// send, receive, edit, retract placeholder, safety number), and screenshots of the main screens
// at phone and laptop size in both themes, checked for not being blank (ES-12 UI half).

#include <QAbstractItemModelTester>
#include <QDir>
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
#include "client/qt/QrImageProvider.h"

Q_IMPORT_QML_PLUGIN(VerbatimPlugin)

using namespace verbatim;
using namespace std::chrono_literals;

namespace {

constexpr const char* kPass = "app test passphrase";

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
};

QTEST_MAIN(TestApp)
#include "tst_app.moc"

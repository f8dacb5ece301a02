// The Qt layer against a real relay: the list models under QAbstractItemModelTester (attached
// before any data arrives), the QML screens driven offscreen (join by invite, recording notice,
// send, receive, edit, retract placeholder, safety number), and screenshots of the main screens
// at phone and laptop size in both themes, checked for not being blank (ES-12 UI half). The
// compliance page (issue 6) against the same relay: unlock the journal key, pull, verify, search,
// timeline with the deleted and edited history, RSMF export, and its screenshots. Device
// management (issue 7): the admin's inventory with revoke and wipe behind confirmations, linking
// another device from settings (QR code), the erased screen after a remote wipe, and the unlock
// screen's warning and erasure under the firm's policy, with their screenshots.
//
// Over 600 lines on purpose: every test drives the same Ui helper, harness and screenshot
// checks; one executable starts Qt Quick once for all of them.

#include <QAbstractItemModelTester>
#include <QDesktopServices>
#include <QDir>
#include <QDirIterator>
#include <QFont>
#include <QNetworkProxy>
#include <QQmlApplicationEngine>
#include <QQmlContext>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QRandomGenerator>
#include <QScopeGuard>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTextDocument>
#include <QTextLayout>
#include <QtTest>

#include <set>

#include "../e2e/E2EHarness.h"
#include "client/qt/AdminController.h"
#include "client/qt/AppController.h"
#include "client/qt/ComplianceController.h"
#include "client/qt/OfflineNetwork.h"
#include "client/qt/QmlModules.h"
#include "client/qt/QrImageProvider.h"
#include "client/qt/TextRuns.h"
#include "crypto/PassphraseBox.h"

using namespace verbatim;
using namespace std::chrono_literals;

namespace {

constexpr const char* kPass = "app test passphrase";
constexpr const char* kJournalPass = "journal key passphrase 1";

/// Runs the event loop until `f` holds (or the timeout).
template <class F> bool until(F f, int ms = 20000) {
    QElapsedTimer t;
    t.start();
    while (!f() && t.elapsed() < ms)
        QTest::qWait(20);
    return f();
}

int rowOf(QAbstractItemModel* m, int role, const QVariant& value) {
    for (int i = 0; i < m->rowCount(); ++i)
        if (m->data(m->index(i, 0), role) == value) return i;
    return -1;
}

QVariant cell(QAbstractItemModel* m, int row, int role) {
    return m->data(m->index(row, 0), role);
}

/// Where screenshots go: VERBATIM_SCREENSHOT_DIR, else ./screenshots.
QString screenshotDir() {
    const QString out =
        qEnvironmentVariable("VERBATIM_SCREENSHOT_DIR", QDir::currentPath() + "/screenshots");
    QDir().mkpath(out);
    return out;
}

/// Whether the files that make a profile exist in `dir`.
bool profileFilesExist(const QString& dir) {
    return QFile::exists(dir + "/profile.db") || QFile::exists(dir + "/profile.key");
}

/// Distinct colours in a sample of the image: a blank render has one or two.
int colours(const QImage& img) {
    std::set<QRgb> seen;
    for (int y = 0; y < img.height(); y += 7)
        for (int x = 0; x < img.width(); x += 7)
            seen.insert(img.pixel(x, y));
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
        qt::WindowOptions o;
        o.darkTheme = dark;
        o.initialWidth = w;
        o.initialHeight = h;
        o.windowTitle = QStringLiteral("Verbatim test");
        if (!qt::loadMainWindow(engine, app, o)) return false;
        window = qobject_cast<QQuickWindow*>(engine.rootObjects().first());
        return window != nullptr;
    }
    QObject* find(const char* name) { return window ? window->findChild<QObject*>(name) : nullptr; }
    /// `name` among the QObject children, else in the visual tree (where an open popup's
    /// content lives, under the overlay).
    QObject* deep(const char* name) {
        if (auto* o = find(name)) return o;
        auto items = findItems(name);
        return items.isEmpty() ? nullptr : items.first();
    }
    /// The visible item named `name` whose property `key` is `value` (a delegate's button).
    QQuickItem* visibleWith(const char* name, const char* key, const QString& value) {
        for (auto* item : findItems(name))
            if (item->isVisible() && item->property(key).toString() == value) return item;
        return nullptr;
    }
    /// Renders the window and saves it as `name`.png in screenshotDir(); false if it looks blank.
    bool shoot(const QString& name) {
        QTest::qWait(400);
        QImage img = window->grabWindow();
        if (img.isNull() || colours(img) <= 12) return false;
        return img.save(screenshotDir() + "/" + name + ".png");
    }
    /// Items named `name` in the visual tree (delegates and their contentItem are not always
    /// QObject children, so findChild misses them).
    QList<QQuickItem*> findItems(const char* name, QQuickItem* from = nullptr) {
        QList<QQuickItem*> out;
        if (!from) from = window ? window->contentItem() : nullptr;
        if (!from) return out;
        if (from->objectName() == QLatin1String(name)) out << from;
        for (auto* child : from->childItems())
            out << findItems(name, child);
        return out;
    }
    /// A visible item named `name` whose text satisfies `f`.
    template <class F> bool shows(const char* name, F f) {
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

/// Alice (lawyer) and Carol (client, invited to `matter`, notice accepted), both with the matter
/// open and connected. The caller's Ui, if any, is on Carol.
bool openMatter(e2e::Harness& h, qt::AppController& lawyer, qt::AppController& client,
                const std::string& matter) {
    if (!lawyer.session()->join(QString::fromStdString(h.enrollLink("alice", proto::ROLE_LAWYER)),
                                "Alice Adams", kPass))
        return false;
    if (!until([&] { return lawyer.session()->connected(); })) return false;
    auto invite = lawyer.client()->createInvite(matter);
    if (!invite ||
        !client.session()->join(QString::fromStdString(*invite), "Carol Client", kPass) ||
        !client.session()->acceptNotice())
        return false;
    if (!until([&] {
            return client.session()->connected() && client.chat()->conversations()->rowCount() == 1;
        }))
        return false;
    const QString conv =
        cell(client.chat()->conversations(), 0, qt::ConversationListModel::IdRole).toString();
    client.chat()->openConversation(conv);
    if (!until([&] {
            return rowOf(lawyer.chat()->conversations(), qt::ConversationListModel::IdRole, conv) >=
                   0;
        }))
        return false;
    lawyer.chat()->openConversation(conv);
    return lawyer.chat()->currentConversation() == conv &&
           client.chat()->currentConversation() == conv;
}

/// Types `text` into the window's focused item, key by key.
void typeKeys(QWindow* window, const QString& text) {
    for (QChar c : text)
        QTest::keyClick(window, c.toLatin1());
}

/// The texts of the visible items named `name`, in tree order.
QStringList visibleTexts(const QList<QQuickItem*>& items) {
    QStringList out;
    for (auto* item : items)
        if (item->isVisible()) out << item->property("text").toString();
    return out;
}

/// Every Text, Label and TextEdit under `from`, visible or not (an open popup's too: popups live
/// under the window's overlay, a child of the content item).
void textItems(QQuickItem* from, QList<QQuickItem*>& out) {
    if (!from) return;
    if (from->inherits("QQuickText") || from->inherits("QQuickTextEdit")) out << from;
    for (auto* child : from->childItems())
        textItems(child, out);
}

bool isPlain(QQuickItem* item) {
    return item->property("textFormat").toInt() == Qt::PlainText;
}

/// Characters that change the direction of the text after them.
bool isBidiControl(QChar c) {
    const char16_t u = c.unicode();
    return (u >= 0x202A && u <= 0x202E) || (u >= 0x2066 && u <= 0x2069) || u == 0x200E ||
           u == 0x200F || u == 0x061C;
}

/// `text` without what its isolates hold, as the Unicode bidi algorithm pairs them (a PDI closes
/// the nearest open isolate; one without an initiator does nothing): what is left is laid out
/// together, so a direction change in it reorders our sentence.
QString outsideIsolates(const QString& text) {
    QString out;
    int depth = 0;
    for (QChar c : text) {
        const char16_t u = c.unicode();
        if (u == 0x2066 || u == 0x2067 || u == 0x2068) {
            ++depth;
            continue;
        }
        if (u == 0x2069) {
            if (depth > 0) {
                --depth;
                continue;
            }
        }
        if (depth == 0) out += c;
    }
    return out;
}

/// Checks every text item of `ui`'s window: one showing markup-like text ('<', '&', '*', '[',
/// '_' or a format character) renders it as plain text (hidden ones too: they may show later),
/// and in a visible one a direction change or another invisible format character outside an
/// isolate appears only where a participant's message is shown alone (a part of one of
/// `alone`): names and titles show theirs as "[U+…]". Empty when all is well, else what is
/// wrong.
QString renderingProblems(Ui& ui, const QStringList& alone) {
    QList<QQuickItem*> items;
    textItems(ui.window->contentItem(), items);
    QStringList problems;
    for (auto* item : items) {
        const QString t = item->property("text").toString();
        if (t.isEmpty()) continue;
        bool suspicious = Qt::mightBeRichText(t);
        for (QChar c : t)
            if (c == u'<' || c == u'&' || c == u'*' || c == u'[' || c == u'_' ||
                c.category() == QChar::Other_Format)
                suspicious = true;
        if (suspicious && !isPlain(item))
            problems << QStringLiteral("%1 %2 renders with format %3: %4")
                            .arg(QString::fromLatin1(item->metaObject()->className()),
                                 item->objectName())
                            .arg(item->property("textFormat").toInt())
                            .arg(t.left(80));
        const QString outside = outsideIsolates(t);
        const bool hidden = std::any_of(outside.begin(), outside.end(), [](QChar c) {
            return isBidiControl(c) || c.category() == QChar::Other_Format;
        });
        if (item->isVisible() && hidden &&
            !std::any_of(alone.begin(), alone.end(),
                         [&](const QString& a) { return a.contains(t); }))
            problems << QStringLiteral("%1 %2 shows a direction change or invisible character "
                                       "outside an isolate: %3")
                            .arg(QString::fromLatin1(item->metaObject()->className()),
                                 item->objectName(), t.left(80));
    }
    return problems.join(QLatin1Char('\n'));
}

/// A visible text item whose text is exactly `text` and renders as plain text.
bool showsPlain(Ui& ui, const QString& text) {
    QList<QQuickItem*> items;
    textItems(ui.window->contentItem(), items);
    for (auto* item : items)
        if (item->isVisible() && isPlain(item) && item->property("text").toString() == text)
            return true;
    return false;
}

/// A local HTTP server that counts who connects: the beacon an <img src=...> would call.
struct Beacon {
    QTcpServer server;
    QStringList requests;
    int connections = 0;
    bool listen() {
        QObject::connect(&server, &QTcpServer::newConnection, [this] {
            while (auto* s = server.nextPendingConnection()) {
                ++connections;
                QObject::connect(s, &QTcpSocket::readyRead, s, [this, s] {
                    requests << QString::fromLatin1(s->readLine(200)).trimmed();
                    s->write("HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n");
                    s->disconnectFromHost();
                });
            }
        });
        return server.listen(QHostAddress::LocalHost, 0);
    }
    QString url(const QString& what) const {
        return QStringLiteral("http://127.0.0.1:%1/%2").arg(server.serverPort()).arg(what);
    }
};

} // namespace

/// Receives the URLs the app hands to the desktop's browser (QDesktopServices::setUrlHandler).
class UrlCatcher : public QObject {
    Q_OBJECT
public:
    QList<QUrl> urls;
public slots:
    void handle(const QUrl& url) { urls << url; }
};

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
        QAbstractItemModelTester t1(lawyer.chat()->conversations(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t2(lawyer.chat()->messages(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t3(lawyer.chat()->searchResults(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t4(lawyer.chat()->participants(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t5(lawyer.deviceLinking()->devices(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(lawyer.session()->screen(), QStringLiteral("onboarding"));
        QVERIFY2(lawyer.session()->join(
                     QString::fromStdString(h.enrollLink("alice", proto::ROLE_LAWYER)),
                     "Alice Adams", kPass),
                 qPrintable(lawyer.error()));
        QCOMPARE(lawyer.session()->screen(), QStringLiteral("ready"));
        QVERIFY(until([&] { return lawyer.session()->connected(); }));
        auto* core = lawyer.client();
        auto invite = core->createInvite("Estate of Doe");
        QVERIFY(invite);

        QTemporaryDir cdir;
        qt::AppController client(cdir.path() + "/client");
        QAbstractItemModelTester c1(client.chat()->messages(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(client.session()->join(QString::fromStdString(*invite), "Carol Client", kPass));
        QCOMPARE(client.session()->screen(),
                 QStringLiteral("notice")); // before the first message (ES-12)
        QVERIFY(!client.chat()->send("too early"));
        QVERIFY(client.session()->acceptNotice());
        QCOMPARE(client.session()->screen(), QStringLiteral("ready"));
        QVERIFY(until([&] { return client.chat()->conversations()->rowCount() == 1; }));
        client.chat()->openConversation(client.chat()
                                            ->conversations()
                                            ->data(client.chat()->conversations()->index(0, 0),
                                                   qt::ConversationListModel::IdRole)
                                            .toString());
        QCOMPARE(client.chat()->currentTitle(), QStringLiteral("Estate of Doe"));
        QVERIFY(client.chat()->currentIsMatter());

        QVERIFY(until([&] { return lawyer.chat()->conversations()->rowCount() == 1; }));
        const QString conv =
            cell(lawyer.chat()->conversations(), 0, qt::ConversationListModel::IdRole).toString();
        lawyer.chat()->openConversation(conv);
        QCOMPARE(lawyer.chat()->participants()->rowCount(), 2);
        for (int i = 0; i < 130; ++i)
            QVERIFY(lawyer.chat()->send(QStringLiteral("message %1").arg(i)));
        QVERIFY(core->waitForOutbox(30s));
        auto* cm = client.chat()->messages();
        QVERIFY(
            until([&] { return rowOf(cm, qt::MessageListModel::BodyRole, "message 129") >= 0; }));
        // Paging (on a model of its own: the tester itself fetches everything): opening loads
        // the newest page; older ones come with fetchMore.
        {
            qt::MessageListModel pager;
            pager.open(client.client(), client.chat()->currentConversation());
            QCOMPARE(pager.rowCount(), int(qt::MessageListModel::kPage));
            QVERIFY(pager.canFetchMore({}));
            QVERIFY(rowOf(&pager, qt::MessageListModel::BodyRole, "message 0") < 0);
            while (pager.canFetchMore({}))
                pager.fetchMore({});
            QVERIFY(rowOf(&pager, qt::MessageListModel::BodyRole, "message 0") >= 0);
        }
        QVERIFY(rowOf(cm, qt::MessageListModel::BodyRole, "message 0") >= 0);

        const QString id = cell(cm, rowOf(cm, qt::MessageListModel::BodyRole, "message 129"),
                                qt::MessageListModel::IdRole)
                               .toString();
        QVERIFY(lawyer.chat()->edit(id, "message 129, corrected"));
        QVERIFY(until([&] {
            int r = rowOf(cm, qt::MessageListModel::IdRole, id);
            return r >= 0 && cell(cm, r, qt::MessageListModel::EditedRole).toBool();
        }));
        QCOMPARE(
            cell(cm, rowOf(cm, qt::MessageListModel::IdRole, id), qt::MessageListModel::BodyRole)
                .toString(),
            QStringLiteral("message 129, corrected"));
        QVERIFY(lawyer.chat()->retract(id));
        QVERIFY(until([&] {
            return cell(cm, rowOf(cm, qt::MessageListModel::IdRole, id),
                        qt::MessageListModel::RetractedRole)
                .toBool();
        }));
        QVERIFY(
            cell(cm, rowOf(cm, qt::MessageListModel::IdRole, id), qt::MessageListModel::BodyRole)
                .toString()
                .isEmpty());

        client.chat()->search("corrected");
        QCOMPARE(client.chat()->searchResults()->rowCount(), 0);
        client.chat()->search("message");
        QVERIFY(client.chat()->searchResults()->rowCount() > 0);

        // Safety number: the same digits on both sides.
        const QString sn = client.chat()->safetyNumber("alice");
        QCOMPARE(sn.size(), 60);
        QCOMPARE(
            lawyer.chat()->safetyNumber(QString::fromStdString(client.client()->account().user)),
            sn);

        // An attachment from the app: uploaded in the background, received by the lawyer.
        {
            QTemporaryDir files;
            QFile f(files.filePath("scan.pdf"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray(200 * 1024, 'x'));
            f.close();
            QSignalSpy done(client.attachments(), &qt::AttachmentsController::attachmentDone);
            QVERIFY(client.attachments()->attach(QUrl::fromLocalFile(f.fileName())));
            QCOMPARE(client.attachments()->uploading(), QStringLiteral("scan.pdf"));
            QVERIFY(done.wait(20000));
            QVERIFY(done.first().first().toBool());
            QVERIFY(client.attachments()->uploading().isEmpty());
            auto* lm = lawyer.chat()->messages();
            QVERIFY(until([&] {
                return rowOf(lm, qt::MessageListModel::AttachmentNameRole, "scan.pdf") >= 0;
            }));
            QCOMPARE(cell(lm, rowOf(lm, qt::MessageListModel::AttachmentNameRole, "scan.pdf"),
                          qt::MessageListModel::AttachmentSizeRole)
                         .toULongLong(),
                     200ull * 1024);
        }

        // Change the passphrase: the old one no longer unlocks.
        QVERIFY(!client.session()->changePassphrase("not it", "a new passphrase"));
        QVERIFY(client.session()->changePassphrase(kPass, "a new passphrase"));

        // The lawyer's devices, as the relay lists them (asked off the GUI thread).
        QSignalSpy devicesRefreshed(lawyer.deviceLinking(),
                                    &qt::DeviceLinkController::devicesRefreshed);
        lawyer.deviceLinking()->refreshDevices();
        QVERIFY(devicesRefreshed.wait(20000));
        QVERIFY(devicesRefreshed.first().first().toBool());
        QCOMPARE(lawyer.deviceLinking()->devices()->rowCount(), 1);
        QVERIFY(
            cell(lawyer.deviceLinking()->devices(), 0, qt::DevicesModel::ThisDeviceRole).toBool());
        QCOMPARE(
            cell(lawyer.deviceLinking()->devices(), 0, qt::DevicesModel::StatusRole).toString(),
            QStringLiteral("active"));
        QCOMPARE(
            cell(lawyer.deviceLinking()->devices(), 0, qt::DevicesModel::PlatformRole).toString(),
            QStringLiteral("desktop"));

        // Lock and unlock.
        client.session()->lock();
        QCOMPARE(client.session()->screen(), QStringLiteral("unlock"));
        QCOMPARE(client.chat()->messages()->rowCount(), 0);
        QVERIFY(!client.session()->unlock("wrong passphrase"));
        QCOMPARE(client.error(), QStringLiteral("Wrong passphrase."));
        QVERIFY(!client.session()->unlock(kPass));
        QVERIFY(client.session()->unlock("a new passphrase"));
        QCOMPARE(client.session()->screen(), QStringLiteral("ready"));
    }

    // The screens, driven through QML: join by invite, accept the notice, send, receive, edit,
    // retract (placeholder shown); then screenshots at both sizes and in both themes.
    void screensAndScreenshots() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/lawyer");
        QVERIFY(lawyer.session()->join(
            QString::fromStdString(h.enrollLink("alice", proto::ROLE_LAWYER)), "Alice Adams",
            kPass));
        QVERIFY(until([&] { return lawyer.session()->connected(); }));
        auto invite = lawyer.client()->createInvite("Estate of Doe");
        QVERIFY(invite);

        qt::AppController client(dir.path() + "/client");
        Ui ui;
        QVERIFY(ui.load(client, 390, 844, false));
        QVERIFY(QTest::qWaitForWindowExposed(ui.window) || true);
        QCOMPARE(client.session()->screen(), QStringLiteral("onboarding"));
        QVERIFY(until([&] { return ui.find("linkField") != nullptr; }));
        QVERIFY(ui.type("linkField", QString::fromStdString(*invite)));
        QVERIFY(ui.type("nameField", "Carol Client"));
        QVERIFY(ui.type("passField", kPass));
        QVERIFY(ui.click("joinButton"));
        QVERIFY2(until([&] { return client.session()->screen() == "notice"; }),
                 qPrintable(client.error()));
        QVERIFY(until([&] { return ui.find("acceptNotice") != nullptr; }));
        QTest::qWait(500);
        QImage noticeShot = ui.window->grabWindow();
        QVERIFY(ui.click("acceptNotice"));
        QVERIFY(until([&] { return client.session()->screen() == "ready"; }));
        QVERIFY(until([&] { return client.chat()->conversations()->rowCount() == 1; }));
        client.chat()->openConversation(
            cell(client.chat()->conversations(), 0, qt::ConversationListModel::IdRole).toString());

        // ES-12: the journaling notice sits above the first message, for the client...
        QVERIFY(until([&] {
            return ui.find("journalNotice") &&
                   ui.find("journalNotice")->property("visible").toBool();
        }));

        // Send through the composer.
        QVERIFY(until([&] { return ui.find("messageInput") != nullptr; }));
        QVERIFY(ui.type("messageInput", "Hello, I have questions about the will."));
        QVERIFY(ui.click("sendButton"));
        QVERIFY(until([&] {
            return rowOf(client.chat()->messages(), qt::MessageListModel::BodyRole,
                         "Hello, I have questions about the will.") >= 0;
        }));
        QVERIFY(ui.find("messageInput")->property("text").toString().isEmpty());

        // Receive, edit and retract from the lawyer.
        const std::string conv = *lawyer.client()->resolveConversation("Estate of Doe");
        lawyer.chat()->openConversation(QString::fromStdString(conv));
        QVERIFY(lawyer.chat()->send("Of course. Which clause?"));
        QVERIFY(lawyer.chat()->send("Also: the meeting is on Tuesday at 10."));
        auto* cm = client.chat()->messages();
        QVERIFY(until([&] {
            return rowOf(cm, qt::MessageListModel::BodyRole,
                         "Also: the meeting is on Tuesday at 10.") >= 0;
        }));
        const QString wrong = cell(lawyer.chat()->messages(),
                                   rowOf(lawyer.chat()->messages(), qt::MessageListModel::BodyRole,
                                         "Of course. Which clause?"),
                                   qt::MessageListModel::IdRole)
                                  .toString();
        QVERIFY(lawyer.chat()->edit(wrong, "Of course. Which clause do you mean?"));
        const QString gone = cell(lawyer.chat()->messages(),
                                  rowOf(lawyer.chat()->messages(), qt::MessageListModel::BodyRole,
                                        "Also: the meeting is on Tuesday at 10."),
                                  qt::MessageListModel::IdRole)
                                 .toString();
        QVERIFY(lawyer.chat()->retract(gone));
        QVERIFY(until([&] {
            return cell(cm, rowOf(cm, qt::MessageListModel::IdRole, gone),
                        qt::MessageListModel::RetractedRole)
                .toBool();
        }));
        QVERIFY(until([&] {
            return cell(cm, rowOf(cm, qt::MessageListModel::IdRole, wrong),
                        qt::MessageListModel::EditedRole)
                .toBool();
        }));
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
        const QString out =
            qEnvironmentVariable("VERBATIM_SCREENSHOT_DIR", QDir::currentPath() + "/screenshots");
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
        client.chat()->closeConversation();
        shoot("phone-light-list");
        client.chat()->openConversation(QString::fromStdString(conv));
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
        QVERIFY2(officer.session()->join(
                     QString::fromStdString(h.enrollLink("comply", proto::ROLE_COMPLIANCE)),
                     "Casey Compliance", kPass),
                 qPrintable(officer.error()));
        QCOMPARE(officer.session()->role(), QStringLiteral("compliance"));
        QCOMPARE(officer.session()->screen(), QStringLiteral("ready"));
        qt::AppController lawyer(dir.path() + "/lawyer");
        QVERIFY(lawyer.session()->join(
            QString::fromStdString(h.enrollLink("alice", proto::ROLE_LAWYER)), "Alice Adams",
            kPass));
        QVERIFY(until([&] { return lawyer.session()->connected(); }));
        auto invite = lawyer.client()->createInvite("Estate of Smith");
        QVERIFY(invite);
        qt::AppController client(dir.path() + "/client");
        QVERIFY(client.session()->join(QString::fromStdString(*invite), "Carol Client", kPass));
        QVERIFY(client.session()->acceptNotice());
        QVERIFY(until([&] { return client.chat()->conversations()->rowCount() == 1; }));
        const QString conv =
            cell(client.chat()->conversations(), 0, qt::ConversationListModel::IdRole).toString();
        client.chat()->openConversation(conv);
        QVERIFY(until([&] { return lawyer.chat()->conversations()->rowCount() == 1; }));
        lawyer.chat()->openConversation(conv);
        QVERIFY(lawyer.chat()->send("Please send the signed engagement letter"));
        QVERIFY(client.chat()->send("My account number is 12345678"));
        QVERIFY(client.chat()->send("The hearing is on Tuesdy"));
        auto* cm = client.chat()->messages();
        const QString secret =
            cell(cm, rowOf(cm, qt::MessageListModel::BodyRole, "My account number is 12345678"),
                 qt::MessageListModel::IdRole)
                .toString();
        const QString typo =
            cell(cm, rowOf(cm, qt::MessageListModel::BodyRole, "The hearing is on Tuesdy"),
                 qt::MessageListModel::IdRole)
                .toString();
        QVERIFY(!secret.isEmpty() && !typo.isEmpty());
        QVERIFY(client.chat()->edit(typo, "The hearing is on Tuesday"));
        QVERIFY(client.chat()->retract(secret));
        {
            QFile f(dir.filePath("engagement.pdf"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray("%PDF-1.4 signed ") + QByteArray(4000, 'x'));
            f.close();
            QSignalSpy done(client.attachments(), &qt::AttachmentsController::attachmentDone);
            QVERIFY(client.attachments()->attach(QUrl::fromLocalFile(f.fileName())));
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
        QAbstractItemModelTester t1(cc->conversations(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t2(cc->timeline(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t3(cc->searchResults(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t4(cc->problems(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
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
        const QString out =
            qEnvironmentVariable("VERBATIM_SCREENSHOT_DIR", QDir::currentPath() + "/screenshots");
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
                 QStringLiteral("\u2714 Journal verified: %1 entries, head #%2")
                     .arg(cc->entries())
                     .arg(cc->headSequence()));
        const int convRow = rowOf(cc->conversations(), qt::ArchiveConversationsModel::IdRole, conv);
        QVERIFY(convRow >= 0);
        QCOMPARE(
            cell(cc->conversations(), convRow, qt::ArchiveConversationsModel::TitleRole).toString(),
            QStringLiteral("Estate of Smith"));
        QVERIFY(
            cell(cc->conversations(), convRow, qt::ArchiveConversationsModel::MatterRole).toBool());
        QVERIFY(cell(cc->conversations(), convRow, qt::ArchiveConversationsModel::ParticipantsRole)
                    .toString()
                    .contains("Carol Client"));

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
        QCOMPARE(cell(sm, 0, S::TextRole).toString(),
                 QStringLiteral("My account number is 12345678"));
        QCOMPARE(cell(sm, 0, S::StatusRole).toString(), QStringLiteral("deleted"));
        QVERIFY(cell(sm, 0, S::DeletedRole).toBool());
        QCOMPARE(cell(sm, 0, S::ConversationRole).toString(), conv);
        QCOMPARE(cell(sm, 0, S::SenderNameRole).toString(), QStringLiteral("Carol Client"));
        QVERIFY(until([&] {
            return ui.shows("hitStatus",
                            [](const QString& t) { return t.startsWith("Deleted for everyone"); });
        }));
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
        QCOMPARE(cell(tm, fixed, R::TextRole).toString(),
                 QStringLiteral("The hearing is on Tuesday"));
        QVERIFY(cell(tm, fixed, R::EditedRole).toBool());
        QVERIFY(!cell(tm, fixed, R::DeletedRole).toBool());
        QCOMPARE(cell(tm, fixed, R::EditsRole).toStringList(),
                 QStringList{qt::TextRuns::isolated("The hearing is on Tuesdy") + " \u2192 " +
                             qt::TextRuns::isolated("The hearing is on Tuesday")});
        QVERIFY(rowOf(tm, R::AttachmentsRole, "engagement.pdf") >= 0);
        QVERIFY(rowOf(tm, R::KindRole, "notice") >= 0);
        QVERIFY(rowOf(tm, R::KindRole, "join") >= 0);
        // Staff are named as the firm enrolled them (the harness names them by their id).
        QCOMPARE(cell(tm, rowOf(tm, R::TextRole, "Please send the signed engagement letter"),
                      R::SenderNameRole)
                     .toString(),
                 QStringLiteral("alice"));
        for (int i = 0; i < tm->rowCount(); ++i)
            QVERIFY2(cell(tm, i, R::VerifiedRole).toBool(),
                     qPrintable(cell(tm, i, R::VerificationRole).toString()));
        // ... and the page shows them.
        QVERIFY(until([&] {
            return ui.shows("deletedLabel", [](const QString& t) {
                return t.startsWith("Deleted by " + qt::TextRuns::isolated("Carol Client") +
                                    " at ") &&
                       t.endsWith("original text kept");
            });
        }));
        // The deleted text is still there, struck through.
        bool struck = false;
        for (auto* item : ui.findItems("timelineText"))
            if (item->isVisible() &&
                item->property("text").toString() == "My account number is 12345678")
                struck = item->property("font").value<QFont>().strikeOut();
        QVERIFY(struck);
        QVERIFY(ui.shows("timelineText",
                         [](const QString& t) { return t == "The hearing is on Tuesday"; }));
        QVERIFY(ui.shows("editLine", [](const QString& t) {
            return t == qt::TextRuns::isolated("The hearing is on Tuesdy") + " \u2192 " +
                            qt::TextRuns::isolated("The hearing is on Tuesday");
        }));
        QCOMPARE(ui.find("timelineTitle")->property("text").toString(),
                 QStringLiteral("Estate of Smith"));

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
            QVERIFY(QRegularExpression("^[A-Za-z][A-Za-z0-9-]*: ")
                        .match(QString::fromLatin1(header))
                        .hasMatch());
            QVERIFY2(header.contains("\r\nX-RSMF-Version: 2.0.0\r\n") ||
                         header.startsWith("X-RSMF-Version: 2.0.0\r\n"),
                     header.constData());
        }
        // A format it does not know is refused, writing nothing.
        cc->exportTo("pdf", exportDir.filePath("smith.pdf"));
        QVERIFY(cc->error().contains("RSMF"));
        QVERIFY(!QFile::exists(exportDir.filePath("smith.pdf")));
        cc->clearError();

        // Screenshots: the timeline beside the search hits on a laptop, alone on a phone.
        shoot("compliance-laptop-light");
        ui.window->setProperty("darkTheme", true);
        shoot("compliance-laptop-dark");
        QVERIFY(ui.click("exportToggle"));
        ui.window->resize(390, 844);
        shoot("compliance-phone-dark");
        ui.window->setProperty("darkTheme", false);
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
        officer.session()->lock();
        QCOMPARE(officer.session()->screen(), QStringLiteral("unlock"));
        QVERIFY(until([&] { return !alive || !alive->unlocked(); }));
    }

    // The inventory's "last seen" reads naturally.
    void relativeTimesReadNaturally() {
        using M = qt::AdminDevicesModel;
        const QDateTime now(QDate(2026, 11, 28), QTime(10, 30));
        QCOMPARE(M::relativeTime({}, now), QStringLiteral("never"));
        QCOMPARE(M::relativeTime(now.addSecs(-20), now), QStringLiteral("just now"));
        QCOMPARE(M::relativeTime(now.addSecs(30), now),
                 QStringLiteral("just now")); // a clock a little ahead
        QCOMPARE(M::relativeTime(now.addSecs(-12 * 60), now), QStringLiteral("12 min ago"));
        QCOMPARE(M::relativeTime(now.addSecs(-3 * 3600), now), QStringLiteral("3 h ago"));
        QCOMPARE(M::relativeTime(QDateTime(QDate(2026, 11, 27), QTime(22, 5)), now),
                 QStringLiteral("yesterday 22:05"));
        QCOMPARE(M::relativeTime(QDateTime(QDate(2026, 10, 2), QTime(9, 0)), now),
                 QStringLiteral("2026-10-02"));
    }

    // Device management (issue 7), the admin's page: the inventory of a firm where Alice (lawyer)
    // has a phone (online) and a laptop (offline); revoke the phone and wipe the laptop through
    // the page, each after a confirmation naming the device; the laptop carries the wipe out when
    // it connects and the admin sees when. The inventory model is under QAbstractItemModelTester
    // from before its first row. A lawyer cannot list the firm's devices. Screenshots.
    void adminRevokesAndWipesDevices() {
        using R = qt::AdminDevicesModel;
        e2e::Harness h;
        QVERIFY(h.ok());
        QVERIFY(h.service().createUser("ada", proto::ROLE_ADMIN, "Ada Admin", "test"));
        QVERIFY(h.service().createUser("alice", proto::ROLE_LAWYER, "Alice Adams", "test"));
        QVERIFY(h.service().createUser("bob", proto::ROLE_LAWYER, "Bob Baker", "test"));
        QTemporaryDir dir;
        auto enroll = [&](const QString& name, const std::string& user, proto::Role role,
                          const char* platform) {
            client::JoinOptions o;
            o.platform = platform;
            o.appVersion = "0.1.0";
            return client::Client::join((dir.path() + "/" + name).toStdString(), kPass,
                                        h.enrollLink(user, role), o);
        };
        auto alicePhone = enroll("alice-phone", "alice", proto::ROLE_LAWYER, "ios");
        auto aliceLaptop = enroll("alice-laptop", "alice", proto::ROLE_LAWYER, "desktop");
        QVERIFY2(alicePhone && aliceLaptop,
                 alicePhone ? "laptop" : alicePhone.error().message.c_str());
        auto& phone = **alicePhone;
        auto& laptop = **aliceLaptop;
        phone.start();
        QVERIFY(until([&] { return phone.isConnected(); }));
        // The laptop, enrolled by the firm after the phone, waits for Alice's approval (issue 15).
        QVERIFY(phone.approveDevice(laptop.account().device));
        auto invite = phone.createInvite("Estate of Doe");
        QVERIFY(invite);
        {
            client::JoinOptions o;
            o.displayName = "Carol Client";
            o.platform = "android";
            o.appVersion = "0.1.0";
            QVERIFY(client::Client::join((dir.path() + "/carol").toStdString(), kPass, *invite, o));
        }
        const QString phoneKey = QStringLiteral("alice/%1").arg(phone.account().device);
        const QString laptopKey = QStringLiteral("alice/%1").arg(laptop.account().device);

        // A lawyer's profile is refused the inventory.
        {
            qt::AppController bob(dir.path() + "/bob");
            QVERIFY(
                bob.session()->join(QString::fromStdString(h.enrollLink("bob", proto::ROLE_LAWYER)),
                                    "Bob Baker", kPass));
            QVERIFY(until([&] { return bob.session()->connected(); }));
            qt::AdminController notAdmin;
            notAdmin.setAppController(&bob);
            QSignalSpy refused(&notAdmin, &qt::AdminController::refreshed);
            notAdmin.refresh();
            QVERIFY(notAdmin.busy());
            QVERIFY(refused.wait(20000));
            QVERIFY(!refused.first().first().toBool());
            QVERIFY2(notAdmin.error().contains("admin role"), qPrintable(notAdmin.error()));
            QCOMPARE(notAdmin.devices()->rowCount(), 0);
            QVERIFY(!notAdmin.busy());
        }

        qt::AppController admin(dir.path() + "/ada");
        QVERIFY2(
            admin.session()->join(QString::fromStdString(h.enrollLink("ada", proto::ROLE_ADMIN)),
                                  "Ada Admin", kPass),
            qPrintable(admin.error()));
        QCOMPARE(admin.session()->role(), QStringLiteral("admin"));
        QVERIFY(until([&] { return admin.session()->connected(); }));
        Ui ui;
        QVERIFY(ui.load(admin, 1280, 800, false));
        auto* ac = qobject_cast<qt::AdminController*>(ui.find("adminController"));
        QVERIFY(ac);
        auto* model = ac->devices();
        QAbstractItemModelTester tester(model,
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model->rowCount(), 0);

        // The admin chats like other staff; the inventory is a button in the header away.
        QVERIFY(until([&] { return ui.find("conversationList") != nullptr; }));
        QVERIFY(!ui.find("adminPage"));
        QVERIFY(ui.find("adminDevicesButton")->property("visible").toBool());
        QSignalSpy refreshed(ac, &qt::AdminController::refreshed);
        QVERIFY(ui.click("adminDevicesButton"));
        QVERIFY(until([&] { return ui.find("adminPage") != nullptr; }));
        QVERIFY(until([&] { return !ui.find("conversationList"); })); // the Loader deletes it later
        QVERIFY(!refreshed.isEmpty() || refreshed.wait(20000));
        QVERIFY2(refreshed.first().first().toBool(), qPrintable(ac->error()));
        QCOMPARE(model->rowCount(), 5); // ada, alice x2, bob, carol
        QCOMPARE(model->property("total").toInt(), 5);
        QVERIFY(ac->updated().isValid());
        int r = rowOf(model, R::KeyRole, phoneKey);
        QVERIFY(r >= 0);
        QCOMPARE(cell(model, r, R::UserRole).toString(), QStringLiteral("alice"));
        QCOMPARE(cell(model, r, R::NameRole).toString(), QStringLiteral("Alice Adams"));
        QCOMPARE(cell(model, r, R::RoleRole).toString(), QStringLiteral("lawyer"));
        QCOMPARE(cell(model, r, R::PlatformRole).toString(), QStringLiteral("ios"));
        QCOMPARE(cell(model, r, R::VersionRole).toString(), QStringLiteral("0.1.0"));
        QVERIFY(cell(model, r, R::EnrolledRole).toDateTime().isValid());
        QVERIFY(!cell(model, r, R::EnrolledTextRole).toString().isEmpty());
        QCOMPARE(cell(model, r, R::StatusRole).toString(), QStringLiteral("active"));
        QCOMPARE(cell(model, r, R::StatusTextRole).toString(), QStringLiteral("Active"));
        QVERIFY(cell(model, r, R::CanRevokeRole).toBool());
        QVERIFY(cell(model, r, R::CanWipeRole).toBool());
        const int carol = rowOf(model, R::NameRole, "Carol Client");
        QVERIFY(carol >= 0);
        QCOMPARE(cell(model, carol, R::RoleRole).toString(), QStringLiteral("client"));
        QCOMPARE(cell(model, carol, R::PlatformRole).toString(), QStringLiteral("android"));
        // The admin's own device is listed, and offers neither action.
        const int self = rowOf(model, R::ThisDeviceRole, true);
        QVERIFY(self >= 0);
        QCOMPARE(cell(model, self, R::UserRole).toString(), QStringLiteral("ada"));
        QVERIFY(!cell(model, self, R::CanRevokeRole).toBool());
        QVERIFY(!cell(model, self, R::CanWipeRole).toBool());
        QVERIFY(!ui.visibleWith("revokeButton", "deviceKey",
                                QStringLiteral("ada/%1").arg(admin.client()->account().device)));
        // The page shows them.
        QVERIFY(until([&] {
            return ui.shows("deviceStatus", [](const QString& t) { return t == "Active"; });
        }));
        QVERIFY(ui.visibleWith("revokeButton", "deviceKey", phoneKey));

        // The filter narrows by user, name or id, in any case.
        QVERIFY(ui.type("deviceFilterField", "ALICE"));
        QCOMPARE(model->rowCount(), 2);
        QVERIFY(ui.type("deviceFilterField", "carol cl"));
        QCOMPARE(model->rowCount(), 1);
        QVERIFY(ui.type("deviceFilterField", "nobody"));
        QCOMPARE(model->rowCount(), 0);
        QCOMPARE(model->property("total").toInt(), 5);
        QVERIFY(ui.type("deviceFilterField", ""));
        QCOMPARE(model->rowCount(), 5);

        // Revoke Alice's phone: the confirmation names her and the device; cancelling does nothing.
        auto* dialog = ui.find("deviceActionDialog");
        QVERIFY(dialog);
        QVERIFY(!dialog->property("visible").toBool());
        QSignalSpy acted(ac, &qt::AdminController::actionFinished);
        QVERIFY(QMetaObject::invokeMethod(ui.visibleWith("revokeButton", "deviceKey", phoneKey),
                                          "clicked"));
        QVERIFY(until([&] { return dialog->property("opened").toBool(); }));
        const QString phoneNumber = QStringLiteral("#%1").arg(phone.account().device);
        QVERIFY(dialog->property("title").toString().startsWith(
            "Revoke device " + phoneNumber + " of " + qt::TextRuns::isolated("Alice Adams")));
        const QString revokeText = ui.deep("deviceActionText")->property("text").toString();
        QVERIFY2(revokeText.contains("Device " + phoneNumber + " of " +
                                     qt::TextRuns::isolated("Alice Adams") + " (" +
                                     qt::TextRuns::isolated("alice") + ")") &&
                     revokeText.contains("cut off"),
                 qPrintable(revokeText));
        QVERIFY(ui.shoot("admin-laptop-light-confirm"));
        QVERIFY(QMetaObject::invokeMethod(ui.deep("deviceActionCancel"), "clicked"));
        QVERIFY(until([&] { return !dialog->property("visible").toBool(); }));
        QTest::qWait(300);
        QCOMPARE(acted.count(), 0);
        QVERIFY(phone.isConnected());

        QVERIFY(QMetaObject::invokeMethod(ui.visibleWith("revokeButton", "deviceKey", phoneKey),
                                          "clicked"));
        QVERIFY(until([&] { return dialog->property("opened").toBool(); }));
        QVERIFY(QMetaObject::invokeMethod(ui.deep("deviceActionConfirm"), "clicked"));
        QVERIFY(acted.wait(20000));
        QCOMPARE(acted.first().at(0).toString(), QStringLiteral("revoke"));
        QCOMPARE(acted.first().at(1).toString(), QStringLiteral("alice"));
        QCOMPARE(acted.first().at(2).toInt(), int(phone.account().device));
        QVERIFY2(acted.first().at(3).toBool(), qPrintable(ac->error()));
        r = rowOf(model, R::KeyRole, phoneKey);
        QCOMPARE(cell(model, r, R::StatusRole).toString(), QStringLiteral("revoked"));
        QCOMPARE(cell(model, r, R::StatusTextRole).toString(), QStringLiteral("Revoked"));
        QVERIFY(!cell(model, r, R::CanRevokeRole).toBool());
        QVERIFY(cell(model, r, R::CanWipeRole).toBool());
        QVERIFY(until([&] { return !phone.isConnected(); })); // cut off at once
        QVERIFY(until([&] {
            return ui.shows("deviceStatus", [](const QString& t) { return t == "Revoked"; });
        }));
        QVERIFY(!ui.visibleWith("revokeButton", "deviceKey", phoneKey));
        QCOMPARE(cell(model, rowOf(model, R::KeyRole, laptopKey), R::StatusRole).toString(),
                 QStringLiteral("active"));

        // Wipe Alice's laptop, which is offline: pending until it connects.
        QVERIFY(QMetaObject::invokeMethod(ui.visibleWith("wipeButton", "deviceKey", laptopKey),
                                          "clicked"));
        QVERIFY(until([&] { return dialog->property("opened").toBool(); }));
        const QString laptopNumber = QStringLiteral("#%1").arg(laptop.account().device);
        QVERIFY(dialog->property("title").toString().startsWith(
            "Wipe device " + laptopNumber + " of " + qt::TextRuns::isolated("Alice Adams")));
        const QString wipeText = ui.deep("deviceActionText")->property("text").toString();
        QVERIFY2(wipeText.contains("Device " + laptopNumber + " of " +
                                   qt::TextRuns::isolated("Alice Adams") + " (" +
                                   qt::TextRuns::isolated("alice") + ")") &&
                     wipeText.contains("erase"),
                 qPrintable(wipeText));
        QVERIFY(QMetaObject::invokeMethod(ui.deep("deviceActionConfirm"), "clicked"));
        QVERIFY(acted.wait(20000));
        QCOMPARE(acted.last().at(0).toString(), QStringLiteral("wipe"));
        QVERIFY2(acted.last().at(3).toBool(), qPrintable(ac->error()));
        r = rowOf(model, R::KeyRole, laptopKey);
        QCOMPARE(cell(model, r, R::StatusRole).toString(), QStringLiteral("wipe pending"));
        QCOMPARE(cell(model, r, R::StatusTextRole).toString(), QStringLiteral("Wipe pending"));
        QVERIFY(!cell(model, r, R::CanWipeRole).toBool());
        QVERIFY(until([&] {
            return ui.shows("deviceStatus", [](const QString& t) { return t == "Wipe pending"; });
        }));
        QVERIFY(!ui.visibleWith("wipeButton", "deviceKey", laptopKey));
        QVERIFY(profileFilesExist(dir.path() + "/alice-laptop"));
        QVERIFY(ac->error().isEmpty());

        // Screenshots: laptop light and dark, phone light.
        QVERIFY(ui.shoot("admin-laptop-light"));
        ui.window->setProperty("darkTheme", true);
        QVERIFY(ui.shoot("admin-laptop-dark"));
        ui.window->setProperty("darkTheme", false);
        ui.window->resize(390, 844);
        QVERIFY(
            until([&] { return ui.visibleWith("wipeButton", "deviceKey", phoneKey) != nullptr; }));
        QVERIFY(ui.shoot("admin-phone-light"));

        // The laptop connects, erases itself and confirms; the admin sees when.
        laptop.start();
        QVERIFY(until([&] { return !profileFilesExist(dir.path() + "/alice-laptop"); }));
        QVERIFY(until([&] {
            refreshed.clear();
            if (!ui.click("refreshDevicesButton") || !refreshed.wait(20000)) return false;
            return cell(model, rowOf(model, R::KeyRole, laptopKey), R::StatusRole).toString() ==
                   "wiped";
        }));
        const QString wipedText =
            cell(model, rowOf(model, R::KeyRole, laptopKey), R::StatusTextRole).toString();
        QVERIFY2(wipedText.startsWith("Wiped at 20"), qPrintable(wipedText));
        QVERIFY(
            cell(model, rowOf(model, R::KeyRole, laptopKey), R::WipedRole).toDateTime().isValid());

        // Back to the chats; locking forgets the inventory and leaves the page.
        QVERIFY(ui.click("backButton"));
        QVERIFY(
            until([&] { return ui.find("conversationList") != nullptr && !ui.find("adminPage"); }));
        admin.session()->lock();
        QCOMPARE(model->rowCount(), 0);
        QVERIFY(!ac->updated().isValid());
    }

    // Linking another device from settings (staff): a one-time link shown as a QR code with its
    // validity, which enrolls a new device of the same user; closing forgets it. A client's
    // settings do not offer it, and the relay refuses a client anyway.
    void linkDeviceFromSettings() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QVERIFY(h.service().createUser("alice", proto::ROLE_LAWYER, "Alice Adams", "test"));
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/alice");
        QVERIFY(lawyer.session()->join(
            QString::fromStdString(h.enrollLink("alice", proto::ROLE_LAWYER)), "Alice Adams",
            kPass));
        QVERIFY(until([&] { return lawyer.session()->connected(); }));
        QVERIFY(lawyer.session()->canLinkDevice());
        Ui ui;
        QVERIFY(ui.load(lawyer, 390, 844, false));
        QVERIFY(until([&] { return ui.find("settingsButton") != nullptr; }));
        QVERIFY(!ui.find("adminDevicesButton")->property("visible").toBool()); // not an admin
        QVERIFY(ui.click("settingsButton"));
        auto* settings = ui.find("settingsDialog");
        QVERIFY(settings);
        QVERIFY(until([&] { return settings->property("opened").toBool(); }));
        auto* linkButton = ui.deep("linkDeviceButton");
        QVERIFY(linkButton && linkButton->property("visible").toBool());
        QVERIFY(until([&] { return lawyer.deviceLinking()->devices()->rowCount() == 1; }));
        QVERIFY(ui.shoot("settings-phone-light"));

        QSignalSpy made(lawyer.deviceLinking(), &qt::DeviceLinkController::deviceLinkFinished);
        const QDateTime before = QDateTime::currentDateTime();
        QVERIFY(QMetaObject::invokeMethod(linkButton, "clicked"));
        QVERIFY(made.wait(20000));
        QVERIFY2(made.first().first().toBool(), qPrintable(lawyer.error()));
        const QString link = lawyer.deviceLinking()->deviceLink();
        QVERIFY2(link.startsWith("verbatim://enroll?"), qPrintable(link.left(18)));
        QVERIFY(lawyer.deviceLinking()->deviceLinkExpires() >= before.addSecs(15 * 60));
        QVERIFY(lawyer.deviceLinking()->deviceLinkExpires() <=
                QDateTime::currentDateTime().addSecs(15 * 60));
        auto* linkDialog = ui.deep("linkDeviceDialog");
        QVERIFY(linkDialog);
        QVERIFY(until([&] { return linkDialog->property("opened").toBool(); }));
        auto* qr = ui.deep("deviceLinkQr");
        QVERIFY(qr);
        QVERIFY(until([&] {
            return qr->property("visible").toBool() && qr->property("status").toInt() == 1;
        })); // Image.Ready
        QVERIFY(qr->property("source").toUrl().toString().startsWith("image://qr/"));
        QVERIFY(qr->property("implicitWidth").toReal() > 100);
        QCOMPARE(ui.deep("deviceLinkField")->property("text").toString(), link);
        const QString expiry = ui.deep("deviceLinkExpiry")->property("text").toString();
        QVERIFY2(expiry.contains(lawyer.deviceLinking()->deviceLinkExpires().toString("hh:mm")) &&
                     expiry.contains("15 minutes"),
                 qPrintable(expiry));
        QVERIFY(ui.shoot("link-device-phone-light"));

        // The link enrolls another device of Alice's, once.
        client::JoinOptions o;
        o.platform = "desktop";
        auto second = client::Client::join((dir.path() + "/alice-2").toStdString(), kPass,
                                           link.toStdString(), o);
        QVERIFY2(second, second ? "" : second.error().message.c_str());
        QCOMPARE((*second)->account().user, std::string("alice"));
        QVERIFY((*second)->account().device != lawyer.client()->account().device);
        QVERIFY(!client::Client::join((dir.path() + "/alice-3").toStdString(), kPass,
                                      link.toStdString(), o));
        // The open app approved it by itself (it proved it holds the link's secret), and says
        // a device was added (issue 15 break 2).
        QVERIFY(until([&] {
            return lawyer.deviceLinking()->deviceNotice().contains("was added to your account");
        }));
        QCOMPARE(lawyer.deviceLinking()->deviceNoticeDevice(), 0);
        (*second)->start();
        QVERIFY((*second)->waitUntilSynced(20s));
        (*second)->stop();
        // A device the firm enrolls for Alice waits; the app asks, and Approve admits it.
        auto third = client::Client::join((dir.path() + "/alice-4").toStdString(), kPass,
                                          h.enrollLink("alice", proto::ROLE_LAWYER), o);
        QVERIFY(third);
        const int thirdDevice = int((*third)->account().device);
        QVERIFY(until([&] { return lawyer.deviceLinking()->deviceNoticeDevice() == thirdDevice; }));
        QVERIFY(lawyer.deviceLinking()->deviceNotice().contains("waits for your approval"));
        lawyer.deviceLinking()->approveDevice(thirdDevice);
        QVERIFY(until([&] {
            return lawyer.deviceLinking()->deviceNoticeDevice() == 0 &&
                   lawyer.deviceLinking()->deviceNotice().contains("approved");
        }));
        (*third)->start();
        QVERIFY((*third)->waitUntilSynced(20s));
        (*third)->stop();
        lawyer.deviceLinking()->dismissDeviceNotice();
        QVERIFY(lawyer.deviceLinking()->deviceNotice().isEmpty());

        // Closing the dialog forgets the link.
        QVERIFY(QMetaObject::invokeMethod(linkDialog, "close"));
        QVERIFY(until([&] { return lawyer.deviceLinking()->deviceLink().isEmpty(); }));
        QVERIFY(!lawyer.deviceLinking()->deviceLinkExpired());

        // A client: no button, and the relay says no.
        auto invite = lawyer.client()->createInvite("Estate of Roe");
        QVERIFY(invite);
        qt::AppController client(dir.path() + "/carol");
        QVERIFY(client.session()->join(QString::fromStdString(*invite), "Carol Client", kPass));
        QVERIFY(client.session()->acceptNotice());
        QVERIFY(!client.session()->canLinkDevice());
        Ui cui;
        QVERIFY(cui.load(client, 390, 844, false));
        QVERIFY(until([&] { return cui.find("settingsButton") != nullptr; }));
        QVERIFY(cui.click("settingsButton"));
        auto* clientSettings = cui.find("settingsDialog");
        QVERIFY(until([&] { return clientSettings->property("opened").toBool(); }));
        auto* clientLink = cui.deep("linkDeviceButton");
        QVERIFY(!clientLink || !clientLink->property("visible").toBool());
        QVERIFY(until([&] { return client.session()->connected(); }));
        QSignalSpy refused(client.deviceLinking(), &qt::DeviceLinkController::deviceLinkFinished);
        client.deviceLinking()->createDeviceLink();
        QVERIFY(refused.wait(20000));
        QVERIFY(!refused.first().first().toBool());
        QVERIFY(client.deviceLinking()->deviceLink().isEmpty());
        QVERIFY(!client.error().isEmpty());
    }

    // A remote wipe of the device whose app is open: the core erases the profile and the app
    // shows who erased it, with a way to set up again.
    void remoteWipeShowsErasedScreen() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QVERIFY(h.service().createUser("ada", proto::ROLE_ADMIN, "Ada Admin", "test"));
        QVERIFY(h.service().createUser("bob", proto::ROLE_LAWYER, "Bob Baker", "test"));
        QTemporaryDir dir;
        client::JoinOptions o;
        auto admin = client::Client::join((dir.path() + "/ada").toStdString(), kPass,
                                          h.enrollLink("ada", proto::ROLE_ADMIN), o);
        QVERIFY(admin);
        (*admin)->start();
        QVERIFY(until([&] { return (*admin)->isConnected(); }));

        const QString profile = dir.path() + "/bob";
        qt::AppController bob(profile);
        QVERIFY(bob.session()->join(QString::fromStdString(h.enrollLink("bob", proto::ROLE_LAWYER)),
                                    "Bob Baker", kPass));
        QVERIFY(until([&] { return bob.session()->connected(); }));
        Ui ui;
        QVERIFY(ui.load(bob, 390, 844, false));
        QVERIFY(until([&] { return ui.find("conversationList") != nullptr; }));
        QVERIFY(profileFilesExist(profile));
        const auto device = bob.client()->account().device;

        QVERIFY((*admin)->adminWipe("bob", device));
        QVERIFY(until([&] { return bob.session()->screen() == "wiped"; }));
        QVERIFY(!bob.client());
        QVERIFY(!profileFilesExist(profile));
        QVERIFY(bob.session()->erasedByFirm());
        QCOMPARE(bob.session()->erasedFirm(), QStringLiteral("Test Firm LLP"));
        QVERIFY(until([&] { return ui.find("erasedPage") != nullptr; }));
        QVERIFY(until([&] { return !ui.find("conversationList"); }));
        QCOMPARE(ui.find("erasedTitle")->property("text").toString(),
                 QStringLiteral("This device was erased by Test Firm LLP"));
        QVERIFY(ui.find("erasedReason")
                    ->property("text")
                    .toString()
                    .contains("administrator erased this device's messages and keys"));
        QVERIFY(ui.shoot("erased-phone-light"));
        // The admin sees when.
        QVERIFY(until([&] {
            auto list = (*admin)->adminDevices("bob");
            return list && list->size() == 1 && list->front().wipedMs > 0;
        }));

        // Set up again: onboarding, with nothing of the old profile.
        QVERIFY(ui.click("setUpAgainButton"));
        QCOMPARE(bob.session()->screen(), QStringLiteral("onboarding"));
        QVERIFY(bob.session()->userId().isEmpty());
        QVERIFY(until([&] { return ui.find("linkField") != nullptr; }));
    }

    // The firm's policy at the unlock screen: each wrong passphrase says how many are left
    // (also after a restart of the app); the last one erases the device and the app says so.
    void unlockWarnsThenPolicyErases() {
        e2e::Harness h;
        QVERIFY(h.ok());
        h.setDevicePolicy(3, 7);
        QVERIFY(h.restart());
        QTemporaryDir dir;
        const QString profile = dir.path() + "/dana";
        qt::AppController dana(profile);
        QVERIFY(dana.session()->join(
            QString::fromStdString(h.enrollLink("dana", proto::ROLE_LAWYER)), "Dana", kPass));
        QVERIFY(until([&] { return dana.session()->connected(); }));
        dana.session()->lock();
        QVERIFY(dana.session()->unlockWarning().isEmpty());
        Ui ui;
        QVERIFY(ui.load(dana, 390, 844, false));
        QVERIFY(until([&] { return ui.find("unlockPassphrase") != nullptr; }));
        // The key derivation runs off the GUI thread: an attempt is over when the session is no
        // longer busy.
        auto attempt = [&](const char* pass) {
            return ui.type("unlockPassphrase", pass) && ui.click("unlockButton") &&
                   until([&] { return !dana.session()->busy(); });
        };
        QVERIFY(attempt("wrong passphrase"));
        QCOMPARE(dana.session()->screen(), QStringLiteral("unlock"));
        QCOMPARE(dana.error(), QStringLiteral("Wrong passphrase."));
        QVERIFY(until([&] {
            return ui.shows("unlockWarning", [](const QString& t) {
                return t.contains("2 more and this device erases itself");
            });
        }));
        QVERIFY(ui.shoot("unlock-warning-phone-light"));
        QVERIFY(attempt("wrong again"));
        QVERIFY(until([&] {
            return ui.shows("unlockWarning", [](const QString& t) {
                return t.contains("1 more and this device erases itself");
            });
        }));
        // The count is the device's, not the window's: a restarted app warns at once.
        QVERIFY(qt::AppController(profile).session()->unlockWarning().startsWith(
            "1 more and this device erases itself"));
        QVERIFY(profileFilesExist(profile));

        QVERIFY(attempt("wrong a third time"));
        QCOMPARE(dana.session()->screen(), QStringLiteral("wiped"));
        QVERIFY(!profileFilesExist(profile));
        QVERIFY(!dana.session()->erasedByFirm());
        QVERIFY(dana.session()->erasedReason().contains("3 times"));
        QVERIFY(dana.session()->unlockWarning().isEmpty());
        QVERIFY(until([&] { return ui.find("erasedTitle") != nullptr; }));
        QCOMPARE(ui.find("erasedTitle")->property("text").toString(),
                 QStringLiteral("This device erased itself"));
        QVERIFY(dana.error().isEmpty());
        QVERIFY(until([&] { return !ui.find("unlockPassphrase"); }));
        QVERIFY(ui.shoot("erased-policy-phone-light"));
        QVERIFY(ui.click("setUpAgainButton"));
        QCOMPARE(dana.session()->screen(), QStringLiteral("onboarding"));
    }

    // An attachment through the app (issue 5): a ~300 KB file attached in the open matter shows
    // its name and a progress bar that climbs from 0 to 1 in several steps (marshalled from the
    // upload thread, at most once per percent); the lawyer receives it, its bubble shows name,
    // size and Save, and saving yields the same bytes. Saving where it cannot write says why.
    void attachmentUploadsWithProgressAndSaves() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/lawyer");
        qt::AppController client(dir.path() + "/client");
        QVERIFY2(openMatter(h, lawyer, client, "Estate of Poe"),
                 qPrintable(client.error() + lawyer.error()));
        Ui ui;
        QVERIFY(ui.load(client, 390, 844, false));
        QVERIFY(until([&] { return ui.find("messageInput") != nullptr; }));
        auto* bar = ui.find("uploadProgressBar");
        QVERIFY(bar);
        QVERIFY(!bar->property("visible").toBool());

        QVERIFY(lawyer.chat()->send("Could you send me the signed witness statement?"));
        QVERIFY(until([&] {
            return rowOf(client.chat()->messages(), qt::MessageListModel::BodyRole,
                         "Could you send me the signed witness statement?") >= 0;
        }));
        QVERIFY(client.chat()->send("Yes, here it is."));
        QByteArray content(300 * 1024, Qt::Uninitialized);
        QRandomGenerator rng(5);
        for (auto& b : content)
            b = char(rng.bounded(256));
        const QString path = dir.filePath("witness statement.pdf");
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            QCOMPARE(f.write(content), qint64(content.size()));
        }

        // The Attach button asks for the file (here in the typed-path dialog, which works
        // everywhere; the file dialog's turn comes with Save below) and the controller sends it.
        {
            const QString letter = dir.filePath("cover letter.txt");
            QFile f(letter);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("Dear Ms Adams, please find the statement attached.\n");
            f.close();
            client.attachments()->setFilePickerAvailable(false);
            QVERIFY(ui.click("attachButton"));
            auto* pathDialog = ui.find("attachPathDialog");
            QVERIFY(pathDialog);
            QVERIFY(until([&] { return pathDialog->property("opened").toBool(); }));
            QVERIFY(ui.deep("attachPathField")->setProperty("text", letter));
            QSignalSpy letterDone(client.attachments(), &qt::AttachmentsController::attachmentDone);
            QVERIFY(QMetaObject::invokeMethod(pathDialog, "accept"));
            QCOMPARE(client.attachments()->uploading(), QStringLiteral("cover letter.txt"));
            QVERIFY(letterDone.wait(30000));
            QVERIFY2(letterDone.first().first().toBool(), qPrintable(client.error()));
            QVERIFY(until([&] { return !pathDialog->property("visible").toBool(); }));
            QVERIFY(until([&] {
                return ui.shows("attachmentName",
                                [](const QString& t) { return t == "cover letter.txt"; });
            }));
        }

        // Every value the UI is told, and what the bar and label showed at that moment.
        QList<qreal> values;
        QList<qreal> barValues;
        QStringList percentTexts;
        bool rowVisible = false;
        QImage midway;
        QSignalSpy done(client.attachments(), &qt::AttachmentsController::attachmentDone);
        const auto watch = connect(
            client.attachments(), &qt::AttachmentsController::uploadProgressChanged, this, [&] {
                if (!done.isEmpty()) return;
                const qreal v = client.attachments()->uploadProgress();
                values << v;
                barValues << bar->property("value").toReal();
                percentTexts << ui.find("uploadPercent")->property("text").toString();
                if (v > 0.3 && v < 0.9 && midway.isNull()) {
                    rowVisible = ui.find("uploadRow")->property("visible").toBool();
                    midway = ui.window->grabWindow();
                }
            });
        // The statement, through the controller as the dialog does, watched as it goes.
        QVERIFY(client.attachments()->attach(QUrl::fromLocalFile(path)));
        QCOMPARE(client.attachments()->uploading(), QStringLiteral("witness statement.pdf"));
        QVERIFY(!client.attachments()->attach(QUrl::fromLocalFile(path))); // one at a time
        QVERIFY(done.wait(30000));
        disconnect(watch);
        QVERIFY2(done.first().first().toBool(), qPrintable(client.error()));
        QVERIFY(client.attachments()->uploading().isEmpty());
        QVERIFY(until([&] { return !bar->property("visible").toBool(); }));

        // 0 first, 1 last, rising in between, in more than one step, and not once per byte.
        QVERIFY2(values.size() >= 3, qPrintable(QString::number(values.size())));
        QVERIFY(values.size() <= 102);
        QCOMPARE(values.first(), 0.0);
        QCOMPARE(values.last(), 1.0);
        for (int i = 1; i < values.size(); ++i) {
            QString seen;
            for (qreal v : values)
                seen += QString::number(v) + ' ';
            QVERIFY2(values[i] > values[i - 1], qPrintable(seen));
        }
        QCOMPARE(barValues, values);
        QCOMPARE(percentTexts.first(), QStringLiteral("0%"));
        QCOMPARE(percentTexts.last(), QStringLiteral("100%"));
        QVERIFY(!midway.isNull());
        QVERIFY(rowVisible);
        QVERIFY(colours(midway) > 12);
        QVERIFY(midway.save(screenshotDir() + "/attachment-upload-phone-light.png"));

        // Carol's bubble shows it.
        QVERIFY(until([&] {
            return ui.shows("attachmentName",
                            [](const QString& t) { return t == "witness statement.pdf"; });
        }));
        QVERIFY(ui.shows("attachmentSize", [](const QString& t) {
            return t == QLocale().formattedDataSize(300 * 1024);
        }));

        // Alice receives it, in her window too, with Save.
        auto* lm = lawyer.chat()->messages();
        QVERIFY(until([&] {
            return rowOf(lm, qt::MessageListModel::AttachmentNameRole, "witness statement.pdf") >=
                   0;
        }));
        const int row =
            rowOf(lm, qt::MessageListModel::AttachmentNameRole, "witness statement.pdf");
        const QString id = cell(lm, row, qt::MessageListModel::IdRole).toString();
        QCOMPARE(cell(lm, row, qt::MessageListModel::AttachmentSizeRole).toULongLong(),
                 qulonglong(content.size()));
        QCOMPARE(cell(lm, row, qt::MessageListModel::AttachmentTypeRole).toString(),
                 QStringLiteral("PDF"));
        QVERIFY(!cell(lm, row, qt::MessageListModel::OutgoingRole).toBool());
        Ui lawyerUi;
        QVERIFY(lawyerUi.load(lawyer, 1280, 800, false));
        QVERIFY(until([&] {
            return lawyerUi.visibleWith("saveAttachmentButton", "messageKey", id) != nullptr;
        }));
        QVERIFY(lawyerUi.shows("attachmentName",
                               [](const QString& t) { return t == "witness statement.pdf"; }));
        QCOMPARE(lawyerUi.visibleWith("saveAttachmentButton", "messageKey", id)
                     ->property("text")
                     .toString(),
                 QStringLiteral("Save"));
        QVERIFY(lawyerUi.shoot("attachment-received-laptop-light"));

        // Save, from the bubble: a dialog proposes the file's name, then the attachment is
        // downloaded, checked and decrypted: the same bytes. Qt Quick's file dialog where it can
        // open (see AttachmentsController::filePickerAvailable), else the typed path.
        QSignalSpy saved(lawyer.attachments(), &qt::AttachmentsController::attachmentSaved);
        const QString out = dir.filePath("saved.pdf");
        QVERIFY(QMetaObject::invokeMethod(
            lawyerUi.visibleWith("saveAttachmentButton", "messageKey", id), "clicked"));
        if (lawyer.attachments()->filePickerAvailable()) {
            auto* picker = lawyerUi.find("saveAttachmentDialog");
            QVERIFY(picker);
            QVERIFY(until([&] { return picker->property("visible").toBool(); }));
            QCOMPARE(picker->property("selectedFile").toUrl().fileName(),
                     QStringLiteral("witness statement.pdf"));
            // Qt Quick's dialog (no native one offscreen) is a popup of its own: choose there.
            QObject* impl = nullptr;
            QVERIFY(until([&] {
                for (auto* o : lawyerUi.window->findChildren<QObject*>())
                    if (o->inherits("QQuickFileDialogImpl") && o->property("visible").toBool())
                        impl = o;
                return impl != nullptr;
            }));
            QVERIFY(impl->setProperty("selectedFile", QUrl::fromLocalFile(out)));
            QVERIFY(QMetaObject::invokeMethod(impl, "accept"));
        } else {
            auto* pathDialog = lawyerUi.find("savePathDialog");
            QVERIFY(pathDialog);
            QVERIFY(until([&] { return pathDialog->property("opened").toBool(); }));
            auto* field = lawyerUi.deep("savePathField");
            QVERIFY(field->property("text").toString().endsWith("/witness statement.pdf"));
            QVERIFY(field->setProperty("text", out));
            QVERIFY(QMetaObject::invokeMethod(pathDialog, "accept"));
        }
        QCOMPARE(lawyer.attachments()->savingAttachment(), id);
        QVERIFY(saved.wait(30000));
        QCOMPARE(saved.first().at(0).toString(), id);
        QVERIFY2(saved.first().at(1).toBool(), qPrintable(lawyer.error()));
        QVERIFY(lawyer.attachments()->savingAttachment().isEmpty());
        {
            QFile f(out);
            QVERIFY(f.open(QIODevice::ReadOnly));
            QVERIFY(f.readAll() == content);
        }
        // A folder that does not exist: an error, and nothing claims success.
        QVERIFY(lawyer.error().isEmpty());
        QVERIFY(lawyer.attachments()->saveAttachment(
            id, QUrl::fromLocalFile(dir.filePath("no such folder/saved.pdf"))));
        QVERIFY(saved.wait(30000));
        QVERIFY(!saved.last().at(1).toBool());
        QVERIFY2(lawyer.error().startsWith("Could not save the attachment"),
                 qPrintable(lawyer.error()));
        QVERIFY(!QFile::exists(dir.filePath("no such folder/saved.pdf")));
        // The save dialog proposes the sender's file name only.
        const QFileInfo proposed(
            lawyer.attachments()->suggestedSavePath("../../etc/witness statement.pdf"));
        QCOMPARE(proposed.fileName(), QStringLiteral("witness statement.pdf"));
        QVERIFY(proposed.isAbsolute() && !proposed.filePath().contains("etc"));
        QVERIFY(!lawyer.attachments()->suggestedSavePath("..").endsWith(".."));
    }

    // The safety number screen (issue 5): from matter info, the number with the lawyer in twelve
    // groups of five (the same as the controller's); then the lawyer's device is lost and the firm
    // enrolls a new one (a new identity no device of hers approved), Carol's next message is
    // held, the banner appears, the dialog says the number changed and shows the new one;
    // accepting clears the banner and the held message reaches the new device.
    void safetyNumberScreenAndChange() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/lawyer");
        qt::AppController client(dir.path() + "/client");
        QVERIFY2(openMatter(h, lawyer, client, "Estate of Hale"),
                 qPrintable(client.error() + lawyer.error()));
        QVERIFY(client.chat()->send("first"));
        QVERIFY(until([&] {
            return rowOf(lawyer.chat()->messages(), qt::MessageListModel::BodyRole, "first") >= 0;
        }));
        Ui ui;
        QVERIFY(ui.load(client, 390, 844, false));
        QVERIFY(until([&] {
            return ui.find("phoneInfoButton") &&
                   ui.find("phoneInfoButton")->property("visible").toBool();
        }));
        auto* banner = ui.find("safetyBanner");
        QVERIFY(banner && !banner->property("visible").toBool());

        // Matter info, then the safety number with Alice.
        QVERIFY(ui.click("phoneInfoButton"));
        auto* info = ui.find("matterInfo");
        QVERIFY(info);
        QVERIFY(until([&] { return info->property("opened").toBool(); }));
        QQuickItem* button = nullptr;
        QVERIFY(until([&] {
            return (button = ui.visibleWith("safetyNumberButton", "participant", "alice")) !=
                   nullptr;
        }));
        QVERIFY(!ui.visibleWith("safetyNumberButton", "participant",
                                client.session()->userId())); // not with oneself
        QVERIFY(QMetaObject::invokeMethod(button, "clicked"));
        auto* dialog = ui.find("safetyNumberDialog");
        QVERIFY(dialog);
        QVERIFY(until([&] { return dialog->property("opened").toBool(); }));
        const QString before = client.chat()->safetyNumber("alice");
        QCOMPARE(before.size(), 60);
        auto groups = [&] { return visibleTexts(ui.findItems("safetyDigitGroup")); };
        QVERIFY(until([&] { return groups().join(QString()) == before; }));
        QCOMPARE(groups().size(), 12);
        for (const QString& g : groups())
            QVERIFY2(QRegularExpression("^[0-9]{5}$").match(g).hasMatch(), qPrintable(g));
        QVERIFY(!ui.find("safetyChangedNotice")->property("visible").toBool());
        QVERIFY(!ui.find("acceptSafetyButton")->property("visible").toBool());
        QVERIFY(dialog->property("title").toString() == "Safety number");
        QVERIFY(ui.shoot("safety-number-phone-light"));
        QVERIFY(QMetaObject::invokeMethod(dialog, "close"));
        QVERIFY(QMetaObject::invokeMethod(info, "close"));
        QVERIFY(until([&] {
            return !dialog->property("visible").toBool() && !info->property("visible").toBool();
        }));

        // Alice loses her device: the firm revokes it and enrolls a new first device, new
        // identity keys that no device of hers approved (issue 15 break 2).
        QVERIFY(h.service().revokeDevice("alice", lawyer.client()->account().device, "test"));
        client::JoinOptions o;
        o.platform = "desktop";
        auto alice2 = client::Client::join((dir.path() + "/alice-2").toStdString(), kPass,
                                           h.enrollLink("alice", proto::ROLE_LAWYER), o);
        QVERIFY2(alice2, alice2 ? "" : alice2.error().message.c_str());
        (*alice2)->start();
        QVERIFY((*alice2)->waitUntilSynced(20s));

        // Carol's next message is held; the banner says why.
        QVERIFY(ui.type("messageInput", "second, after the new device"));
        QVERIFY(ui.click("sendButton"));
        auto* cm = client.chat()->messages();
        QVERIFY(until([&] {
            const int r = rowOf(cm, qt::MessageListModel::BodyRole, "second, after the new device");
            return r >= 0 && cell(cm, r, qt::MessageListModel::StateRole).toString() == "blocked";
        }));
        const QString held =
            cell(cm, rowOf(cm, qt::MessageListModel::BodyRole, "second, after the new device"),
                 qt::MessageListModel::IdRole)
                .toString();
        QVERIFY(until([&] { return client.chat()->safetyChangedUser() == "alice"; }));
        QVERIFY(until([&] { return banner->property("visible").toBool(); }));
        QTest::qWait(300);
        QVERIFY(!(*alice2)->message(held.toStdString()).value().has_value());

        // The banner's Verify: the changed number, and Accept.
        QVERIFY(ui.click("safetyVerifyButton"));
        auto* bannerDialog = ui.find("bannerSafetyDialog");
        QVERIFY(bannerDialog);
        QVERIFY(until([&] { return bannerDialog->property("opened").toBool(); }));
        const QString after = client.chat()->safetyNumber("alice");
        QVERIFY(after != before);
        QVERIFY(until([&] { return groups().join(QString()) == after; }));
        QVERIFY(bannerDialog->property("changed").toBool());
        QObject* notice = nullptr;
        QObject* accept = nullptr;
        for (auto* item : ui.findItems("safetyChangedNotice"))
            if (item->isVisible()) notice = item;
        for (auto* item : ui.findItems("acceptSafetyButton"))
            if (item->isVisible()) accept = item;
        QVERIFY(notice && accept);
        QVERIFY(ui.shoot("safety-number-changed-phone-light"));
        QVERIFY(QMetaObject::invokeMethod(accept, "clicked"));
        QVERIFY(until([&] { return !bannerDialog->property("visible").toBool(); }));
        QVERIFY(client.chat()->safetyChangedUser().isEmpty());
        QVERIFY(until([&] { return !banner->property("visible").toBool(); }));
        QVERIFY(!client.chat()->safetyNumberChanged("alice"));
        QVERIFY(until([&] {
            auto m = (*alice2)->message(held.toStdString());
            return m && m->has_value() && (*m)->body == "second, after the new device";
        }));
        QVERIFY(until([&] {
            return cell(cm, rowOf(cm, qt::MessageListModel::IdRole, held),
                        qt::MessageListModel::StateRole)
                       .toString() != "blocked";
        }));
    }

    // The composer on a desktop, by keyboard (issue 5): the cursor starts in it; Enter sends,
    // Shift+Enter makes a new line, Up in the empty composer edits the last own message, Escape
    // cancels that edit (and closes a dialog); a reply quotes the first line of the original;
    // Ctrl+F goes to search and Ctrl+K to the conversations, where Enter opens one.
    void keyboardDrivesTheComposer() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/lawyer");
        qt::AppController client(dir.path() + "/client");
        QVERIFY2(openMatter(h, lawyer, client, "Estate of Kay"),
                 qPrintable(client.error() + lawyer.error()));
        const QString conv = client.chat()->currentConversation();
        client.chat()->closeConversation();
        Ui ui;
        QVERIFY(ui.load(client, 1280, 800, false));
        ui.window->requestActivate();
        QVERIFY(QTest::qWaitForWindowActive(ui.window));
        QVERIFY(until([&] { return ui.find("messageInput") != nullptr; }));
        auto* input = qobject_cast<QQuickItem*>(ui.find("messageInput"));
        QVERIFY(input);
        client.chat()->openConversation(conv);
        QVERIFY(
            until([&] { return input->hasActiveFocus(); })); // opening a chat puts the cursor there
        auto* cm = client.chat()->messages();
        auto body = [&](const QString& text) {
            return rowOf(cm, qt::MessageListModel::BodyRole, text);
        };
        const int rowsBefore = cm->rowCount();

        // Enter sends.
        typeKeys(ui.window, "hello from the keyboard");
        QCOMPARE(input->property("text").toString(), QStringLiteral("hello from the keyboard"));
        QTest::keyClick(ui.window, Qt::Key_Return);
        QVERIFY(until([&] { return body("hello from the keyboard") >= 0; }));
        QVERIFY(input->property("text").toString().isEmpty());
        QCOMPARE(cm->rowCount(), rowsBefore + 1);

        // Shift+Enter: a new line, nothing sent; then Enter sends both lines.
        typeKeys(ui.window, "line one");
        QTest::keyClick(ui.window, Qt::Key_Return, Qt::ShiftModifier);
        typeKeys(ui.window, "line two");
        QCOMPARE(input->property("text").toString(), QStringLiteral("line one\nline two"));
        QTest::qWait(100);
        QCOMPARE(cm->rowCount(), rowsBefore + 1);
        QTest::keyClick(ui.window, Qt::Key_Enter); // the keypad's Enter too
        QVERIFY(until([&] { return body("line one\nline two") >= 0; }));
        const QString lastId =
            cell(cm, body("line one\nline two"), qt::MessageListModel::IdRole).toString();

        // Up in the empty composer: edit the last own message; Escape cancels.
        auto* context = ui.find("composeContext");
        QVERIFY(context && !context->property("visible").toBool());
        QTest::keyClick(ui.window, Qt::Key_Up);
        QCOMPARE(input->property("text").toString(), QStringLiteral("line one\nline two"));
        QVERIFY(until([&] { return context->property("visible").toBool(); }));
        QCOMPARE(context->property("text").toString(), QStringLiteral("Editing message"));
        QCOMPARE(ui.find("sendButton")->property("text").toString(), QStringLiteral("Save"));
        QTest::keyClick(ui.window, Qt::Key_Escape);
        QVERIFY(input->property("text").toString().isEmpty());
        QVERIFY(until([&] { return !context->property("visible").toBool(); }));
        QCOMPARE(ui.find("sendButton")->property("text").toString(), QStringLiteral("Send"));
        QVERIFY(!cell(cm, body("line one\nline two"), qt::MessageListModel::EditedRole).toBool());
        // Up with text in the composer moves the cursor, it does not start an edit.
        typeKeys(ui.window, "draft");
        QTest::keyClick(ui.window, Qt::Key_Up);
        QCOMPARE(input->property("text").toString(), QStringLiteral("draft"));
        QVERIFY(!context->property("visible").toBool());
        QVERIFY(ui.type("messageInput", ""));
        // Up, retype and Enter: the edit is saved on the same message.
        QTest::keyClick(ui.window, Qt::Key_Up);
        QTest::keyClick(ui.window, Qt::Key_A, Qt::ControlModifier);
        typeKeys(ui.window, "line one, edited");
        QTest::keyClick(ui.window, Qt::Key_Return);
        QVERIFY(until([&] {
            const int r = rowOf(cm, qt::MessageListModel::IdRole, lastId);
            return cell(cm, r, qt::MessageListModel::BodyRole).toString() == "line one, edited" &&
                   cell(cm, r, qt::MessageListModel::EditedRole).toBool();
        }));
        QVERIFY(input->property("text").toString().isEmpty());
        QVERIFY(!context->property("visible").toBool());

        // A reply, by keyboard: Shift+Tab from the composer to the messages (the newest is
        // current), Enter for its actions, Reply; the reply quotes the first line of the original.
        QVERIFY(lawyer.chat()->send("Please bring the deed.\nAnd your ID."));
        QVERIFY(until([&] { return body("Please bring the deed.\nAnd your ID.") >= 0; }));
        const QString original =
            cell(cm, body("Please bring the deed.\nAnd your ID."), qt::MessageListModel::IdRole)
                .toString();
        QCOMPARE(client.chat()->replyQuote(original), QStringLiteral("Please bring the deed."));
        auto* attach = qobject_cast<QQuickItem*>(ui.find("attachButton"));
        auto* send = qobject_cast<QQuickItem*>(ui.find("sendButton"));
        auto* messages = qobject_cast<QQuickItem*>(ui.find("messageList"));
        auto* actions = ui.find("messageActions");
        QVERIFY(attach && send && messages && actions);
        attach->forceActiveFocus();
        QTest::keyClick(ui.window, Qt::Key_Backtab);
        QVERIFY(messages->hasActiveFocus());
        QCOMPARE(messages->property("currentIndex").toInt(),
                 body("Please bring the deed.\nAnd your ID."));
        QTest::keyClick(ui.window, Qt::Key_Return);
        QVERIFY(until([&] { return actions->property("opened").toBool(); }));
        QVERIFY(ui.shoot("message-actions-laptop-light"));
        QVERIFY(QMetaObject::invokeMethod(ui.deep("replyAction"), "triggered"));
        QVERIFY(until(
            [&] { return !actions->property("visible").toBool() && input->hasActiveFocus(); }));
        QVERIFY(context->property("visible").toBool());
        QCOMPARE(context->property("text").toString(),
                 "Replying to: " + qt::TextRuns::isolated("Please bring the deed."));
        typeKeys(ui.window, "will do.");
        QVERIFY(ui.shoot("composer-reply-laptop-light"));
        QTest::keyClick(ui.window, Qt::Key_Return);
        QVERIFY(until([&] { return body("> Please bring the deed.\nwill do.") >= 0; }));
        QVERIFY(!context->property("visible").toBool());
        QVERIFY(until([&] {
            return rowOf(lawyer.chat()->messages(), qt::MessageListModel::BodyRole,
                         "> Please bring the deed.\nwill do.") >= 0;
        }));
        // Up now edits the reply (the newest own text message).
        QCOMPARE(client.chat()->lastEditableMessage().value("body").toString(),
                 QStringLiteral("> Please bring the deed.\nwill do."));

        // Tab order around the composer: attach, text, send (a tab never lands in the text).
        QVERIFY(input->hasActiveFocus());
        QTest::keyClick(ui.window, Qt::Key_Backtab);
        QVERIFY(attach->hasActiveFocus());
        QTest::keyClick(ui.window, Qt::Key_Tab);
        QVERIFY(input->hasActiveFocus());
        typeKeys(ui.window, "x");
        QTest::keyClick(ui.window, Qt::Key_Tab);
        QVERIFY(send->hasActiveFocus());
        QCOMPARE(input->property("text").toString(), QStringLiteral("x"));
        QVERIFY(ui.type("messageInput", ""));
        // Before the composer, the messages: the newest is current, Enter opens its actions.
        attach->forceActiveFocus();
        QTest::keyClick(ui.window, Qt::Key_Backtab);
        QVERIFY(messages->hasActiveFocus());
        QCOMPARE(messages->property("currentIndex").toInt(), cm->rowCount() - 1);
        QTest::keyClick(ui.window, Qt::Key_Up);
        QCOMPARE(messages->property("currentIndex").toInt(), cm->rowCount() - 2);
        QTest::keyClick(ui.window, Qt::Key_Return);
        QVERIFY(until([&] { return actions->property("opened").toBool(); }));
        QTest::keyClick(ui.window, Qt::Key_Escape);
        QVERIFY(until([&] { return !actions->property("visible").toBool(); }));
        QVERIFY(until([&] { return messages->hasActiveFocus(); }));
        QCOMPARE(messages->property("currentIndex").toInt(), cm->rowCount() - 2); // still there

        // Escape closes a dialog.
        QVERIFY(ui.click("infoButton"));
        auto* info = ui.find("matterInfo");
        QVERIFY(until([&] { return info->property("opened").toBool(); }));
        QTest::keyClick(ui.window, Qt::Key_Escape);
        QVERIFY(until([&] { return !info->property("visible").toBool(); }));

        // Ctrl+F: search; Ctrl+K: the conversations, where Enter opens the current one.
        auto* search = qobject_cast<QQuickItem*>(ui.find("searchField"));
        QVERIFY(search);
        QTest::keyClick(ui.window, Qt::Key_F, Qt::ControlModifier);
        QVERIFY(until([&] { return search->hasActiveFocus(); }));
        auto* list = qobject_cast<QQuickItem*>(ui.find("conversationList"));
        QTest::keyClick(ui.window, Qt::Key_Tab); // from the search to the conversations
        QVERIFY(list->hasActiveFocus());
        search->forceActiveFocus();
        QTest::keyClick(ui.window, Qt::Key_K, Qt::ControlModifier);
        QVERIFY(until([&] { return list->hasActiveFocus(); }));
        client.chat()->closeConversation();
        QVERIFY(client.chat()->currentConversation().isEmpty());
        QTest::keyClick(ui.window, Qt::Key_Return);
        QVERIFY(until([&] { return client.chat()->currentConversation() == conv; }));
        QVERIFY(until([&] { return input->hasActiveFocus(); }));
    }

    // Issue 16 item 1 (AB-01): links are what our rules find, never what markup says. A table of
    // texts and the links in them (good ones, other schemes, user info, punctuation around them,
    // look-alike and invisible characters, hostile lengths), what may be opened, names with their
    // invisible and direction-changing characters shown, and isolation that keeps a participant's
    // direction override out of our sentence, as Qt lays it out.
    void linksAndNamesFollowOurRules() {
        using T = qt::TextRuns;
        auto linksIn = [](const QString& text) {
            QStringList out;
            QString whole;
            for (const auto& r : T::split(text)) {
                whole += text.mid(r.start, r.length);
                if (!r.url.isEmpty()) out << r.url;
            }
            if (whole != text) out << QStringLiteral("(runs do not cover the text)");
            return out;
        };
        const QString rlo(QChar(0x202E));
        const struct {
            QString text;
            QStringList links;
        } cases[] = {
            {"see https://example.com/doc.", {"https://example.com/doc"}},
            {"HTTPS://Example.COM/Path?q=1&r=2#frag, then",
             {"HTTPS://Example.COM/Path?q=1&r=2#frag"}},
            {"http://localhost:8080/x and http://127.0.0.1:9/b!",
             {"http://localhost:8080/x", "http://127.0.0.1:9/b"}},
            {"(see https://example.com/x)", {"https://example.com/x"}},
            {"https://en.wikipedia.org/wiki/Bracket_(disambiguation)",
             {"https://en.wikipedia.org/wiki/Bracket_(disambiguation)"}},
            {"\"https://example.com/q\" and 'https://example.com/r'",
             {"https://example.com/q", "https://example.com/r"}},
            {"<https://example.com/a> https://example.com/b<script>",
             {"https://example.com/a", "https://example.com/b"}},
            {QStringLiteral("https://example.com/stra\u00dfe?q=\u00fc"),
             {QStringLiteral("https://example.com/stra\u00dfe?q=\u00fc")}},
            {"https://example.com/a%2Fb and https://example.com/a%zz",
             {"https://example.com/a%2Fb", "https://example.com/a"}},
            {"https://example.com:/x https://example.com.",
             {"https://example.com", "https://example.com"}},
            {QStringLiteral("\u00e9 https://example.com"), {"https://example.com"}},
            {"[x](javascript:alert(1)) [y](http://example.com/md)", {"http://example.com/md"}},
            {"<a href=\"javascript:x\">https://example.com</a>", {"https://example.com"}},
            {"javascript:alert(1) JaVaScRiPt:alert(document.cookie) vbscript:x", {}},
            {"file:///etc/passwd data:text/html,<b>x</b> ftp://example.com mailto:a@example.com "
             "www.example.com",
             {}},
            {"https://bank.example@evil.example/login https://bank.example:443@evil.example/ "
             "http://u:p@example.com/",
             {}},
            {"xhttps://example.com 2http://example.com _http://example.com", {}},
            {"https://exa_mple.com https://-bad.com https://bad-.com https://a..com https://com "
             "https://example.c https://example.123",
             {}},
            {"https://256.1.1.1 https://1.2.3 https://01.2.3.4 https://example.com:99999/ "
             "https://example.com:0/",
             {}},
            {"https://example.com/" + rlo + "gnp.exe", {"https://example.com/"}},
            {QStringLiteral("https://exam\u200bple.com https://\u0435xample.com"),
             {}}, // zero-width space; Cyrillic e
        };
        for (const auto& c : cases)
            QCOMPARE(linksIn(c.text), c.links);

        // Hostile lengths: too long is text, and nothing takes long.
        QElapsedTimer t;
        t.start();
        QCOMPARE(linksIn("https://" + QString(5000, 'a') + ".com"), QStringList());
        QCOMPARE(linksIn("https://example.com/" + QString(T::kMaxLinkLength, 'a')), QStringList());
        QCOMPARE(linksIn("https://example.com/" + QString(2000, 'a')).size(), 1);
        QCOMPARE(linksIn(QString(1000, '(') + "https://x.co/" + QString(1000, ')')),
                 QStringList{"https://x.co/"});
        QString many;
        for (int i = 0; i < 20000; ++i)
            many += "https://a.co/x ";
        QCOMPARE(linksIn(many).size(), T::kMaxLinks);
        QString schemes;
        for (int i = 0; i < 40000; ++i)
            schemes += "http://";
        QCOMPARE(linksIn(schemes), QStringList());
        QCOMPARE(linksIn("https://a.co/" + QString(300000, ')')), QStringList{"https://a.co/"});
        QCOMPARE(linksIn(QString(1000000, 'h')), QStringList());
        qInfo(
            "split: hostile texts of %lld characters in all took %lld ms",
            qlonglong(5000 + 2 * T::kMaxLinkLength + 2000 + many.size() + schemes.size() + 1300000),
            qlonglong(t.elapsed()));
        QVERIFY2(t.elapsed() < 2000, qPrintable(QString::number(t.elapsed())));

        // Only what split() takes as one whole link opens, and only with http or https.
        QVERIFY(T::openable("https://example.com/doc").isValid());
        for (const char* bad : {"javascript:alert(1)", "file:///etc/passwd", "data:text/html,x",
                                "https://a@example.com/", "https://example.com/doc and more",
                                " https://example.com", "ftp://example.com", ""})
            QVERIFY2(!T::openable(QString::fromUtf8(bad)).isValid(), bad);
        UrlCatcher catcher;
        for (const char* scheme : {"http", "https", "file", "javascript", "data"})
            QDesktopServices::setUrlHandler(QString::fromLatin1(scheme), &catcher, "handle");
        auto unsetHandlers = qScopeGuard([] {
            for (const char* scheme : {"http", "https", "file", "javascript", "data"})
                QDesktopServices::unsetUrlHandler(QString::fromLatin1(scheme));
        });
        T runs;
        QVERIFY(!runs.openLink("javascript:alert(1)"));
        QVERIFY(!runs.openLink("file:///etc/passwd"));
        QVERIFY(catcher.urls.isEmpty());
        QVERIFY(runs.openLink("https://example.com/doc"));
        QCOMPARE(catcher.urls, QList<QUrl>{QUrl("https://example.com/doc")});
        QCOMPARE(runs.linkHost("https://Example.COM:8443/x"), QStringLiteral("example.com"));
        QCOMPARE(runs.linkAt("see https://example.com/x.", 4),
                 QStringLiteral("https://example.com/x"));
        QCOMPARE(runs.linkAt("see https://example.com/x.", 3), QString());
        QCOMPARE(runs.linkAt("see https://example.com/x.", 25), QString()); // the full stop

        // Names: what cannot be seen is shown, spaces are tidied, markup stays text.
        const struct {
            QString name, shown;
        } names[] = {
            {"Alice Adams", "Alice Adams"},
            {"Ali" + rlo + "ce", "Ali[U+202E]ce"},
            {QStringLiteral("Alice\u200b"), "Alice[U+200B]"},
            {QStringLiteral("\u2066Bob\u2069 \u200eX\u061c"),
             "[U+2066]Bob[U+2069] [U+200E]X[U+061C]"},
            {QStringLiteral("  Alice \n\t\u00a0 Adams\u2028 "), "Alice Adams"},
            {QStringLiteral("Ali\u200dce \ufeff\u00ad"), "Ali[U+200D]ce [U+FEFF][U+00AD]"},
            {QStringLiteral("\U0001F468\u200d\U0001F469\u200d\U0001F467"),
             QStringLiteral("\U0001F468\u200d\U0001F469\u200d\U0001F467")},
            {QStringLiteral("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"),
             QStringLiteral("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645")},
            {QStringLiteral("\u3164 \U000E0041"), "[U+3164] [U+E0041]"},
            {"a" + QString(10, QChar(0x0301)) + "b",
             "a" + QString(T::kMaxMarks, QChar(0x0301)) + "b"},
            {"<img src=\"http://x/\"><b>Bo</b>", "<img src=\"http://x/\"><b>Bo</b>"},
            {QString(QChar(0xD800)) + "x", "[U+D800]x"},
            {QStringLiteral("a\u2065b \U0001FAE8"),
             QStringLiteral("a[U+2065]b \U0001FAE8")}, // unassigned: ignorable or not
        };
        for (const auto& n : names)
            QCOMPARE(T::safeName(n.name), n.shown);
        const QString longName = T::safeName(QString(300, 'n'));
        QCOMPARE(longName.size(), T::kMaxNameLength);
        QVERIFY(longName.endsWith(QChar(0x2026)));
        const QString longFile = T::safeName(QString(300, 'f') + ".exe", T::kMaxNameLength, true);
        QVERIFY(longFile.size() <= T::kMaxNameLength);
        QVERIFY2(longFile.endsWith(".exe") && longFile.contains(QChar(0x2026)),
                 qPrintable(longFile));
        QCOMPARE(runs.fill("%1 of %2 (%3)", {"%2", "x", "%1"}), QStringLiteral("%2 of x (%1)"));
        QCOMPARE(runs.initial(QStringLiteral("\u00e9mile")), QStringLiteral("\u00c9"));
        QCOMPARE(runs.initial(QStringLiteral("\U0001F469 x")), QStringLiteral("\U0001F469"));
        QCOMPARE(runs.initial(""), QStringLiteral("?"));
        QCOMPARE(runs.initial(rlo + "x"), QStringLiteral("?"));

        // A preview drops the controls that reorder (a name inside the core's sentence), not marks.
        QCOMPARE(T::preview("a" + rlo + QStringLiteral("b\u2066c\u2069\u202c\u200f")),
                 QStringLiteral("abc\u200f"));

        // Isolation: a stray PDI of the text's own cannot close ours; what it opens is closed.
        const QChar fsi(0x2068), pdi(0x2069), rli(0x2067);
        QCOMPARE(T::isolated("a" + QString(pdi) + rlo + "b"), QString(fsi) + "a" + rlo + "b" + pdi);
        QCOMPARE(T::isolated(QString(rli) + "x"), QString(fsi) + rli + "x" + pdi + pdi);
        // ... and Qt's layout honours it: the words after a participant's override stay in order
        // only when it is isolated.
        auto inOrder = [](const QString& text, int from) {
            QTextLayout layout(text, QGuiApplication::font());
            layout.beginLayout();
            QTextLine line = layout.createLine();
            line.setLineWidth(100000);
            layout.endLayout();
            for (int i = from + 1; i < text.size(); ++i)
                if (line.cursorToX(i) <= line.cursorToX(i - 1)) return false;
            return true;
        };
        const QString evil = rlo + "evil";
        const QString bare = "Replying to: " + evil + " and our words";
        QVERIFY(!inOrder(bare, bare.indexOf(" and our words"))); // the check can fail
        const QString isolated = "Replying to: " + T::isolated(evil) + " and our words";
        QVERIFY(inOrder(isolated, isolated.indexOf(" and our words")));
        const QString escape =
            "Replying to: " + T::isolated("x" + QString(pdi) + evil) + " and our words";
        QVERIFY(inOrder(escape, escape.indexOf(" and our words")));
    }

    // Issue 16 item 1, for the labels no test drives: every Text, Label, TextEdit and TextArea in
    // the app's QML (as built into it) sets textFormat to plain text, so a screen added later
    // cannot quietly show markup. A block is read from its opening brace to the matching one.
    void everyTextElementOfTheScreensIsPlain() {
        // Every feature's module (qml/*/) under the modules' resource prefix.
        QStringList files;
        for (QDirIterator it(":/qt/qml/Verbatim", {"*.qml"}, QDir::Files,
                             QDirIterator::Subdirectories);
             it.hasNext();)
            files << it.next();
        QVERIFY2(files.size() >= 20, qPrintable(files.join(", ")));
        const QRegularExpression opening(
            R"(^\s*(?:[\w.]+\s*:\s*)?(Text|Label|TextEdit|TextArea)\s*\{)");
        const QRegularExpression plain(
            R"(\btextFormat\s*:\s*(Text|TextEdit|TextArea)\.PlainText\b)");
        int checked = 0;
        QStringList missing;
        for (const QString& name : files) {
            QFile f(name);
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QStringList lines = QString::fromUtf8(f.readAll()).split('\n');
            for (int i = 0; i < lines.size(); ++i) {
                const auto m = opening.match(lines[i]);
                if (!m.hasMatch()) continue;
                // The block's own lines (depth 1), to its closing brace.
                QString own;
                int depth = 0;
                for (int j = i; j < lines.size(); ++j) {
                    const QString& line = lines[j];
                    const int at = j == i ? int(m.capturedEnd()) - 1 : 0;
                    for (int k = at; k < line.size(); ++k) {
                        if (line[k] == '{') ++depth;
                        if (line[k] == '}') --depth;
                        if (depth == 1 && line[k] != '{') own += line[k];
                    }
                    own += '\n';
                    if (depth == 0) break;
                }
                ++checked;
                if (!plain.match(own).hasMatch())
                    missing << QStringLiteral("%1:%2").arg(name).arg(i + 1);
            }
        }
        QVERIFY2(missing.isEmpty(), qPrintable("not plain text: " + missing.join(", ")));
        QVERIFY2(checked > 100, qPrintable(QString::number(checked)));
    }

    // Issue 16 item 1, the second wall: the app's QML engine (client/app/main.cpp installs
    // OfflineNetwork) fetches nothing remote even where a label would render markup. The same
    // label in an engine without it calls the beacon, so the beacon check can fail.
    void qmlEngineFetchesNothingRemote() {
        QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
        Beacon beacon;
        QVERIFY(beacon.listen());
        const QByteArray qml = "import QtQuick\nimport QtQuick.Window\nWindow { width: 300; "
                               "height: 100; visible: true\n"
                               "  Text { textFormat: Text.AutoText; text: '<img src=\"" +
                               beacon.url("offline").toUtf8() + "\"> <img src=\"" +
                               beacon.url("offline-2").toUtf8() + "\"> x' } }\n";
        {
            qt::OfflineNetwork offline;
            QQmlApplicationEngine engine;
            engine.setNetworkAccessManagerFactory(&offline);
            engine.loadData(qml);
            QVERIFY(!engine.rootObjects().isEmpty());
            QTest::qWait(1500);
        }
        QVERIFY2(beacon.connections == 0, qPrintable(beacon.requests.join(", ")));
        {
            QQmlApplicationEngine engine;
            engine.loadData(qml);
            QVERIFY(!engine.rootObjects().isEmpty());
            QVERIFY(until([&] { return beacon.connections > 0; }, 10000));
        }
    }

    // Issue 16 item 1 (AB-01): HTML, Markdown-ish and direction-changing text from a participant
    // (message bodies, the sender's name, the matter's title, an attachment's name, a reaction,
    // a device's platform and version, a staff name) renders as the literal text on the lawyer's
    // chat (list preview, bubbles, title, matter info, reply, search hits), the compliance page
    // (conversations, timeline, search hits) and the admin page (inventory, confirmation), and
    // no image is fetched: a local HTTP server stands in for the sender's and counts who calls.
    // Links are found by our rules and open only from a dialog that shows where they go.
    void participantTextRendersAsPlainText() {
        using M = qt::MessageListModel;
        using T = qt::TextRuns;
        // Nothing between the app and the beacon: a proxy from the environment would hide a fetch.
        QNetworkProxy::setApplicationProxy(QNetworkProxy::NoProxy);
        Beacon beacon;
        QVERIFY(beacon.listen());
        auto img = [&](const QString& what) { return "<img src=\"" + beacon.url(what) + "\">"; };
        const QChar rlo(0x202E), pdf(0x202C), rli(0x2067), pdi(0x2069), zwsp(0x200B);
        const QString title = img("title") + "Estate <b>of</b> Doe " + rlo + "cod.exe";
        const QString name = img("name") + "<i>Mallory</i> " + rlo + "nimda" + zwsp;
        const QString staffName = img("staff") + "Bob " + rlo + "bob";
        const QString platform = img("platform");
        const QString version = "<b>9</b>" + QString(rlo);
        const QString reaction = img("react");
        const QString fileName = "<i>scan " + QString(rlo) + "fdp.exe";
        const QStringList bodies = {
            img("body") + " hello",
            "<a href=\"" + beacon.url("a") +
                "\">click</a> <b>bold</b> <style>*{color:red}</style> &lt;tag&gt; &amp;",
            "**bold** _it_ [x](" + beacon.url("md") + ") ![i](" + beacon.url("mdimg") + ")",
            "Pay " + QString(rlo) + "gnp.exe" + pdf + " now " + rli + "abc" + pdi + " end " + rlo +
                "unclosed",
            "see https://example.com/doc?a=1. or javascript:alert(1) or <https://evil.example/x>",
        };
        auto noBeacon = [&] {
            QTest::qWait(1500); // an image load is asynchronous
            return beacon.connections == 0;
        };

        e2e::Harness h;
        QVERIFY(h.ok());
        QVERIFY(h.service().createUser("ada", proto::ROLE_ADMIN, "Ada Admin", "test"));
        QVERIFY(h.service().createUser("bob", proto::ROLE_LAWYER, staffName.toStdString(), "test"));
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/lawyer");
        QVERIFY(lawyer.session()->join(
            QString::fromStdString(h.enrollLink("alice", proto::ROLE_LAWYER)), "Alice Adams",
            kPass));
        QVERIFY(until([&] { return lawyer.session()->connected(); }));
        auto invite = lawyer.client()->createInvite(title.toStdString());
        QVERIFY2(invite, invite ? "" : invite.error().message.c_str());
        qt::AppController client(dir.path() + "/client");
        QVERIFY2(client.session()->join(QString::fromStdString(*invite), name, kPass),
                 qPrintable(client.error()));
        QVERIFY(client.session()->acceptNotice());
        QVERIFY(until([&] { return client.chat()->conversations()->rowCount() == 1; }));
        const QString conv =
            cell(client.chat()->conversations(), 0, qt::ConversationListModel::IdRole).toString();
        client.chat()->openConversation(conv);
        {
            client::JoinOptions o;
            o.platform = platform.toStdString();
            o.appVersion = version.toStdString();
            auto bob = client::Client::join((dir.path() + "/bob").toStdString(), kPass,
                                            h.enrollLink("bob", proto::ROLE_LAWYER), o);
            QVERIFY2(bob, bob ? "" : bob.error().message.c_str());
        }

        // The client sends: an attachment, the texts (the image last: it is the list's preview),
        // and a reaction.
        QTemporaryDir files;
        {
            QFile f(files.filePath(fileName));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("%PDF-1.4 not really");
        }
        QSignalSpy attached(client.attachments(), &qt::AttachmentsController::attachmentDone);
        QVERIFY(client.attachments()->attach(QUrl::fromLocalFile(files.filePath(fileName))));
        QVERIFY(attached.wait(20000));
        QVERIFY2(attached.first().first().toBool(), qPrintable(client.error()));
        for (int i = 1; i < bodies.size(); ++i)
            QVERIFY2(client.chat()->send(bodies[i]), qPrintable(client.error()));
        QVERIFY(client.chat()->send(bodies[0]));
        auto* cm = client.chat()->messages();
        QVERIFY(client.chat()->react(
            cell(cm, rowOf(cm, M::BodyRole, bodies[1]), M::IdRole).toString(), reaction));
        QVERIFY(client.client()->waitForOutbox(20s));
        QVERIFY(until([&] {
            return rowOf(lawyer.chat()->conversations(), qt::ConversationListModel::IdRole, conv) >=
                   0;
        }));
        lawyer.chat()->openConversation(conv);
        auto* lm = lawyer.chat()->messages();
        QVERIFY(until([&] {
            lawyer.chat()->messages()->refresh();
            const int r = rowOf(lm, M::BodyRole, bodies[1]);
            return rowOf(lm, M::BodyRole, bodies[0]) >= 0 && r >= 0 &&
                   !cell(lm, r, M::ReactionsRole).toString().isEmpty();
        }));
        // The models keep the text (bodies exactly; names with the invisible shown).
        for (const auto& b : bodies)
            QVERIFY2(rowOf(lm, M::BodyRole, b) >= 0, qPrintable(b));
        QCOMPARE(cell(lm, rowOf(lm, M::BodyRole, bodies[0]), M::SenderNameRole).toString(),
                 T::safeName(name));
        QCOMPARE(lawyer.chat()->currentTitle(), T::safeName(title));
        QVERIFY(T::safeName(name).contains("[U+202E]") && T::safeName(name).contains("[U+200B]"));

        // The lawyer's chat on a laptop: list, bubbles, title.
        {
            Ui ui;
            QVERIFY(ui.load(lawyer, 1280, 800, false));
            for (const auto& b : bodies)
                QVERIFY2(until([&] { return showsPlain(ui, b); }), qPrintable(b));
            QVERIFY(showsPlain(ui, T::safeName(title)));
            QVERIFY(showsPlain(ui, T::safeName(name)));
            QVERIFY(showsPlain(ui, T::safeName(fileName, T::kMaxNameLength, true)));
            QVERIFY(showsPlain(ui, T::safeName(reaction, 16)));
            QCOMPARE(
                cell(lawyer.chat()->conversations(), 0, qt::ConversationListModel::LastMessageRole)
                    .toString(),
                bodies[0]);
            {
                QList<QQuickItem*> inList;
                textItems(qobject_cast<QQuickItem*>(ui.find("conversationList")), inList);
                QVERIFY(std::any_of(inList.begin(), inList.end(), [&](QQuickItem* i) {
                    return i->isVisible() && isPlain(i) &&
                           i->property("text").toString() == bodies[0];
                }));
            }
            QString problems = renderingProblems(ui, bodies);
            QVERIFY2(problems.isEmpty(), qPrintable(problems));
            QVERIFY(ui.shoot("hostile-laptop-light-chat"));

            // The matter's information: its title and the participants.
            QVERIFY(ui.click("infoButton"));
            auto* info = ui.find("matterInfo");
            QVERIFY(until([&] { return info->property("opened").toBool(); }));
            QVERIFY(showsPlain(ui, T::safeName(title))); // the dialog's own header
            QVERIFY(showsPlain(ui, T::isolated(T::safeName(name)) + "  \u00b7  " +
                                       T::isolated("client")));
            problems = renderingProblems(ui, bodies);
            QVERIFY2(problems.isEmpty(), qPrintable(problems));
            QVERIFY(ui.shoot("hostile-laptop-light-info"));
            QVERIFY(QMetaObject::invokeMethod(info, "close"));
            QVERIFY(until([&] { return !info->property("visible").toBool(); }));

            // A reply quotes the override inside an isolate.
            const QString overrideId =
                cell(lm, rowOf(lm, M::BodyRole, bodies[3]), M::IdRole).toString();
            auto* actions = ui.find("messageActions");
            QVERIFY(actions && actions->setProperty("messageId", overrideId));
            QVERIFY(QMetaObject::invokeMethod(ui.deep("replyAction"), "triggered"));
            QVERIFY(until([&] { return ui.find("composeContext")->property("visible").toBool(); }));
            QCOMPARE(ui.find("composeContext")->property("text").toString(),
                     "Replying to: " + T::isolated(lawyer.chat()->replyQuote(overrideId)));
            problems = renderingProblems(ui, bodies);
            QVERIFY2(problems.isEmpty(), qPrintable(problems));

            // Links: marked where our rules found them; a click asks first and shows where it
            // goes; only then does the browser get it. Other text opens nothing.
            UrlCatcher catcher;
            QDesktopServices::setUrlHandler("https", &catcher, "handle");
            QDesktopServices::setUrlHandler("http", &catcher, "handle");
            auto unsetHandlers = qScopeGuard([] {
                QDesktopServices::unsetUrlHandler("https");
                QDesktopServices::unsetUrlHandler("http");
            });
            QQuickItem* linkBody = nullptr;
            for (auto* item : ui.findItems("messageBody"))
                if (item->isVisible() && item->property("text").toString() == bodies[4])
                    linkBody = item;
            QVERIFY(linkBody);
            auto* highlighter = linkBody->findChild<QObject*>("linkHighlighter");
            QVERIFY(highlighter);
            QCOMPARE(highlighter->property("links").toInt(), 2);
            // Markdown's link syntax is text; the address in it is a link by our rules (and opens
            // only from the dialog, like any other).
            for (auto* item : ui.findItems("messageBody"))
                if (item->property("text").toString() == bodies[2])
                    QCOMPARE(
                        item->findChild<QObject*>("linkHighlighter")->property("links").toInt(), 2);
            auto clickAt = [&](int index) {
                QRectF r;
                QVERIFY(QMetaObject::invokeMethod(linkBody, "positionToRectangle",
                                                  Q_RETURN_ARG(QRectF, r), Q_ARG(int, index)));
                const QPointF p = linkBody->mapToScene(QPointF(r.x() + 2, r.y() + r.height() / 2));
                QTest::mouseClick(ui.window, Qt::LeftButton, {}, p.toPoint());
            };
            auto* linkDialog = ui.find("linkDialog");
            QVERIFY(linkDialog);
            clickAt(int(bodies[4].indexOf("javascript")) + 3);
            clickAt(1); // "see"
            QTest::qWait(300);
            QVERIFY(!linkDialog->property("visible").toBool());
            clickAt(int(bodies[4].indexOf("example.com/doc")));
            QVERIFY(until([&] { return linkDialog->property("opened").toBool(); }));
            QCOMPARE(linkDialog->property("url").toString(),
                     QStringLiteral("https://example.com/doc?a=1"));
            QCOMPARE(ui.deep("linkHost")->property("text").toString(),
                     QStringLiteral("example.com"));
            QCOMPARE(ui.deep("linkUrl")->property("text").toString(),
                     QStringLiteral("https://example.com/doc?a=1"));
            QVERIFY(catcher.urls.isEmpty()); // nothing opens before the reader says so
            QVERIFY(ui.shoot("hostile-laptop-light-link"));
            QVERIFY(QMetaObject::invokeMethod(ui.deep("linkOpenButton"), "clicked"));
            QVERIFY(until([&] {
                return catcher.urls.size() == 1 && !linkDialog->property("visible").toBool();
            }));
            QCOMPARE(catcher.urls.first(), QUrl("https://example.com/doc?a=1"));
            clickAt(int(bodies[4].indexOf("evil.example")));
            QVERIFY(until([&] { return linkDialog->property("opened").toBool(); }));
            QCOMPARE(linkDialog->property("url").toString(),
                     QStringLiteral("https://evil.example/x"));
            QVERIFY(QMetaObject::invokeMethod(ui.deep("linkCancelButton"), "clicked"));
            QVERIFY(until([&] { return !linkDialog->property("visible").toBool(); }));
            QCOMPARE(catcher.urls.size(), 1);

            // Search hits.
            QVERIFY(ui.type("searchField", "hello"));
            QVERIFY(until([&] { return lawyer.chat()->searchResults()->rowCount() == 1; }));
            QVERIFY(until(
                [&] { return showsPlain(ui, bodies[0]) && showsPlain(ui, T::safeName(name)); }));
            problems = renderingProblems(ui, bodies);
            QVERIFY2(problems.isEmpty(), qPrintable(problems));
            QVERIFY(ui.shoot("hostile-laptop-light-search"));
            ui.window->resize(390, 844);
            QVERIFY(ui.type("searchField", ""));
            QVERIFY(ui.shoot("hostile-phone-light-chat"));
            problems = renderingProblems(ui, bodies);
            QVERIFY2(problems.isEmpty(), qPrintable(problems));
        }
        QVERIFY2(noBeacon(), qPrintable(beacon.requests.join(", ")));

        // The compliance page: the conversation, its timeline and a search.
        qt::AppController officer(dir.path() + "/officer");
        QVERIFY(officer.session()->join(
            QString::fromStdString(h.enrollLink("comply", proto::ROLE_COMPLIANCE)),
            "Casey Compliance", kPass));
        const QString keyFile = writeKeyFile(dir.path(), h.journalKey());
        QVERIFY(!keyFile.isEmpty());
        {
            Ui ui;
            QVERIFY(ui.load(officer, 1280, 800, false));
            auto* cc = qobject_cast<qt::ComplianceController*>(ui.find("complianceController"));
            QVERIFY(cc);
            QSignalSpy unlocked(cc, &qt::ComplianceController::unlockFinished);
            cc->unlock(keyFile, kJournalPass);
            QVERIFY(unlocked.wait(30000));
            QVERIFY2(unlocked.first().first().toBool(), qPrintable(cc->error()));
            QSignalSpy pulled(cc, &qt::ComplianceController::pullFinished);
            cc->pull();
            QVERIFY(pulled.wait(60000));
            QVERIFY2(pulled.first().first().toBool(), qPrintable(cc->error()));
            QSignalSpy loaded(cc, &qt::ComplianceController::timelineLoaded);
            cc->openConversation(conv);
            QVERIFY(loaded.wait(30000));
            for (const auto& b : bodies)
                QVERIFY2(until([&] { return showsPlain(ui, b); }), qPrintable(b));
            QVERIFY(showsPlain(ui, T::safeName(title)));
            QVERIFY(showsPlain(ui, T::safeName(name)));
            QVERIFY(showsPlain(
                ui, "Attachments: " + T::isolated(T::safeName(fileName, T::kMaxNameLength, true))));
            QString problems = renderingProblems(ui, bodies);
            QVERIFY2(problems.isEmpty(), qPrintable(problems));
            QVERIFY(ui.shoot("hostile-compliance-laptop-light"));
            QSignalSpy searched(cc, &qt::ComplianceController::searchFinished);
            cc->search("hello");
            QVERIFY(searched.wait(30000));
            QVERIFY2(searched.first().first().toBool(), qPrintable(cc->error()));
            QVERIFY(until([&] { return showsPlain(ui, bodies[0]); }));
            problems = renderingProblems(ui, bodies);
            QVERIFY2(problems.isEmpty(), qPrintable(problems));
            QVERIFY(ui.shoot("hostile-compliance-laptop-light-search"));
        }
        QVERIFY2(noBeacon(), qPrintable(beacon.requests.join(", ")));

        // The admin page: the inventory and the confirmation naming a device.
        qt::AppController admin(dir.path() + "/ada");
        QVERIFY(admin.session()->join(
            QString::fromStdString(h.enrollLink("ada", proto::ROLE_ADMIN)), "Ada Admin", kPass));
        QVERIFY(until([&] { return admin.session()->connected(); }));
        {
            Ui ui;
            QVERIFY(ui.load(admin, 1280, 800, false));
            auto* ac = qobject_cast<qt::AdminController*>(ui.find("adminController"));
            QVERIFY(ac);
            QSignalSpy refreshed(ac, &qt::AdminController::refreshed);
            QVERIFY(until([&] { return ui.find("adminDevicesButton") != nullptr; }));
            QVERIFY(ui.click("adminDevicesButton"));
            QVERIFY(!refreshed.isEmpty() || refreshed.wait(20000));
            QVERIFY2(refreshed.first().first().toBool(), qPrintable(ac->error()));
            QVERIFY(until([&] { return showsPlain(ui, T::isolated(T::safeName(name))); }));
            QVERIFY(showsPlain(ui, T::isolated(T::safeName(staffName))));
            QVERIFY(showsPlain(ui, T::isolated(T::safeName(platform)) + " \u00b7 " +
                                       T::isolated(T::safeName(version))));
            const QString malloryKey = QStringLiteral("%1/%2")
                                           .arg(client.session()->userId())
                                           .arg(client.client()->account().device);
            QVERIFY(QMetaObject::invokeMethod(
                ui.visibleWith("revokeButton", "deviceKey", malloryKey), "clicked"));
            auto* dialog = ui.find("deviceActionDialog");
            QVERIFY(until([&] { return dialog->property("opened").toBool(); }));
            const QString number = QString::number(client.client()->account().device);
            QCOMPARE(dialog->property("title").toString(),
                     QStringLiteral("Revoke device #%1 of %2?")
                         .arg(number, T::isolated(T::safeName(name))));
            QVERIFY(showsPlain(ui, dialog->property("title").toString()));
            QVERIFY(ui.deep("deviceActionText")
                        ->property("text")
                        .toString()
                        .startsWith(QStringLiteral("Device #%1 of %2 (%3)")
                                        .arg(number, T::isolated(T::safeName(name)),
                                             T::isolated(client.session()->userId()))));
            const QString problems = renderingProblems(ui, bodies);
            QVERIFY2(problems.isEmpty(), qPrintable(problems));
            QVERIFY(ui.shoot("hostile-admin-laptop-light-confirm"));
            QVERIFY(QMetaObject::invokeMethod(ui.deep("deviceActionCancel"), "clicked"));
        }
        QVERIFY2(noBeacon(), qPrintable(beacon.requests.join(", ")));
    }
};

QTEST_MAIN(TestApp)
#include "tst_app.moc"

// Issue 16 item 1 (AB-01) on every screen against a real relay: hostile text from a participant
// (HTML, Markdown-ish, direction changes) renders as the literal text on the chat, the
// compliance page and the admin page, no image is fetched, and links open only from a dialog
// that shows where they go.

#include <QDesktopServices>
#include <QFile>
#include <QNetworkProxy>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QScopeGuard>
#include <QTemporaryDir>
#include <QTextDocument>
#include <QtTest>

#include <algorithm>

#include "AppHarness.h"
#include "client/qt/AdminController.h"
#include "client/qt/AppController.h"
#include "client/qt/ComplianceController.h"
#include "client/qt/TextRuns.h"

using namespace verbatim;
using namespace verbatim::apptest;
using namespace std::chrono_literals;

namespace {

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

} // namespace

class TestAppPlainText : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QQuickStyle::setStyle("Material"); }

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
        // Titles with control characters or direction overrides are refused by the relay
        // (R-WALL-5, checked below); names still carry them.
        const QString title = img("title") + "Estate <b>of</b> Doe cod.exe";
        const QString name = img("name") + "<i>Mallory</i> " + rlo + "nimda" + zwsp;
        const QString staffName = img("staff") + "Bob " + rlo + "bob";
        const QString platform = img("platform");
        const QString version = "<b>9</b>" + QString(rlo);
        const QString reaction = img("react");
        const QString reactionShown = QString::fromUtf8("\u2714\ufe0f");
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
        QVERIFY2(joinStaff(h, lawyer, "alice", proto::ROLE_LAWYER, "Alice Adams"),
                 qPrintable(lawyer.error()));
        QVERIFY(!lawyer.client()->createInvite((title + rlo + "exe").toStdString()));
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
        // Markup is no reaction (one emoji only, C-REACT-1: tests/app/tst_app_reactions.cpp has
        // a modified sender's refused at the receiver); a real one is shown as plain text.
        const QString reacted = cell(cm, rowOf(cm, M::BodyRole, bodies[1]), M::IdRole).toString();
        QVERIFY(!client.chat()->react(reacted, reaction));
        QVERIFY(client.chat()->react(reacted, reactionShown));
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
            QVERIFY(showsPlain(ui, reactionShown));
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
            // The role is the app's own word for it (TextRuns::roleName), not the sender's.
            QVERIFY(showsPlain(ui, T::isolated(T::safeName(name)) + "  \u00b7  " +
                                       T().roleName("client")));
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
        QVERIFY2(joinStaff(h, admin, "ada", proto::ROLE_ADMIN, "Ada Admin"),
                 qPrintable(admin.error()));
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

QTEST_MAIN(TestAppPlainText)
#include "tst_app_plaintext.moc"

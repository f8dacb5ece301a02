// The composer against a real relay with the QML screens offscreen: driven by keyboard (Enter,
// Shift+Enter, Up to edit, Escape, reply, Ctrl+F, Ctrl+K, Tab order), and an attachment sent
// with its upload progress, received, and saved byte-equal (issue 5), with screenshots.

#include <QFile>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>

#include "AppHarness.h"
#include "client/qt/AppController.h"
#include "client/qt/TextRuns.h"

using namespace verbatim;
using namespace verbatim::apptest;
using namespace std::chrono_literals;

namespace {

/// Types `text` into the window's focused item, key by key.
void typeKeys(QWindow* window, const QString& text) {
    for (QChar c : text)
        QTest::keyClick(window, c.toLatin1());
}

} // namespace

class TestAppComposer : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { QQuickStyle::setStyle("Material"); }

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

    // Issue 22: the firm's device policy says clients may neither save
    // attachments nor copy message text. The client's chat shows no Save (a short sentence says
    // why), its Copy is disabled and refused, and its settings show the policy in plain words;
    // the lawyer (staff) still has Save.
    void devicePolicyHidesSaveAndCopyForClients() {
        e2e::Harness h;
        QVERIFY(h.ok());
        h.setManifestTweak([](journal::FirmManifest& m) {
            m.policy.clientsMaySave = false;
            m.policy.clientsMayCopy = false;
            m.policy.messageDays = 90;
        });
        QVERIFY(h.restart());
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/lawyer");
        qt::AppController client(dir.path() + "/client");
        QVERIFY2(openMatter(h, lawyer, client, "Estate of Poe"),
                 qPrintable(client.error() + lawyer.error()));
        const QString path = dir.filePath("lease.pdf");
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("%PDF-1.4 the lease");
        }
        QSignalSpy done(lawyer.attachments(), &qt::AttachmentsController::attachmentDone);
        QVERIFY(lawyer.attachments()->attach(QUrl::fromLocalFile(path)));
        QVERIFY(done.wait(30000));
        QVERIFY(done.last().at(0).toBool());
        auto* cm = client.chat()->messages();
        QVERIFY(until(
            [&] { return rowOf(cm, qt::MessageListModel::AttachmentNameRole, "lease.pdf") >= 0; }));
        const QString id =
            cell(cm, rowOf(cm, qt::MessageListModel::AttachmentNameRole, "lease.pdf"),
                 qt::MessageListModel::IdRole)
                .toString();

        QVERIFY(!client.attachments()->maySave());
        QVERIFY(!client.attachments()->mayCopy());
        Ui ui;
        QVERIFY(ui.load(client, 390, 844, false));
        QVERIFY(
            until([&] { return ui.visibleWith("saveNotAllowed", "messageKey", id) != nullptr; }));
        QVERIFY(ui.visibleWith("saveAttachmentButton", "messageKey", id) == nullptr);
        QCOMPARE(ui.visibleWith("saveNotAllowed", "messageKey", id)->property("text").toString(),
                 QStringLiteral("Your firm does not allow saving attachments"));
        // Asked anyway (a binding or a script): refused before any download, nothing written.
        QVERIFY(
            !client.attachments()->saveAttachment(id, QUrl::fromLocalFile(dir.filePath("x.pdf"))));
        QCOMPARE(client.error(), QStringLiteral("Your firm does not allow saving attachments"));
        QVERIFY(!QFile::exists(dir.filePath("x.pdf")));
        // Copy: the menu item is disabled and says why; the controller refuses.
        auto* copy = ui.deep("copyAction");
        QVERIFY(copy);
        QVERIFY(!copy->property("enabled").toBool());
        QCOMPARE(copy->property("text").toString(),
                 QStringLiteral("Your firm does not allow copying message text"));
        client.clearError();
        client.chat()->copyMessageText("the lease terms");
        QCOMPARE(client.error(), QStringLiteral("Your firm does not allow copying message text"));
        // The settings say it in plain words.
        const QString policy = client.attachments()->devicePolicyText();
        QVERIFY2(policy.contains("Messages are kept on this device for 90 days") &&
                     policy.contains("Saving attachments outside Verbatim: allowed for staff, "
                                     "not allowed for clients."),
                 qPrintable(policy));

        // Staff keep Save.
        QVERIFY(lawyer.attachments()->maySave() && lawyer.attachments()->mayCopy());
        Ui lawyerUi;
        QVERIFY(lawyerUi.load(lawyer, 1280, 800, false));
        QVERIFY(until([&] {
            return lawyerUi.visibleWith("saveAttachmentButton", "messageKey", id) != nullptr;
        }));
        QVERIFY(lawyerUi.visibleWith("saveNotAllowed", "messageKey", id) == nullptr);
    }
};

QTEST_MAIN(TestAppComposer)
#include "tst_app_composer.moc"

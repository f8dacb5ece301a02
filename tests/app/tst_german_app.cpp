// Issue 23: the app in German. The catalogue (client/qt/translations/verbatim_de.ts, embedded as
// :/i18n/verbatim_de.qm) is installed as the running app installs it (client/qt/Language.h), and
// the main screens, against a real relay over TLS, at phone size (400x780) and laptop size
// (1280x800), must show German: no visible text that the catalogue translates may still read in
// English, and none may be elided without that being the design or run past its box (the
// pseudo-locale test's checks, tests/app/LayoutScan.h). Screens: onboarding, the chat with its
// system row and day separator, the conversation list, settings, invites, the admin's devices
// page, and the compliance page locked, unlocked and pulled, with a conversation's timeline and
// each of its tabs. Dates read German ("Mo., 3. Nov. 2025", "Heute"). The real app binary picks
// its language from LANG or --locale, its command-line errors included. Screenshots land in
// screenshotDir() as de-*.png.

#include <QFile>
#include <QProcess>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QSet>
#include <QTemporaryDir>
#include <QXmlStreamReader>
#include <QtTest>

#include "AppHarness.h"
#include "LayoutScan.h"
#include "client/qt/AppController.h"
#include "client/qt/ChatController.h"
#include "client/qt/ComplianceController.h"
#include "client/qt/Language.h"
#include "client/qt/Models.h"
#include "client/qt/QmlModules.h"
#include "client/qt/SystemText.h"
#include "client/qt/TextRuns.h"

using namespace verbatim;
using namespace verbatim::apptest;

namespace {

/// The catalogue's pairs whose German differs from the English: {English}, {German}.
struct Catalogue {
    QSet<QString> english, german;
};

Catalogue readCatalogue(const QString& path) {
    Catalogue out;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return out;
    QXmlStreamReader xml(&f);
    QString source;
    while (!xml.atEnd()) {
        if (!xml.readNextStartElement()) continue;
        if (xml.name() == QLatin1String("source")) {
            source = xml.readElementText();
        } else if (xml.name() == QLatin1String("translation")) {
            const QString german = xml.readElementText(QXmlStreamReader::IncludeChildElements);
            // Texts with placeholders are shown filled in: they cannot be matched whole.
            if (!german.isEmpty() && german != source && !source.contains('%')) {
                out.english.insert(source);
                out.german.insert(german);
            }
        }
    }
    return out;
}

} // namespace

class TestGermanApp : public QObject {
    Q_OBJECT

    qt::Language m_language;
    Catalogue m_catalogue;
    QStringList m_offenders;

    /// Scans `ui`'s window as it is now, as screen `screen`: German shown, nothing English that
    /// has a translation, nothing cut off. Saves its screenshot as de-`screen`.png.
    void look(Ui& ui, const QString& screen) {
        QTest::qWait(300); // layouts settle
        auto s = layout::scanWindow(ui.window->contentItem(), ui.window->width());
        if (auto* title = qobject_cast<QQuickItem*>(ui.deep("headerTitle"));
            title && title->isVisible() && !title->property("text").toString().isEmpty() &&
            title->width() < std::min<qreal>(title->implicitWidth(), 64))
            s.found << QStringLiteral("headerTitle has %1 px for \"%2\"")
                           .arg(qRound(title->width()))
                           .arg(title->property("text").toString().left(40));
        int german = 0;
        for (const auto& text : s.texts) {
            if (m_catalogue.german.contains(text)) ++german;
            if (m_catalogue.english.contains(text))
                s.found << QStringLiteral("English, not German: \"%1\"").arg(text.left(60));
        }
        QVERIFY2(s.texts.size() > 3, qPrintable(screen + ": no texts found"));
        QVERIFY2(german > 0,
                 qPrintable(screen + ": no German text among " + s.texts.mid(0, 8).join(" | ")));
        for (const auto& f : s.found) {
            m_offenders << screen + ": " + f;
            qWarning().noquote() << "German offender:" << screen + ": " + f;
        }
        QVERIFY2(ui.shoot("de-" + screen), qPrintable(screen));
    }

    void openAndLook(Ui& ui, const char* button, const char* dialog, const QString& screen) {
        auto* b = qobject_cast<QQuickItem*>(ui.deep(button));
        QVERIFY2(b && b->isVisible(), button);
        QVERIFY(QMetaObject::invokeMethod(b, "clicked"));
        auto* d = ui.deep(dialog);
        QVERIFY2(d, dialog);
        QVERIFY(until([&] { return d->property("opened").toBool(); }));
        look(ui, screen);
        QVERIFY(QMetaObject::invokeMethod(d, "close"));
        QVERIFY(until([&] { return !d->property("visible").toBool(); }));
    }

    /// Texts of every visible Text item of `ui`'s window.
    static QStringList shownTexts(Ui& ui) {
        return layout::scanWindow(ui.window->contentItem(), ui.window->width()).texts;
    }

    /// Runs the real app with `args` and LANG=`lang`; its exit code and standard error.
    static std::pair<int, QString> runApp(const QString& lang, const QStringList& args) {
        QProcess p;
        auto env = QProcessEnvironment::systemEnvironment();
        for (const char* v : {"LC_ALL", "LC_MESSAGES", "LANGUAGE"})
            env.remove(v);
        env.insert("LANG", lang);
        env.insert("QT_QPA_PLATFORM", "offscreen");
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(VERBATIM_APP_BIN), args);
        if (!p.waitForFinished(30000)) return {-1, "did not finish"};
        return {p.exitCode(), QString::fromUtf8(p.readAllStandardError())};
    }

private slots:
    void initTestCase() {
        QQuickStyle::setStyle("Material");
        m_catalogue = readCatalogue(
            QStringLiteral(VERBATIM_SOURCE_DIR "/client/qt/translations/verbatim_de.ts"));
        QVERIFY2(m_catalogue.english.size() > 500, "the German catalogue could not be read");
        QCOMPARE(m_language.install(QLocale(QLocale::German, QLocale::Germany)), QString("de"));
    }

    void catalogueIsEmbeddedAndChosenByLocale() {
        // The .qm built from the .ts is in the app's resources.
        QVERIFY(QFile::exists(":/i18n/verbatim_de.qm"));
        QCOMPARE(QCoreApplication::translate("Composer", "Send"), QString("Senden"));
        QCOMPARE(QCoreApplication::translate("Dates", "Today"), QString("Heute"));
        // A plural has both German forms.
        QCOMPARE(QCoreApplication::translate("ArchiveList", "%n journal record(s)", nullptr, 1),
                 QString("1 Journaleintrag"));
        QCOMPARE(QCoreApplication::translate("ArchiveList", "%n journal record(s)", nullptr, 3),
                 QString("3 Journaleinträge"));
        // Which locales the app takes: its languages, in any country; nothing else.
        QVERIFY(qt::Language::parse("de"));
        QCOMPARE(qt::Language::parse("de_AT")->territory(), QLocale::Austria);
        QVERIFY(qt::Language::parse("en_GB"));
        QVERIFY(qt::Language::parse("system"));
        QVERIFY(!qt::Language::parse("fr"));
        QVERIFY(!qt::Language::parse("xx-nonsense"));
        QCOMPARE(qt::Language::requested({"verbatim", "--dark", "--locale", "de"}), QString("de"));
        QCOMPARE(qt::Language::requested({"verbatim", "--locale=en_GB"}), QString("en_GB"));
        QCOMPARE(qt::Language::requested({"verbatim", "--", "--locale=de"}), QString());
        // English in between: the sources' texts, and back.
        qt::Language english;
        QCOMPARE(english.install(QLocale(QLocale::English, QLocale::UnitedKingdom)), QString("en"));
        QCOMPARE(m_language.install(QLocale(QLocale::German, QLocale::Germany)), QString("de"));
        QCOMPARE(QCoreApplication::translate("Composer", "Send"), QString("Senden"));
    }

    void datesAndSystemRowsReadGerman() {
        const QDate monday(2025, 11, 3);
        QCOMPARE(qt::fullDate(monday), QString("Mo., 3. Nov. 2025"));
        QCOMPARE(qt::dayLabel(monday, monday), QString("Heute"));
        QCOMPARE(qt::dayLabel(monday, monday.addDays(1)), QString("Gestern"));
        QCOMPARE(qt::dayLabel(monday, monday.addDays(7)), QString("Mo., 3. Nov. 2025"));
        QCOMPARE(qt::whenText(QDateTime(monday, QTime(14, 5)), monday.addDays(1)),
                 QString("Gestern 14:05"));
        QCOMPARE(qt::whenText(QDateTime(monday, QTime(14, 5)), monday.addDays(30)),
                 QString("3. Nov. 2025 14:05"));
        // The core's English system rows, with the name kept as it was.
        QCOMPARE(qt::systemText("Carol Client accepted the recording notice"),
                 QString("Carol Client hat den Aufzeichnungshinweis akzeptiert"));
        QCOMPARE(qt::systemText("You accepted the recording notice"),
                 QString("Sie haben den Aufzeichnungshinweis akzeptiert"));
        QCOMPARE(qt::systemText("The safety number of bob changed. Verify it, then accept to "
                                "keep sending."),
                 QString("Die Sicherheitsnummer von bob hat sich geändert. Verifizieren Sie sie "
                         "und akzeptieren Sie sie, um weiter senden zu können."));
        QVERIFY(qt::systemText("The relay was restored from a backup; 1 message of yours here "
                               "that it lost were sent again.")
                    .contains("1 Nachricht von Ihnen"));
        QVERIFY(qt::systemText("The relay was restored from a backup; 4 messages of yours here "
                               "that it lost were sent again.")
                    .contains("4 Nachrichten von Ihnen"));
        // A sentence the core does not write stays as it is.
        QCOMPARE(qt::systemText("Hello accepted the recording notice!"),
                 QString("Hello accepted the recording notice!"));
        // The core's words for a device's status and a policy's direction; others as they are.
        qt::TextRuns runs;
        QCOMPARE(runs.deviceStatus("wipe pending"), QString("Löschung ausstehend"));
        QCOMPARE(runs.deviceStatus("awaiting approval"), QString("wartet auf Freigabe"));
        QCOMPARE(runs.deviceStatus("lost"), qt::TextRuns::isolated("lost"));
        QCOMPARE(qt::TextRuns::policyDirection("to-clients"), QString("an oder von Mandanten"));
        QCOMPARE(qt::TextRuns::policyDirection("internal"), QString("intern"));
        // The core's sentence for an imported history.
        QCOMPARE(qt::historyImportedText("34 messages in 2 conversations copied from device 1 (3 "
                                         "already here); not verified on this device; 1 "
                                         "conversations the relay does not list to you were left "
                                         "out (5 messages)"),
                 QString("von Gerät 1 kopiert: Nachrichten 34, Unterhaltungen 2 (3 bereits "
                         "vorhanden); auf diesem Gerät nicht verifiziert; ausgelassen, da das "
                         "Relay sie Ihnen nicht auflistet: Unterhaltungen 1 (Nachrichten 5)"));
        QCOMPARE(qt::historyImportedText("2 messages in 1 conversations copied from device 4; "
                                         "not verified on this device"),
                 QString("von Gerät 4 kopiert: Nachrichten 2, Unterhaltungen 1; auf diesem Gerät "
                         "nicht verifiziert"));
        // The recording notice in German beside the canonical one, for its one version.
        QVERIFY2(qt::noticeTranslation(1).startsWith("Diese Unterhaltung wird aufgezeichnet.\n\n"),
                 qPrintable(qt::noticeTranslation(1).left(60)));
        QVERIFY(qt::noticeTranslation(2).isEmpty());
    }

    void realAppFollowsLangAndLocaleOption() {
        // LANG says German: the command line's own error is German, with the usage.
        auto [code, err] = runApp("de_DE.UTF-8", {"--no-such-option"});
        QCOMPARE(code, 2);
        QVERIFY2(err.contains("verbatim: unbekannte Option --no-such-option"), qPrintable(err));
        // LANG says English: English.
        std::tie(code, err) = runApp("en_US.UTF-8", {"--no-such-option"});
        QCOMPARE(code, 2);
        QVERIFY2(err.contains("verbatim: unknown option --no-such-option"), qPrintable(err));
        // --locale wins over LANG.
        std::tie(code, err) = runApp("en_US.UTF-8", {"--locale", "de", "--no-such-option"});
        QCOMPARE(code, 2);
        QVERIFY2(err.contains("unbekannte Option"), qPrintable(err));
        std::tie(code, err) = runApp("de_DE.UTF-8", {"--locale=en", "--no-such-option"});
        QCOMPARE(code, 2);
        QVERIFY2(err.contains("unknown option"), qPrintable(err));
        // A language the app does not speak is refused, clearly, before anything opens.
        std::tie(code, err) = runApp("en_US.UTF-8", {"--locale", "fr"});
        QCOMPARE(code, 2);
        QVERIFY2(err.contains("--locale: 'fr' is not a language the app speaks (en, de, or "
                              "system)"),
                 qPrintable(err));
    }

    void mainScreensShowGermanWhole_data() {
        QTest::addColumn<int>("w");
        QTest::addColumn<int>("h");
        QTest::newRow("phone") << 400 << 780;
        QTest::newRow("laptop") << 1280 << 800;
    }

    void mainScreensShowGermanWhole() {
        QFETCH(int, w);
        QFETCH(int, h);
        const QString size = QTest::currentDataTag();
        m_offenders.clear();
        e2e::Harness relay;
        QVERIFY(relay.ok());
        QTemporaryDir dir;

        {
            qt::AppController newcomer(dir.path() + "/newcomer");
            Ui ui;
            QVERIFY(ui.load(newcomer, w, h));
            QVERIFY(until([&] {
                return ui.shows("joinButton", [](const QString& t) { return t == "Beitreten"; });
            }));
            look(ui, size + "-onboarding");
        }

        qt::AppController lawyer(dir.path() + "/lawyer"), client(dir.path() + "/client");
        QVERIFY2(openMatter(relay, lawyer, client, "Nachlass Hale"),
                 qPrintable(client.error() + lawyer.error()));
        QVERIFY(client.chat()->send("Anbei der unterschriebene Mietvertrag und das Inventar"));
        QVERIFY(until([&] {
            return rowOf(lawyer.chat()->messages(), qt::MessageListModel::BodyRole,
                         "Anbei der unterschriebene Mietvertrag und das Inventar") >= 0;
        }));
        QVERIFY(lawyer.chat()->send("Vielen Dank, ich lese beides heute Abend"));

        {
            Ui ui;
            QVERIFY(ui.load(lawyer, w, h));
            QVERIFY(until([&] {
                return ui.shows("sendButton", [](const QString& t) { return t == "Senden"; });
            }));
            // The client's acceptance as a German system row; today's messages under "Heute".
            QVERIFY2(until([&] {
                         return shownTexts(ui).contains("Carol Client hat den "
                                                        "Aufzeichnungshinweis akzeptiert");
                     }),
                     qPrintable(shownTexts(ui).join(" | ")));
            QVERIFY(ui.shows("daySeparator", [](const QString& t) { return t == "Heute"; }));
            look(ui, size + "-chat");
            if (size == "phone") {
                QVERIFY(ui.click("backButton"));
                QVERIFY(until([&] {
                    auto* list = qobject_cast<QQuickItem*>(ui.deep("conversationList"));
                    return list && list->isVisible();
                }));
                look(ui, size + "-list");
            }
            openAndLook(ui, "settingsButton", "settingsDialog", size + "-settings");
            openAndLook(ui, "invitesButton", "invitesDialog", size + "-invites");
        }
        // Each is listed above as a warning (a failure message is cut at 1000 characters).
        QVERIFY2(m_offenders.isEmpty(),
                 qPrintable(QString::number(m_offenders.size()) +
                            " offenders, the first: " + m_offenders.value(0)));
    }
    void adminAndCompliancePagesShowGermanWhole_data() { mainScreensShowGermanWhole_data(); }

    // The admin's devices page (table on a laptop, cards on a phone) and the compliance page:
    // before the key is unlocked, after a pull with the journal's list, a conversation's
    // timeline, and every tab, all German and nothing cut off.
    void adminAndCompliancePagesShowGermanWhole() {
        QFETCH(int, w);
        QFETCH(int, h);
        const QString size = QTest::currentDataTag();
        m_offenders.clear();
        e2e::Harness relay;
        QVERIFY(relay.ok());
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/lawyer"), client(dir.path() + "/client"),
            admin(dir.path() + "/admin"), officer(dir.path() + "/officer");
        QVERIFY2(openMatter(relay, lawyer, client, "Nachlass Hale"),
                 qPrintable(client.error() + lawyer.error()));
        QVERIFY(client.chat()->send("Anbei der unterschriebene Mietvertrag"));
        QVERIFY(until([&] {
            return rowOf(lawyer.chat()->messages(), qt::MessageListModel::BodyRole,
                         "Anbei der unterschriebene Mietvertrag") >= 0;
        }));
        QVERIFY(joinStaff(relay, admin, "root", proto::ROLE_ADMIN, "Ada Admin"));
        QVERIFY(joinStaff(relay, officer, "comply", proto::ROLE_COMPLIANCE, "Casey Compliance"));

        {
            Ui ui;
            QVERIFY(ui.load(admin, w, h));
            QVERIFY(until([&] {
                auto* b = qobject_cast<QQuickItem*>(ui.find("adminDevicesButton"));
                return b && b->isVisible();
            }));
            QVERIFY(ui.click("adminDevicesButton"));
            QVERIFY(until([&] { return !ui.visibleTexts("revokeButton").isEmpty(); }));
            look(ui, size + "-admin-devices");
        }
        {
            Ui ui;
            QVERIFY(ui.load(officer, w, h));
            QVERIFY(until([&] { return ui.find("complianceController") != nullptr; }));
            auto* cc = qobject_cast<qt::ComplianceController*>(ui.find("complianceController"));
            QVERIFY(cc);
            QVERIFY(until([&] {
                auto* f = qobject_cast<QQuickItem*>(ui.deep("journalPassphraseField"));
                return f && f->isVisible();
            }));
            look(ui, size + "-compliance-locked");
            const QString keyFile = writeKeyFile(dir.path(), relay.journalKey());
            QVERIFY(!keyFile.isEmpty());
            QSignalSpy unlocked(cc, &qt::ComplianceController::unlockFinished);
            cc->unlock(keyFile, kJournalPass);
            QVERIFY(unlocked.wait(30000));
            QVERIFY2(unlocked.first().first().toBool(), qPrintable(cc->error()));
            QSignalSpy pulled(cc, &qt::ComplianceController::pullFinished);
            cc->pull();
            QVERIFY(pulled.wait(60000));
            QVERIFY2(pulled.first().first().toBool(), qPrintable(cc->error()));
            QVERIFY(until([&] { return !cc->busy(); }));
            look(ui, size + "-compliance");
            QSignalSpy loaded(cc, &qt::ComplianceController::timelineLoaded);
            cc->openConversation(
                cell(cc->conversations(), 0, qt::ArchiveConversationsModel::IdRole).toString());
            QVERIFY(loaded.wait(30000));
            look(ui, size + "-compliance-timeline");
            cc->closeConversation();
            auto* bar = ui.find("complianceTabs");
            QVERIFY(bar);
            const char* tabs[] = {"journal", "review-queue", "policies", "access-log",
                                  "reports", "holds",        "samples",  "audit"};
            for (int i = 1; i < 8; ++i) {
                QVERIFY(bar->setProperty("currentIndex", i));
                look(ui, size + "-compliance-" + tabs[i]);
            }
        }
        QVERIFY2(m_offenders.isEmpty(),
                 qPrintable(QString::number(m_offenders.size()) +
                            " offenders, the first: " + m_offenders.value(0)));
    }
};

QTEST_MAIN(TestGermanApp)
#include "tst_german_app.moc"

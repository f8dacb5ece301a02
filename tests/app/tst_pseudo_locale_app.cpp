// Issue 23 ("Look and accessibility"): a pseudo-localised run. With every qsTr() text about 40%
// longer and accented (client/qt/PseudoTranslator.h), the app's main screens at phone size
// (400x780) and laptop size (1280x800), against a real relay over TLS, must show no text that is
// elided without that being the design, and none that runs past its own box (no wrap, no elide)
// where a clip or a neighbour would hide the end. Every offender is listed by objectName and text;
// screenshots land in screenshotDir() as pseudo-*.png.

#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>

#include "AppHarness.h"
#include "LayoutScan.h"
#include "client/qt/AppController.h"
#include "client/qt/ChatController.h"
#include "client/qt/ComplianceController.h"
#include "client/qt/Models.h"
#include "client/qt/PseudoTranslator.h"
#include "client/qt/QmlModules.h"

using namespace verbatim;
using namespace verbatim::apptest;

namespace {

/// The German run's rules, and: the compliance search field's hint may elide (its tooltip shows
/// it whole); a bar that scrolls sideways (the compliance page's tabs on a phone, a TabBar whose
/// list does not clip) is left out whether it clips or not.
const layout::Rules& pseudoRules() {
    static const layout::Rules rules = [] {
        layout::Rules r;
        r.allowedElisions.insert("complianceSearchField",
                                 "a field's hint (placeholder): its tooltip shows it whole");
        r.sidewaysNeedsClip = false;
        return r;
    }();
    return rules;
}

} // namespace

class TestPseudoLocaleApp : public QObject {
    Q_OBJECT

    qt::PseudoTranslator m_pseudo;
    QStringList m_offenders;

    /// Scans `ui`'s window as it is now, as screen `screen`, and saves its screenshot.
    void look(Ui& ui, const QString& screen) {
        QTest::qWait(300); // layouts settle
        auto s = layout::scanWindow(ui.window->contentItem(), ui.window->width(), pseudoRules());
        const auto pseudo = std::count_if(s.texts.begin(), s.texts.end(), [](const QString& t) {
            return t.contains(QStringLiteral("~]"));
        });
        // The toolbar's title keeps room beside its buttons (at phone size it once had none).
        if (auto* title = qobject_cast<QQuickItem*>(ui.deep("headerTitle"));
            title && title->isVisible() && !title->property("text").toString().isEmpty() &&
            title->width() < std::min<qreal>(title->implicitWidth(), 64))
            s.found << QStringLiteral("headerTitle has %1 px for \"%2\"")
                           .arg(qRound(title->width()))
                           .arg(title->property("text").toString().left(40));
        QVERIFY2(s.texts.size() > 3, qPrintable(screen + ": no texts found"));
        QVERIFY2(pseudo > 0, qPrintable(screen + ": no pseudo-localised text"));
        for (const auto& f : s.found) {
            m_offenders << screen + ": " + f;
            qWarning().noquote() << "pseudo-locale offender:" << screen + ": " + f;
        }
        QVERIFY2(ui.shoot("pseudo-" + screen), qPrintable(screen));
    }

    void openAndLook(Ui& ui, const char* button, const char* dialog, const QString& screen) {
        auto* b = qobject_cast<QQuickItem*>(ui.deep(button));
        QVERIFY2(b && b->isVisible(), button);
        QVERIFY(QMetaObject::invokeMethod(b, "clicked"));
        auto* d = ui.deep(dialog);
        QVERIFY2(d, dialog);
        QVERIFY(until([&] { return d->property("opened").toBool(); }));
        look(ui, screen);
    }

    /// Waits until the item named `button` shows, then clicks it.
    static bool clickWhenShown(Ui& ui, const char* button) {
        return until([&] {
                   auto* b = qobject_cast<QQuickItem*>(ui.find(button));
                   return b && b->isVisible();
               }) &&
               ui.click(button);
    }

    static void close(Ui& ui, const char* dialog) {
        auto* d = ui.deep(dialog);
        QVERIFY(d && QMetaObject::invokeMethod(d, "close"));
        QVERIFY(until([&] { return !d->property("visible").toBool(); }));
    }

private slots:
    void initTestCase() {
        QQuickStyle::setStyle("Material");
        QVERIFY(QCoreApplication::installTranslator(&m_pseudo));
    }

    void translatorKeepsPlaceholdersEntitiesAndMnemonics() {
        QCOMPARE(qt::PseudoTranslator::pseudo("Send"), QString::fromUtf8("[Šéñð ~~]"));
        const QString s = qt::PseudoTranslator::pseudo("%1 of %n device(s) &amp; &File %L2");
        QVERIFY2(s.contains("%1") && s.contains("%n") && s.contains("%L2") && s.contains("&amp;") &&
                     s.contains("&F"),
                 qPrintable(s));
        QCOMPARE(qt::PseudoTranslator::pseudo("<b>Hi</b>"), QString::fromUtf8("[<b>Ĥî</b> ~~]"));
        // About 40% longer than the source.
        const QString source = "Link a new device to your account";
        QVERIFY(qt::PseudoTranslator::pseudo(source).size() >= source.size() * 13 / 10);
    }

    void mainScreensShowEveryPseudoText_data() {
        QTest::addColumn<int>("w");
        QTest::addColumn<int>("h");
        QTest::newRow("phone") << 400 << 780;
        QTest::newRow("laptop") << 1280 << 800;
    }

    void mainScreensShowEveryPseudoText() {
        QFETCH(int, w);
        QFETCH(int, h);
        const QString size = QTest::currentDataTag();
        e2e::Harness relay;
        QVERIFY(relay.ok());
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/lawyer");
        qt::AppController client(dir.path() + "/client");
        QVERIFY2(openMatter(relay, lawyer, client, "Estate of Hale"),
                 qPrintable(client.error() + lawyer.error()));
        QVERIFY(client.chat()->send("Here is the signed lease, and the inventory of the flat"));
        QVERIFY(until([&] {
            return rowOf(lawyer.chat()->messages(), qt::MessageListModel::BodyRole,
                         "Here is the signed lease, and the inventory of the flat") >= 0;
        }));
        QVERIFY(lawyer.chat()->send("Thank you, I will read both tonight"));
        m_offenders.clear();

        Ui ui;
        QVERIFY(ui.load(lawyer, w, h));
        // The translator really is applied: the composer's Send is the pseudo text.
        QVERIFY(until([&] {
            return ui.shows("sendButton", [](const QString& t) {
                return t == qt::PseudoTranslator::pseudo("Send");
            });
        }));
        look(ui, size + "-chat");
        openAndLook(ui, "settingsButton", "settingsDialog", size + "-settings");
        openAndLook(ui, "linkDeviceButton", "linkDeviceDialog", size + "-link-device");
        close(ui, "linkDeviceDialog");
        close(ui, "settingsDialog");
        openAndLook(ui, "invitesButton", "invitesDialog", size + "-invites");
        close(ui, "invitesDialog");
        auto* newMatter = ui.deep("newMatterDialog");
        QVERIFY(newMatter && QMetaObject::invokeMethod(newMatter, "open"));
        QVERIFY(until([&] { return newMatter->property("opened").toBool(); }));
        look(ui, size + "-new-matter");
        close(ui, "newMatterDialog");
        // Each is listed above as a warning (a failure message is cut at 1000 characters).
        QVERIFY2(m_offenders.isEmpty(),
                 qPrintable(QString::number(m_offenders.size()) +
                            " offenders, the first: " + m_offenders.value(0)));
    }

    // Issue 23 (phone layout): at phone size, pseudo-localised, the supervision and devices pages'
    // headers and the compliance page with its eight tabs show every text whole. Each tab keeps
    // at least its text's width (the bar scrolls sideways instead of squeezing them), and the
    // last tab, chosen, is scrolled into view.
    void phonePagesKeepTabsAndTitlesWhole() {
        e2e::Harness relay;
        QVERIFY(relay.ok());
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/lawyer"), client(dir.path() + "/client"),
            partner(dir.path() + "/partner"), admin(dir.path() + "/admin"),
            officer(dir.path() + "/officer");
        QVERIFY2(openMatter(relay, lawyer, client, "Estate of Hale"),
                 qPrintable(client.error() + lawyer.error()));
        QVERIFY(joinStaff(relay, partner, "sam", proto::ROLE_SUPERVISOR, "Sam Partner"));
        QVERIFY(relay.service().addSupervisor("alice", "sam", "admin-cli"));
        QVERIFY(joinStaff(relay, admin, "root", proto::ROLE_ADMIN, "Ada Admin"));
        QVERIFY(joinStaff(relay, officer, "comply", proto::ROLE_COMPLIANCE, "Casey Compliance"));
        m_offenders.clear();

        {
            Ui ui;
            QVERIFY(ui.load(partner, 400, 780));
            QVERIFY(clickWhenShown(ui, "supervisionButton"));
            QVERIFY(until([&] { return ui.deep("supervisionPage") != nullptr; }));
            look(ui, "phone-supervision");
        }
        {
            Ui ui;
            QVERIFY(ui.load(admin, 400, 780));
            QVERIFY(clickWhenShown(ui, "adminDevicesButton"));
            QVERIFY(until([&] { return !ui.visibleTexts("revokeButton").isEmpty(); }));
            look(ui, "phone-admin-devices");
        }
        {
            Ui ui;
            QVERIFY(ui.load(officer, 400, 780));
            QVERIFY(until([&] { return ui.find("complianceController") != nullptr; }));
            auto* cc = qobject_cast<qt::ComplianceController*>(ui.find("complianceController"));
            QVERIFY(cc);
            const QString keyFile = writeKeyFile(dir.path(), relay.journalKey());
            QVERIFY(!keyFile.isEmpty());
            QSignalSpy unlocked(cc, &qt::ComplianceController::unlockFinished);
            cc->unlock(keyFile, kJournalPass);
            QVERIFY(unlocked.wait(30000));
            QVERIFY2(unlocked.first().first().toBool(), qPrintable(cc->error()));
            auto* bar = qobject_cast<QQuickItem*>(ui.deep("complianceTabs"));
            QVERIFY(bar);
            QVERIFY(until([&] { return bar->isVisible() && bar->width() > 0; }));
            look(ui, "phone-compliance");
            const char* names[] = {"journalTab", "reviewQueueTab", "policiesTab", "accessLogTab",
                                   "reportsTab", "holdsTab",       "samplesTab",  "auditTab"};
            qreal total = 0;
            for (const char* name : names) {
                auto* tab = qobject_cast<QQuickItem*>(ui.deep(name));
                QVERIFY2(tab, name);
                total += tab->width();
                QVERIFY2(tab->width() + 1 >= tab->implicitWidth(),
                         qPrintable(QStringLiteral("%1 squeezed: %2 < %3")
                                        .arg(name)
                                        .arg(tab->width())
                                        .arg(tab->implicitWidth())));
                int texts = 0;
                for (auto* text : tab->findChildren<QQuickItem*>()) {
                    if (!text->inherits("QQuickText")) continue;
                    ++texts;
                    QVERIFY2(!text->property("truncated").toBool(),
                             qPrintable(QStringLiteral("%1 elides \"%2\"")
                                            .arg(name, text->property("text").toString())));
                }
                QVERIFY2(texts > 0, name);
            }
            // Eight readable tabs do not fit 400 px: the bar scrolls to the one chosen.
            QVERIFY2(total > bar->width(), qPrintable(QString::number(total)));
            bar->setProperty("currentIndex", 7);
            auto* audit = qobject_cast<QQuickItem*>(ui.deep("auditTab"));
            QVERIFY(until([&] {
                const qreal x = audit->mapToItem(bar, QPointF(0, 0)).x();
                return x >= 0 && x + audit->width() <= bar->width() + 1;
            }));
            look(ui, "phone-compliance-audit-tab");
        }
        QVERIFY2(m_offenders.isEmpty(),
                 qPrintable(QString::number(m_offenders.size()) +
                            " offenders, the first: " + m_offenders.value(0)));
    }
};

QTEST_MAIN(TestPseudoLocaleApp)
#include "tst_pseudo_locale_app.moc"

#pragma once
/// @file AppHarness.h
/// What the app's tests share: the relay (e2e::Harness starts a real one over TLS), accounts
/// joined to it through the app's controllers, Main.qml loaded offscreen (Ui) with ways to find
/// and drive its items, and screenshots that must not come out blank.
///
/// Threading: GUI thread only (the tests' main thread); until() runs the event loop.

#include <QElapsedTimer>
#include <QImage>
#include <QList>
#include <QObject>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QString>
#include <QStringList>
#include <QTcpServer>
#include <QUrl>
#include <QVariant>
#include <QtTest>
#include <string>

#include "../e2e/E2EHarness.h"

class QAbstractItemModel;
class QQuickWindow;

namespace verbatim::qt {
class AppController;
}

namespace verbatim::crypto {
class X25519Key;
}

namespace verbatim::apptest {

/// The passphrase of every profile the app's tests make.
inline constexpr const char* kPass = "app test passphrase";
/// The passphrase of the journal key file writeKeyFile() writes.
inline constexpr const char* kJournalPass = "journal key passphrase 1";

/// Runs the event loop until `f` holds or `ms` passed; the last answer of `f`.
template <class F> bool until(F f, int ms = 20000) {
    QElapsedTimer t;
    t.start();
    while (!f() && t.elapsed() < ms)
        QTest::qWait(20);
    return f();
}

/// The first row of `m` whose `role` is `value`, or -1.
int rowOf(QAbstractItemModel* m, int role, const QVariant& value);
/// `role` of row `row` of the one-column model `m`.
QVariant cell(QAbstractItemModel* m, int row, int role);

/// Where screenshots go: VERBATIM_SCREENSHOT_DIR, else ./screenshots (made if missing).
QString screenshotDir();
/// Distinct colours in a sample of the image: a blank render has one or two.
int colours(const QImage& img);

/// Items named `name` in the visual tree under `from` (delegates and their contentItem are not
/// always QObject children, so findChild misses them).
QList<QQuickItem*> itemsNamed(QQuickItem* from, const QString& name);
/// The texts of the visible ones of `items`, in order.
QStringList visibleTexts(const QList<QQuickItem*>& items);

/// Joins `app` as staff `user` with an enrollment link from `h`, named `name`, and waits until
/// it is connected. False (with the app's error as a warning) when either fails.
bool joinStaff(e2e::Harness& h, qt::AppController& app, const std::string& user, proto::Role role,
               const QString& name, const QString& passphrase = kPass);
/// Alice (lawyer) and Carol (client, invited to `matter`, notice accepted), both with the matter
/// open and connected.
bool openMatter(e2e::Harness& h, qt::AppController& lawyer, qt::AppController& client,
                const std::string& matter, const QString& passphrase = kPass);
/// Writes `key` sealed under kJournalPass into `dir`/journal.key, as `verbatim-journal keygen`
/// does; its path, or "" when it could not.
QString writeKeyFile(const QString& dir, const crypto::X25519Key& key);

/// A local HTTP server that counts who connects: the beacon an <img src=...> would call.
struct Beacon {
    QTcpServer server;
    QStringList requests;
    int connections = 0;
    /// Listens on a free loopback port; false if it cannot.
    bool listen();
    /// An address on the beacon.
    QString url(const QString& what) const;
};

/// Receives the URLs the app hands to the desktop's browser (QDesktopServices::setUrlHandler).
class UrlCatcher : public QObject {
    Q_OBJECT
public:
    QList<QUrl> urls;
public slots:
    void handle(const QUrl& url) { urls << url; }
};

/// Main.qml shown offscreen for one AppController, and its items by objectName.
struct Ui {
    QQmlApplicationEngine engine;
    QQuickWindow* window = nullptr;

    /// Loads Main.qml for `app` at w x h, in the dark theme if `dark`; false if it did not load.
    bool load(qt::AppController& app, int w, int h, bool dark = false);
    /// The QObject child named `name` (null: none).
    QObject* find(const char* name);
    /// `name` among the QObject children, else in the visual tree (where an open popup's
    /// content lives, under the overlay).
    QObject* deep(const char* name);
    /// The visible item named `name` whose property `key` is `value` (a delegate's button).
    QQuickItem* visibleWith(const char* name, const char* key, const QString& value);
    /// Renders the window and saves it as `name`.png in screenshotDir(); false if it looks blank.
    bool shoot(const QString& name);
    /// Items named `name` in the visual tree, from the window's content item (or `from`).
    QList<QQuickItem*> findItems(const char* name, QQuickItem* from = nullptr);
    /// The texts of the visible items named `name`.
    QStringList visibleTexts(const char* name);
    /// The composer's text.
    QString input();
    /// A visible item named `name` whose text satisfies `f`.
    template <class F> bool shows(const char* name, F f) {
        for (auto* item : findItems(name))
            if (item->isVisible() && f(item->property("text").toString())) return true;
        return false;
    }
    /// Emits `clicked` of the item named `name`; false if there is none.
    bool click(const char* name);
    /// Sets the text of the item named `name` (found as deep() finds it); false if there is none.
    bool type(const char* name, const QString& text);
};

} // namespace verbatim::apptest

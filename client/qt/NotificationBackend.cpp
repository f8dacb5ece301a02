// The notification services behind NotificationBackend (see its header for the choice).
#include "client/qt/NotificationBackend.h"

#include <QCoreApplication>
#include <QHash>
#include <utility>

#ifdef VERBATIM_HAVE_DBUS
#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#endif

namespace verbatim::qt {

namespace {

/// The texts keep the Notifier's translation context (they were its own).
QString text(const char* s) {
    return QCoreApplication::translate("verbatim::qt::Notifier", s);
}

#ifdef VERBATIM_HAVE_DBUS

constexpr const char* kService = "org.freedesktop.Notifications";
constexpr const char* kPath = "/org/freedesktop/Notifications";
constexpr const char* kInterface = "org.freedesktop.Notifications";

/// The freedesktop Notifications service on the session bus (Desktop Notifications
/// Specification 1.2): Notify with replaces_id per key, the "default" action for a click,
/// CloseNotification to withdraw.
class FreedesktopNotifications final : public NotificationBackend {
    Q_OBJECT
public:
    using NotificationBackend::NotificationBackend;

    QString problem() override {
        if (!m_tried) {
            m_tried = true;
            QDBusConnection bus = QDBusConnection::sessionBus();
            if (!bus.isConnected()) {
                qInfo("notifications: no D-Bus session bus; desktop notifications are off");
                m_problem = text(
                    QT_TRANSLATE_NOOP("verbatim::qt::Notifier",
                                      "No desktop session bus: notifications cannot be shown."));
            } else {
                bus.connect(QString::fromLatin1(kService), QString::fromLatin1(kPath),
                            QString::fromLatin1(kInterface), QStringLiteral("ActionInvoked"), this,
                            SLOT(onActionInvoked(uint, QString)));
                bus.connect(QString::fromLatin1(kService), QString::fromLatin1(kPath),
                            QString::fromLatin1(kInterface), QStringLiteral("NotificationClosed"),
                            this, SLOT(onClosed(uint, uint)));
            }
        }
        return m_problem;
    }

    void show(const QString& key, const QString& title, const QString& body) override {
        if (!problem().isEmpty()) return;
        QDBusMessage call = QDBusMessage::createMethodCall(
            QString::fromLatin1(kService), QString::fromLatin1(kPath),
            QString::fromLatin1(kInterface), QStringLiteral("Notify"));
        const QVariantMap hints{{QStringLiteral("category"), QStringLiteral("im.received")},
                                {QStringLiteral("desktop-entry"), QStringLiteral("verbatim")}};
        // Servers that understand markup would read tags in the body.
        call << QStringLiteral("Verbatim") << m_ids.value(key) << QString() << title
             << body.toHtmlEscaped()
             << QStringList{QStringLiteral("default"),
                            text(QT_TRANSLATE_NOOP("verbatim::qt::Notifier", "Open"))}
             << hints << -1;
        auto* watcher =
            new QDBusPendingCallWatcher(QDBusConnection::sessionBus().asyncCall(call), this);
        connect(watcher, &QDBusPendingCallWatcher::finished, this,
                [this, key](QDBusPendingCallWatcher* w) {
                    w->deleteLater();
                    QDBusPendingReply<uint> reply = *w;
                    if (reply.isError()) {
                        qInfo("notifications: the desktop refused a notification: %s",
                              qPrintable(reply.error().name()));
                        emit problemChanged(text(QT_TRANSLATE_NOOP(
                            "verbatim::qt::Notifier",
                            "The desktop's notification service does not answer.")));
                        return;
                    }
                    emit problemChanged({});
                    m_ids[key] = reply.value();
                });
        emit shown(key);
    }

    void withdrawAll() override {
        if (m_tried && m_problem.isEmpty())
            for (uint id : std::as_const(m_ids)) {
                if (id == 0) continue;
                QDBusMessage call = QDBusMessage::createMethodCall(
                    QString::fromLatin1(kService), QString::fromLatin1(kPath),
                    QString::fromLatin1(kInterface), QStringLiteral("CloseNotification"));
                call << id;
                QDBusConnection::sessionBus().asyncCall(call);
            }
        m_ids.clear();
    }

private slots:
    void onActionInvoked(uint id, const QString& action) {
        if (action != QLatin1String("default") || id == 0) return;
        for (auto it = m_ids.cbegin(); it != m_ids.cend(); ++it)
            if (it.value() == id) {
                emit activated(it.key());
                return;
            }
    }
    void onClosed(uint id, uint /*reason*/) {
        for (auto& shownId : m_ids)
            if (shownId == id) shownId = 0;
    }

private:
    bool m_tried = false;
    QString m_problem;
    QHash<QString, uint> m_ids; ///< key -> the service's id of the last one shown (replaces_id)
};

#endif

/// No notification service Qt offers without Qt Widgets: says so, shows nothing.
class NoNotifications final : public NotificationBackend {
    Q_OBJECT
public:
    using NotificationBackend::NotificationBackend;
    QString problem() override {
        if (!m_said) {
            m_said = true;
            qInfo("notifications: not available on this platform");
        }
        return text(QT_TRANSLATE_NOOP("verbatim::qt::Notifier",
                                      "Desktop notifications are not available on this platform."));
    }
    void show(const QString&, const QString&, const QString&) override {}
    void withdrawAll() override {}

private:
    bool m_said = false;
};

} // namespace

std::unique_ptr<NotificationBackend> NotificationBackend::forPlatform(QObject* parent) {
#ifdef VERBATIM_HAVE_DBUS
    return std::make_unique<FreedesktopNotifications>(parent);
#else
    return std::make_unique<NoNotifications>(parent);
#endif
}

} // namespace verbatim::qt

#include "NotificationBackend.moc"

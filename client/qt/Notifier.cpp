#include "client/qt/Notifier.h"

#include <QGuiApplication>
#include <QSettings>
#include <QTimer>
#include <QWindow>
#include <chrono>

#ifdef VERBATIM_HAVE_DBUS
#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#endif

#include "client/qt/AppController.h"
#include "client/qt/StdText.h"
#include "client/qt/TextRuns.h"

namespace verbatim::qt {

namespace {

constexpr const char* kService = "org.freedesktop.Notifications";
constexpr const char* kPath = "/org/freedesktop/Notifications";
constexpr const char* kInterface = "org.freedesktop.Notifications";

qint64 nowMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

QString muteKey(const QString& id) {
    return QStringLiteral("muted/") + id;
}

} // namespace

Notifier::Notifier(AppController& app) : QObject(&app), m_app(app) {
    reload();
}

Notifier::~Notifier() = default;

void Notifier::reload() {
    delete m_settings;
    m_settings = new QSettings(m_app.profileDir() + QStringLiteral("/notifications.ini"),
                               QSettings::IniFormat, this);
    m_conversations.clear();
    ++m_muteRevision;
    emit settingsChanged();
    emit mutedChanged();
}

bool Notifier::enabled() const {
    return m_settings->value(QStringLiteral("enabled"), true).toBool();
}

void Notifier::setEnabled(bool on) {
    if (on == enabled()) return;
    m_settings->setValue(QStringLiteral("enabled"), on);
    emit settingsChanged();
}

bool Notifier::showText() const {
    // Off by default: a lock screen must not show what a client wrote.
    return m_settings->value(QStringLiteral("showText"), false).toBool();
}

void Notifier::setShowText(bool on) {
    if (on == showText()) return;
    m_settings->setValue(QStringLiteral("showText"), on);
    emit settingsChanged();
}

bool Notifier::isMuted(const QString& id) const {
    return !id.isEmpty() && m_settings->value(muteKey(id), false).toBool();
}

void Notifier::setMuted(const QString& id, bool muted) {
    if (id.isEmpty() || muted == isMuted(id)) return;
    if (muted)
        m_settings->setValue(muteKey(id), true);
    else
        m_settings->remove(muteKey(id));
    m_settings->sync();
    ++m_muteRevision;
    emit mutedChanged();
}

void Notifier::setStatus(const QString& s) {
    if (s == m_status) return;
    m_status = s;
    emit statusChanged();
}

bool Notifier::visible(const QString& conversation) const {
    return QGuiApplication::applicationState() == Qt::ApplicationActive &&
           m_app.chat()->currentConversation() == conversation;
}

void Notifier::onMessage(const QString& conversation, const QString& messageId) {
    if (!enabled() || conversation.isEmpty() || isMuted(conversation) || visible(conversation))
        return;
    client::Client* core = m_app.client();
    if (!core) return;
    auto m = core->message(messageId.toStdString());
    if (!m || !*m) return;
    const client::MessageView& v = **m;
    // Own messages (from another own device), system rows and withheld messages stay quiet.
    if (v.outgoing || v.retracted || v.state == client::MessageState::Mismatch ||
        (v.kind != client::MessageKind::Text && v.kind != client::MessageKind::Attachment))
        return;
    PerConversation& c = m_conversations[conversation];
    const qint64 wait = c.lastShownMs + m_minIntervalMs - nowMs();
    if (c.lastShownMs != 0 && wait > 0) {
        // A burst: one notification when the interval ends, with the newest message.
        const bool scheduled = !c.pendingMessage.isEmpty();
        c.pendingMessage = messageId;
        if (!scheduled)
            QTimer::singleShot(int(wait), this, [this, conversation] {
                auto it = m_conversations.find(conversation);
                if (it == m_conversations.end() || it->pendingMessage.isEmpty()) return;
                const QString id = std::exchange(it->pendingMessage, QString());
                it->lastShownMs = 0;
                onMessage(conversation, id);
            });
        return;
    }
    show(conversation, messageId);
}

bool Notifier::connectBus() {
#ifdef VERBATIM_HAVE_DBUS
    if (m_busTried) return m_busOk;
    m_busTried = true;
    QDBusConnection bus = QDBusConnection::sessionBus();
    if (!bus.isConnected()) {
        qInfo("notifications: no D-Bus session bus; desktop notifications are off");
        setStatus(tr("No desktop session bus: notifications cannot be shown."));
        return false;
    }
    bus.connect(QString::fromLatin1(kService), QString::fromLatin1(kPath),
                QString::fromLatin1(kInterface), QStringLiteral("ActionInvoked"), this,
                SLOT(onActionInvoked(uint, QString)));
    bus.connect(QString::fromLatin1(kService), QString::fromLatin1(kPath),
                QString::fromLatin1(kInterface), QStringLiteral("NotificationClosed"), this,
                SLOT(onClosed(uint, uint)));
    m_busOk = true;
    return true;
#else
    if (!m_busTried) {
        m_busTried = true;
        qInfo("notifications: not available on this platform");
        setStatus(tr("Desktop notifications are not available on this platform."));
    }
    return false;
#endif
}

void Notifier::show(const QString& conversation, const QString& messageId) {
    if (!connectBus()) return;
#ifdef VERBATIM_HAVE_DBUS
    client::Client* core = m_app.client();
    const client::ConversationView* cv = m_app.chat()->conversations()->find(conversation);
    auto m = core ? core->message(messageId.toStdString())
                  : Result<std::optional<client::MessageView>>(std::nullopt);
    if (!cv || !m || !*m) return;
    const QString title = TextRuns::safeName(q(cv->title));
    QString body;
    if (showText()) {
        const client::MessageView& v = **m;
        QString text = q(v.body);
        if (text.isEmpty() && !v.attachments.empty()) text = q(v.attachments.front().fileName);
        // Servers that understand markup would read tags in the text.
        body = (TextRuns::safeName(q(v.senderName)) + QStringLiteral(": ") + text).toHtmlEscaped();
    } else {
        body = tr("New message in %1").arg(title).toHtmlEscaped();
    }
    PerConversation& c = m_conversations[conversation];
    c.lastShownMs = nowMs();
    QDBusMessage call =
        QDBusMessage::createMethodCall(QString::fromLatin1(kService), QString::fromLatin1(kPath),
                                       QString::fromLatin1(kInterface), QStringLiteral("Notify"));
    const QVariantMap hints{{QStringLiteral("category"), QStringLiteral("im.received")},
                            {QStringLiteral("desktop-entry"), QStringLiteral("verbatim")}};
    call << QStringLiteral("Verbatim") << c.desktopId << QString() << title << body
         << QStringList{QStringLiteral("default"), tr("Open")} << hints << -1;
    auto* watcher =
        new QDBusPendingCallWatcher(QDBusConnection::sessionBus().asyncCall(call), this);
    connect(watcher, &QDBusPendingCallWatcher::finished, this,
            [this, conversation](QDBusPendingCallWatcher* w) {
                w->deleteLater();
                QDBusPendingReply<uint> reply = *w;
                if (reply.isError()) {
                    qInfo("notifications: the desktop refused a notification: %s",
                          qPrintable(reply.error().name()));
                    setStatus(tr("The desktop's notification service does not answer."));
                    return;
                }
                setStatus({});
                m_conversations[conversation].desktopId = reply.value();
            });
    emit notified(conversation);
#endif
}

void Notifier::withdrawAll() {
    for (auto& c : m_conversations) {
        c.pendingMessage.clear();
        const uint id = std::exchange(c.desktopId, 0u);
#ifdef VERBATIM_HAVE_DBUS
        if (id == 0 || !m_busOk) continue;
        QDBusMessage call = QDBusMessage::createMethodCall(
            QString::fromLatin1(kService), QString::fromLatin1(kPath),
            QString::fromLatin1(kInterface), QStringLiteral("CloseNotification"));
        call << id;
        QDBusConnection::sessionBus().asyncCall(call);
#else
        (void)id;
#endif
    }
}

void Notifier::onActionInvoked(uint id, const QString& action) {
    if (action != QLatin1String("default") || id == 0) return;
    for (auto it = m_conversations.cbegin(); it != m_conversations.cend(); ++it) {
        if (it->desktopId != id) continue;
        m_app.chat()->openConversation(it.key());
        for (QWindow* w : QGuiApplication::topLevelWindows())
            if (w->isVisible()) w->requestActivate();
        return;
    }
}

void Notifier::onClosed(uint id, uint /*reason*/) {
    for (auto& c : m_conversations)
        if (c.desktopId == id) c.desktopId = 0;
}

} // namespace verbatim::qt

#include "client/qt/Notifier.h"

#include <QGuiApplication>
#include <QSettings>
#include <QTimer>
#include <QWindow>
#include <chrono>

#include "client/qt/AppController.h"
#include "client/qt/NotificationBackend.h"
#include "client/qt/StdText.h"
#include "client/qt/TextRuns.h"

namespace verbatim::qt {

namespace {

qint64 nowMs() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

QString muteKey(const QString& id) {
    return QStringLiteral("muted/") + id;
}

} // namespace

Notifier::Notifier(AppController& app)
    : QObject(&app), m_app(app), m_backend(NotificationBackend::forPlatform()) {
    connect(m_backend.get(), &NotificationBackend::activated, this, &Notifier::onActivated);
    connect(m_backend.get(), &NotificationBackend::shown, this, &Notifier::notified);
    connect(m_backend.get(), &NotificationBackend::problemChanged, this, &Notifier::setStatus);
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

bool Notifier::ready() {
    const QString problem = m_backend->problem();
    if (!problem.isEmpty()) setStatus(problem);
    return problem.isEmpty();
}

void Notifier::show(const QString& conversation, const QString& messageId) {
    if (!ready()) return;
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
        body = TextRuns::safeName(q(v.senderName)) + QStringLiteral(": ") + text;
    } else {
        body = tr("New message in %1").arg(title);
    }
    m_conversations[conversation].lastShownMs = nowMs();
    m_backend->show(conversation, title, body);
}

void Notifier::withdrawAll() {
    for (auto& c : m_conversations)
        c.pendingMessage.clear();
    m_backend->withdrawAll();
}

void Notifier::onActivated(const QString& conversation) {
    m_app.chat()->openConversation(conversation);
    for (QWindow* w : QGuiApplication::topLevelWindows())
        if (w->isVisible()) w->requestActivate();
}

} // namespace verbatim::qt

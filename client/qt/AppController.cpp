#include "client/qt/AppController.h"

#include <QClipboard>
#include <QGuiApplication>
#include <QMetaObject>
#include <QPointer>
#include <QFileInfo>
#include <filesystem>
#include <thread>

#include "client/core/Profile.h"

namespace verbatim::qt {

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

AppController::AppController(QString profileDir, QObject* parent) : QObject(parent), m_profileDir(std::move(profileDir)) {
    m_screen = client::Client::profileExists(m_profileDir.toStdString()) ? QStringLiteral("unlock")
                                                                         : QStringLiteral("onboarding");
}

AppController::~AppController() {
    *m_alive = false;
    if (m_upload.joinable()) m_upload.join();
    if (m_client) {
        emit clientClosing();
        m_client->setEventHandler({});
        m_client->stop();
    }
}

QString AppController::userId() const { return q(m_account.user); }
QString AppController::displayName() const { return q(m_account.displayName); }
QString AppController::role() const { return q(m_account.role); }
QString AppController::firmName() const { return q(m_account.firmName); }
bool AppController::canInvite() const { return m_account.role == "lawyer" || m_account.role == "supervisor"; }

QString AppController::currentTitle() const {
    auto* c = m_conversations.find(currentConversation());
    return c ? q(c->title) : QString();
}

bool AppController::currentIsMatter() const {
    auto* c = m_conversations.find(currentConversation());
    return c && c->isMatter;
}

void AppController::setScreen(const QString& s) {
    if (s == m_screen) return;
    m_screen = s;
    emit screenChanged();
}

bool AppController::check(bool ok, const std::string& message) {
    if (ok) return true;
    m_error = q(message);
    emit errorChanged();
    return false;
}

void AppController::clearError() {
    m_error.clear();
    emit errorChanged();
}

bool AppController::unlock(const QString& passphrase) {
    auto c = client::Client::open(m_profileDir.toStdString(), passphrase.toStdString());
    if (!c) return check(false, c.error().code == ErrorCode::WrongKey ? "Wrong passphrase." : c.error().message);
    adopt(std::move(*c));
    return true;
}

bool AppController::join(const QString& link, const QString& name, const QString& passphrase) {
    if (passphrase.size() < 8) return check(false, "Choose a passphrase of at least 8 characters.");
    client::JoinOptions o;
    o.displayName = name.toStdString();
    o.platform = "desktop";
    auto c = client::Client::join(m_profileDir.toStdString(), passphrase.toStdString(), link.trimmed().toStdString(), o);
    if (!c) return check(false, c.error().message);
    adopt(std::move(*c));
    return true;
}

void AppController::adopt(std::unique_ptr<client::Client> c) {
    m_client = std::move(c);
    m_account = m_client->account();
    // The core calls back on its worker thread; hop to ours, and only while we exist.
    std::weak_ptr<bool> alive = m_alive;
    QPointer<AppController> self(this);
    m_client->setEventHandler([alive, self](const client::Event& e) {
        if (alive.expired()) return;
        QMetaObject::invokeMethod(
            self.data(), [self, e] {
                if (self) self->onEvent(e);
            },
            Qt::QueuedConnection);
    });
    m_client->start();
    emit accountChanged();
    clearError();
    refreshConversations();
    setScreen(m_account.noticeRequired && !m_account.noticeAccepted ? QStringLiteral("notice") : QStringLiteral("ready"));
}

bool AppController::acceptNotice() {
    if (!m_client) return false;
    if (!check(m_client->acceptNotice())) return false;
    m_account = m_client->account();
    emit accountChanged();
    setScreen(QStringLiteral("ready"));
    m_messages.refresh();
    return true;
}

void AppController::refreshConversations() {
    if (!m_client) return;
    auto list = m_client->conversations();
    if (list) m_conversations.reset(std::move(*list));
    m_participants.reset(m_conversations.find(currentConversation()));
    emit currentChanged();
}

void AppController::onEvent(const client::Event& e) {
    using K = client::Event::Kind;
    switch (e.kind) {
    case K::Connected:
    case K::Disconnected:
        m_connected = e.kind == K::Connected;
        emit connectedChanged();
        return;
    case K::Wiped:
        emit clientClosing();
        m_client.reset();
        m_conversations.reset({});
        m_messages.open(nullptr, {});
        setScreen(QStringLiteral("wiped"));
        return;
    case K::Revoked:
        check(false, "This device was revoked by the firm.");
        return;
    case K::SafetyNumberChanged:
        m_safetyChangedUser = q(e.sender);
        emit bannersChanged();
        break;
    case K::JournalMismatch:
        if (q(e.conversation) == currentConversation()) {
            m_journalMismatch = true;
            emit bannersChanged();
        }
        break;
    case K::JournalKeyRefused:
        check(false, "The server offers a journal key your firm did not sign. Messages stay on this device.");
        break;
    default:
        break;
    }
    refreshConversations();
    if (!e.conversation.empty() && q(e.conversation) == currentConversation()) {
        m_messages.refresh();
        if (!e.refId.empty()) m_messages.refreshOne(q(e.refId));
    }
    if (e.kind == K::Message) emit messageArrived(q(e.conversation), q(e.messageId));
}

void AppController::openConversation(const QString& id) {
    if (!m_client) return;
    m_journalMismatch = false;
    m_messages.open(m_client.get(), id);
    m_participants.reset(m_conversations.find(id));
    (void)m_client->markRead(id.toStdString());
    emit currentChanged();
    emit bannersChanged();
    refreshConversations();
}

void AppController::closeConversation() {
    m_messages.open(nullptr, {});
    m_participants.reset(nullptr);
    emit currentChanged();
}

bool AppController::send(const QString& text) {
    if (!m_client || currentConversation().isEmpty() || text.trimmed().isEmpty()) return false;
    if (!check(m_client->sendText(currentConversation().toStdString(), text.toStdString()))) return false;
    m_messages.refresh();
    refreshConversations();
    return true;
}

bool AppController::edit(const QString& messageId, const QString& text) {
    if (!m_client || !check(m_client->edit(messageId.toStdString(), text.toStdString()))) return false;
    m_messages.refreshOne(messageId);
    return true;
}

bool AppController::retract(const QString& messageId) {
    if (!m_client || !check(m_client->retract(messageId.toStdString()))) return false;
    m_messages.refreshOne(messageId);
    return true;
}

bool AppController::react(const QString& messageId, const QString& emoji) {
    if (!m_client || !check(m_client->react(messageId.toStdString(), emoji.toStdString()))) return false;
    m_messages.refreshOne(messageId);
    return true;
}

// Encrypting and uploading a large file takes a while: it runs on a thread of its own, the UI
// shows "uploading" meanwhile and stays responsive.
bool AppController::attach(const QUrl& file) {
    if (!m_client || currentConversation().isEmpty() || !m_uploading.isEmpty()) return false;
    const QString path = file.isLocalFile() ? file.toLocalFile() : file.toString();
    m_uploading = QFileInfo(path).fileName();
    emit uploadingChanged();
    client::Client* core = m_client.get();
    const std::string conversation = currentConversation().toStdString();
    QPointer<AppController> self(this);
    std::weak_ptr<bool> alive = m_alive;
    if (m_upload.joinable()) m_upload.join();  // the previous one has finished
    m_upload = std::thread([core, conversation, path = path.toStdString(), self, alive] {
        auto r = core->sendAttachment(conversation, path);
        const bool ok = r.has_value();
        const std::string error = ok ? std::string() : r.error().message;
        if (alive.expired()) return;
        QMetaObject::invokeMethod(
            self.data(),
            [self, ok, error] {
                if (!self) return;
                self->m_uploading.clear();
                emit self->uploadingChanged();
                if (!ok) self->check(false, error);
                self->m_messages.refresh();
                emit self->attachmentDone(ok);
            },
            Qt::QueuedConnection);
    });
    return true;
}

bool AppController::changePassphrase(const QString& current, const QString& next) {
    return check(client::changePassphrase(client::ProfilePaths{m_profileDir.toStdString()}, current.toStdString(),
                                          next.toStdString()));
}

bool AppController::saveAttachment(const QString& messageId, const QUrl& target) {
    return m_client && check(m_client->saveAttachment(messageId.toStdString(), 0, target.toLocalFile().toStdString()));
}

QString AppController::createInvite() {
    if (!m_client) return {};
    auto link = m_client->createInvite(currentTitle().toStdString());
    if (!check(link)) return {};
    return q(*link);
}

QString AppController::safetyNumber(const QString& user) {
    if (!m_client) return {};
    auto n = m_client->safetyNumber(user.toStdString());
    if (!check(n)) return {};
    return q(n->digits);
}

bool AppController::acceptSafetyNumber(const QString& user) {
    if (!m_client || !check(m_client->acceptSafetyNumber(user.toStdString()))) return false;
    if (m_safetyChangedUser == user) m_safetyChangedUser.clear();
    emit bannersChanged();
    m_messages.refresh();
    return true;
}

void AppController::search(const QString& query) {
    if (!m_client) return;
    auto r = m_client->search(query.toStdString());
    m_search.reset(r ? std::move(*r) : std::vector<client::MessageView>{});
}

void AppController::refreshDevices() {
    if (!m_client) return;
    auto list = m_client->devices();
    if (check(list)) m_devices.reset(std::move(*list));
}

void AppController::lock() {
    if (!m_client) return;
    if (m_upload.joinable()) m_upload.join();
    emit clientClosing();
    m_client->setEventHandler({});
    m_client->stop();
    m_client.reset();
    m_messages.open(nullptr, {});
    m_conversations.reset({});
    m_search.reset({});
    m_participants.reset(nullptr);
    emit currentChanged();
    setScreen(QStringLiteral("unlock"));
}

bool AppController::eraseProfile() {
    lock();
    client::eraseProfile(client::ProfilePaths{m_profileDir.toStdString()});
    m_account = {};
    emit accountChanged();
    setScreen(QStringLiteral("onboarding"));
    return true;
}

void AppController::copyToClipboard(const QString& text) {
    if (auto* cb = QGuiApplication::clipboard()) cb->setText(text);
}

}  // namespace verbatim::qt

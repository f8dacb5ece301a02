#include "client/qt/AppController.h"

#include <QClipboard>
#include <QGuiApplication>
#include <QMetaObject>
#include <QPointer>

namespace verbatim::qt {

AppController::AppController(QString profileDir, QObject* parent)
    : QObject(parent), m_profileDir(std::move(profileDir)) {}

AppController::~AppController() {
    *m_alive = false;
    closeClient();
    m_jobs.stop();
}

void AppController::closeClient() {
    ++m_generation;
    if (m_client) {
        m_client->setEventHandler({});
        // Closing the connection first makes relay calls in flight (ours and the borrowers')
        // return at once instead of waiting for their timeout.
        m_client->stop();
        emit clientClosing();
    }
    m_jobs.drain();
    // Lock, erase or wipe: nothing of the profile stays on the desktop either.
    m_chat.notifier()->withdrawAll();
    m_session.clientClosed();
    m_attachments.clientClosed();
    m_chat.detach();
    m_client.reset();
    m_deviceLinking.clearDeviceLink();
}

void AppController::resetLists() {
    m_chat.reset();
    m_deviceLinking.reset();
}

void AppController::background(std::function<void(client::Client&)> job) {
    client::Client* core = m_client.get();
    if (!core) return;
    // `core` outlives the job: closeClient() drains the queue before letting it go.
    m_jobs.push([core, job = std::move(job)] { job(*core); });
}

void AppController::run(std::function<void()> job) {
    // The destructor stops the queue (dropping what has not started) before the controllers go.
    m_jobs.push(std::move(job));
}

void AppController::toGui(std::uint64_t generation, std::function<void()> f) {
    QMetaObject::invokeMethod(
        this,
        [this, generation, f = std::move(f)] {
            if (generation == m_generation) f();
        },
        Qt::QueuedConnection);
}

bool AppController::check(bool ok, const QString& message) {
    if (ok) return true;
    m_error = message;
    emit errorChanged();
    return false;
}

void AppController::clearError() {
    m_error.clear();
    emit errorChanged();
}

void AppController::copyToClipboard(const QString& text) {
    if (auto* cb = QGuiApplication::clipboard()) cb->setText(text);
}

void AppController::adopt(std::unique_ptr<client::Client> c) {
    m_client = std::move(c);
    // The core calls back on its worker thread; hop to ours, and only while we exist.
    std::weak_ptr<bool> alive = m_alive;
    QPointer<AppController> self(this);
    m_client->setEventHandler([alive, self](const client::Event& e) {
        if (alive.expired()) return;
        QMetaObject::invokeMethod(
            self.data(),
            [self, e] {
                if (self) self->onEvent(e);
            },
            Qt::QueuedConnection);
    });
    m_client->start();
    m_session.adopted(m_client->account());
    m_chat.refreshConversations();
    m_session.showStartScreen();
}

void AppController::onEvent(const client::Event& e) {
    using K = client::Event::Kind;
    switch (e.kind) {
    case K::Connected:
    case K::Disconnected:
        m_session.setConnected(e.kind == K::Connected);
        return;
    case K::Wiped:
        m_session.wipedByFirm();
        return;
    case K::Revoked:
        // The relay closed the connection for good: no Disconnected follows, and no reconnect.
        m_session.setConnected(false);
        check(false, tr("This device was unlinked from your account, or revoked by the firm."));
        return;
    case K::ConnectedElsewhere:
        // The core stays offline rather than take turns with the other copy.
        m_session.setConnected(false);
        check(false,
              tr("This device is connected elsewhere: another copy of this profile is online. "
                 "Close it, then restart Verbatim here."));
        return;
    case K::DeviceAdded:
    case K::DeviceApprovalRequested:
    case K::AwaitingApproval:
    case K::HistoryImporting:
    case K::HistoryFailed:
        m_deviceLinking.onDeviceEvent(e);
        return;
    case K::HistoryImported:
        m_deviceLinking.onDeviceEvent(e);
        m_chat.refreshConversations();
        // The conversation open now may have gained older messages.
        m_chat.messages()->refresh();
        return;
    case K::PolicyChanged:
        m_session.applyFirmPolicy();
        m_attachments.refreshDevicePolicy();
        return;
    case K::JournalKeyRefused:
        check(false, tr("The server offers a journal key your firm did not sign. Messages stay on "
                        "this device."));
        break;
    default:
        break;
    }
    m_chat.onEvent(e);
}

} // namespace verbatim::qt

#include "client/qt/InvitesController.h"
#include "client/qt/StdText.h"

#include <QMetaObject>

#include <memory>

namespace verbatim::qt {

namespace {

void list(client::Client& c, InvitesController::Outcome& o) {
    auto invites = c.invites();
    if (invites)
        o.invites = std::move(*invites);
    else
        o.listError = q(invites.error().message);
}

} // namespace

InvitesController::InvitesController(QObject* parent) : QObject(parent) {}

InvitesController::~InvitesController() {
    m_jobs.stop();
}

void InvitesController::setAppController(AppController* app) {
    if (app == m_app) return;
    if (m_app) disconnect(m_app, nullptr, this, nullptr);
    m_app = app;
    if (m_app)
        connect(m_app, &AppController::clientClosing, this, &InvitesController::onClientClosing);
    emit appControllerChanged();
}

void InvitesController::setError(const QString& text) {
    m_error = text;
    emit errorChanged();
}

void InvitesController::clearError() {
    if (m_error.isEmpty()) return;
    m_error.clear();
    emit errorChanged();
}

void InvitesController::submit(std::function<Outcome(client::Client&)> work) {
    client::Client* core = m_app ? m_app->client() : nullptr;
    if (!core) {
        setError(tr("Verbatim is locked."));
        emit refreshed(false);
        return;
    }
    if (++m_pending == 1) emit busyChanged();
    const std::uint64_t epoch = m_epoch;
    // `core` stays valid while the job runs: onClientClosing drains the queue before the
    // AppController lets it go.
    m_jobs.push([this, core, epoch, work = std::move(work)] {
        auto outcome = std::make_shared<Outcome>(work(*core));
        QMetaObject::invokeMethod(
            this,
            [this, epoch, outcome] {
                if (epoch == m_epoch) apply(std::move(*outcome));
                if (--m_pending == 0) emit busyChanged();
            },
            Qt::QueuedConnection);
    });
}

void InvitesController::refresh() {
    submit([](client::Client& c) {
        Outcome o;
        list(c, o);
        return o;
    });
}

void InvitesController::revoke(const QString& id) {
    submit([id](client::Client& c) {
        Outcome o;
        o.revoked = id;
        auto r = c.revokeInvite(id.toStdString());
        o.revokeOk = r.has_value();
        if (!r) o.revokeError = q(r.error().message);
        list(c, o);
        return o;
    });
}

void InvitesController::apply(Outcome&& o) {
    const bool listed = o.invites.has_value();
    if (listed) m_invites.reset(std::move(*o.invites));
    if (!o.revokeOk)
        setError(tr("Could not revoke the invite: %1").arg(o.revokeError));
    else if (!listed)
        setError(tr("Could not list your invites: %1").arg(o.listError));
    else
        clearError();
    if (!o.revoked.isEmpty()) emit revokeFinished(o.revoked, o.revokeOk);
    emit refreshed(listed);
}

void InvitesController::onClientClosing() {
    // The AppController has closed the client's connection: a request in flight returns at
    // once. Nothing may use the client after we return.
    ++m_epoch;
    m_jobs.drain();
    m_invites.reset({});
}

} // namespace verbatim::qt

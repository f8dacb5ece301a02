#include "client/qt/AdminController.h"
#include "client/qt/ControllerJobs.h"
#include "client/qt/StdText.h"

#include <QMetaObject>

#include <memory>
#include <optional>

#include "client/core/Client.h"

namespace verbatim::qt {

/// What a job on the worker found out, applied on the GUI thread.
struct AdminController::Outcome {
    QString action; ///< "revoke", "wipe", or empty for a plain refresh
    QString user;
    int device = 0;
    bool actionOk = true;
    QString actionError;
    std::optional<std::vector<client::DeviceView>> devices; ///< the inventory after the action
    QString listError;
};

AdminController::AdminController(QObject* parent) : QObject(parent) {}

AdminController::~AdminController() {
    m_jobs.stop();
}

void AdminController::setAppController(AppController* app) {
    if (app == m_app) return;
    if (m_app) disconnect(m_app, nullptr, this, nullptr);
    m_app = app;
    if (m_app)
        connect(m_app, &AppController::clientClosing, this, &AdminController::onClientClosing);
    emit appControllerChanged();
}

void AdminController::setError(const QString& text) {
    m_error = text;
    emit errorChanged();
}

void AdminController::clearError() {
    if (m_error.isEmpty()) return;
    m_error.clear();
    emit errorChanged();
}

void AdminController::submit(std::function<Outcome(client::Client&)> work) {
    client::Client* core = m_app ? m_app->client() : nullptr;
    if (!core) {
        setError(tr("Verbatim is locked."));
        emit refreshed(false);
        return;
    }
    submitJob<Outcome>(this, m_jobs, core, m_pending, m_epoch, std::move(work),
                       [this](Outcome&& outcome) { apply(std::move(outcome)); });
}

namespace {

void list(client::Client& c, AdminController::Outcome& o) {
    auto devices = c.adminDevices();
    if (devices)
        o.devices = std::move(*devices);
    else
        o.listError = q(devices.error().message);
}

} // namespace

void AdminController::refresh() {
    submit([](client::Client& c) {
        Outcome o;
        list(c, o);
        return o;
    });
}

void AdminController::revoke(const QString& user, int device) {
    act(QStringLiteral("revoke"), user, device, &client::Client::adminRevoke);
}

void AdminController::wipe(const QString& user, int device) {
    act(QStringLiteral("wipe"), user, device, &client::Client::adminWipe);
}

void AdminController::act(const QString& action, const QString& user, int device,
                          Result<void> (client::Client::*call)(const std::string&, std::uint32_t)) {
    submit([action, user, device, call](client::Client& c) {
        Outcome o;
        o.action = action;
        o.user = user;
        o.device = device;
        auto r = (c.*call)(user.toStdString(), std::uint32_t(device));
        o.actionOk = r.has_value();
        if (!r) o.actionError = q(r.error().message);
        list(c, o);
        return o;
    });
}

void AdminController::apply(Outcome&& o) {
    const bool listed = o.devices.has_value();
    if (listed) {
        m_devices.reset(std::move(*o.devices));
        m_updated = QDateTime::currentDateTime();
        emit updatedChanged();
    }
    if (!o.actionOk) {
        const QString text = o.action == QLatin1String("revoke")
                                 ? tr("Could not revoke device %1 of %2: %3")
                                 : tr("Could not wipe device %1 of %2: %3");
        setError(text.arg(o.device).arg(o.user, o.actionError));
    } else if (!listed) {
        setError(tr("Could not list the devices: %1").arg(o.listError));
    } else {
        clearError();
    }
    if (!o.action.isEmpty()) emit actionFinished(o.action, o.user, o.device, o.actionOk);
    emit refreshed(listed);
}

void AdminController::onClientClosing() {
    // The AppController has closed the client's connection: a request in flight returns at
    // once. Nothing may use the client after we return.
    ++m_epoch;
    m_jobs.drain();
    m_devices.reset({});
    m_updated = {};
    emit updatedChanged();
}

} // namespace verbatim::qt

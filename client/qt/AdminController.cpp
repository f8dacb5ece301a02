#include "client/qt/AdminController.h"
#include "client/qt/StdText.h"

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

AdminController::AdminController(QObject* parent) : RelayPageController(parent) {}

QString AdminController::lockedError() const {
    return tr("Verbatim is locked.");
}

template <class Work> void AdminController::submit(Work work) {
    RelayPageController::submit<Outcome>(std::move(work),
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
        markUpdated();
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

void AdminController::clearView() {
    m_devices.reset({});
}

} // namespace verbatim::qt

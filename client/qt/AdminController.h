#pragma once
/// @file AdminController.h
/// The admin page's controller (DESIGN.md section 8): lists every device of the firm, revokes
/// one, or asks the relay to wipe one. Each of these is a round trip to the relay through the
/// AppController's client (admin role only; the relay refuses anyone else).
///
/// Threading: the round trips run on this controller's worker thread, one at a time in the
/// order asked; every invokable returns at once and the results come back to the GUI thread as
/// property changes, a model update and the `refreshed` / `actionFinished` signals. When the
/// app locks or is wiped (AppController::clientClosing, after the client's connection is
/// closed) the worker is drained before the client goes away, and late results are dropped.
///
/// Create it in QML with `appController: app`; nothing works before that is set.

#include <QString>
#include <QtQml/qqmlregistration.h>

#include <cstdint>
#include <string>

#include "client/qt/AdminDevicesModel.h"
#include "client/qt/RelayPageController.h"
#include "common/Result.h"

namespace verbatim::qt {

/// `appController` must hold an admin profile; `updated` is when the inventory last came from
/// the relay.
class AdminController : public RelayPageController {
    Q_OBJECT
    QML_ELEMENT
    /// The inventory.
    Q_PROPERTY(AdminDevicesModel* devices READ devices CONSTANT)

public:
    explicit AdminController(QObject* parent = nullptr);

    AdminDevicesModel* devices() { return &m_devices; }

    /// Asks the relay for every device of every user.
    Q_INVOKABLE void refresh();
    /// Revokes device `device` of `user` at once, then refreshes the inventory.
    Q_INVOKABLE void revoke(const QString& user, int device);
    /// Queues a remote wipe of device `device` of `user` (carried out when it next connects),
    /// then refreshes the inventory.
    Q_INVOKABLE void wipe(const QString& user, int device);

signals:
    /// A revoke or wipe finished; `action` is "revoke" or "wipe".
    void actionFinished(const QString& action, const QString& user, int device, bool ok);

public:
    struct Outcome; // what a job found out (AdminController.cpp)

protected:
    QString lockedError() const override;
    void clearView() override;

private:
    /// Runs `work` with the client on the worker, then applies its outcome on the GUI thread.
    template <class Work> void submit(Work work);
    /// Revoke or wipe through `call`, then list again.
    void act(const QString& action, const QString& user, int device,
             Result<void> (client::Client::*call)(const std::string&, std::uint32_t));
    void apply(Outcome&& outcome);

    AdminDevicesModel m_devices;
};

} // namespace verbatim::qt

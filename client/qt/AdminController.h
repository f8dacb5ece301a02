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

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QString>

#include "common/Result.h"
#include <QtQml/qqmlregistration.h>

#include <functional>

#include "client/qt/AdminDevicesModel.h"
#include "client/qt/AppController.h"
#include "client/qt/JobQueue.h"

namespace verbatim::qt {

class AdminController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    /// The app controller whose client talks to the relay (must hold an admin profile).
    Q_PROPERTY(AppController* appController READ appController WRITE setAppController NOTIFY
                   appControllerChanged)
    /// The inventory.
    Q_PROPERTY(AdminDevicesModel* devices READ devices CONSTANT)
    /// A request to the relay is queued or running.
    Q_PROPERTY(bool busy READ busy NOTIFY busyChanged)
    /// The last failure, for humans (empty: none).
    Q_PROPERTY(QString error READ error NOTIFY errorChanged)
    /// When the inventory last came from the relay (invalid: not yet).
    Q_PROPERTY(QDateTime updated READ updated NOTIFY updatedChanged)

public:
    explicit AdminController(QObject* parent = nullptr);
    /// Waits for the request in progress (bounded by the client's call timeout).
    ~AdminController() override;

    AppController* appController() const { return m_app; }
    void setAppController(AppController* app);
    AdminDevicesModel* devices() { return &m_devices; }
    bool busy() const { return m_pending > 0; }
    QString error() const { return m_error; }
    QDateTime updated() const { return m_updated; }

    /// Asks the relay for every device of every user.
    Q_INVOKABLE void refresh();
    /// Revokes device `device` of `user` at once, then refreshes the inventory.
    Q_INVOKABLE void revoke(const QString& user, int device);
    /// Queues a remote wipe of device `device` of `user` (carried out when it next connects),
    /// then refreshes the inventory.
    Q_INVOKABLE void wipe(const QString& user, int device);
    Q_INVOKABLE void clearError();

signals:
    void appControllerChanged();
    void busyChanged();
    void errorChanged();
    void updatedChanged();
    /// A refresh finished (also after each action).
    void refreshed(bool ok);
    /// A revoke or wipe finished; `action` is "revoke" or "wipe".
    void actionFinished(const QString& action, const QString& user, int device, bool ok);

public:
    struct Outcome; // what a job found out (AdminController.cpp)

private:
    /// Runs `work` with the client on the worker, then applies its outcome on the GUI thread.
    void submit(std::function<Outcome(client::Client&)> work);
    /// Revoke or wipe through `call`, then list again.
    void act(const QString& action, const QString& user, int device,
             Result<void> (client::Client::*call)(const std::string&, std::uint32_t));
    void apply(Outcome&& outcome);
    void onClientClosing();
    void setError(const QString& text);

    QPointer<AppController> m_app;
    AdminDevicesModel m_devices;
    int m_pending = 0;
    std::uint64_t m_epoch = 0; ///< bumped when the client closes: older results are dropped
    QString m_error;
    QDateTime m_updated;
    JobQueue m_jobs; ///< last: stopped before the rest goes
};

} // namespace verbatim::qt

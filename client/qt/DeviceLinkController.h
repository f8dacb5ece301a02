#pragma once
/// @file DeviceLinkController.h
/// This user's devices (QML: `app.deviceLinking`), shown in the settings: the list, the notice
/// when a device was added or waits for approval (issue 15 break 2) and its approval, and a
/// one-time link that enrols another device of a staff user (the link dialog).
///
/// Threading: GUI thread; every request to the relay runs on the AppController's job queue and
/// reports with a signal. A link is a credential: shown, never logged, forgotten by
/// clearDeviceLink(), lock and expiry.

#include <QDateTime>
#include <QObject>
#include <QString>
#include <QTimer>
#include <QtQml/qqmlregistration.h>
#include <cstdint>

#include "client/qt/Models.h"

namespace verbatim::qt {

class AppController;

class DeviceLinkController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("app.deviceLinking")
    /// This user's devices, as the relay last listed them.
    Q_PROPERTY(DevicesModel* devices READ devices CONSTANT)
    /// A device was added to this account, or waits for approval: the text to show, and the
    /// device a waiting one is (0 when there is nothing to approve).
    Q_PROPERTY(QString deviceNotice READ deviceNotice NOTIFY noticeChanged)
    Q_PROPERTY(int deviceNoticeDevice READ deviceNoticeDevice NOTIFY noticeChanged)
    /// A one-time link that enrolls another device of this user (empty: none, or it expired).
    Q_PROPERTY(QString deviceLink READ deviceLink NOTIFY deviceLinkChanged)
    /// When deviceLink stops working (local time).
    Q_PROPERTY(QDateTime deviceLinkExpires READ deviceLinkExpires NOTIFY deviceLinkChanged)
    /// A device link is being made.
    Q_PROPERTY(bool deviceLinkBusy READ deviceLinkBusy NOTIFY deviceLinkChanged)
    /// How long a device link works, in minutes.
    Q_PROPERTY(int deviceLinkMinutes READ deviceLinkMinutes CONSTANT)
    /// The last device link expired unused.
    Q_PROPERTY(bool deviceLinkExpired READ deviceLinkExpired NOTIFY deviceLinkChanged)

public:
    explicit DeviceLinkController(AppController& app);

    DevicesModel* devices() { return &m_devices; }
    QString deviceNotice() const { return m_deviceNotice; }
    int deviceNoticeDevice() const { return m_deviceNoticeDevice; }
    QString deviceLink() const { return m_deviceLink; }
    QDateTime deviceLinkExpires() const { return m_deviceLinkExpires; }
    bool deviceLinkBusy() const { return m_deviceLinkBusy; }
    bool deviceLinkExpired() const { return m_deviceLinkExpired; }
    /// How long a device link works: the relay's limit for Client::createDeviceLink().
    static constexpr int kDeviceLinkMinutes = 15;
    static int deviceLinkMinutes() { return kDeviceLinkMinutes; }

    /// Asks the relay for this user's devices in the background (fills `devices`, then
    /// devicesRefreshed).
    Q_INVOKABLE void refreshDevices();
    /// Approves device `device` of this user (the one deviceNotice names) on this device.
    Q_INVOKABLE void approveDevice(int device);
    Q_INVOKABLE void dismissDeviceNotice();
    /// Asks the relay for a one-time link for another device of this user, in the background
    /// (fills `deviceLink`, then deviceLinkFinished).
    Q_INVOKABLE void createDeviceLink();
    /// Forgets the device link (the dialog showing it closed). It stays valid on the relay
    /// until used or expired.
    Q_INVOKABLE void clearDeviceLink();
    /// Puts the device link on the clipboard (a credential: only when the user asks).
    Q_INVOKABLE void copyDeviceLink();

    // ---- for the AppController ----------------------------------------------------------------
    /// A device was added or waits for approval (the core's event; GUI thread).
    void onDeviceEvent(const client::Event& e);
    /// Empties the list (lock, erase, wipe).
    void reset();

signals:
    void noticeChanged();
    void deviceLinkChanged();
    /// refreshDevices() finished.
    void devicesRefreshed(bool ok);
    /// createDeviceLink() finished.
    void deviceLinkFinished(bool ok);

private:
    AppController& m_app;
    DevicesModel m_devices;
    QString m_deviceNotice;
    int m_deviceNoticeDevice = 0;
    QString m_deviceLink;
    QDateTime m_deviceLinkExpires;
    bool m_deviceLinkBusy = false;
    bool m_deviceLinkExpired = false;
    QTimer m_deviceLinkTimer; ///< forgets the link when it expires
    /// Bumped by each request and clear: older answers are dropped.
    std::uint64_t m_deviceLinkRequest = 0;
};

} // namespace verbatim::qt

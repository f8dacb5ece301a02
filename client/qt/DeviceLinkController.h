#pragma once
/// @file DeviceLinkController.h
/// This user's devices (QML: `app.deviceLinking`), shown in the settings: the list, the notice
/// when a device was added or waits for approval (issue 15 break 2) and its approval, and a
/// one-time link that enrols another device of a staff user (the link dialog), and bringing
/// this device's history to the new one (issue 23).
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
    /// This device's name as the relay last listed it (empty: unnamed, or not listed yet).
    Q_PROPERTY(QString thisDeviceName READ thisDeviceName NOTIFY ownDeviceChanged)
    /// "Unlink and erase" is offered: staff may erase a lost device of theirs; a client only when
    /// the firm manifest's device policy allows wiping clients' devices.
    Q_PROPERTY(bool canEraseDevices READ canEraseDevices NOTIFY ownDeviceChanged)
    /// An unlink or a rename is on its way to the relay.
    Q_PROPERTY(bool deviceActionBusy READ deviceActionBusy NOTIFY deviceActionBusyChanged)
    /// The link dialog's "bring my history" choice (issue 23): once this device approves the
    /// device that used its link, it sends that device its history (Client::sendHistory).
    Q_PROPERTY(bool bringHistory READ bringHistory WRITE setBringHistory NOTIFY historyChanged)
    /// A history is being exported and uploaded here.
    Q_PROPERTY(bool historyBusy READ historyBusy NOTIFY historyChanged)
    /// What became of the last history sent from here (empty: none yet).
    Q_PROPERTY(QString historyStatus READ historyStatus NOTIFY historyChanged)

public:
    explicit DeviceLinkController(AppController& app);

    DevicesModel* devices() { return &m_devices; }
    QString deviceNotice() const { return m_deviceNotice; }
    int deviceNoticeDevice() const { return m_deviceNoticeDevice; }
    QString deviceLink() const { return m_deviceLink; }
    QDateTime deviceLinkExpires() const { return m_deviceLinkExpires; }
    bool deviceLinkBusy() const { return m_deviceLinkBusy; }
    bool deviceLinkExpired() const { return m_deviceLinkExpired; }
    QString thisDeviceName() const { return m_thisDeviceName; }
    bool canEraseDevices() const { return m_canEraseDevices; }
    bool deviceActionBusy() const { return m_deviceActionBusy; }
    bool bringHistory() const { return m_bringHistory; }
    void setBringHistory(bool on);
    bool historyBusy() const { return m_historyBusy; }
    QString historyStatus() const { return m_historyStatus; }
    /// How long a device link works: the relay's limit for Client::createDeviceLink().
    static constexpr int kDeviceLinkMinutes = 15;
    static int deviceLinkMinutes() { return kDeviceLinkMinutes; }

    /// Asks the relay for this user's devices in the background (fills `devices`, then
    /// devicesRefreshed).
    Q_INVOKABLE void refreshDevices();
    /// Approves device `device` of this user (the one deviceNotice names) on this device.
    Q_INVOKABLE void approveDevice(int device);
    Q_INVOKABLE void dismissDeviceNotice();
    /// Unlinks device `device` of this user, lost or no longer used (issue 23): the relay revokes
    /// it at once (its connection closes and it cannot connect again); with `erase` it also gets
    /// the firm's signed wipe command at its next connection. In the background; unlinkFinished
    /// reports, and the list is asked for again.
    Q_INVOKABLE void unlinkDevice(int device, bool erase);
    /// Renames this device in the user's device lists (64 bytes of plain text at most; the relay
    /// refuses control characters). In the background; renameFinished reports.
    Q_INVOKABLE void renameThisDevice(const QString& name);
    /// Asks the relay for a one-time link for another device of this user, in the background
    /// (fills `deviceLink`, then deviceLinkFinished).
    Q_INVOKABLE void createDeviceLink();
    /// Forgets the device link (the dialog showing it closed). It stays valid on the relay
    /// until used or expired.
    Q_INVOKABLE void clearDeviceLink();
    /// Puts the device link on the clipboard (a credential: only when the user asks).
    Q_INVOKABLE void copyDeviceLink();
    /// Sends this device's history to device `device` of this user, in the background
    /// (historyStatus says how it went).
    Q_INVOKABLE void sendHistory(int device);

    // ---- for the AppController ----------------------------------------------------------------
    /// A device was added or waits for approval, or a history transfer arrived, was imported or
    /// refused (the core's event; GUI thread): shown as the device notice.
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
    /// unlinkDevice() finished (`error` says why it failed).
    void unlinkFinished(bool ok);
    /// renameThisDevice() finished (`error` says why it failed).
    void renameFinished(bool ok);
    void deviceActionBusyChanged();
    void ownDeviceChanged();
    void historyChanged();

private:
    AppController& m_app;
    DevicesModel m_devices;
    QString m_deviceNotice;
    int m_deviceNoticeDevice = 0;
    QString m_deviceLink;
    QDateTime m_deviceLinkExpires;
    bool m_deviceLinkBusy = false;
    bool m_deviceLinkExpired = false;
    QString m_thisDeviceName;
    bool m_canEraseDevices = false;
    bool m_deviceActionBusy = false;
    bool m_bringHistory = false;
    bool m_historyBusy = false;
    QString m_historyStatus;
    QTimer m_deviceLinkTimer; ///< forgets the link when it expires
    /// Bumped by each request and clear: older answers are dropped.
    std::uint64_t m_deviceLinkRequest = 0;
};

} // namespace verbatim::qt

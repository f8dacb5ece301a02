#pragma once
/// @file AdminDevicesModel.h
/// The firm's device inventory for the admin page (DESIGN.md section 8): every device of every
/// user as the relay lists them, with its status, narrowed by a filter on the user. Rows are
/// copies of the core's views, handed over by AdminController on the GUI thread; the model never
/// talks to the relay and is only used on the GUI thread.

#include <QAbstractListModel>
#include <QDateTime>
#include <QtQml/qqmlregistration.h>

#include <vector>

#include "client/core/Client.h"

namespace verbatim::qt {

class AdminDevicesModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by AdminController")
    /// Shows only the devices whose user id or display name contains this text (any case);
    /// empty shows all.
    Q_PROPERTY(QString filter READ filter WRITE setFilter NOTIFY filterChanged)
    /// Devices in the inventory, before filtering.
    Q_PROPERTY(int total READ total NOTIFY totalChanged)

public:
    enum Role {
        UserRole = Qt::UserRole + 1, ///< "user": user id
        NameRole,                    ///< "name": display name (the user id when there is none)
        RoleRole,                    ///< "role": client, lawyer, supervisor, compliance, admin
        DeviceRole,                  ///< "device": device number (within the user)
        KeyRole,                     ///< "deviceKey": "user/device", unique in the firm
        PlatformRole,                ///< "platform": what the device said at enrolment
        VersionRole,                 ///< "appVersion": the app version it enrolled with
        EnrolledRole,                ///< "enrolled": QDateTime
        EnrolledTextRole,            ///< "enrolledText": the enrolment date, for humans
        LastSeenRole,                ///< "lastSeen": QDateTime, invalid when never connected
        LastSeenTextRole,            ///< "lastSeenText": "5 min ago", a date, or "never"
        StatusRole,                  ///< "status": active, revoked, wipe pending, wiped
        StatusTextRole,              ///< "statusText": Active, Revoked, Wipe pending, Wiped at ...
        WipedRole,                   ///< "wiped": QDateTime the device confirmed its wipe
        ThisDeviceRole,              ///< "thisDevice": the device the admin works on
        CanRevokeRole,               ///< "canRevoke": not revoked or wiped, not this device
        CanWipeRole,                 ///< "canWipe": no wipe asked for yet, not this device
        DeviceNameRole,              ///< "deviceName": the name its user gave it ("" when none)
    };

    using QAbstractListModel::QAbstractListModel;
    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    QString filter() const { return m_filter; }
    void setFilter(const QString& filter);
    int total() const { return int(m_all.size()); }

    /// Replaces the inventory. When the same devices come back in the same order the rows are
    /// updated in place (the list keeps its scroll position and delegates).
    void reset(std::vector<client::DeviceView> devices);

    /// `when` relative to `now` for humans: "just now", "12 min ago", "3 h ago", "yesterday",
    /// else the date; "never" when `when` is invalid.
    static QString relativeTime(const QDateTime& when, const QDateTime& now);

signals:
    void filterChanged();
    void totalChanged();

private:
    bool matches(const client::DeviceView& d) const;
    std::vector<client::DeviceView> m_all;
    std::vector<client::DeviceView> m_rows; ///< m_all narrowed by m_filter, in relay order
    QString m_filter;
};

} // namespace verbatim::qt

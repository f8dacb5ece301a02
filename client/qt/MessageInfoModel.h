#pragma once
/// @file MessageInfoModel.h
/// Message info (issue 23): for one message this user sent, when the relay stored it and, for
/// each device it was encrypted to, when that device's delivered and read receipts came. Rows are
/// read from the profile (Client::messageInfo: no relay call) on the GUI thread by
/// ChatController, which reloads them when a receipt arrives while the sheet is open and once the
/// relay has listed the conversation's devices with their names. Names (of people and devices)
/// are shown through TextRuns::safeName(); the QML shows every text as plain text.

#include <QAbstractListModel>
#include <QDateTime>
#include <QtQml/qqmlregistration.h>

#include <vector>

#include "client/core/Client.h"

namespace verbatim::qt {

class MessageInfoModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by ChatController")
    /// The message shown (32 hex digits; "" when none).
    Q_PROPERTY(QString messageId READ messageId NOTIFY changed)
    /// Its text as sent ("" for an attachment without a caption), for the sheet's header.
    Q_PROPERTY(QString body READ body NOTIFY changed)
    /// "Today 14:05:09": when the relay stored it; "Not sent yet" while it is queued.
    Q_PROPERTY(QString sentText READ sentText NOTIFY changed)
    /// When the relay stored it (invalid while queued).
    Q_PROPERTY(QDateTime sent READ sent NOTIFY changed)
    /// False when the profile did not keep where it went (sent before it kept that).
    Q_PROPERTY(bool recipientsKnown READ recipientsKnown NOTIFY changed)
    /// The device of this user's a history transfer copied it from, unverified here (profile
    /// schema v6 imported_from_device); 0 when this device received or sent it itself.
    Q_PROPERTY(int importedFromDevice READ importedFromDevice NOTIFY changed)

public:
    enum Role {
        NameRole = Qt::UserRole + 1, ///< "name": the recipient's display name (or user id), shown
        UserIdRole,                  ///< "user": the recipient's user id
        DeviceRole,                  ///< "device": unsigned, the device's number in that account
        DeviceTextRole,    ///< "deviceText": its name ("Bob's phone (Pixel 8)"), else "Device 2"
        DeviceNameRole,    ///< "deviceName": the name its user gave it ("" when not known)
        OwnDeviceRole,     ///< "ownDevice": bool, another device of this user
        DeliveredRole,     ///< "delivered": QDateTime; invalid: not yet
        ReadRole,          ///< "read": QDateTime; invalid: not yet
        DeliveredTextRole, ///< "deliveredText": "Today 14:05:11" or "Not yet"
        ReadTextRole,      ///< "readText": "Today 14:06:40" or "Not yet"
    };

    using QAbstractListModel::QAbstractListModel;
    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    QString messageId() const { return m_messageId; }
    QString body() const;
    QString sentText() const;
    QDateTime sent() const;
    bool recipientsKnown() const { return !m_rows.empty(); }
    int importedFromDevice() const { return int(m_info.message.importedFromDevice); }

    /// Shows `info` (`self`: this user's id, for "You" and own devices).
    void reset(const QString& messageId, client::MessageInfoView info, const QString& self);
    /// Shows nothing.
    void clear();

    /// A time as the sheet shows it: "Today 14:05:09", "Yesterday 09:12:00", "3 Nov 2025
    /// 09:12:00"; "Not yet" for an invalid one.
    static QString timeText(const QDateTime& t, const QDate& today);

signals:
    void changed();

private:
    QString m_messageId;
    QString m_self;
    client::MessageInfoView m_info;
    std::vector<client::RecipientView> m_rows;
};

} // namespace verbatim::qt

#include "client/qt/MessageInfoModel.h"
#include "client/qt/StdText.h"

#include <QLocale>

#include "client/qt/Models.h"
#include "client/qt/TextRuns.h"

namespace verbatim::qt {

namespace {

QDateTime at(std::uint64_t ms) {
    return ms ? QDateTime::fromMSecsSinceEpoch(qint64(ms)) : QDateTime();
}

} // namespace

QString MessageInfoModel::timeText(const QDateTime& t, const QDate& today) {
    if (!t.isValid()) return tr("Not yet");
    // Seconds: delivered and read often fall in the same minute.
    return dayLabel(t.date(), today) + u' ' +
           QLocale().toString(t.time(), QStringLiteral("HH:mm:ss"));
}

int MessageInfoModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant MessageInfoModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto& r = m_rows[std::size_t(index.row())];
    const bool own = q(r.user) == m_self;
    switch (role) {
    case NameRole:
        return own ? tr("You (another device)")
                   : TextRuns::safeName(q(r.displayName.empty() ? r.user : r.displayName));
    case UserIdRole:
        return q(r.user);
    case DeviceRole:
        return r.device;
    case DeviceTextRole:
        return r.deviceName.empty() ? tr("Device %1").arg(r.device)
                                    : TextRuns::safeName(q(r.deviceName));
    case DeviceNameRole:
        return TextRuns::safeName(q(r.deviceName));
    case OwnDeviceRole:
        return own;
    case DeliveredRole:
        return at(r.deliveredMs);
    case ReadRole:
        return at(r.readMs);
    case DeliveredTextRole:
        return timeText(at(r.deliveredMs), QDate::currentDate());
    case ReadTextRole:
        return timeText(at(r.readMs), QDate::currentDate());
    }
    return {};
}

QHash<int, QByteArray> MessageInfoModel::roleNames() const {
    return {{NameRole, "name"},
            {UserIdRole, "user"},
            {DeviceRole, "device"},
            {DeviceTextRole, "deviceText"},
            {DeviceNameRole, "deviceName"},
            {OwnDeviceRole, "ownDevice"},
            {DeliveredRole, "delivered"},
            {ReadRole, "read"},
            {DeliveredTextRole, "deliveredText"},
            {ReadTextRole, "readText"}};
}

QString MessageInfoModel::body() const {
    if (m_messageId.isEmpty() || m_info.message.retracted) return {};
    if (!m_info.message.body.empty()) return q(m_info.message.body);
    return m_info.message.attachments.empty()
               ? QString()
               : TextRuns::safeName(q(m_info.message.attachments.front().fileName));
}

QDateTime MessageInfoModel::sent() const {
    return at(m_info.message.serverTimeMs);
}

QString MessageInfoModel::sentText() const {
    if (m_messageId.isEmpty()) return {};
    if (!m_info.message.serverTimeMs) return tr("Not sent yet");
    return timeText(sent(), QDate::currentDate());
}

void MessageInfoModel::reset(const QString& messageId, client::MessageInfoView info,
                             const QString& self) {
    beginResetModel();
    m_messageId = messageId;
    m_self = self;
    m_rows = std::move(info.recipients);
    info.recipients.clear();
    m_info = std::move(info);
    endResetModel();
    emit changed();
}

void MessageInfoModel::clear() {
    reset({}, {}, {});
}

} // namespace verbatim::qt

#include "client/qt/Models.h"
#include "client/qt/StdText.h"

#include "client/qt/AdminDevicesModel.h"
#include "client/qt/TextRuns.h"
#include "client/qt/Thumbnail.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFileInfo>
#include <QLocale>
#include <QVariantMap>
#include <algorithm>

#include "client/qt/ModelsText.h"

namespace verbatim::qt {

namespace {

using models::name;

} // namespace

QString fullDate(const QDate& day) {
    //: A QLocale date pattern (ddd: the day's short name, MMM: the month's); "Mon 3 Nov 2025"
    return QLocale().toString(day, QCoreApplication::translate("Dates", "ddd d MMM yyyy"));
}

QString dayLabel(const QDate& day, const QDate& today) {
    if (day == today) return QCoreApplication::translate("Dates", "Today");
    if (day == today.addDays(-1)) return QCoreApplication::translate("Dates", "Yesterday");
    return fullDate(day);
}

QString whenText(const QDateTime& time, const QDate& today, bool withTime) {
    if (!time.isValid()) return {};
    const QString clock = QLocale().toString(time.time(), QStringLiteral("HH:mm"));
    const QDate day = time.date();
    if (day == today) return clock;
    if (day == today.addDays(-1)) {
        const QString yesterday = QCoreApplication::translate("Dates", "Yesterday");
        return withTime ? yesterday + u' ' + clock : yesterday;
    }
    //: A QLocale date pattern without the day's name; "3 Nov 2025"
    const QString date =
        QLocale().toString(day, QCoreApplication::translate("Dates", "d MMM yyyy"));
    return withTime ? date + u' ' + clock : date;
}

// ---- search -------------------------------------------------------------------------------------

int SearchResultsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant SearchResultsModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto& m = m_rows[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case BodyRole:
        return q(m.body);
    case IdRole:
        return q(m.id);
    case ConversationRole:
        return q(m.conversation);
    case SenderNameRole:
        return name(m.senderName);
    case TimeRole:
        return QDateTime::fromMSecsSinceEpoch(
            qint64(m.serverTimeMs ? m.serverTimeMs : m.clientTimeMs));
    case TimeTextRole:
        return whenText(QDateTime::fromMSecsSinceEpoch(
                            qint64(m.serverTimeMs ? m.serverTimeMs : m.clientTimeMs)),
                        QDate::currentDate());
    }
    return {};
}

QHash<int, QByteArray> SearchResultsModel::roleNames() const {
    return {{IdRole, "messageId"},
            {ConversationRole, "conversationId"},
            {SenderNameRole, "senderName"},
            {BodyRole, "body"},
            {TimeRole, "time"},
            {TimeTextRole, "timeText"}};
}

void SearchResultsModel::reset(std::vector<client::MessageView> rows) {
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

// ---- participants -------------------------------------------------------------------------------

int ParticipantsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant ParticipantsModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto& r = m_rows[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case NameRole:
        return r.name;
    case UserRole:
        return r.user;
    case RoleRole:
        return r.role;
    }
    return {};
}

QHash<int, QByteArray> ParticipantsModel::roleNames() const {
    return {{UserRole, "user"}, {NameRole, "name"}, {RoleRole, "role"}};
}

void ParticipantsModel::reset(const client::ConversationView* c) {
    beginResetModel();
    m_rows.clear();
    if (c)
        for (std::size_t i = 0; i < c->members.size(); ++i)
            m_rows.push_back({q(c->members[i]),
                              name(i < c->memberNames.size() ? c->memberNames[i] : c->members[i]),
                              i < c->memberRoles.size() ? name(c->memberRoles[i]) : QString()});
    endResetModel();
}

// ---- devices ------------------------------------------------------------------------------------

int DevicesModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant DevicesModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto& d = m_rows[std::size_t(index.row())];
    auto when = [](std::uint64_t ms) {
        return ms ? QVariant(QDateTime::fromMSecsSinceEpoch(qint64(ms))) : QVariant();
    };
    switch (role) {
    case Qt::DisplayRole:
    case PlatformRole:
        return name(d.platform);
    case DeviceRole:
        return d.device;
    case VersionRole:
        return name(d.appVersion);
    case EnrolledRole:
        return when(d.enrolledMs);
    case LastSeenRole:
        return when(d.lastSeenMs);
    case StatusRole:
        return q(d.status());
    case ThisDeviceRole:
        return d.thisDevice;
    case NameRole:
        return name(d.name);
    case LastSeenTextRole:
        return AdminDevicesModel::relativeTime(
            d.lastSeenMs ? QDateTime::fromMSecsSinceEpoch(qint64(d.lastSeenMs)) : QDateTime(),
            QDateTime::currentDateTime());
    }
    return {};
}

QHash<int, QByteArray> DevicesModel::roleNames() const {
    return {{DeviceRole, "device"},
            {PlatformRole, "platform"},
            {VersionRole, "appVersion"},
            {EnrolledRole, "enrolled"},
            {LastSeenRole, "lastSeen"},
            {StatusRole, "status"},
            {ThisDeviceRole, "thisDevice"},
            {NameRole, "deviceName"},
            {LastSeenTextRole, "lastSeenText"}};
}

void DevicesModel::reset(std::vector<client::DeviceView> rows) {
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

} // namespace verbatim::qt

#include "client/qt/AdminDevicesModel.h"
#include "client/qt/StdText.h"

#include "client/qt/TextRuns.h"

#include <algorithm>

namespace verbatim::qt {

namespace {

QDateTime at(std::uint64_t ms) {
    return ms ? QDateTime::fromMSecsSinceEpoch(qint64(ms)) : QDateTime();
}

QString dateTime(const QDateTime& t) {
    return t.toString(QStringLiteral("yyyy-MM-dd hh:mm"));
}

/// What a device or its user said about itself, as shown (see TextRuns::safeName()).
QString said(const std::string& s) {
    return TextRuns::safeName(q(s));
}

QString key(const client::DeviceView& d) {
    return q(d.user) + QLatin1Char('/') + QString::number(d.device);
}

QString statusText(const client::DeviceView& d) {
    if (d.wipedMs) return AdminDevicesModel::tr("Wiped at %1").arg(dateTime(at(d.wipedMs)));
    if (d.wipeRequestedMs) return AdminDevicesModel::tr("Wipe pending");
    if (d.revokedMs) return AdminDevicesModel::tr("Revoked");
    if (d.pendingMs) return AdminDevicesModel::tr("Awaiting approval");
    return AdminDevicesModel::tr("Active");
}

} // namespace

int AdminDevicesModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant AdminDevicesModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto& d = m_rows[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        return key(d);
    case UserRole:
        return q(d.user);
    case NameRole:
        return said(d.displayName.empty() ? d.user : d.displayName);
    case RoleRole:
        return said(d.role);
    case DeviceRole:
        return d.device;
    case KeyRole:
        return key(d);
    case PlatformRole:
        return said(d.platform);
    case VersionRole:
        return said(d.appVersion);
    case EnrolledRole:
        return at(d.enrolledMs);
    case EnrolledTextRole:
        return d.enrolledMs ? dateTime(at(d.enrolledMs)) : QString();
    case LastSeenRole:
        return at(d.lastSeenMs);
    case LastSeenTextRole:
        return relativeTime(at(d.lastSeenMs), QDateTime::currentDateTime());
    case StatusRole:
        return q(d.status());
    case StatusTextRole:
        return statusText(d);
    case WipedRole:
        return at(d.wipedMs);
    case ThisDeviceRole:
        return d.thisDevice;
    case CanRevokeRole:
        return !d.thisDevice && !d.revokedMs && !d.wipedMs;
    case CanWipeRole:
        return !d.thisDevice && !d.wipeRequestedMs && !d.wipedMs;
    case DeviceNameRole:
        return said(d.name);
    }
    return {};
}

QHash<int, QByteArray> AdminDevicesModel::roleNames() const {
    return {{UserRole, "user"},
            {NameRole, "name"},
            {RoleRole, "role"},
            {DeviceRole, "device"},
            {KeyRole, "deviceKey"},
            {PlatformRole, "platform"},
            {DeviceNameRole, "deviceName"},
            {VersionRole, "appVersion"},
            {EnrolledRole, "enrolled"},
            {EnrolledTextRole, "enrolledText"},
            {LastSeenRole, "lastSeen"},
            {LastSeenTextRole, "lastSeenText"},
            {StatusRole, "status"},
            {StatusTextRole, "statusText"},
            {WipedRole, "wiped"},
            {ThisDeviceRole, "thisDevice"},
            {CanRevokeRole, "canRevoke"},
            {CanWipeRole, "canWipe"}};
}

bool AdminDevicesModel::matches(const client::DeviceView& d) const {
    if (m_filter.isEmpty()) return true;
    return q(d.user).contains(m_filter, Qt::CaseInsensitive) ||
           q(d.displayName).contains(m_filter, Qt::CaseInsensitive);
}

void AdminDevicesModel::setFilter(const QString& filter) {
    const QString f = filter.trimmed();
    if (f == m_filter) return;
    m_filter = f;
    beginResetModel();
    m_rows.clear();
    std::copy_if(m_all.begin(), m_all.end(), std::back_inserter(m_rows),
                 [this](const client::DeviceView& d) { return matches(d); });
    endResetModel();
    emit filterChanged();
}

void AdminDevicesModel::reset(std::vector<client::DeviceView> devices) {
    const int before = total();
    m_all = std::move(devices);
    std::vector<client::DeviceView> rows;
    std::copy_if(m_all.begin(), m_all.end(), std::back_inserter(rows),
                 [this](const client::DeviceView& d) { return matches(d); });
    const bool sameShape =
        rows.size() == m_rows.size() &&
        std::equal(rows.begin(), rows.end(), m_rows.begin(), [](const auto& a, const auto& b) {
            return a.user == b.user && a.device == b.device;
        });
    if (sameShape) {
        m_rows = std::move(rows);
        if (!m_rows.empty()) emit dataChanged(index(0), index(int(m_rows.size()) - 1));
    } else {
        beginResetModel();
        m_rows = std::move(rows);
        endResetModel();
    }
    if (total() != before) emit totalChanged();
}

QString AdminDevicesModel::relativeTime(const QDateTime& when, const QDateTime& now) {
    if (!when.isValid()) return tr("never");
    const qint64 seconds = when.secsTo(now);
    // A clock a little ahead of ours still reads as now.
    if (seconds < 60) return tr("just now");
    if (seconds < 3600) return tr("%n min ago", "", int(seconds / 60));
    if (when.date() == now.date()) return tr("%n h ago", "", int(seconds / 3600));
    if (when.date().addDays(1) == now.date())
        return tr("yesterday %1").arg(when.toString(QStringLiteral("hh:mm")));
    return when.toString(QStringLiteral("yyyy-MM-dd"));
}

} // namespace verbatim::qt

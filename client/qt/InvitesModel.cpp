#include "client/qt/InvitesModel.h"
#include "client/qt/StdText.h"

#include "client/qt/TextRuns.h"

#include <algorithm>

namespace verbatim::qt {

namespace {

QDateTime at(std::uint64_t ms) {
    return ms ? QDateTime::fromMSecsSinceEpoch(qint64(ms)) : QDateTime();
}

QString dateTime(std::uint64_t ms) {
    return at(ms).toString(QStringLiteral("yyyy-MM-dd hh:mm"));
}

QString redeemer(const client::InviteView& v) {
    if (v.redeemedBy.empty()) return {};
    return TextRuns::safeName(q(v.redeemedName.empty() ? v.redeemedBy : v.redeemedName));
}

QString stateText(const client::InviteView& v) {
    if (v.state == "redeemed")
        return InvitesModel::tr("Joined by %1 on %2").arg(redeemer(v), dateTime(v.redeemedMs));
    if (v.state == "revoked") return InvitesModel::tr("Revoked on %1").arg(dateTime(v.revokedMs));
    if (v.state == "expired") return InvitesModel::tr("Expired unused");
    if (v.state == "inviter-revoked")
        return InvitesModel::tr("No longer valid: the device that made it was revoked");
    if (v.state == "open") return InvitesModel::tr("Not used yet");
    return InvitesModel::tr("Unknown");
}

} // namespace

int InvitesModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant InvitesModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto& v = m_rows[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case MatterRole:
        return TextRuns::safeName(q(v.matterTitle));
    case IdRole:
        return q(v.id);
    case StateRole:
        return q(v.state);
    case StateTextRole:
        return stateText(v);
    case CreatedRole:
        return at(v.createdMs);
    case ExpiresRole:
        return at(v.expiresMs);
    case DatesTextRole:
        return tr("Made %1 · expires %2").arg(dateTime(v.createdMs), dateTime(v.expiresMs));
    case RedeemedByRole:
        return redeemer(v);
    case CanRevokeRole:
        return v.state == "open";
    default:
        return {};
    }
}

QHash<int, QByteArray> InvitesModel::roleNames() const {
    return {
        {IdRole, "inviteId"},         {MatterRole, "matter"},         {StateRole, "state"},
        {StateTextRole, "stateText"}, {CreatedRole, "created"},       {ExpiresRole, "expires"},
        {DatesTextRole, "datesText"}, {RedeemedByRole, "redeemedBy"}, {CanRevokeRole, "canRevoke"}};
}

int InvitesModel::openCount() const {
    return int(std::count_if(m_rows.begin(), m_rows.end(),
                             [](const auto& v) { return v.state == "open"; }));
}

void InvitesModel::reset(std::vector<client::InviteView> invites) {
    const int before = openCount();
    beginResetModel();
    m_rows = std::move(invites);
    endResetModel();
    if (openCount() != before) emit openCountChanged();
}

} // namespace verbatim::qt

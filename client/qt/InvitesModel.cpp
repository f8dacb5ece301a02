#include "client/qt/InvitesModel.h"
#include "client/qt/StdText.h"

#include "client/qt/Models.h"
#include "client/qt/TextRuns.h"

#include <QLocale>
#include <QMap>
#include <QVariantMap>

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

QString stateLabel(const client::InviteView& v) {
    if (v.state == "open") return InvitesModel::tr("Pending");
    if (v.state == "redeemed") return InvitesModel::tr("Used");
    if (v.state == "expired") return InvitesModel::tr("Expired");
    if (v.state == "revoked" || v.state == "inviter-revoked") return InvitesModel::tr("Revoked");
    if (v.state == "declined") return InvitesModel::tr("Declined");
    return InvitesModel::tr("Unknown");
}

QString stateText(const client::InviteView& v) {
    if (v.state == "redeemed")
        return InvitesModel::tr("Joined by %1 on %2").arg(redeemer(v), dateTime(v.redeemedMs));
    if (v.state == "revoked") return InvitesModel::tr("Revoked on %1").arg(dateTime(v.revokedMs));
    if (v.state == "expired") return InvitesModel::tr("Expired unused");
    if (v.state == "inviter-revoked")
        return InvitesModel::tr("No longer valid: the device that made it was revoked");
    if (v.state == "open") return InvitesModel::tr("Not used yet");
    if (v.state == "declined")
        return InvitesModel::tr("The client declined the recording notice on %1; nobody joined")
            .arg(dateTime(v.declinedMs));
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
    case StateLabelRole:
        return stateLabel(v);
    case ExpiresTextRole:
        return expiresText(v.expiresMs, std::uint64_t(QDateTime::currentMSecsSinceEpoch()));
    case ConversationRole:
        return q(v.conversationId);
    default:
        return {};
    }
}

QHash<int, QByteArray> InvitesModel::roleNames() const {
    return {{IdRole, "inviteId"},
            {MatterRole, "matter"},
            {StateRole, "state"},
            {StateTextRole, "stateText"},
            {CreatedRole, "created"},
            {ExpiresRole, "expires"},
            {DatesTextRole, "datesText"},
            {RedeemedByRole, "redeemedBy"},
            {CanRevokeRole, "canRevoke"},
            {StateLabelRole, "stateLabel"},
            {ExpiresTextRole, "expiresText"},
            {ConversationRole, "conversationId"}};
}

int InvitesModel::openCount() const {
    return int(std::count_if(m_rows.begin(), m_rows.end(),
                             [](const auto& v) { return v.state == "open"; }));
}

void InvitesModel::reset(std::vector<client::InviteView> invites) {
    m_all = std::move(invites);
    refilter();
    emit mattersChanged();
}

QVariantList InvitesModel::matters() const {
    QMap<QString, QString> byId; // id -> title
    for (const auto& v : m_all)
        byId.insert(q(v.conversationId), TextRuns::safeName(q(v.matterTitle)));
    QList<QPair<QString, QString>> sorted;
    for (auto it = byId.cbegin(); it != byId.cend(); ++it)
        sorted.append({it.value(), it.key()});
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
        return QString::localeAwareCompare(a.first, b.first) < 0;
    });
    QVariantList out;
    for (const auto& [title, id] : sorted)
        out.append(
            QVariantMap{{QStringLiteral("conversationId"), id}, {QStringLiteral("title"), title}});
    return out;
}

void InvitesModel::setConversation(const QString& conversationId) {
    if (conversationId == m_conversation) return;
    m_conversation = conversationId;
    refilter();
}

void InvitesModel::refilter() {
    const int before = openCount();
    beginResetModel();
    m_rows.clear();
    const std::string wanted = m_conversation.toStdString();
    for (const auto& v : m_all)
        if (wanted.empty() || v.conversationId == wanted) m_rows.push_back(v);
    endResetModel();
    if (openCount() != before) emit openCountChanged();
}

QString InvitesModel::expiresText(std::uint64_t expiresMs, std::uint64_t nowMs) {
    const QString date = fullDate(at(expiresMs).date());
    if (expiresMs <= nowMs) return tr("Expired on %1").arg(date);
    const std::uint64_t left = expiresMs - nowMs;
    constexpr std::uint64_t kHour = 3600 * 1000, kDay = 24 * kHour;
    // Whole days, rounded to the nearest (a 7-day invite just made says 7); under a day, hours.
    const int days = left >= kDay ? int((left + kDay / 2) / kDay) : 0;
    const int hours = int((left + kHour / 2) / kHour);
    if (days > 1) return tr("Expires in %1 days · %2").arg(days).arg(date);
    if (days == 1) return tr("Expires in 1 day · %1").arg(date);
    if (hours > 1) return tr("Expires in %1 hours · %2").arg(hours).arg(date);
    return tr("Expires within the hour · %1").arg(date);
}

} // namespace verbatim::qt

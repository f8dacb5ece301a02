#include "client/qt/SupervisedMattersModel.h"
#include "client/qt/StdText.h"

#include "client/qt/TextRuns.h"

#include <QDateTime>
#include <QVariantList>

#include <algorithm>

namespace verbatim::qt {

namespace {

/// What a user typed (titles, names), as shown (see TextRuns::safeName()).
QString said(const std::string& s) {
    return TextRuns::safeName(q(s));
}

QString participants(const client::SupervisedMatterView& m) {
    QStringList out;
    for (const auto& p : m.participants)
        out << SupervisedMattersModel::tr("%1 (%2)").arg(
            said(p.displayName.empty() ? p.user : p.displayName), q(p.role));
    return out.join(QStringLiteral(", "));
}

} // namespace

QString SupervisedMattersModel::duration(std::uint64_t ms) {
    const std::uint64_t minutes = ms / 60000, hours = minutes / 60, days = hours / 24;
    if (days > 0) return tr("%1 d %2 h").arg(days).arg(hours % 24);
    if (hours > 0) return tr("%1 h %2 min").arg(hours).arg(minutes % 60);
    return tr("%1 min").arg(minutes);
}

int SupervisedMattersModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant SupervisedMattersModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto& m = m_rows[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case TitleRole:
        return said(m.title);
    case IdRole:
        return q(m.conversationId);
    case NumberRole:
        return said(m.matterNumber);
    case ClientNameRole:
        return said(m.clientName);
    case ParticipantsRole:
        return participants(m);
    case SupervisedRole: {
        QStringList out;
        for (const auto& l : m.supervised)
            out << said(l);
        return out.join(QStringLiteral(", "));
    }
    case WaitingRole:
        return m.waitingSinceMs != 0;
    case WaitingTextRole:
        if (m.waitingSinceMs != 0) return tr("Client waiting %1").arg(duration(m.waitingMs));
        return m.lastClientMs != 0 ? tr("Answered") : tr("No client message yet");
    case OverdueRole:
        return m.overdue;
    case LastClientTextRole:
        if (m.lastClientMs == 0) return tr("never");
        return tr("%1 ago").arg(duration(m_nowMs > m.lastClientMs ? m_nowMs - m.lastClientMs : 0));
    case WeeklyRole: {
        QVariantList out;
        for (auto n : m.weekly)
            out << int(n);
        return out;
    }
    case WeeklyMaxRole: {
        std::uint32_t top = 1;
        for (auto n : m.weekly)
            top = std::max(top, n);
        return int(top);
    }
    case WeeklyTotalRole: {
        std::uint64_t sum = 0;
        for (auto n : m.weekly)
            sum += n;
        return qulonglong(sum);
    }
    case ClosedRole:
        return m.closedMs != 0;
    case MemberRole:
        return m.member;
    default:
        return {};
    }
}

QHash<int, QByteArray> SupervisedMattersModel::roleNames() const {
    return {{IdRole, "conversationId"},
            {TitleRole, "title"},
            {NumberRole, "matterNumber"},
            {ClientNameRole, "clientName"},
            {ParticipantsRole, "participants"},
            {SupervisedRole, "supervised"},
            {WaitingRole, "waiting"},
            {WaitingTextRole, "waitingText"},
            {OverdueRole, "overdue"},
            {LastClientTextRole, "lastClientText"},
            {WeeklyRole, "weekly"},
            {WeeklyMaxRole, "weeklyMax"},
            {WeeklyTotalRole, "weeklyTotal"},
            {ClosedRole, "closed"},
            {MemberRole, "member"}};
}

void SupervisedMattersModel::reset(std::vector<client::SupervisedMatterView> matters,
                                   std::uint64_t nowMs) {
    beginResetModel();
    m_rows = std::move(matters);
    m_nowMs = nowMs;
    endResetModel();
    const int overdue =
        int(std::count_if(m_rows.begin(), m_rows.end(), [](const auto& m) { return m.overdue; }));
    if (overdue != m_overdue) {
        m_overdue = overdue;
        emit countsChanged();
    }
}

} // namespace verbatim::qt

#include "client/qt/SupervisionAlertsModel.h"

#include "client/qt/TextRuns.h"

namespace verbatim::qt {

QVariant SupervisionAlertsModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto& r = m_rows[std::size_t(index.row())];
    switch (role) {
    case IdRole:
        return r.id;
    case KindRole:
        return r.kind;
    case Qt::DisplayRole:
    case PolicyRole:
        return r.kind == QLatin1String("sample")
                   ? tr("Sample")
                   : TextRuns::safeName(r.policy) + QStringLiteral(" v%1").arg(r.version);
    case SequenceRole:
        return r.sequence;
    case SeverityRole:
        return r.severity;
    case StatusRole:
        return r.status;
    case DispositionRole:
        return r.disposition;
    case NoteRole:
        return r.note;
    case ReviewerRole:
        return TextRuns::safeName(r.reviewer);
    case MineRole:
        return r.mine;
    case ConversationRole:
        return TextRuns::safeName(r.conversation);
    case SenderRole:
        return TextRuns::safeName(r.senderName);
    case TimeRole:
        return r.time.isValid() ? QVariant(r.time) : QVariant();
    case ContextRole:
        return r.context;
    case MatchesRole:
        return r.matches;
    case MarkedRole:
        return r.contextMarked;
    case PartRole:
        return r.part;
    case RangesRole:
        return r.contextRanges;
    case AttachmentsRole:
        return r.attachments;
    }
    return {};
}

QHash<int, QByteArray> SupervisionAlertsModel::roleNames() const {
    return {{IdRole, "alertId"},
            {KindRole, "kind"},
            {PolicyRole, "policy"},
            {SequenceRole, "sequence"},
            {SeverityRole, "severity"},
            {StatusRole, "status"},
            {DispositionRole, "disposition"},
            {NoteRole, "note"},
            {ReviewerRole, "reviewer"},
            {MineRole, "mine"},
            {ConversationRole, "conversation"},
            {SenderRole, "sender"},
            {TimeRole, "time"},
            {ContextRole, "context"},
            {MatchesRole, "matches"},
            {MarkedRole, "contextMarked"},
            {PartRole, "part"},
            {RangesRole, "contextRanges"},
            {AttachmentsRole, "attachments"}};
}

int SupervisionAlertsModel::rowOf(const QString& id) const {
    for (std::size_t i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].id == id) return int(i);
    return -1;
}

QVariantMap SupervisionAlertsModel::get(int row) const {
    QVariantMap out;
    const bool valid = row >= 0 && row < rowCount();
    const auto names = roleNames();
    for (auto it = names.begin(); it != names.end(); ++it)
        out.insert(QString::fromUtf8(it.value()),
                   valid ? data(index(row), it.key()) : QVariant(QString()));
    return out;
}

} // namespace verbatim::qt

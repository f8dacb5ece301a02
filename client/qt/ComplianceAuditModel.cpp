#include "client/qt/ComplianceAuditModel.h"

#include "client/qt/TextRuns.h"

namespace verbatim::qt {

QVariant ComplianceAuditModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto& r = m_rows[std::size_t(index.row())];
    switch (role) {
    case SequenceRole:
        return r.sequence;
    case TimeRole:
        return r.time.isValid() ? QVariant(r.time) : QVariant();
    case KindRole:
        return TextRuns::safeName(r.kind);
    case WhoRole:
        return TextRuns::safeName(r.who);
    case TargetRole:
        return TextRuns::safeName(r.target);
    case Qt::DisplayRole:
    case DetailRole:
        return TextRuns::safeName(r.detail, 0);
    }
    return {};
}

QHash<int, QByteArray> ComplianceAuditModel::roleNames() const {
    return {{SequenceRole, "sequence"}, {TimeRole, "time"},     {KindRole, "kind"},
            {WhoRole, "who"},           {TargetRole, "target"}, {DetailRole, "detail"}};
}

} // namespace verbatim::qt

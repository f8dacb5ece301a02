#include "client/qt/SupervisionAccessModel.h"

#include "client/qt/TextRuns.h"

namespace verbatim::qt {

QVariant SupervisionAccessModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto& r = m_rows[std::size_t(index.row())];
    switch (role) {
    case SequenceRole:
        return r.sequence;
    case WhoRole:
        return TextRuns::safeName(r.who);
    case TimeRole:
        return r.time.isValid() ? QVariant(r.time) : QVariant();
    case ActionRole:
        return r.action;
    case Qt::DisplayRole:
    case DetailRole:
        return TextRuns::safeName(r.detail, 0);
    }
    return {};
}

QHash<int, QByteArray> SupervisionAccessModel::roleNames() const {
    return {{SequenceRole, "sequence"},
            {WhoRole, "who"},
            {TimeRole, "time"},
            {ActionRole, "action"},
            {DetailRole, "detail"}};
}

} // namespace verbatim::qt

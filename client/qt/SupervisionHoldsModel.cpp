#include "client/qt/SupervisionHoldsModel.h"

#include "client/qt/TextRuns.h"

namespace verbatim::qt {

QVariant SupervisionHoldsModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto& r = m_rows[std::size_t(index.row())];
    switch (role) {
    case IdRole:
        return r.id;
    case OpenRole:
        return r.open;
    case Qt::DisplayRole:
    case ScopeRole:
        return TextRuns::safeName(r.scope, 0);
    case ReasonRole:
        return TextRuns::safeName(r.reason, 0);
    case ReferenceRole:
        return TextRuns::safeName(r.reference);
    case PlacedByRole:
        return TextRuns::safeName(r.placedBy);
    case PlacedRole:
        return r.placed.isValid() ? QVariant(r.placed) : QVariant();
    case ReleasedRole:
        return TextRuns::safeName(r.released, 0);
    }
    return {};
}

QHash<int, QByteArray> SupervisionHoldsModel::roleNames() const {
    return {{IdRole, "holdId"},     {OpenRole, "open"},           {ScopeRole, "scope"},
            {ReasonRole, "reason"}, {ReferenceRole, "reference"}, {PlacedByRole, "placedBy"},
            {PlacedRole, "placed"}, {ReleasedRole, "released"}};
}

} // namespace verbatim::qt

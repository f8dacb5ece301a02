#include "client/qt/SupervisionPoliciesModel.h"

#include "client/qt/TextRuns.h"

namespace verbatim::qt {

QVariant SupervisionPoliciesModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto& r = m_rows[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case NameRole:
        return TextRuns::safeName(r.name);
    case VersionRole:
        return r.version;
    case EnabledRole:
        return r.enabled;
    case ExampleRole:
        return r.example;
    case SeverityRole:
        return r.severity;
    case QueryRole:
        return r.query;
    case ScopeRole:
        return TextRuns::safeName(r.scope, 0);
    case AuthorRole:
        return TextRuns::safeName(r.author);
    case TimeRole:
        return r.time.isValid() ? QVariant(r.time) : QVariant();
    case SequenceRole:
        return r.sequence;
    }
    return {};
}

QHash<int, QByteArray> SupervisionPoliciesModel::roleNames() const {
    return {{NameRole, "name"},        {VersionRole, "version"},   {EnabledRole, "enabled"},
            {ExampleRole, "example"},  {SeverityRole, "severity"}, {QueryRole, "query"},
            {ScopeRole, "scope"},      {AuthorRole, "author"},     {TimeRole, "time"},
            {SequenceRole, "sequence"}};
}

} // namespace verbatim::qt

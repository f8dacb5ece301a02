#pragma once
/// @file SupervisionPoliciesModel.h
/// The lexicon policies (issue 21): each policy's latest version, disabled ones too, by name;
/// built on the archive's worker (SupervisionController), GUI thread only.

#include <QDateTime>
#include <QtQml/qqmlregistration.h>

#include "client/qt/ComplianceModels.h"

namespace verbatim::qt {

struct SupervisionPolicyRow {
    QString name;
    uint version = 0;
    bool enabled = true;
    bool example = false;
    QString severity;
    QString query;
    QString scope; ///< "matter=..., participant=..., to-clients", or "" (everything)
    QString author;
    QDateTime time;
    qulonglong sequence = 0;
};

class SupervisionPoliciesModel : public ArchiveRowsModel<SupervisionPolicyRow> {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by SupervisionController")
public:
    enum Role {
        NameRole = Qt::UserRole + 1, ///< "name"
        VersionRole,                 ///< "version": 1, 2, ... in log order
        EnabledRole,                 ///< "enabled"
        ExampleRole,                 ///< "example": one of the labelled starter set
        SeverityRole,                ///< "severity": low, medium, high
        QueryRole,                   ///< "query": in the search language
        ScopeRole,                   ///< "scope": matter, participant, direction ("" for all)
        AuthorRole,                  ///< "author": who journaled this version (name)
        TimeRole,                    ///< "time": QDateTime, the relay's clock
        SequenceRole,                ///< "sequence": of the record that set this version
    };
    using ArchiveRowsModel::ArchiveRowsModel;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
};

} // namespace verbatim::qt

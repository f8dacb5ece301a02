#pragma once
/// @file SupervisionAccessModel.h
/// The access log (issue 21): who in compliance searched, viewed or exported what, when, in log
/// order; built on the archive's worker (SupervisionController), GUI thread only.

#include <QDateTime>
#include <QtQml/qqmlregistration.h>

#include "client/qt/ComplianceModels.h"

namespace verbatim::qt {

struct SupervisionAccessRow {
    qulonglong sequence = 0;
    QString who; ///< display name and device
    QDateTime time;
    QString action; ///< search, show, export
    QString detail; ///< the query and its filters, the conversation, the export's scope
};

class SupervisionAccessModel : public ArchiveRowsModel<SupervisionAccessRow> {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by SupervisionController")
public:
    enum Role {
        SequenceRole = Qt::UserRole + 1, ///< "sequence": of the access record
        WhoRole,                         ///< "who": the officer (name, device)
        TimeRole,                        ///< "time": QDateTime, the relay's clock
        ActionRole,                      ///< "action": search, show, export
        DetailRole,                      ///< "detail": what was searched, shown or exported
    };
    using ArchiveRowsModel::ArchiveRowsModel;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
};

} // namespace verbatim::qt

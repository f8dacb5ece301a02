#pragma once
/// @file ComplianceAuditModel.h
/// The compliance page's audit view (issue 21): the firm's admin actions and the devices' key
/// changes as the journal holds them (compliance::Archive::auditTrail, what `verbatim-journal
/// audit` prints), in log order; built on the archive's worker (ComplianceController), GUI
/// thread only.

#include <QDateTime>
#include <QtQml/qqmlregistration.h>

#include "client/qt/ComplianceModels.h"

namespace verbatim::qt {

struct ComplianceAuditRow {
    qulonglong sequence = 0;
    QDateTime time;
    QString kind;   ///< the action, e.g. "enroll", "revoke", or a device's key change
    QString who;    ///< who did it: display name (and device) when the archive knows them
    QString target; ///< what it was done to (a user, a device, a conversation)
    QString detail; ///< the action's details as journaled
};

class ComplianceAuditModel : public ArchiveRowsModel<ComplianceAuditRow> {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by ComplianceController")
public:
    enum Role {
        SequenceRole = Qt::UserRole + 1, ///< "sequence": the journal record's sequence number
        TimeRole,                        ///< "time": QDateTime, the relay's clock (invalid: none)
        KindRole,                        ///< "kind": the action
        WhoRole,                         ///< "who": the actor
        TargetRole,                      ///< "target": what the action was done to
        DetailRole,                      ///< "detail": the action's details
    };
    using ArchiveRowsModel::ArchiveRowsModel;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
};

} // namespace verbatim::qt

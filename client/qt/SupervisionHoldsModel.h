#pragma once
/// @file SupervisionHoldsModel.h
/// The legal holds (issue 22, compliance/Retention.h): every hold the journal holds, open ones
/// first, with its scope, reason, reference, who placed it and when, and its release; built on the
/// archive's worker (SupervisionController), GUI thread only.

#include <QDateTime>
#include <QtQml/qqmlregistration.h>

#include "client/qt/ComplianceModels.h"

namespace verbatim::qt {

struct SupervisionHoldRow {
    qulonglong id = 0; ///< the sequence of the hold record
    bool open = true;
    QString scope; ///< "Matter: TITLE" or "Custodian: NAME"
    QString reason;
    QString reference;
    QString placedBy; ///< display name and device
    QDateTime placed;
    QString released; ///< "" while open; else who, when and why
};

class SupervisionHoldsModel : public ArchiveRowsModel<SupervisionHoldRow> {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by SupervisionController")
public:
    enum Role {
        IdRole = Qt::UserRole + 1, ///< "holdId": the hold's id (its record's sequence)
        OpenRole,                  ///< "open": bool, not released
        ScopeRole,                 ///< "scope": the matter or the custodian held
        ReasonRole,                ///< "reason": why the hold was placed
        ReferenceRole,             ///< "reference": the firm's reference, may be empty
        PlacedByRole,              ///< "placedBy": the officer (name, device)
        PlacedRole,                ///< "placed": QDateTime, the relay's clock
        ReleasedRole,              ///< "released": who released it, when and why ("" if open)
    };
    using ArchiveRowsModel::ArchiveRowsModel;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
};

} // namespace verbatim::qt

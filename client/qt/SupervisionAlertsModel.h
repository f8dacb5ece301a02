#pragma once
/// @file SupervisionAlertsModel.h
/// The review queue (issue 21): alerts the policies raised and sampled entries, with the state
/// of their last review. Rows are built on the archive's worker (SupervisionController) and
/// handed over with reset(); GUI thread only.

#include <QDateTime>
#include <QStringList>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include "client/qt/ComplianceModels.h"

namespace verbatim::qt {

struct SupervisionAlertRow {
    QString id;       ///< 12 hex digits, the same in every officer's archive
    QString kind;     ///< "policy" or "sample"
    QString policy;   ///< the policy's name ("" for a sample)
    uint version = 0; ///< of the policy
    qulonglong sequence = 0;
    QString severity;
    QString status; ///< open, in-review, escalated, closed
    QString disposition;
    QString note;
    QString reviewer;     ///< display name (user/device when unknown) of the last review
    bool mine = false;    ///< the last review is this device's
    QString conversation; ///< title (the id's start when untitled)
    QString senderName;
    QDateTime time;        ///< the relay's time of the entry
    QString context;       ///< the text around the matches
    QStringList matches;   ///< the matched words, in order
    QString contextMarked; ///< `context` as StyledText with the matches marked, all else escaped
    QVariantList contextRanges; ///< the matches in `context`: [start, length], UTF-16 units
    /// The entry's attachments: maps of index, name (made safe to show), mime, size, available.
    QVariantList attachments;
    QString part; ///< "message" or "attachment N"
};

class SupervisionAlertsModel : public ArchiveRowsModel<SupervisionAlertRow> {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by SupervisionController")
public:
    enum Role {
        IdRole = Qt::UserRole + 1, ///< "alertId": 12 hex digits
        KindRole,                  ///< "kind": policy or sample
        PolicyRole,                ///< "policy": name and version ("Sample" for a sample)
        SequenceRole,              ///< "sequence": the journal entry that hit
        SeverityRole,              ///< "severity": low, medium, high
        StatusRole,                ///< "status": open, in-review, escalated, closed
        DispositionRole,           ///< "disposition": no-issue, breach, training, referred
        NoteRole,                  ///< "note": of the last review
        ReviewerRole,              ///< "reviewer": who reviewed it last (display name)
        MineRole,                  ///< "mine": the last review is this device's
        ConversationRole,          ///< "conversation": matter title
        SenderRole,                ///< "sender": display name of who wrote it
        TimeRole,                  ///< "time": QDateTime, the relay's clock
        ContextRole,               ///< "context": plain text around the matches
        MatchesRole,               ///< "matches": QStringList of the matched words
        MarkedRole,                ///< "contextMarked": StyledText, matches bold and tinted
        PartRole,                  ///< "part": "message" or "attachment N"
        RangesRole,      ///< "contextRanges": [start, length] of each match in "context" (UTF-16)
        AttachmentsRole, ///< "attachments": the entry's attachments (index, name, mime, size, available)
    };
    using ArchiveRowsModel::ArchiveRowsModel;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
    /// The row of alert `id` (-1: none).
    Q_INVOKABLE int rowOf(const QString& id) const;
    /// Row `row` as a map of its role names to values (every role empty for a row out of range):
    /// the selected alert's fields for the detail view.
    Q_INVOKABLE QVariantMap get(int row) const;
};

} // namespace verbatim::qt

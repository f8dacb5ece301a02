#pragma once
/// @file ComplianceModels.h
/// List models over the compliance archive, for the compliance page. Their rows are plain
/// structs built on ComplianceController's worker thread (names resolved, history folded into
/// text) and handed to the model on the GUI thread with reset(); the models never touch the
/// archive themselves and are only used on the GUI thread.

#include <QAbstractListModel>
#include <QDateTime>
#include <QStringList>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <vector>

namespace verbatim::qt {

/// What the archive models share: their rows, rowCount() and reset(). Each adds roles and data().
template <class R> class ArchiveRowsModel : public QAbstractListModel {
public:
    using Row = R;
    using QAbstractListModel::QAbstractListModel;
    int rowCount(const QModelIndex& parent = {}) const override {
        return parent.isValid() ? 0 : int(m_rows.size());
    }
    void reset(std::vector<Row> rows) {
        beginResetModel();
        m_rows = std::move(rows);
        endResetModel();
    }

protected:
    std::vector<Row> m_rows;
};

struct ArchiveConversationRow {
    QString id;
    QString title; ///< the id's first characters when the conversation has no title
    bool matter = false;
    qulonglong events = 0; ///< journal records in it
    QString participants;  ///< display names, comma-separated
};

/// The conversations the archive holds, in the order they first appear in the journal.
class ArchiveConversationsModel : public ArchiveRowsModel<ArchiveConversationRow> {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by ComplianceController")
public:
    enum Role {
        IdRole = Qt::UserRole + 1, ///< "conversationId": the conversation id (hex)
        TitleRole,                 ///< "title": matter title or a short id
        MatterRole,       ///< "isMatter": a matter (journaled with a client) or a direct chat
        EventsRole,       ///< "events": number of journal records in it
        ParticipantsRole, ///< "participants": who sent or received in it, by name
    };
    using ArchiveRowsModel::ArchiveRowsModel;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
    /// The title of conversation `id` (empty when unknown).
    QString titleOf(const QString& id) const;
};

struct ArchiveTimelineRow {
    qulonglong sequence = 0;
    QString kind;         ///< message, notice, join, safety-number, mismatch-report
    QString sender;       ///< user id
    QString senderName;   ///< display name (the user id when the archive has no name)
    QDateTime time;       ///< the relay's time
    QString text;         ///< as last edited
    QString originalText; ///< as first sent
    QStringList edits;    ///< "old → new", oldest first, each text isolated (TextRuns::isolated)
    bool deleted = false;
    QString deletedByName;
    QDateTime deletedTime;
    QStringList attachments; ///< file names (with "(not available)" when missing)
    QString reactions;       ///< the emoji, concatenated
    QString verification;    ///< "verified" or the fault ids, comma-separated
    QString messageId;       ///< hex (empty for joins)
    QVariantList files;      ///< the attachments as the page shows them (ComplianceRows.h)
};

/// One conversation's timeline: messages with their edit and deletion history, and the notices,
/// joins and reports journaled in it, in journal order.
class ArchiveTimelineModel : public ArchiveRowsModel<ArchiveTimelineRow> {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by ComplianceController")
public:
    enum Role {
        SequenceRole = Qt::UserRole + 1, ///< "sequence": journal sequence number of the event
        KindRole,         ///< "kind": message, notice, join, safety-number, mismatch-report
        SenderRole,       ///< "sender": user id
        SenderNameRole,   ///< "senderName": display name
        TimeRole,         ///< "time": QDateTime, the relay's clock
        TextRole,         ///< "text": the text as last edited
        OriginalTextRole, ///< "originalText": the text as first sent
        EditedRole,       ///< "edited": bool
        EditsRole,        ///< "edits": QStringList of "old → new", oldest first
        DeletedRole,      ///< "deleted": retracted for everyone (the text is kept)
        DeletedByRole,    ///< "deletedBy": display name of who deleted it
        DeletedTimeRole,  ///< "deletedTime": QDateTime of the deletion
        AttachmentsRole,  ///< "attachments": file names, comma-separated
        ReactionsRole,    ///< "reactions": the emoji
        VerificationRole, ///< "verification": "verified" or fault ids
        VerifiedRole,     ///< "verified": bool
        MessageIdRole,    ///< "messageId": the message (hex), the key of its voice note's player
        FilesRole, ///< "files": one map per attachment: voice note, thumbnail (ComplianceRows.h)
    };
    using ArchiveRowsModel::ArchiveRowsModel;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
};

struct ArchiveSearchRow {
    qulonglong sequence = 0;
    QString messageId;
    QString conversation;
    QString conversationTitle;
    QString senderName;
    QDateTime time;
    QString text;
    QString status;      ///< "", "edited", "edit", "deleted"
    QVariantList ranges; ///< the matched words in `text`: [start, length], UTF-16 units
    QVariantList files;  ///< the message's attachments, as the timeline's "files"
};

/// Full-text search hits in the archive, newest first.
class ArchiveSearchModel : public ArchiveRowsModel<ArchiveSearchRow> {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by ComplianceController")
public:
    enum Role {
        SequenceRole = Qt::UserRole + 1, ///< "sequence": of the matching journal entry
        MessageIdRole,                   ///< "messageId": the message the hit belongs to
        ConversationRole,                ///< "conversationId"
        ConversationTitleRole,           ///< "conversationTitle"
        SenderNameRole,                  ///< "senderName"
        TimeRole,                        ///< "time": QDateTime, the relay's clock
        TextRole,                        ///< "text": the matching text
        StatusRole,  ///< "status": "", "edited" (later edited), "edit" (an edit's text), "deleted"
        DeletedRole, ///< "deleted": bool (status is "deleted")
        RangesRole,  ///< "matchRanges": [start, length] of each matched word in "text" (UTF-16)
        FilesRole,   ///< "files": the message's attachments, as the timeline's "files" role
    };
    using ArchiveRowsModel::ArchiveRowsModel;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
};

struct ArchiveProblemRow {
    qulonglong sequence = 0;
    QString fault;
    QString description;
    QString detail;
};

/// Problems the checks found (by pull or verify), by sequence number.
class ArchiveProblemsModel : public ArchiveRowsModel<ArchiveProblemRow> {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by ComplianceController")
public:
    enum Role {
        SequenceRole = Qt::UserRole + 1, ///< "sequence": where the problem is
        FaultRole,                       ///< "fault": stable id (missing, altered, reordered, ...)
        DescriptionRole,                 ///< "description": the fault in plain English
        DetailRole,                      ///< "detail": ids, devices and checks (never content)
    };
    using ArchiveRowsModel::ArchiveRowsModel;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
};

} // namespace verbatim::qt

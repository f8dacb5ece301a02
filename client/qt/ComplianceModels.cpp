#include "client/qt/ComplianceModels.h"

#include "client/qt/TextRuns.h"

namespace verbatim::qt {

namespace {

constexpr auto kRowChecks = QAbstractItemModel::CheckIndexOption::IndexIsValid |
                            QAbstractItemModel::CheckIndexOption::ParentIsInvalid;

QVariant when(const QDateTime& t) {
    return t.isValid() ? QVariant(t) : QVariant();
}

// Names, titles and file names are shown with their invisible and direction-changing characters
// made visible (TextRuns::safeName()): evidence keeps them, and the reviewer sees them. Message
// text is shown as written (as plain text).
QString name(const QString& s) {
    return TextRuns::safeName(s);
}

QString fileNames(const QStringList& names) {
    QStringList out;
    for (const auto& n : names)
        out << TextRuns::safeName(n, TextRuns::kMaxNameLength, true);
    return out.join(QStringLiteral(", "));
}

} // namespace

// ---- conversations ------------------------------------------------------------------------------

QVariant ArchiveConversationsModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, kRowChecks)) return {};
    const auto& r = m_rows[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case TitleRole:
        return name(r.title);
    case IdRole:
        return r.id;
    case MatterRole:
        return r.matter;
    case EventsRole:
        return r.events;
    case ParticipantsRole:
        return TextRuns::safeName(r.participants, 0);
    }
    return {};
}

QHash<int, QByteArray> ArchiveConversationsModel::roleNames() const {
    return {{IdRole, "conversationId"},
            {TitleRole, "title"},
            {MatterRole, "isMatter"},
            {EventsRole, "events"},
            {ParticipantsRole, "participants"}};
}

QString ArchiveConversationsModel::titleOf(const QString& id) const {
    for (const auto& r : m_rows)
        if (r.id == id) return r.title;
    return {};
}

// ---- timeline -----------------------------------------------------------------------------------

QVariant ArchiveTimelineModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, kRowChecks)) return {};
    const auto& r = m_rows[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case TextRole:
        return r.text;
    case SequenceRole:
        return r.sequence;
    case KindRole:
        return r.kind;
    case SenderRole:
        return r.sender;
    case SenderNameRole:
        return name(r.senderName);
    case TimeRole:
        return when(r.time);
    case OriginalTextRole:
        return r.originalText;
    case EditedRole:
        return !r.edits.isEmpty();
    case EditsRole:
        return r.edits;
    case DeletedRole:
        return r.deleted;
    case DeletedByRole:
        return name(r.deletedByName);
    case DeletedTimeRole:
        return when(r.deletedTime);
    case AttachmentsRole:
        return fileNames(r.attachments);
    case ReactionsRole:
        return TextRuns::safeName(r.reactions, 0);
    case VerificationRole:
        return r.verification;
    case VerifiedRole:
        return r.verification == QLatin1String("verified");
    case MessageIdRole:
        return r.messageId;
    case FilesRole:
        return r.files;
    }
    return {};
}

QHash<int, QByteArray> ArchiveTimelineModel::roleNames() const {
    return {{SequenceRole, "sequence"},
            {KindRole, "kind"},
            {SenderRole, "sender"},
            {SenderNameRole, "senderName"},
            {TimeRole, "time"},
            {TextRole, "text"},
            {OriginalTextRole, "originalText"},
            {EditedRole, "edited"},
            {EditsRole, "edits"},
            {DeletedRole, "deleted"},
            {DeletedByRole, "deletedBy"},
            {DeletedTimeRole, "deletedTime"},
            {AttachmentsRole, "attachments"},
            {ReactionsRole, "reactions"},
            {VerificationRole, "verification"},
            {VerifiedRole, "verified"},
            {MessageIdRole, "messageId"},
            {FilesRole, "files"}};
}

// ---- search -------------------------------------------------------------------------------------

QVariant ArchiveSearchModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, kRowChecks)) return {};
    const auto& r = m_rows[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case TextRole:
        return r.text;
    case SequenceRole:
        return r.sequence;
    case MessageIdRole:
        return r.messageId;
    case ConversationRole:
        return r.conversation;
    case ConversationTitleRole:
        return name(r.conversationTitle);
    case SenderNameRole:
        return name(r.senderName);
    case TimeRole:
        return when(r.time);
    case StatusRole:
        return r.status;
    case DeletedRole:
        return r.status == QLatin1String("deleted");
    case RangesRole:
        return r.ranges;
    case FilesRole:
        return r.files;
    }
    return {};
}

QHash<int, QByteArray> ArchiveSearchModel::roleNames() const {
    return {{SequenceRole, "sequence"},
            {MessageIdRole, "messageId"},
            {ConversationRole, "conversationId"},
            {ConversationTitleRole, "conversationTitle"},
            {SenderNameRole, "senderName"},
            {TimeRole, "time"},
            {TextRole, "text"},
            {StatusRole, "status"},
            {DeletedRole, "deleted"},
            {RangesRole, "matchRanges"},
            {FilesRole, "files"}};
}

// ---- problems -----------------------------------------------------------------------------------

QVariant ArchiveProblemsModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, kRowChecks)) return {};
    const auto& r = m_rows[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case DescriptionRole:
        return r.description;
    case SequenceRole:
        return r.sequence;
    case FaultRole:
        return r.fault;
    case DetailRole:
        return r.detail;
    }
    return {};
}

QHash<int, QByteArray> ArchiveProblemsModel::roleNames() const {
    return {{SequenceRole, "sequence"},
            {FaultRole, "fault"},
            {DescriptionRole, "description"},
            {DetailRole, "detail"}};
}

} // namespace verbatim::qt

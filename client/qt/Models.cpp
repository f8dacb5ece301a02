#include "client/qt/Models.h"
#include "client/qt/StdText.h"

#include "client/qt/TextRuns.h"

#include <QDateTime>
#include <QFileInfo>
#include <QLocale>
#include <QVariantMap>
#include <algorithm>

namespace verbatim::qt {

namespace {

/// A name, title or short label someone else chose, as shown (see TextRuns::safeName()).
QString name(const std::string& s) {
    return TextRuns::safeName(q(s));
}

/// A file name someone else chose, as shown: shortened in the middle, keeping its extension.
QString fileName(const std::string& s) {
    return TextRuns::safeName(q(s), TextRuns::kMaxNameLength, true);
}

/// A message's text as shown. A system line or notice is a sentence of the core's with a name
/// in it ("Mallory accepted the recording notice"): its invisible and direction-changing
/// characters are shown as such, so the name cannot reorder the sentence. Text messages are
/// shown exactly as written.
QString bodyText(const client::MessageView& m) {
    if (m.kind == client::MessageKind::System || m.kind == client::MessageKind::Notice)
        return TextRuns::safeName(q(m.body), 0);
    return q(m.body);
}

/// What a file name's extension says, for the attachment's icon: up to 4 ASCII letters or
/// digits in capitals, else nothing.
QString fileType(const std::string& s) {
    const QString suffix = QFileInfo(q(s)).suffix();
    if (suffix.isEmpty() || suffix.size() > 4) return {};
    for (QChar c : suffix)
        if (c.unicode() > 0x7f || !c.isLetterOrNumber()) return {};
    return suffix.toUpper();
}

QVariant messageData(const client::MessageView& m, int role) {
    using R = MessageListModel::Role;
    switch (role) {
    case R::IdRole:
        return q(m.id);
    case R::SenderRole:
        return q(m.senderUser);
    case R::SenderNameRole:
        return name(m.senderName);
    case R::OutgoingRole:
        return m.outgoing;
    case R::KindRole:
        return QString::fromLatin1(client::kindName(m.kind));
    case R::BodyRole:
        return bodyText(m);
    case R::TimeRole:
        return QDateTime::fromMSecsSinceEpoch(
            qint64(m.serverTimeMs ? m.serverTimeMs : m.clientTimeMs));
    case R::StateRole:
        return QString::fromLatin1(client::stateName(m.state));
    case R::EditedRole:
        return m.edited;
    case R::RetractedRole:
        return m.retracted;
    case R::RetractedByRole:
        return q(m.retractedBy);
    case R::ReactionsRole: {
        QStringList out;
        for (auto& [user, emoji] : m.reactions)
            out << TextRuns::safeName(q(emoji), 16);
        return out.join(QString());
    }
    case R::AttachmentNameRole:
        return m.attachments.empty() ? QString() : fileName(m.attachments.front().fileName);
    case R::AttachmentSizeRole:
        return m.attachments.empty() ? 0 : qulonglong(m.attachments.front().size);
    case R::JournalSequenceRole:
        return qulonglong(m.journalSequence);
    case R::AttachmentSizeTextRole:
        return m.attachments.empty()
                   ? QString()
                   : QLocale().formattedDataSize(qint64(m.attachments.front().size));
    case R::AttachmentTypeRole:
        return m.attachments.empty() ? QString() : fileType(m.attachments.front().fileName);
    }
    return {};
}

bool sameMessage(const client::MessageView& a, const client::MessageView& b) {
    return a.body == b.body && a.state == b.state && a.edited == b.edited &&
           a.retracted == b.retracted && a.reactions == b.reactions &&
           a.serverTimeMs == b.serverTimeMs && a.attachments.size() == b.attachments.size();
}

} // namespace

// ---- conversations ------------------------------------------------------------------------------

int ConversationListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant ConversationListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto& c = m_rows[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case TitleRole: {
        const QString title = name(c.title);
        return title.isEmpty() ? q(c.id).left(8) : title;
    }
    case IdRole:
        return q(c.id);
    case IsMatterRole:
        return c.isMatter;
    case UnreadRole:
        return qulonglong(c.unread);
    case LastMessageRole:
        return TextRuns::preview(q(c.lastMessage));
    case LastTimeRole:
        return c.lastTimeMs ? QDateTime::fromMSecsSinceEpoch(qint64(c.lastTimeMs)) : QVariant();
    case MembersRole: {
        QStringList names;
        for (auto& n : c.memberNames)
            names << name(n);
        return names.join(QStringLiteral(", "));
    }
    }
    return {};
}

QHash<int, QByteArray> ConversationListModel::roleNames() const {
    return {{IdRole, "conversationId"},       {TitleRole, "title"},
            {IsMatterRole, "isMatter"},       {UnreadRole, "unread"},
            {LastMessageRole, "lastMessage"}, {LastTimeRole, "lastTime"},
            {MembersRole, "members"}};
}

void ConversationListModel::reset(std::vector<client::ConversationView> rows) {
    // Same ids in the same order: update in place (keeps the list's scroll position).
    bool sameShape =
        rows.size() == m_rows.size() && std::equal(rows.begin(), rows.end(), m_rows.begin(),
                                                   [](auto& a, auto& b) { return a.id == b.id; });
    if (sameShape) {
        m_rows = std::move(rows);
        if (!m_rows.empty()) emit dataChanged(index(0), index(int(m_rows.size()) - 1));
        return;
    }
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

const client::ConversationView* ConversationListModel::find(const QString& id) const {
    for (auto& c : m_rows)
        if (q(c.id) == id) return &c;
    return nullptr;
}

// ---- messages -----------------------------------------------------------------------------------

int MessageListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant MessageListModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto& m = m_rows[std::size_t(index.row())];
    if (role == Qt::DisplayRole) return bodyText(m);
    return messageData(m, role);
}

QHash<int, QByteArray> MessageListModel::roleNames() const {
    return {{IdRole, "messageId"},
            {SenderRole, "sender"},
            {SenderNameRole, "senderName"},
            {OutgoingRole, "outgoing"},
            {KindRole, "kind"},
            {BodyRole, "body"},
            {TimeRole, "time"},
            {StateRole, "deliveryState"},
            {EditedRole, "edited"},
            {RetractedRole, "retracted"},
            {RetractedByRole, "retractedBy"},
            {ReactionsRole, "reactions"},
            {AttachmentNameRole, "attachmentName"},
            {AttachmentSizeRole, "attachmentSize"},
            {JournalSequenceRole, "journalSequence"},
            {AttachmentSizeTextRole, "attachmentSizeText"},
            {AttachmentTypeRole, "attachmentType"}};
}

const client::MessageView* MessageListModel::lastEditable() const {
    for (auto it = m_rows.rbegin(); it != m_rows.rend(); ++it)
        if (it->outgoing && it->kind == client::MessageKind::Text && !it->retracted) return &*it;
    return nullptr;
}

bool MessageListModel::canFetchMore(const QModelIndex& parent) const {
    return !parent.isValid() && m_client && !m_atStart && !m_changing;
}

void MessageListModel::fetchMore(const QModelIndex& parent) {
    if (!canFetchMore(parent) || m_rows.empty()) return;
    auto older = m_client->history(m_conversation.toStdString(), kPage, m_rows.front().rowId);
    if (!older) return;
    if (older->size() < kPage) m_atStart = true;
    if (older->empty()) return;
    m_changing = true;
    beginInsertRows({}, 0, int(older->size()) - 1);
    m_rows.insert(m_rows.begin(), std::make_move_iterator(older->begin()),
                  std::make_move_iterator(older->end()));
    endInsertRows();
    m_changing = false;
}

void MessageListModel::open(client::Client* client, const QString& conversation) {
    m_changing = true;
    beginResetModel();
    m_client = client;
    m_conversation = conversation;
    m_rows.clear();
    m_atStart = true;
    if (client && !conversation.isEmpty()) {
        auto page = client->history(conversation.toStdString(), kPage);
        if (page) {
            m_atStart = page->size() < kPage;
            m_rows = std::move(*page);
        }
    }
    endResetModel();
    m_changing = false;
}

void MessageListModel::refresh() {
    if (!m_client || m_conversation.isEmpty()) return;
    auto page = m_client->history(m_conversation.toStdString(), kPage);
    if (!page) return;
    // More than a page may have arrived since the last refresh: page back to what we hold.
    while (!m_rows.empty() && page->size() >= kPage && page->front().rowId > m_rows.back().rowId) {
        auto older = m_client->history(m_conversation.toStdString(), kPage, page->front().rowId);
        if (!older || older->empty()) break;
        page->insert(page->begin(), older->begin(), older->end());
    }
    std::size_t appendFrom = page->size();
    for (std::size_t i = 0; i < page->size(); ++i) {
        const auto& fresh = (*page)[i];
        auto it = std::lower_bound(
            m_rows.begin(), m_rows.end(), fresh.rowId,
            [](const client::MessageView& m, std::int64_t id) { return m.rowId < id; });
        if (it != m_rows.end() && it->rowId == fresh.rowId) {
            if (!sameMessage(*it, fresh)) {
                *it = fresh;
                int row = int(it - m_rows.begin());
                emit dataChanged(index(row), index(row));
            }
        } else if (m_rows.empty() || fresh.rowId > m_rows.back().rowId) {
            appendFrom = i;
            break;
        }
    }
    if (appendFrom < page->size()) {
        int first = int(m_rows.size());
        m_changing = true;
        beginInsertRows({}, first, first + int(page->size() - appendFrom) - 1);
        for (std::size_t i = appendFrom; i < page->size(); ++i)
            m_rows.push_back((*page)[i]);
        endInsertRows();
        m_changing = false;
    }
}

void MessageListModel::refreshOne(const QString& messageId) {
    if (!m_client || messageId.isEmpty()) return;
    for (std::size_t i = 0; i < m_rows.size(); ++i) {
        if (q(m_rows[i].id) != messageId) continue;
        auto fresh = m_client->message(messageId.toStdString());
        if (fresh && *fresh && !sameMessage(m_rows[i], **fresh)) {
            m_rows[i] = **fresh;
            emit dataChanged(index(int(i)), index(int(i)));
        }
        return;
    }
}

// ---- search -------------------------------------------------------------------------------------

int SearchResultsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant SearchResultsModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto& m = m_rows[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case BodyRole:
        return q(m.body);
    case IdRole:
        return q(m.id);
    case ConversationRole:
        return q(m.conversation);
    case SenderNameRole:
        return name(m.senderName);
    case TimeRole:
        return QDateTime::fromMSecsSinceEpoch(
            qint64(m.serverTimeMs ? m.serverTimeMs : m.clientTimeMs));
    }
    return {};
}

QHash<int, QByteArray> SearchResultsModel::roleNames() const {
    return {{IdRole, "messageId"},
            {ConversationRole, "conversationId"},
            {SenderNameRole, "senderName"},
            {BodyRole, "body"},
            {TimeRole, "time"}};
}

void SearchResultsModel::reset(std::vector<client::MessageView> rows) {
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

// ---- participants -------------------------------------------------------------------------------

int ParticipantsModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant ParticipantsModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto& r = m_rows[std::size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case NameRole:
        return r.name;
    case UserRole:
        return r.user;
    case RoleRole:
        return r.role;
    }
    return {};
}

QHash<int, QByteArray> ParticipantsModel::roleNames() const {
    return {{UserRole, "user"}, {NameRole, "name"}, {RoleRole, "role"}};
}

void ParticipantsModel::reset(const client::ConversationView* c) {
    beginResetModel();
    m_rows.clear();
    if (c)
        for (std::size_t i = 0; i < c->members.size(); ++i)
            m_rows.push_back({q(c->members[i]),
                              name(i < c->memberNames.size() ? c->memberNames[i] : c->members[i]),
                              i < c->memberRoles.size() ? name(c->memberRoles[i]) : QString()});
    endResetModel();
}

// ---- devices ------------------------------------------------------------------------------------

int DevicesModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant DevicesModel::data(const QModelIndex& index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const auto& d = m_rows[std::size_t(index.row())];
    auto when = [](std::uint64_t ms) {
        return ms ? QVariant(QDateTime::fromMSecsSinceEpoch(qint64(ms))) : QVariant();
    };
    switch (role) {
    case Qt::DisplayRole:
    case PlatformRole:
        return name(d.platform);
    case DeviceRole:
        return d.device;
    case VersionRole:
        return name(d.appVersion);
    case EnrolledRole:
        return when(d.enrolledMs);
    case LastSeenRole:
        return when(d.lastSeenMs);
    case StatusRole:
        return q(d.status());
    case ThisDeviceRole:
        return d.thisDevice;
    }
    return {};
}

QHash<int, QByteArray> DevicesModel::roleNames() const {
    return {{DeviceRole, "device"},        {PlatformRole, "platform"}, {VersionRole, "appVersion"},
            {EnrolledRole, "enrolled"},    {LastSeenRole, "lastSeen"}, {StatusRole, "status"},
            {ThisDeviceRole, "thisDevice"}};
}

void DevicesModel::reset(std::vector<client::DeviceView> rows) {
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

} // namespace verbatim::qt

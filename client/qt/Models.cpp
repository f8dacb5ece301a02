#include "client/qt/Models.h"
#include "client/qt/StdText.h"

#include "client/qt/AdminDevicesModel.h"
#include "client/qt/TextRuns.h"
#include "client/qt/Thumbnail.h"

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

/// Every attachment of a message for its bubble. A thumbnail is offered only when its header
/// passes Thumbnail::probe (the decoder checks again); the record's width and height are a label.
QVariantList filesOf(const client::MessageView& m) {
    QVariantList out;
    for (std::size_t i = 0; i < m.attachments.size(); ++i) {
        const auto& a = m.attachments[i];
        const QSize thumb = Thumbnail::probe(
            QByteArray::fromRawData(a.thumbnail.data(), qsizetype(a.thumbnail.size())));
        const bool claimed =
            a.width > 0 && a.height > 0 && a.width <= 1000000 && a.height <= 1000000;
        out.append(QVariantMap{
            {QStringLiteral("index"), int(i)},
            {QStringLiteral("name"), fileName(a.fileName)},
            {QStringLiteral("sizeText"), QLocale().formattedDataSize(qint64(a.size))},
            {QStringLiteral("type"), fileType(a.fileName)},
            {QStringLiteral("thumbnail"),
             thumb.isValid() ? QStringLiteral("image://attachment/thumb/%1/%2").arg(q(m.id)).arg(i)
                             : QString()},
            {QStringLiteral("thumbWidth"), thumb.isValid() ? thumb.width() : 0},
            {QStringLiteral("thumbHeight"), thumb.isValid() ? thumb.height() : 0},
            {QStringLiteral("dimensions"),
             claimed ? QStringLiteral("%1 \u00d7 %2").arg(a.width).arg(a.height) : QString()}});
    }
    return out;
}

/// The voice note roles: the first audio/ogg attachment whose record gives it a length.
QVariant voiceData(const client::MessageView& m, int role) {
    using R = MessageListModel::Role;
    for (std::size_t i = 0; i < m.attachments.size(); ++i) {
        const auto& a = m.attachments[i];
        if (a.mimeType != "audio/ogg" || a.durationMs == 0) continue;
        if (role == R::VoiceDurationRole) return int(a.durationMs);
        if (role == R::VoiceIndexRole) return int(i);
        QVariantList peaks;
        for (unsigned char b : a.waveform)
            peaks << qreal(b) / 255.0;
        return peaks;
    }
    if (role == R::VoiceDurationRole) return 0;
    if (role == R::VoiceIndexRole) return -1;
    return QVariantList();
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
    case R::VoiceDurationRole:
    case R::VoiceWaveformRole:
    case R::VoiceIndexRole:
        return voiceData(m, role);
    case R::FilesRole:
        return filesOf(m);
    }
    return {};
}

/// A system line with each member's user id replaced by their display name (whole ids only:
/// "alice" is not replaced inside "malice").
QString withNames(QString text, const QHash<QString, QString>& names) {
    auto idChar = [](QChar c) {
        return c.isLetterOrNumber() || c == u'_' || c == u'-' || c == u'.' || c == u'@';
    };
    for (auto it = names.begin(); it != names.end(); ++it) {
        if (it.key().isEmpty() || it.value().isEmpty()) continue;
        qsizetype from = 0;
        while ((from = text.indexOf(it.key(), from)) >= 0) {
            const qsizetype end = from + it.key().size();
            const bool startOk = from == 0 || !idChar(text[from - 1]);
            // A trailing full stop ends the sentence, it is not part of the id.
            const bool endOk =
                end >= text.size() || !idChar(text[end]) ||
                (text[end] == u'.' && (end + 1 >= text.size() || text[end + 1] == u' '));
            if (startOk && endOk) {
                text.replace(from, it.key().size(), it.value());
                from += it.value().size();
            } else {
                from = end;
            }
        }
    }
    return text;
}

/// The words a matter title commonly starts with, which tell two matters nothing.
bool commonWord(const QString& w) {
    static const QStringList words = {
        QStringLiteral("estate"), QStringLiteral("of"),     QStringLiteral("in"),
        QStringLiteral("re"),     QStringLiteral("matter"), QStringLiteral("the"),
        QStringLiteral("and"),    QStringLiteral("v"),      QStringLiteral("vs")};
    return words.contains(w.toLower().remove(u'.'));
}

QString firstLetter(const QString& word) {
    for (QChar c : word)
        if (c.isLetterOrNumber()) return QString(c).toUpper();
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
    case DraftRole:
        return TextRuns::preview(m_drafts.value(q(c.id)));
    case ClientNameRole:
        return clientNames(c);
    case AvatarInitialsRole:
    case AvatarColorRole: {
        const QString title = name(c.title);
        const QString client = clientNames(c);
        return role == AvatarInitialsRole ? avatarInitials(title, client)
                                          : avatarColor(title, client);
    }
    case MatterNumberRole:
        return name(c.matterNumber);
    case LastTimeTextRole:
        return c.lastTimeMs ? whenText(QDateTime::fromMSecsSinceEpoch(qint64(c.lastTimeMs)),
                                       QDate::currentDate(), false)
                            : QString();
    }
    return {};
}

QString ConversationListModel::clientNames(const client::ConversationView& c) {
    QStringList names;
    for (std::size_t i = 0; i < c.members.size() && i < c.memberRoles.size(); ++i)
        if (c.memberRoles[i] == "client")
            names << name(i < c.memberNames.size() ? c.memberNames[i] : c.members[i]);
    if (names.isEmpty() && !c.clientName.empty()) return name(c.clientName);
    return names.join(QStringLiteral(", "));
}

QHash<int, QByteArray> ConversationListModel::roleNames() const {
    return {{IdRole, "conversationId"},        {TitleRole, "title"},
            {IsMatterRole, "isMatter"},        {UnreadRole, "unread"},
            {LastMessageRole, "lastMessage"},  {LastTimeRole, "lastTime"},
            {MembersRole, "members"},          {DraftRole, "draft"},
            {ClientNameRole, "clientName"},    {AvatarInitialsRole, "avatarInitials"},
            {AvatarColorRole, "avatarColor"},  {LastTimeTextRole, "lastTimeText"},
            {MatterNumberRole, "matterNumber"}};
}

void ConversationListModel::setDrafts(QHash<QString, QString> drafts) {
    if (drafts == m_drafts) return;
    m_drafts = std::move(drafts);
    if (!m_rows.empty()) emit dataChanged(index(0), index(int(m_rows.size()) - 1), {DraftRole});
}

void ConversationListModel::setDraft(const QString& id, const QString& text) {
    if (m_drafts.value(id) == text) return;
    if (text.isEmpty())
        m_drafts.remove(id);
    else
        m_drafts.insert(id, text);
    for (std::size_t i = 0; i < m_rows.size(); ++i)
        if (q(m_rows[i].id) == id) emit dataChanged(index(int(i)), index(int(i)), {DraftRole});
}

QString ConversationListModel::avatarInitials(const QString& title, const QString& clientName) {
    QStringList words = title.split(u' ', Qt::SkipEmptyParts);
    QStringList distinct;
    for (auto& w : words)
        if (!commonWord(w) && !firstLetter(w).isEmpty()) distinct << w;
    if (distinct.isEmpty()) distinct = words;
    QString out = distinct.isEmpty() ? QString() : firstLetter(distinct.front());
    const QString client = firstLetter(clientName.split(u' ', Qt::SkipEmptyParts).value(0));
    if (!client.isEmpty() && client != out)
        out += client;
    else if (distinct.size() > 1)
        out += firstLetter(distinct.at(1));
    return out.isEmpty() ? QStringLiteral("?") : out.left(2);
}

QString ConversationListModel::avatarColor(const QString& title, const QString& clientName) {
    // Deep tones, each at least 4.5:1 against white text.
    static const char* const palette[] = {"#3949ab", "#00796b", "#c2185b", "#5d4037",
                                          "#6a1b9a", "#2e7d32", "#ad1457", "#00695c",
                                          "#4527a0", "#bf360c", "#1565c0", "#37474f"};
    // FNV-1a over the UTF-8 text: the same colour on every run and device.
    std::uint32_t h = 2166136261u;
    for (char ch : (title + u'\x1f' + clientName).toUtf8()) {
        h ^= std::uint8_t(ch);
        h *= 16777619u;
    }
    return QString::fromLatin1(palette[h % (sizeof(palette) / sizeof(palette[0]))]);
}

QString dayLabel(const QDate& day, const QDate& today) {
    if (day == today) return QObject::tr("Today");
    if (day == today.addDays(-1)) return QObject::tr("Yesterday");
    return QLocale().toString(day, QStringLiteral("ddd d MMM yyyy"));
}

QString whenText(const QDateTime& time, const QDate& today, bool withTime) {
    if (!time.isValid()) return {};
    const QString clock = QLocale().toString(time.time(), QStringLiteral("HH:mm"));
    const QDate day = time.date();
    if (day == today) return clock;
    const QString date = day == today.addDays(-1)
                             ? QObject::tr("Yesterday")
                             : QLocale().toString(day, QStringLiteral("d MMM yyyy"));
    return withTime ? date + u' ' + clock : date;
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
    const bool system =
        m.kind == client::MessageKind::System || m.kind == client::MessageKind::Notice;
    if (role == Qt::DisplayRole || role == BodyRole)
        return system && !m_names.isEmpty() ? TextRuns::safeName(withNames(q(m.body), m_names), 0)
                                            : bodyText(m);
    auto dayOf = [](const client::MessageView& v) {
        return QDateTime::fromMSecsSinceEpoch(
                   qint64(v.serverTimeMs ? v.serverTimeMs : v.clientTimeMs))
            .date();
    };
    if (role == DayRole) return dayLabel(dayOf(m), QDate::currentDate());
    if (role == DayStartRole)
        return index.row() == 0 || dayOf(m_rows[std::size_t(index.row()) - 1]) != dayOf(m);
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
            {AttachmentTypeRole, "attachmentType"},
            {VoiceDurationRole, "voiceDurationMs"},
            {VoiceWaveformRole, "voiceWaveform"},
            {VoiceIndexRole, "voiceIndex"},
            {DayRole, "day"},
            {DayStartRole, "dayStart"},
            {FilesRole, "files"}};
}

void MessageListModel::setNames(QHash<QString, QString> names) {
    if (names == m_names) return;
    m_names = std::move(names);
    if (!m_rows.empty()) emit dataChanged(index(0), index(int(m_rows.size()) - 1), {BodyRole});
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
    // The formerly first message may no longer start its day.
    const int was = int(older->size());
    emit dataChanged(index(was), index(was), {DayStartRole});
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
    case TimeTextRole:
        return whenText(QDateTime::fromMSecsSinceEpoch(
                            qint64(m.serverTimeMs ? m.serverTimeMs : m.clientTimeMs)),
                        QDate::currentDate());
    }
    return {};
}

QHash<int, QByteArray> SearchResultsModel::roleNames() const {
    return {{IdRole, "messageId"},
            {ConversationRole, "conversationId"},
            {SenderNameRole, "senderName"},
            {BodyRole, "body"},
            {TimeRole, "time"},
            {TimeTextRole, "timeText"}};
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
    case NameRole:
        return name(d.name);
    case LastSeenTextRole:
        return AdminDevicesModel::relativeTime(
            d.lastSeenMs ? QDateTime::fromMSecsSinceEpoch(qint64(d.lastSeenMs)) : QDateTime(),
            QDateTime::currentDateTime());
    }
    return {};
}

QHash<int, QByteArray> DevicesModel::roleNames() const {
    return {{DeviceRole, "device"},
            {PlatformRole, "platform"},
            {VersionRole, "appVersion"},
            {EnrolledRole, "enrolled"},
            {LastSeenRole, "lastSeen"},
            {StatusRole, "status"},
            {ThisDeviceRole, "thisDevice"},
            {NameRole, "deviceName"},
            {LastSeenTextRole, "lastSeenText"}};
}

void DevicesModel::reset(std::vector<client::DeviceView> rows) {
    beginResetModel();
    m_rows = std::move(rows);
    endResetModel();
}

} // namespace verbatim::qt

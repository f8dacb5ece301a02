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

#include "client/qt/ModelsText.h"
#include "client/qt/SystemText.h"

namespace verbatim::qt {

namespace {

using models::name;

/// A file name someone else chose, as shown: shortened in the middle, keeping its extension.
QString fileName(const std::string& s) {
    return TextRuns::safeName(q(s), TextRuns::kMaxNameLength, true);
}

/// A message's text as shown. A system line or notice is a sentence of the core's with a name
/// in it ("Mallory accepted the recording notice"): its invisible and direction-changing
/// characters are shown as such, so the name cannot reorder the sentence; the sentence is in the
/// language shown (SystemText.h). Text messages are shown exactly as written.
QString bodyText(const client::MessageView& m) {
    if (m.kind == client::MessageKind::System || m.kind == client::MessageKind::Notice)
        return TextRuns::safeName(systemText(q(m.body)), 0);
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
    case R::ImportedFromDeviceRole:
        return uint(m.importedFromDevice);
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

bool sameMessage(const client::MessageView& a, const client::MessageView& b) {
    return a.body == b.body && a.state == b.state && a.edited == b.edited &&
           a.retracted == b.retracted && a.reactions == b.reactions &&
           a.serverTimeMs == b.serverTimeMs && a.attachments.size() == b.attachments.size() &&
           a.importedFromDevice == b.importedFromDevice;
}

} // namespace

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
        return system && !m_names.isEmpty()
                   ? TextRuns::safeName(systemText(withNames(q(m.body), m_names)), 0)
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
            {FilesRole, "files"},
            {ImportedFromDeviceRole, "importedFromDevice"}};
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

} // namespace verbatim::qt

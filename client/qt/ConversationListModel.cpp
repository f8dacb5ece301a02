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

namespace verbatim::qt {

namespace {

using models::name;

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

} // namespace verbatim::qt

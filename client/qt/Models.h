#pragma once
/// @file Models.h
/// List models over the client core's views, for QML. They hold copies (the core's views are
/// plain structs) and are only touched on the GUI thread; AppController refreshes them when the
/// core reports events.

#include <QAbstractListModel>
#include <QtQml/qqmlregistration.h>

#include <vector>

#include "client/core/Client.h"

namespace verbatim::qt {

class ConversationListModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by AppController")
public:
    enum Role {
        IdRole = Qt::UserRole + 1,
        TitleRole,
        IsMatterRole,
        UnreadRole,
        LastMessageRole,
        LastTimeRole,
        MembersRole
    };
    using QAbstractListModel::QAbstractListModel;
    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
    /// Replaces the rows, keeping unchanged rows (and views on them) in place.
    void reset(std::vector<client::ConversationView> rows);
    const client::ConversationView* find(const QString& id) const;

private:
    std::vector<client::ConversationView> m_rows;
};

/// Messages of one conversation, oldest first; canFetchMore/fetchMore page older ones in.
class MessageListModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by AppController")
public:
    enum Role {
        IdRole = Qt::UserRole + 1,
        SenderRole,
        SenderNameRole,
        OutgoingRole,
        KindRole,
        BodyRole,
        TimeRole,
        StateRole,
        EditedRole,
        RetractedRole,
        RetractedByRole,
        ReactionsRole,
        AttachmentNameRole,
        AttachmentSizeRole,
        JournalSequenceRole,
        AttachmentSizeTextRole, ///< the attachment's size for humans ("293 KB"); empty without one
        AttachmentTypeRole, ///< its file name's extension in capitals ("PDF"), at most 4 letters
    };
    using QAbstractListModel::QAbstractListModel;
    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
    bool canFetchMore(const QModelIndex& parent) const override;
    void fetchMore(const QModelIndex& parent) override;
    /// For QML: the next older page, if any.
    Q_INVOKABLE void loadOlder() {
        if (canFetchMore({})) fetchMore({});
    }

    /// Shows `conversation` (empty: nothing), loading its newest page.
    void open(client::Client* client, const QString& conversation);
    /// Merges the newest page again: new rows are appended, changed rows updated in place.
    void refresh();
    /// Re-reads one message (an edit, retraction or reaction may touch an old one).
    void refreshOne(const QString& messageId);
    QString conversation() const { return m_conversation; }
    /// The newest loaded own text message that is not deleted (what "Up arrow" edits), or null.
    /// Valid until the model changes.
    const client::MessageView* lastEditable() const;
    static constexpr std::size_t kPage = 60;

private:
    client::Client* m_client = nullptr;
    QString m_conversation;
    std::vector<client::MessageView> m_rows;
    bool m_atStart = true;
    /// Inside a change (begin...end and the signals it emits): a view or tester reacting to the
    /// change must not start another one.
    bool m_changing = false;
};

/// Results of a full-text search (newest first).
class SearchResultsModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by AppController")
public:
    enum Role { IdRole = Qt::UserRole + 1, ConversationRole, SenderNameRole, BodyRole, TimeRole };
    using QAbstractListModel::QAbstractListModel;
    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
    void reset(std::vector<client::MessageView> rows);

private:
    std::vector<client::MessageView> m_rows;
};

/// The members of the open conversation.
class ParticipantsModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by AppController")
public:
    enum Role { UserRole = Qt::UserRole + 1, NameRole, RoleRole };
    using QAbstractListModel::QAbstractListModel;
    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
    void reset(const client::ConversationView* conversation);

private:
    struct Row {
        QString user, name, role;
    };
    std::vector<Row> m_rows;
};

/// This user's devices (phone, laptop, ...), as the relay lists them.
class DevicesModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by AppController")
public:
    enum Role {
        DeviceRole = Qt::UserRole + 1,
        PlatformRole,
        VersionRole,
        EnrolledRole,
        LastSeenRole,
        StatusRole,
        ThisDeviceRole
    };
    using QAbstractListModel::QAbstractListModel;
    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
    void reset(std::vector<client::DeviceView> rows);

private:
    std::vector<client::DeviceView> m_rows;
};

} // namespace verbatim::qt

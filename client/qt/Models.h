#pragma once
/// @file Models.h
/// List models over the client core's views, for QML. They hold copies (the core's views are
/// plain structs) and are only touched on the GUI thread; ChatController and DeviceLinkController
/// own them and refresh them when the core reports events. Each role is documented with its QML
/// name and type; names and titles someone chose pass through TextRuns::safeName().

#include <QAbstractListModel>
#include <QtQml/qqmlregistration.h>

#include <vector>

#include "client/core/Client.h"

namespace verbatim::qt {

class ConversationListModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by ChatController")
public:
    enum Role {
        IdRole = Qt::UserRole + 1, ///< "conversationId": string, the core's conversation id
        TitleRole,       ///< "title": string, the title (the id's first 8 characters without one)
        IsMatterRole,    ///< "isMatter": bool, a matter (journaled) rather than a direct chat
        UnreadRole,      ///< "unread": unsigned, incoming messages not yet read here
        LastMessageRole, ///< "lastMessage": string, the newest message's one-line preview
        LastTimeRole,    ///< "lastTime": QDateTime of the newest message, invalid when none
        MembersRole,     ///< "members": string, the members' display names, comma-separated
        DraftRole,       ///< "draft": string, the unsent text kept for it ("" when none)
        /// "clientName": string, its members with the client role, comma-separated; before one
        /// joined, the client's name its lawyer gave when starting the matter (issue 23)
        ClientNameRole,
        AvatarInitialsRole, ///< "avatarInitials": string, 1-2 letters from the matter and client
        AvatarColorRole,    ///< "avatarColor": string, "#rrggbb" from the same (white text on it)
        LastTimeTextRole, ///< "lastTimeText": string, "14:05" today, else "Yesterday", "3 Nov 2025"
        MatterNumberRole  ///< "matterNumber": string, the firm's reference for a matter ("" none)
    };
    using QAbstractListModel::QAbstractListModel;
    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
    /// Replaces the rows, keeping unchanged rows (and views on them) in place.
    void reset(std::vector<client::ConversationView> rows);
    const client::ConversationView* find(const QString& id) const;
    /// The drafts of every conversation (id -> text), or of one (an empty text: none).
    void setDrafts(QHash<QString, QString> drafts);
    void setDraft(const QString& id, const QString& text);

    /// For a row (and tests): up to two letters telling matters apart. A matter's title loses
    /// its common words ("Estate of", "In re", "Matter of", "The"); the first letter of what is
    /// left is followed by the client's initial (else the title's next word's).
    static QString avatarInitials(const QString& title, const QString& clientName);
    /// A colour of a fixed palette (all at least 4.5:1 against white), from the title and client.
    static QString avatarColor(const QString& title, const QString& clientName);

private:
    static QString clientNames(const client::ConversationView& c);
    std::vector<client::ConversationView> m_rows;
    QHash<QString, QString> m_drafts;
};

/// A date in full in the language shown: "Mon 3 Nov 2025", in German "Mo., 3. Nov. 2025" (the
/// pattern is a translated text, context "Dates", for QLocale's day and month names).
QString fullDate(const QDate& day);
/// "Today", "Yesterday", else the date in full (fullDate()): day separators.
QString dayLabel(const QDate& day, const QDate& today);
/// A time as a list or search hit shows it: "14:05" today, else "Yesterday 14:05" or
/// "Mon 3 Nov 2025 14:05" (`withTime` false: the date alone).
QString whenText(const QDateTime& time, const QDate& today, bool withTime = true);

/// Messages of one conversation, oldest first; canFetchMore/fetchMore page older ones in.
class MessageListModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by ChatController")
public:
    enum Role {
        IdRole = Qt::UserRole + 1, ///< "messageId": string, hex
        SenderRole,                ///< "sender": string, the sender's user id
        SenderNameRole,            ///< "senderName": string, the sender's display name
        OutgoingRole,              ///< "outgoing": bool, sent from this account
        KindRole,                  ///< "kind": string, text, attachment, system, notice or mismatch
        BodyRole,        ///< "body": string, the text (a system line's names made visible)
        TimeRole,        ///< "time": QDateTime, the relay's time (the sender's before it has one)
        StateRole,       ///< "deliveryState": string, queued, sent, delivered, read, received...
        EditedRole,      ///< "edited": bool, the text was edited
        RetractedRole,   ///< "retracted": bool, deleted for everyone
        RetractedByRole, ///< "retractedBy": string, the user id who deleted it
        ReactionsRole,   ///< "reactions": string, every reaction's emoji, side by side
        AttachmentNameRole,     ///< "attachmentName": string, the file name as shown; "" without
        AttachmentSizeRole,     ///< "attachmentSize": unsigned, bytes; 0 without an attachment
        JournalSequenceRole,    ///< "journalSequence": unsigned, its journal record (0: none)
        AttachmentSizeTextRole, ///< "attachmentSizeText": string, "293 KB"; empty without one
        AttachmentTypeRole, ///< "attachmentType": string, the extension in capitals ("PDF"), <= 4
        DayRole,            ///< "day": string, dayLabel() of its time
        DayStartRole,       ///< "dayStart": bool, the first loaded message of its day
        /// "files": list of maps, one per attachment in order (issue 23): "index" (int), "name",
        /// "sizeText", "type" (as the single-attachment roles), "thumbnail" (an image:// URL of
        /// the thumbnail, "" without one or when Thumbnail::probe refuses it), "thumbWidth" and
        /// "thumbHeight" (its own pixels: the aspect ratio to lay it out by), "dimensions" (the
        /// size the sender claims, "4032 x 3024", or "").
        FilesRole,
        /// A voice note (issue 23): the message's first audio/ogg attachment with a length.
        /// "voiceDurationMs": int, its length as the record says (clamped), 0 without one.
        VoiceDurationRole,
        /// "voiceWaveform": list of reals 0..1, its peaks (at most 256).
        VoiceWaveformRole,
        /// "voiceIndex": int, which of the message's attachments it is (-1 without one).
        VoiceIndexRole,
        /// "importedFromDevice": unsigned, the device of the user's own a history transfer
        /// copied it from, not verified on this one; 0 for a message this device checked.
        ImportedFromDeviceRole,
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
    /// Display names by user id: system rows name people by these, never by user id.
    void setNames(QHash<QString, QString> names);
    /// The newest loaded own text message that is not deleted (what "Up arrow" edits), or null.
    /// Valid until the model changes.
    const client::MessageView* lastEditable() const;
    static constexpr std::size_t kPage = 60;

private:
    client::Client* m_client = nullptr;
    QString m_conversation;
    std::vector<client::MessageView> m_rows;
    QHash<QString, QString> m_names;
    bool m_atStart = true;
    /// Inside a change (begin...end and the signals it emits): a view or tester reacting to the
    /// change must not start another one.
    bool m_changing = false;
};

/// Results of a full-text search (newest first).
class SearchResultsModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by ChatController")
public:
    enum Role {
        IdRole = Qt::UserRole + 1, ///< "messageId": string, hex
        ConversationRole,          ///< "conversationId": string, where the message is
        SenderNameRole,            ///< "senderName": string, the sender's display name
        BodyRole,                  ///< "body": string, the message's text as written
        TimeRole,    ///< "time": QDateTime, the relay's time (the sender's before it has one)
        TimeTextRole ///< "timeText": string, whenText() of it (the full date before today)
    };
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
    QML_UNCREATABLE("owned by ChatController")
public:
    enum Role {
        UserRole = Qt::UserRole + 1, ///< "user": string, the member's user id
        NameRole,                    ///< "name": string, the member's display name
        RoleRole                     ///< "role": string, client, lawyer, supervisor, ...
    };
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
    QML_UNCREATABLE("owned by DeviceLinkController")
public:
    enum Role {
        DeviceRole = Qt::UserRole + 1, ///< "device": unsigned, the device's number in the account
        PlatformRole,    ///< "platform": string, what the device said it is at enrolment
        VersionRole,     ///< "appVersion": string, the app version it enrolled with
        EnrolledRole,    ///< "enrolled": QDateTime, invalid when unknown
        LastSeenRole,    ///< "lastSeen": QDateTime of its last connection, invalid when never
        StatusRole,      ///< "status": string, the relay's word for it (active, revoked, ...)
        ThisDeviceRole,  ///< "thisDevice": bool, the device this app runs on
        NameRole,        ///< "deviceName": string, the name its user gave it (empty: none)
        LastSeenTextRole ///< "lastSeenText": string, lastSeen for humans ("12 min ago", "never")
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

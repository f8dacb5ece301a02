#pragma once
/// @file ChatController.h
/// The chat screen (QML: `app.chat`): the conversation list, the open conversation and its
/// messages, search, the safety-number and journal banners, and invites into the open matter.
/// It owns the list models the screen shows and refreshes them when the core reports events.
///
/// Threading: GUI thread. Sending, editing, retracting and reacting only queue in the core's
/// outbox (its worker sends them); the relay round trips (an invite link, a stranger's keys for a
/// safety number) run on the AppController's job queue and report with a signal.

#include <QObject>
#include <QSet>
#include <QString>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>

#include "client/qt/MessageInfoModel.h"
#include "client/qt/Models.h"
#include "client/qt/Notifier.h"

namespace verbatim::qt {

class AppController;

class ChatController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("app.chat")
    Q_PROPERTY(ConversationListModel* conversations READ conversations CONSTANT)
    Q_PROPERTY(MessageListModel* messages READ messages CONSTANT)
    Q_PROPERTY(SearchResultsModel* searchResults READ searchResults CONSTANT)
    Q_PROPERTY(ParticipantsModel* participants READ participants CONSTANT)
    Q_PROPERTY(QString currentConversation READ currentConversation NOTIFY currentChanged)
    Q_PROPERTY(QString currentTitle READ currentTitle NOTIFY currentChanged)
    Q_PROPERTY(bool currentIsMatter READ currentIsMatter NOTIFY currentChanged)
    /// The open matter's number, as shown (issue 23; "" when it has none).
    Q_PROPERTY(QString currentMatterNumber READ currentMatterNumber NOTIFY currentChanged)
    Q_PROPERTY(int participantCount READ participantCount NOTIFY currentChanged)
    /// A participant's safety number changed and was not accepted (sending is held).
    Q_PROPERTY(QString safetyChangedUser READ safetyChangedUser NOTIFY bannersChanged)
    /// The same person's display name (their user id only when no conversation names them).
    Q_PROPERTY(QString safetyChangedName READ safetyChangedName NOTIFY bannersChanged)
    /// A received message did not match its journal copy.
    Q_PROPERTY(bool journalMismatch READ journalMismatch NOTIFY bannersChanged)
    /// Unread incoming messages over every conversation (the window title shows them).
    Q_PROPERTY(int totalUnread READ totalUnread NOTIFY unreadChanged)
    /// Desktop notifications: their settings and per-conversation mute (issue 23).
    Q_PROPERTY(Notifier* notifier READ notifier CONSTANT)
    /// The message info sheet's rows (issue 23): showMessageInfo() fills it.
    Q_PROPERTY(MessageInfoModel* messageInfo READ messageInfo CONSTANT)

public:
    explicit ChatController(AppController& app);

    ConversationListModel* conversations() { return &m_conversations; }
    MessageListModel* messages() { return &m_messages; }
    SearchResultsModel* searchResults() { return &m_search; }
    ParticipantsModel* participants() { return &m_participants; }
    Notifier* notifier() { return &m_notifier; }
    MessageInfoModel* messageInfo() { return &m_messageInfo; }
    QString currentConversation() const { return m_messages.conversation(); }
    QString currentTitle() const;
    bool currentIsMatter() const;
    QString currentMatterNumber() const;
    int participantCount() const { return m_participants.rowCount(); }
    QString safetyChangedUser() const { return m_safetyChangedUser; }
    QString safetyChangedName() const { return displayName(m_safetyChangedUser); }
    /// A user's display name as a conversation here lists it; the user id when none does.
    QString displayName(const QString& user) const;
    bool journalMismatch() const { return m_journalMismatch; }
    int totalUnread() const { return m_totalUnread; }

    Q_INVOKABLE void openConversation(const QString& id);
    Q_INVOKABLE void closeConversation();
    Q_INVOKABLE bool send(const QString& text);
    /// The draft kept for conversation `id` on this device ("" when none).
    Q_INVOKABLE QString draft(const QString& id);
    /// Keeps `text` as the draft of conversation `id` in the profile (empty: removes it) and
    /// shows it in the list ("Draft: ..."). False, with the error reported, when it cannot.
    Q_INVOKABLE bool saveDraft(const QString& id, const QString& text);
    /// Sends `text` as a reply to `messageId`: the protocol has no reply type, so the new
    /// message's body starts with the quoted first line of the original ("> line").
    Q_INVOKABLE bool reply(const QString& messageId, const QString& text);
    /// The first line of a message as a reply quotes it (elided; the file name for an attachment
    /// without a caption; empty when the message is unknown or deleted).
    Q_INVOKABLE QString replyQuote(const QString& messageId);
    /// The newest own message of the open conversation that can still be edited (text, not
    /// deleted), as {messageId, body}; empty when there is none. For "Up arrow edits".
    Q_INVOKABLE QVariantMap lastEditableMessage() const;
    Q_INVOKABLE bool edit(const QString& messageId, const QString& text);
    Q_INVOKABLE bool retract(const QString& messageId);
    /// Reacts to `messageId` with `emoji` (exactly one emoji), replacing this user's reaction;
    /// "" removes it. False, with the error reported, for anything else.
    Q_INVOKABLE bool react(const QString& messageId, const QString& emoji);
    /// This user's reaction to `messageId` ("" when none), for the picker.
    Q_INVOKABLE QString myReaction(const QString& messageId) const;
    /// Fills messageInfo with own message `messageId`: sent time, and delivered and read times
    /// per recipient device, from the profile (no relay call). Kept current while shown, until
    /// hideMessageInfo(). False, with the error reported, for someone else's message.
    Q_INVOKABLE bool showMessageInfo(const QString& messageId);
    Q_INVOKABLE void hideMessageInfo();
    /// Asks the relay for an invite link into the open matter, in the background: inviteCreated
    /// brings the link (empty when it failed; `error` says why).
    Q_INVOKABLE void createInvite();
    /// The safety number with `user` from what this device knows. When it knows no key of theirs
    /// yet it returns "" and fetches their keys in the background, then emits
    /// safetyNumberUpdated(user).
    Q_INVOKABLE QString safetyNumber(const QString& user);
    /// Whether `user`'s safety number changed since it was last accepted (sending is held).
    Q_INVOKABLE bool safetyNumberChanged(const QString& user);
    Q_INVOKABLE bool acceptSafetyNumber(const QString& user);
    Q_INVOKABLE void search(const QString& query);
    /// Puts `text` (an invite link, a safety number) on the clipboard.
    Q_INVOKABLE void copyText(const QString& text);
    /// Puts message text (a body, a link in one) on the clipboard, unless the firm's device
    /// policy forbids copying message text for this user's role (issue 22): then the app's error
    /// says so and the clipboard is left alone.
    Q_INVOKABLE void copyMessageText(const QString& text);

    // ---- for the AppController ----------------------------------------------------------------
    /// Reads the conversation list again (and the open one's participants).
    void refreshConversations();
    /// A core event that may change what the chat shows (GUI thread).
    void onEvent(const client::Event& e);
    /// The core goes away: the open conversation pages through it no more.
    void detach();
    /// Empties the lists (lock, erase, wipe).
    void reset();

signals:
    void currentChanged();
    void bannersChanged();
    void unreadChanged();
    /// createInvite() finished: the link, or "" when it failed.
    void inviteCreated(const QString& link);
    /// The keys of `user` arrived: safetyNumber(user) has an answer now.
    void safetyNumberUpdated(const QString& user);
    /// A new incoming message (for notifications and tests).
    void messageArrived(const QString& conversation, const QString& messageId);

private:
    /// After an edit, retraction or reaction of `messageId`: its row again, or the error.
    bool changedOne(const Result<std::string>& change, const QString& messageId);

    /// The display names of the open conversation's members, for its system rows.
    void updateNames();
    /// Marks the open conversation read when the user can see it (the window is active).
    void markSeen();

    AppController& m_app;
    QString m_safetyChangedUser;
    /// Conversations whose draft was read from the profile (once each).
    QSet<QString> m_draftsRead;
    bool m_journalMismatch = false;
    int m_totalUnread = 0;
    ConversationListModel m_conversations;
    MessageListModel m_messages;
    SearchResultsModel m_search;
    ParticipantsModel m_participants;
    Notifier m_notifier{m_app};
    MessageInfoModel m_messageInfo;
};

} // namespace verbatim::qt

#pragma once
/// @file AppController.h
/// The app's one controller: owns the client core for the open profile and the list models, and
/// turns the core's callbacks (on its worker thread) into model updates on the GUI thread. QML
/// reaches it as the context property `app`; no business logic lives in QML.

#include <QDateTime>
#include <QObject>
#include <QString>
#include <QTimer>
#include <QUrl>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>
#include <functional>
#include <memory>
#include <thread>

#include "client/qt/JobQueue.h"
#include "client/qt/Models.h"

namespace verbatim::qt {

class AppController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("the app's controller is the context property 'app'")
    /// unlock | onboarding | notice | ready | wiped (the profile was erased: by the firm, or by
    /// the firm's policy at unlock)
    Q_PROPERTY(QString screen READ screen NOTIFY screenChanged)
    Q_PROPERTY(QString userId READ userId NOTIFY accountChanged)
    Q_PROPERTY(QString displayName READ displayName NOTIFY accountChanged)
    Q_PROPERTY(QString role READ role NOTIFY accountChanged)
    Q_PROPERTY(QString firmName READ firmName NOTIFY accountChanged)
    /// The canonical recording notice (journal/RecordingNotice.h) exactly as it is accepted, and
    /// its version: NoticePage shows these as plain text.
    Q_PROPERTY(QString noticeText READ noticeText CONSTANT)
    Q_PROPERTY(int noticeVersion READ noticeVersion CONSTANT)
    Q_PROPERTY(bool canInvite READ canInvite NOTIFY accountChanged)
    /// Staff may link a further device of their own (clients join by invite).
    Q_PROPERTY(bool canLinkDevice READ canLinkDevice NOTIFY accountChanged)
    Q_PROPERTY(bool connected READ connected NOTIFY connectedChanged)
    Q_PROPERTY(QString error READ error NOTIFY errorChanged)
    /// On the unlock screen: the firm's policy erases this device after a few more wrong
    /// passphrases (empty when no policy applies or nothing went wrong yet).
    Q_PROPERTY(QString unlockWarning READ unlockWarning NOTIFY unlockWarningChanged)
    /// The rule every new passphrase meets, in words (common/Passphrase.h; the same text is the
    /// error when one breaks it, here and in the command-line tools).
    Q_PROPERTY(QString passphraseRule READ passphraseRule CONSTANT)
    Q_PROPERTY(ConversationListModel* conversations READ conversations CONSTANT)
    Q_PROPERTY(MessageListModel* messages READ messages CONSTANT)
    Q_PROPERTY(SearchResultsModel* searchResults READ searchResults CONSTANT)
    Q_PROPERTY(ParticipantsModel* participants READ participants CONSTANT)
    Q_PROPERTY(DevicesModel* devices READ devices CONSTANT)
    Q_PROPERTY(QString currentConversation READ currentConversation NOTIFY currentChanged)
    Q_PROPERTY(QString currentTitle READ currentTitle NOTIFY currentChanged)
    Q_PROPERTY(bool currentIsMatter READ currentIsMatter NOTIFY currentChanged)
    Q_PROPERTY(int participantCount READ participantCount NOTIFY currentChanged)
    /// A participant's safety number changed and was not accepted (sending is held).
    Q_PROPERTY(QString safetyChangedUser READ safetyChangedUser NOTIFY bannersChanged)
    /// A received message did not match its journal copy.
    Q_PROPERTY(bool journalMismatch READ journalMismatch NOTIFY bannersChanged)
    /// A device was added to this account, or waits for approval (issue 15 break 2): the text to
    /// show, and the device a waiting one is (0 when there is nothing to approve).
    Q_PROPERTY(QString deviceNotice READ deviceNotice NOTIFY bannersChanged)
    Q_PROPERTY(int deviceNoticeDevice READ deviceNoticeDevice NOTIFY bannersChanged)
    /// An attachment is being encrypted and uploaded (in the background).
    Q_PROPERTY(QString uploading READ uploading NOTIFY uploadingChanged)
    /// How far the upload in flight (or the last one) got, 0..1 of the encrypted bytes sent.
    /// Reset to 0 when an upload starts; updated at most once per percent, so a large file does
    /// not flood the event loop.
    Q_PROPERTY(qreal uploadProgress READ uploadProgress NOTIFY uploadProgressChanged)
    /// Qt Quick's own file dialog can open here: it needs the Qt.labs.folderlistmodel QML module
    /// (Debian: qml6-module-qt-labs-folderlistmodel) and crashes in Qt 6.4 without it. When false
    /// the chat asks for a path in a plain dialog instead. Tests may set it.
    Q_PROPERTY(bool filePickerAvailable READ filePickerAvailable WRITE setFilePickerAvailable NOTIFY
                   filePickerChanged)
    /// The message whose attachment is being downloaded and saved (empty: none).
    Q_PROPERTY(QString savingAttachment READ savingAttachment NOTIFY savingAttachmentChanged)
    /// A one-time link that enrolls another device of this user (empty: none, or it expired).
    /// A credential: shown, never logged, forgotten by clearDeviceLink(), lock and expiry.
    Q_PROPERTY(QString deviceLink READ deviceLink NOTIFY deviceLinkChanged)
    /// When deviceLink stops working (local time).
    Q_PROPERTY(QDateTime deviceLinkExpires READ deviceLinkExpires NOTIFY deviceLinkChanged)
    /// A device link is being made.
    Q_PROPERTY(bool deviceLinkBusy READ deviceLinkBusy NOTIFY deviceLinkChanged)
    /// How long a device link works, in minutes.
    Q_PROPERTY(int deviceLinkMinutes READ deviceLinkMinutes CONSTANT)
    /// The last device link expired unused.
    Q_PROPERTY(bool deviceLinkExpired READ deviceLinkExpired NOTIFY deviceLinkChanged)
    /// On the wiped screen: the firm's administrator erased this device (else the firm's policy
    /// did, at unlock).
    Q_PROPERTY(bool erasedByFirm READ erasedByFirm NOTIFY erasedChanged)
    /// The firm's name as this device knew it ("your firm" when unknown).
    Q_PROPERTY(QString erasedFirm READ erasedFirm NOTIFY erasedChanged)
    /// Why the device was erased, for humans.
    Q_PROPERTY(QString erasedReason READ erasedReason NOTIFY erasedChanged)

public:
    explicit AppController(QString profileDir, QObject* parent = nullptr);
    ~AppController() override;

    QString screen() const { return m_screen; }
    QString userId() const;
    QString displayName() const;
    QString role() const;
    QString firmName() const;
    QString noticeText() const;
    int noticeVersion() const;
    bool canInvite() const;
    bool canLinkDevice() const;
    bool connected() const { return m_connected; }
    QString error() const { return m_error; }
    QString unlockWarning() const { return m_unlockWarning; }
    ConversationListModel* conversations() { return &m_conversations; }
    MessageListModel* messages() { return &m_messages; }
    SearchResultsModel* searchResults() { return &m_search; }
    ParticipantsModel* participants() { return &m_participants; }
    DevicesModel* devices() { return &m_devices; }
    QString currentConversation() const { return m_messages.conversation(); }
    QString currentTitle() const;
    bool currentIsMatter() const;
    int participantCount() const { return m_participants.rowCount(); }
    QString safetyChangedUser() const { return m_safetyChangedUser; }
    QString deviceNotice() const { return m_deviceNotice; }
    int deviceNoticeDevice() const { return m_deviceNoticeDevice; }
    bool journalMismatch() const { return m_journalMismatch; }
    QString uploading() const { return m_uploading; }
    qreal uploadProgress() const { return m_uploadProgress; }
    QString savingAttachment() const { return m_savingAttachment; }
    bool filePickerAvailable() const { return m_filePickerAvailable; }
    void setFilePickerAvailable(bool available);
    QString deviceLink() const { return m_deviceLink; }
    QDateTime deviceLinkExpires() const { return m_deviceLinkExpires; }
    bool deviceLinkBusy() const { return m_deviceLinkBusy; }
    bool deviceLinkExpired() const { return m_deviceLinkExpired; }
    bool erasedByFirm() const { return m_erasedByFirm; }
    QString erasedFirm() const { return m_erasedFirm; }
    QString erasedReason() const { return m_erasedReason; }
    /// How long a device link works: the relay's limit for Client::createDeviceLink().
    static constexpr int kDeviceLinkMinutes = 15;
    static int deviceLinkMinutes() { return kDeviceLinkMinutes; }

    /// The core, for tests, the demo seeding and the compliance page (null while locked).
    client::Client* client() const { return m_client.get(); }
    /// The profile directory (the compliance archive sits beside the profile by default).
    QString profileDir() const { return m_profileDir; }

    /// Opens the profile. A wrong passphrase sets `error` (and `unlockWarning` under a firm
    /// policy); when the firm's policy erases the profile at this attempt, the screen becomes
    /// "wiped".
    Q_INVOKABLE bool unlock(const QString& passphrase);
    /// Joins with `link` and opens the new profile, blocking until the relay answered (and the
    /// first sync, up to 10 s): for tests and tools. The onboarding page uses joinInBackground().
    bool join(const QString& link, const QString& name, const QString& passphrase);
    /// The same on the worker thread; joinFinished reports the result (`error` says why it
    /// failed). False if it could not start (a profile is open, or a join is running).
    Q_INVOKABLE bool joinInBackground(const QString& link, const QString& name,
                                      const QString& passphrase);
    Q_INVOKABLE bool acceptNotice();
    Q_INVOKABLE void openConversation(const QString& id);
    Q_INVOKABLE void closeConversation();
    Q_INVOKABLE bool send(const QString& text);
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
    Q_INVOKABLE bool react(const QString& messageId, const QString& emoji);
    Q_INVOKABLE bool attach(const QUrl& file);
    /// Downloads (if needed), checks and decrypts the message's attachment into `target`, in the
    /// background; attachmentSaved reports the result (and `error` says why it failed). False if
    /// it could not start (locked, or another save is running).
    Q_INVOKABLE bool saveAttachment(const QString& messageId, const QUrl& target);
    /// Where a save dialog proposes to put `fileName` (the user's download folder; only the
    /// name's last part is used, never a path of the sender's).
    Q_INVOKABLE QString suggestedSavePath(const QString& fileName) const;
    /// A typed path as a file URL (a path may hold '#' or '?', which a URL would take apart).
    Q_INVOKABLE static QUrl fileUrl(const QString& path) {
        return QUrl::fromLocalFile(path.trimmed());
    }
    /// The same as a URL, for a FileDialog.
    Q_INVOKABLE QUrl suggestedSaveUrl(const QString& fileName) const {
        return QUrl::fromLocalFile(suggestedSavePath(fileName));
    }
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
    /// Changes the passphrase and re-keys the database (client::changePassphrase). A wrong
    /// current passphrase counts as a failed unlock; at the firm's limit the device erases itself
    /// and the screen becomes "wiped".
    Q_INVOKABLE bool changePassphrase(const QString& current, const QString& next);
    static QString passphraseRule();
    /// Asks the relay for this user's devices in the background (fills `devices`, then
    /// devicesRefreshed).
    Q_INVOKABLE void refreshDevices();
    /// Approves device `device` of this user (the one deviceNotice names) on this device.
    Q_INVOKABLE void approveDevice(int device);
    Q_INVOKABLE void dismissDeviceNotice();
    /// Asks the relay for a one-time link for another device of this user, in the background
    /// (fills `deviceLink`, then deviceLinkFinished).
    Q_INVOKABLE void createDeviceLink();
    /// Forgets the device link (the dialog showing it closed). It stays valid on the relay
    /// until used or expired.
    Q_INVOKABLE void clearDeviceLink();
    /// Leaves the wiped screen for onboarding (join again with a new link).
    Q_INVOKABLE void setUpAgain();
    Q_INVOKABLE void lock();
    Q_INVOKABLE bool eraseProfile();
    Q_INVOKABLE void clearError();
    Q_INVOKABLE void copyToClipboard(const QString& text);

signals:
    void screenChanged();
    void accountChanged();
    void connectedChanged();
    void errorChanged();
    void currentChanged();
    void bannersChanged();
    void uploadingChanged();
    void uploadProgressChanged();
    void savingAttachmentChanged();
    void filePickerChanged();
    void unlockWarningChanged();
    void deviceLinkChanged();
    void erasedChanged();
    /// refreshDevices() finished.
    void devicesRefreshed(bool ok);
    /// createDeviceLink() finished.
    void deviceLinkFinished(bool ok);
    /// createInvite() finished: the link, or "" when it failed.
    void inviteCreated(const QString& link);
    /// The keys of `user` arrived: safetyNumber(user) has an answer now.
    void safetyNumberUpdated(const QString& user);
    /// joinInBackground() finished.
    void joinFinished(bool ok);
    /// An attachment finished uploading (ok) or failed (error set).
    void attachmentDone(bool ok);
    /// saveAttachment() finished.
    void attachmentSaved(const QString& messageId, bool ok);
    /// A new incoming message (for notifications and tests).
    void messageArrived(const QString& conversation, const QString& messageId);
    /// The core is about to go away (lock, erase, wipe, destruction); its connection is already
    /// closed, so relay calls in flight return at once. Whoever borrowed client() must stop
    /// using it before returning.
    void clientClosing();

private:
    void adopt(std::unique_ptr<client::Client> client);
    /// Stops the core and lets it go, after everything borrowing it has finished.
    void closeClient();
    /// Shows the wiped screen.
    void showErased(bool byFirm, const QString& firm, const QString& reason);
    /// The unlock screen's warning from the firm's policy and the failures counted so far.
    void updateUnlockWarning();
    /// Runs `job` on the worker thread (relay round trips); `job` reports back with toGui().
    void background(std::function<void(client::Client&)> job);
    /// Runs `f` on the GUI thread unless the client it came from was closed meanwhile.
    void toGui(std::uint64_t generation, std::function<void()> f);
    void onEvent(const client::Event& e); // GUI thread
    void refreshConversations();
    void setScreen(const QString& s);
    bool check(bool ok, const QString& message);
    template <class T> bool check(const Result<T>& r) {
        return check(r.has_value(), r ? QString() : QString::fromStdString(r.error().message));
    }

    QString m_profileDir;
    std::unique_ptr<client::Client> m_client;
    client::Account m_account;
    QString m_screen;
    QString m_error;
    QString m_unlockWarning;
    bool m_connected = false;
    QString m_safetyChangedUser;
    QString m_deviceNotice;
    int m_deviceNoticeDevice = 0;
    bool m_journalMismatch = false;
    QString m_uploading;
    qreal m_uploadProgress = 0;
    QString m_savingAttachment;
    bool m_filePickerAvailable = false;
    std::thread m_upload; ///< joined before the core goes away (lock, erase, wipe, destruction)
    QString m_deviceLink;
    QDateTime m_deviceLinkExpires;
    bool m_deviceLinkBusy = false;
    bool m_deviceLinkExpired = false;
    QTimer m_deviceLinkTimer; ///< forgets the link when it expires
    std::uint64_t m_deviceLinkRequest =
        0; ///< bumped by each request and clear: older answers are dropped
    bool m_erasedByFirm = false;
    QString m_erasedFirm;
    QString m_erasedReason;
    bool m_joining = false; ///< joinInBackground() is running
    std::uint64_t m_generation =
        0; ///< bumped when the core goes: results for an older one are dropped
    ConversationListModel m_conversations;
    MessageListModel m_messages;
    SearchResultsModel m_search;
    ParticipantsModel m_participants;
    DevicesModel m_devices;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
    JobQueue m_jobs; ///< relay round trips off the GUI thread; drained before the core goes
};

} // namespace verbatim::qt

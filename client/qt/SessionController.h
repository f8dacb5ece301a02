#pragma once
/// @file SessionController.h
/// The session's screens (QML: `app.session`): onboarding (join with a link), unlock, the
/// recording notice, the erased screen, and the account's settings (passphrase, lock, erase).
/// It decides which screen shows and holds the account of the open profile.
///
/// Threading: GUI thread. Joining asks the relay, and unlocking or changing the passphrase runs
/// the passphrase's key derivation (scrypt, about a second by design): the *InBackground calls
/// run them on the AppController's job queue and report with a signal; the blocking forms are
/// for tests and tools.

#include <QObject>
#include <QString>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>
#include <cstdint>
#include <memory>

#include "client/core/Client.h"
#include "client/core/InviteNotice.h"
#include "client/qt/IdleLock.h"

namespace verbatim::qt {

class AppController;

class SessionController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("app.session")
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
    /// The notice in the language shown, for reading beside the canonical text; "" in English.
    Q_PROPERTY(QString noticeTranslation READ noticeTranslation CONSTANT)
    Q_PROPERTY(bool canInvite READ canInvite NOTIFY accountChanged)
    /// Staff may link a further device of their own (clients join by invite).
    Q_PROPERTY(bool canLinkDevice READ canLinkDevice NOTIFY accountChanged)
    Q_PROPERTY(bool connected READ connected NOTIFY connectedChanged)
    /// An unlock or a passphrase change is running (its key derivation takes a while).
    Q_PROPERTY(bool busy READ busy NOTIFY busyChanged)
    /// On the unlock screen: the firm's policy erases this device after a few more wrong
    /// passphrases (empty when no policy applies or nothing went wrong yet).
    Q_PROPERTY(QString unlockWarning READ unlockWarning NOTIFY unlockWarningChanged)
    /// The rule every new passphrase meets, in words (common/Passphrase.h; the same text is the
    /// error when one breaks it, here and in the command-line tools).
    Q_PROPERTY(QString passphraseRule READ passphraseRule CONSTANT)
    /// On the wiped screen: the firm's administrator erased this device (else the firm's policy
    /// did, at unlock).
    Q_PROPERTY(bool erasedByFirm READ erasedByFirm NOTIFY erasedChanged)
    /// The firm's name as this device knew it ("your firm" when unknown).
    Q_PROPERTY(QString erasedFirm READ erasedFirm NOTIFY erasedChanged)
    /// Why the device was erased, for humans.
    Q_PROPERTY(QString erasedReason READ erasedReason NOTIFY erasedChanged)
    /// The last failure of any screen's action, for humans (AppController::error; empty: none):
    /// the onboarding and unlock pages show it under their button.
    Q_PROPERTY(QString error READ error NOTIFY errorChanged)
    /// The fair recording notice's facts (issue 22; SessionInvite.cpp), for NoticePage: plain
    /// texts under these keys: "pending" (bool: an invite waits for Accept or Decline and nothing
    /// is registered yet), "firm", "invited" (who invited the client to which matter), "retention",
    /// "privacyUrl" (https only, else ""), "privacyText", "erase", "declined" (bool: the client
    /// declined; the page says so) and "declinedText". Empty keys when no invite was previewed
    /// in this session (a notice asked for again after joining shows the canonical text alone).
    Q_PROPERTY(QVariantMap inviteNotice READ inviteNotice NOTIFY inviteNoticeChanged)
    /// Locks the app after a while without input (minutes a setting; 0 never).
    Q_PROPERTY(IdleLock* idleLock READ idleLock CONSTANT)
    /// What this device is called in device lists unless the user names it otherwise: its
    /// host's name and system from QSysInfo ("thinkpad — Debian GNU/Linux 12 (bookworm)"),
    /// cut to the relay's 64 bytes.
    Q_PROPERTY(QString defaultDeviceName READ defaultDeviceName CONSTANT)
    /// The model this device registers as (QSysInfo's product name, e.g. "Debian GNU/Linux 12
    /// (bookworm)"), shown beside its name.
    Q_PROPERTY(QString platformName READ platformName CONSTANT)

public:
    explicit SessionController(AppController& app);

    QString screen() const { return m_screen; }
    QString userId() const;
    QString displayName() const;
    QString role() const;
    QString firmName() const;
    QString noticeText() const;
    int noticeVersion() const;
    QString noticeTranslation() const;
    bool canInvite() const;
    bool canLinkDevice() const;
    bool connected() const { return m_connected; }
    bool busy() const { return m_busy; }
    QString unlockWarning() const { return m_unlockWarning; }
    static QString passphraseRule();
    bool erasedByFirm() const { return m_erasedByFirm; }
    QString erasedFirm() const { return m_erasedFirm; }
    QString erasedReason() const { return m_erasedReason; }
    QString error() const;
    IdleLock* idleLock() { return &m_idleLock; }
    static QString defaultDeviceName();
    static QString platformName();

    /// How strong `passphrase` looks (PassphraseStrength.h): 0 breaks the rule, 1 weak, 2 fair,
    /// 3 good, 4 strong. Computed here and forgotten: never stored, logged or sent.
    Q_INVOKABLE int passphraseScore(const QString& passphrase) const;
    /// The same in words, with what would make it stronger (empty for empty input).
    Q_INVOKABLE QString passphraseHint(const QString& passphrase) const;

    /// Opens the profile, blocking through the key derivation: for tests and tools. A wrong
    /// passphrase sets `error` (and `unlockWarning` under a firm policy); when the firm's policy
    /// erases the profile at this attempt, the screen becomes "wiped".
    Q_INVOKABLE bool unlock(const QString& passphrase);
    /// The same on the worker thread; unlockFinished reports the result. False if it could not
    /// start (a profile is open, or the session is busy).
    Q_INVOKABLE bool unlockInBackground(const QString& passphrase);
    /// Joins with `link` and opens the new profile, blocking until the relay answered (and the
    /// first sync, up to 10 s): for tests and tools. The onboarding page uses joinInBackground().
    bool join(const QString& link, const QString& name, const QString& passphrase,
              const QString& deviceName = {});
    /// The same on the worker thread; joinFinished reports the result (`error` says why it
    /// failed). False if it could not start (a profile is open, or a join is running).
    /// `deviceName` empty: defaultDeviceName().
    Q_INVOKABLE bool joinInBackground(const QString& link, const QString& name,
                                      const QString& passphrase, const QString& deviceName = {});
    /// Accepts the recording notice. For an invite being joined ("pending"), this registers
    /// with the relay (redeeming the invite) and journals the acceptance, blocking.
    Q_INVOKABLE bool acceptNotice();
    /// The same on the worker thread for a pending invite (joinFinished reports it); otherwise
    /// acceptNotice().
    Q_INVOKABLE bool acceptNoticeInBackground();
    /// Declines the pending invite (issue 22): the relay kills it and journals the decline;
    /// nothing is registered or sent. Blocking: for tests and tools.
    Q_INVOKABLE bool declineInvite();
    /// The same on the worker thread; declineFinished reports the result.
    Q_INVOKABLE bool declineInviteInBackground();
    QVariantMap inviteNotice() const { return m_inviteNotice; }
    /// Changes the passphrase and re-keys the database (client::changePassphrase), blocking: for
    /// tests and tools. A wrong current passphrase counts as a failed unlock; at the firm's limit
    /// the device erases itself and the screen becomes "wiped".
    Q_INVOKABLE bool changePassphrase(const QString& current, const QString& next);
    /// The same on the worker thread; passphraseChangeFinished reports the result. False if it
    /// could not start (the new passphrase breaks the rule, or the session is busy).
    Q_INVOKABLE bool changePassphraseInBackground(const QString& current, const QString& next);
    /// Leaves the wiped screen for onboarding (join again with a new link).
    Q_INVOKABLE void setUpAgain();
    Q_INVOKABLE void lock();
    Q_INVOKABLE bool eraseProfile();

    // ---- for the AppController ----------------------------------------------------------------
    /// A core was adopted: its account, and the screen it starts on.
    void adopted(const client::Account& account);
    /// The firm's policy may have changed (a newer manifest was adopted): applies its idle lock
    /// maximum (AppController, on Event::Kind::PolicyChanged).
    void applyFirmPolicy();
    /// After adopted(): the notice if the account must still accept it, else the chats.
    void showStartScreen();
    void setConnected(bool connected);
    /// The core went and the job queue has drained: a join or passphrase change that was running
    /// is over, its answer dropped with the old core.
    void clientClosed();
    /// The firm's administrator erased this device (the core has erased the profile already).
    void wipedByFirm();

    /// What one unlock attempt found, off the GUI thread (public for the helper that makes it).
    struct UnlockAttempt;
    /// What one passphrase change found, off the GUI thread.
    struct ChangeAttempt;

signals:
    void screenChanged();
    void accountChanged();
    void connectedChanged();
    void busyChanged();
    void unlockWarningChanged();
    void erasedChanged();
    void errorChanged();
    /// unlockInBackground() finished.
    void unlockFinished(bool ok);
    /// joinInBackground() finished.
    void joinFinished(bool ok);
    /// declineInviteInBackground() finished.
    void declineFinished(bool ok);
    void inviteNoticeChanged();
    /// changePassphraseInBackground() finished.
    void passphraseChangeFinished(bool ok);

private:
    bool finishUnlock(UnlockAttempt& attempt);
    bool finishChange(ChangeAttempt& attempt);
    /// Shows the wiped screen.
    void showErased(bool byFirm, const QString& firm, const QString& reason);
    /// The unlock screen's warning from the firm's policy and the failures counted so far.
    void updateUnlockWarning();
    void setScreen(const QString& s);
    void setBusy(bool busy);
    client::JoinOptions joinOptions(const QString& name, const QString& deviceName) const;

    AppController& m_app;
    client::Account m_account;
    QString m_screen;
    QString m_unlockWarning;
    bool m_connected = false;
    bool m_busy = false;
    bool m_joining = false; ///< joinInBackground() is running
    bool m_erasedByFirm = false;
    /// An invite whose notice is shown, waiting for Accept or Decline (SessionInvite.cpp).
    struct PendingInvite;
    std::shared_ptr<PendingInvite> m_pending;
    QVariantMap m_inviteNotice;
    /// join() of an invite link: the notice first, nothing registered (SessionInvite.cpp).
    bool previewJoin(const QString& link, const client::JoinOptions& options,
                     const QString& passphrase);
    bool previewJoinInBackground(const QString& link, const client::JoinOptions& options,
                                 const QString& passphrase);
    /// Shows the notice of `notice`; `pending`: Accept registers, Decline declines.
    void showInviteNotice(const client::InviteNotice& notice, bool pending, bool declined);
    bool acceptPendingInvite();
    static bool isInviteLink(const QString& link);
    QString m_erasedFirm;
    QString m_erasedReason;
    IdleLock m_idleLock;
};

} // namespace verbatim::qt

#pragma once
/// @file InvitesController.h
/// A lawyer's invites in the app (issue 16 item 7): lists the invites the user made (from any of
/// their devices, or by the firm's administrator for them), all or one matter's (issue 23), makes
/// a new one into a matter, and revokes one, so that its link enrols nobody. Each is a round trip to the relay through the AppController's client
/// (ListInvites, RevokeInvite; lawyers and supervisors only, the relay refuses anyone else).
///
/// Threading: as AdminController: the round trips run on this controller's worker thread, one at
/// a time in the order asked; every invokable returns at once and results come back to the GUI
/// thread as property changes, a model update and the `refreshed` / `revokeFinished` signals.
/// When the app locks or is wiped (AppController::clientClosing) the worker is drained before
/// the client goes away, and late results are dropped.
///
/// Create it in QML with `appController: app`; nothing works before that is set.

#include <QString>
#include <QtQml/qqmlregistration.h>

#include <optional>
#include <vector>

#include "client/qt/InvitesModel.h"
#include "client/qt/RelayPageController.h"

namespace verbatim::qt {

/// `updated` is when the list last came from the relay.
class InvitesController : public RelayPageController {
    Q_OBJECT
    QML_ELEMENT
    /// The invites, newest first.
    Q_PROPERTY(InvitesModel* invites READ invites CONSTANT)
    /// Lists only the invites into this matter (issue 23; empty: every invite).
    Q_PROPERTY(QString conversationId READ conversationId WRITE setConversationId NOTIFY
                   conversationIdChanged)

public:
    explicit InvitesController(QObject* parent = nullptr);

    InvitesModel* invites() { return &m_invites; }
    QString conversationId() const { return m_conversation; }
    void setConversationId(const QString& id);

    /// Asks the relay for this user's invites.
    Q_INVOKABLE void refresh();
    /// A new invite into matter `conversationId` (issue 23), then lists again: created() brings
    /// its web form (https://HOST:PORT/i/#…), or "" when the relay refused (`error` says why).
    Q_INVOKABLE void create(const QString& conversationId);
    /// Why the New-conversation form cannot be sent as it is ("" when it can), for humans:
    /// a title of 1-200 bytes (a direct conversation may leave it empty: the colleague's id),
    /// a matter number of at most 40 characters and a client name of at most 100, all printable
    /// text (no control, formatting or bidirectional-override characters); colleagues are user
    /// ids (1-128 of a-z 0-9 . _ - @), separated by commas or spaces, at most 100; a direct
    /// conversation has exactly one and no matter number or client.
    Q_INVOKABLE QString checkNewConversation(bool isMatter, const QString& title,
                                             const QString& matterNumber, const QString& clientName,
                                             const QString& colleagues) const;
    /// Starts a matter or a direct conversation on the relay (issue 23) after
    /// checkNewConversation(); for a matter, then makes the invite for its client at once.
    /// conversationStarted() reports the outcome.
    Q_INVOKABLE void startConversation(bool isMatter, const QString& title,
                                       const QString& matterNumber, const QString& clientName,
                                       const QString& colleagues);

    /// Revokes invite `id` (one of this user's), then lists again.
    Q_INVOKABLE void revoke(const QString& id);

signals:
    void conversationIdChanged();
    /// create() finished: the invite link in its web form, or "" when it failed.
    void created(const QString& link);
    /// startConversation() finished: the new conversation's id ("" when it failed, `error` says
    /// why) and, for a matter, its client's invite link in web form ("" when that failed).
    void conversationStarted(const QString& conversationId, const QString& inviteLink);
    /// A revocation finished.
    void revokeFinished(const QString& id, bool ok);

public:
    /// What a job found out, applied on the GUI thread.
    struct Outcome {
        QString revoked; ///< the id a revocation was asked for; empty for a plain refresh
        bool revokeOk = true;
        QString revokeError;
        bool startAsked = false; ///< a startConversation() job
        QString startedId;       ///< its conversation ("" when refused)
        QString startError;
        bool createAsked = false; ///< a create() job
        QString createdLink;      ///< its web link ("" when refused)
        QString createError;
        std::optional<std::vector<client::InviteView>> invites;
        QString listError;
    };

protected:
    QString lockedError() const override;
    void clearView() override;

private:
    template <class Work> void submit(Work work);
    void apply(Outcome&& outcome);

    InvitesModel m_invites;
    QString m_conversation;
};

} // namespace verbatim::qt

#pragma once
/// @file InvitesModel.h
/// The invites a lawyer made (issue 16 item 7), as the relay lists them: matter, state, when
/// made and until when, who redeemed it; all of them, or one matter's (issue 23). Rows are copies of the core's views, handed over by
/// InvitesController on the GUI thread; the model never talks to the relay and is only used on
/// the GUI thread. Text a participant chose (matter titles, the client's name) is shown through
/// TextRuns::safeName(), and the QML shows it as plain text.

#include <QAbstractListModel>
#include <QDateTime>
#include <QtQml/qqmlregistration.h>

#include <vector>

#include "client/core/Client.h"

namespace verbatim::qt {

class InvitesModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by InvitesController")
    /// Invites that can still be redeemed.
    Q_PROPERTY(int openCount READ openCount NOTIFY openCountChanged)
    /// The matters the listed invites are into, each once, by title: [{conversationId, title}]
    /// (issue 23: the dialog's "per matter" choice). Every invite counts, whatever is shown.
    Q_PROPERTY(QVariantList matters READ matters NOTIFY mattersChanged)

public:
    enum Role {
        IdRole = Qt::UserRole + 1, ///< "inviteId": 8 hex digits, what revoke() takes
        MatterRole,                ///< "matter": the matter's title, as shown
        StateRole,        ///< "state": open, redeemed, expired, revoked, inviter-revoked, declined
        StateTextRole,    ///< "stateText": the state for humans ("Joined by Carol")
        CreatedRole,      ///< "created": QDateTime
        ExpiresRole,      ///< "expires": QDateTime
        DatesTextRole,    ///< "datesText": "made … · expires …", for humans
        RedeemedByRole,   ///< "redeemedBy": the client's name as shown ("" when open)
        CanRevokeRole,    ///< "canRevoke": open (not redeemed, revoked or expired)
        StateLabelRole,   ///< "stateLabel": one word: Pending, Used, Expired, Revoked, Declined
        ExpiresTextRole,  ///< "expiresText": "Expires in 6 days · Mon 14 Dec 2026", "Expired …"
        ConversationRole, ///< "conversationId": the matter's id
    };

    using QAbstractListModel::QAbstractListModel;
    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    int openCount() const;
    QVariantList matters() const;
    /// Replaces the list (newest first, as the relay orders it).
    void reset(std::vector<client::InviteView> invites);
    /// Shows only the invites into matter `conversationId` (empty: every invite).
    void setConversation(const QString& conversationId);

    /// "Expires in 6 days · Mon 14 Dec 2026" for an invite expiring at `expiresMs`, seen at
    /// `nowMs` (both ms since the epoch); "Expired on …" once past.
    static QString expiresText(std::uint64_t expiresMs, std::uint64_t nowMs);

signals:
    void openCountChanged();
    void mattersChanged();

private:
    void refilter();

    std::vector<client::InviteView> m_all;  ///< as the relay listed them
    std::vector<client::InviteView> m_rows; ///< those shown (m_all, or one matter's)
    QString m_conversation;
};

} // namespace verbatim::qt

#pragma once
/// @file InvitesModel.h
/// The invites a lawyer made (issue 16 item 7), as the relay lists them: matter, state, when
/// made and until when, who redeemed it. Rows are copies of the core's views, handed over by
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

public:
    enum Role {
        IdRole = Qt::UserRole + 1, ///< "inviteId": 8 hex digits, what revoke() takes
        MatterRole,                ///< "matter": the matter's title, as shown
        StateRole,                 ///< "state": open, redeemed, expired, revoked, inviter-revoked
        StateTextRole,             ///< "stateText": the state for humans ("Joined by Carol")
        CreatedRole,               ///< "created": QDateTime
        ExpiresRole,               ///< "expires": QDateTime
        DatesTextRole,             ///< "datesText": "made … · expires …", for humans
        RedeemedByRole,            ///< "redeemedBy": the client's name as shown ("" when open)
        CanRevokeRole,             ///< "canRevoke": open (not redeemed, revoked or expired)
    };

    using QAbstractListModel::QAbstractListModel;
    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    int openCount() const;
    /// Replaces the list (newest first, as the relay orders it).
    void reset(std::vector<client::InviteView> invites);

signals:
    void openCountChanged();

private:
    std::vector<client::InviteView> m_rows;
};

} // namespace verbatim::qt

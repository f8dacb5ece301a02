#pragma once
/// @file SupervisedMattersModel.h
/// The supervising partner's matters (issue 21): every matter of the lawyers they supervise, as
/// the relay lists them (ListSupervisedMatters), metadata only. Flagged matters (a client waited
/// longer than the firm's threshold) come first, then the longest waits, as the relay orders
/// them. Rows are copies of the core's views handed over by SupervisorsController on the GUI
/// thread; the model never talks to the relay and is only used on the GUI thread.

#include <QAbstractListModel>
#include <QtQml/qqmlregistration.h>

#include <vector>

#include "client/core/Client.h"

namespace verbatim::qt {

class SupervisedMattersModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by SupervisorsController")
    /// Matters flagged as waiting too long.
    Q_PROPERTY(int overdueCount READ overdueCount NOTIFY countsChanged)

public:
    enum Role {
        IdRole = Qt::UserRole + 1, ///< "conversationId": the matter's id (to open it)
        TitleRole,                 ///< "title"
        NumberRole,                ///< "matterNumber": the firm's reference ("" when none)
        ClientNameRole,            ///< "clientName": as the lawyer typed it ("" when none)
        ParticipantsRole,          ///< "participants": "Carol Client (client), Lara (lawyer)"
        SupervisedRole,            ///< "supervised": the supervised lawyers in it, comma-separated
        WaitingRole,               ///< "waiting": a client waits for an answer
        WaitingTextRole,           ///< "waitingText": "Client waiting 3 h 20 min", or "Answered"
        OverdueRole,               ///< "overdue": waited longer than the firm's threshold
        LastClientTextRole,        ///< "lastClientText": when the client last wrote, for humans
        WeeklyRole,                ///< "weekly": messages per week (list of int), oldest first
        WeeklyMaxRole,             ///< "weeklyMax": the largest of them (at least 1), for bars
        WeeklyTotalRole,           ///< "weeklyTotal": their sum
        ClosedRole,                ///< "closed": the matter is closed
        MemberRole,                ///< "member": the supervisor is a member and may open it
    };

    using QAbstractListModel::QAbstractListModel;
    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
    int overdueCount() const { return m_overdue; }

    /// Replaces the rows; `nowMs` is the relay's clock the waits were measured at.
    void reset(std::vector<client::SupervisedMatterView> matters, std::uint64_t nowMs);

    /// A duration for humans: "45 min", "3 h 20 min", "2 d 4 h".
    static QString duration(std::uint64_t ms);

signals:
    void countsChanged();

private:
    std::vector<client::SupervisedMatterView> m_rows;
    std::uint64_t m_nowMs = 0;
    int m_overdue = 0;
};

} // namespace verbatim::qt

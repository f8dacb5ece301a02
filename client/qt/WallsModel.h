#pragma once
/// @file WallsModel.h
/// The firm's ethical walls for the walls page (H6, issue 22): each wall the relay holds, its two
/// sides by name, who made it and when, and what crosses it now (conflicts), in the relay's order
/// (by name). Rows are copies of the core's views handed over by WallsController on the GUI
/// thread; the model never talks to the relay and is only used on the GUI thread. Names people
/// chose pass through TextRuns::safeName (control and direction characters shown as [U+…]).

#include <QAbstractListModel>
#include <QStringList>
#include <QtQml/qqmlregistration.h>

#include <vector>

#include "client/core/WallViews.h"

namespace verbatim::qt {

class WallsModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("owned by WallsController")
    /// Conflicts over every wall (the page's summary).
    Q_PROPERTY(int conflictTotal READ conflictTotal NOTIFY countsChanged)

public:
    enum Role {
        NameRole = Qt::UserRole + 1, ///< "name": the wall's name (as shown to refused users)
        CreatedTextRole,             ///< "createdText": "7 Dec 2026 23:10 by Ada Admin"
        SideAPeopleRole,             ///< "sideAPeople": "Alice Adams (lawyer), Bob …", or ""
        SideAMattersRole,            ///< "sideAMatters": matter titles, comma-separated, or ""
        SideBPeopleRole,             ///< "sideBPeople"
        SideBMattersRole,            ///< "sideBMatters"
        ConflictCountRole,           ///< "conflictCount"
        ConflictsRole,               ///< "conflicts": one sentence per conflict (QStringList)
    };

    using QAbstractListModel::QAbstractListModel;
    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;
    int conflictTotal() const { return m_conflicts; }

    /// Replaces the rows.
    void reset(std::vector<client::WallView> walls);
    /// A person for humans: "Alice Adams (lawyer)", the id when the relay has no name.
    static QString personText(const client::WallPersonView& p);
    /// One conflict as a sentence: "Matter “Estate” holds people of both sides".
    static QString conflictText(const client::WallConflictView& c);

signals:
    void countsChanged();

private:
    std::vector<client::WallView> m_rows;
    int m_conflicts = 0;
};

} // namespace verbatim::qt

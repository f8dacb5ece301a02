#pragma once
/// @file WallsController.h
/// The walls page's controller (H6, issue 22): the firm's ethical walls as the relay holds them
/// (ListWalls), for administrators and compliance officers; an administrator adds and removes
/// walls from it (AddWall, RemoveWall), under the same rules as `verbatim-relay admin wall`.
/// The relay decides who may (everyone else: 403, shown as the error); `canEdit` only hides the
/// controls an administrator alone may use.
///
/// Threading: the round trips run on this controller's worker thread, one at a time in the order
/// asked; every invokable returns at once and the results come back to the GUI thread as
/// property changes, a model update and the signals. When the app locks or is wiped
/// (AppController::clientClosing) the worker is drained before the client goes away, late
/// results are dropped and the list is emptied.
///
/// Create it in QML with `appController: app`; nothing works before that is set.

#include <QString>
#include <QtQml/qqmlregistration.h>

#include <string>
#include <vector>

#include "client/qt/RelayPageController.h"
#include "client/qt/WallsModel.h"

namespace verbatim::qt {

/// `appController` must hold an admin or compliance profile; `updated` is when the list last
/// came from the relay.
class WallsController : public RelayPageController {
    Q_OBJECT
    QML_ELEMENT
    /// The walls, by name.
    Q_PROPERTY(WallsModel* walls READ walls CONSTANT)
    /// This user may add and remove walls (an administrator); compliance only reads.
    Q_PROPERTY(bool canEdit READ canEdit NOTIFY canEditChanged)

public:
    explicit WallsController(QObject* parent = nullptr);

    WallsModel* walls() { return &m_walls; }
    bool canEdit() const;

    /// Asks the relay for every wall and its conflicts.
    Q_INVOKABLE void refresh();
    /// Adds wall `name` between two groups; each list is comma-separated: user ids, and matters
    /// by id or exact title. Then lists again. `added` says how it went.
    Q_INVOKABLE void addWall(const QString& name, const QString& usersA, const QString& mattersA,
                             const QString& usersB, const QString& mattersB);
    /// Removes wall `name` (what it refused is allowed again), then shows the walls left.
    Q_INVOKABLE void removeWall(const QString& name);

    /// A comma-separated list as the relay takes it: items trimmed, empty ones dropped.
    static std::vector<std::string> splitList(const QString& text);

signals:
    void canEditChanged();
    /// An addWall() finished: `conflicts` conversations or assignments already cross it.
    void added(bool ok, const QString& name, int conflicts);
    /// A removeWall() finished.
    void removed(bool ok, const QString& name);

public:
    struct Outcome; // what a job found out (WallsController.cpp)

protected:
    QString lockedError() const override;
    void clearView() override;
    void appControllerSet() override;

private:
    template <class Work> void submit(Work work);
    void apply(Outcome&& outcome);

    WallsModel m_walls;
};

} // namespace verbatim::qt

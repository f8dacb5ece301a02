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

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QtQml/qqmlregistration.h>

#include <functional>

#include "client/qt/AppController.h"
#include "client/qt/JobQueue.h"
#include "client/qt/WallsModel.h"

namespace verbatim::qt {

class WallsController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    /// The app controller whose client talks to the relay (an admin or compliance profile).
    Q_PROPERTY(AppController* appController READ appController WRITE setAppController NOTIFY
                   appControllerChanged)
    /// The walls, by name.
    Q_PROPERTY(WallsModel* walls READ walls CONSTANT)
    /// This user may add and remove walls (an administrator); compliance only reads.
    Q_PROPERTY(bool canEdit READ canEdit NOTIFY canEditChanged)
    /// A request to the relay is queued or running.
    Q_PROPERTY(bool busy READ busy NOTIFY busyChanged)
    /// The last failure, for humans (empty: none): the relay's reason, which names the problem.
    Q_PROPERTY(QString error READ error NOTIFY errorChanged)
    /// When the list last came from the relay (invalid: not yet).
    Q_PROPERTY(QDateTime updated READ updated NOTIFY updatedChanged)

public:
    explicit WallsController(QObject* parent = nullptr);
    ~WallsController() override;

    AppController* appController() const { return m_app; }
    void setAppController(AppController* app);
    WallsModel* walls() { return &m_walls; }
    bool canEdit() const;
    bool busy() const { return m_pending > 0; }
    QString error() const { return m_error; }
    QDateTime updated() const { return m_updated; }

    /// Asks the relay for every wall and its conflicts.
    Q_INVOKABLE void refresh();
    /// Adds wall `name` between two groups; each list is comma-separated: user ids, and matters
    /// by id or exact title. Then lists again. `added` says how it went.
    Q_INVOKABLE void addWall(const QString& name, const QString& usersA, const QString& mattersA,
                             const QString& usersB, const QString& mattersB);
    /// Removes wall `name` (what it refused is allowed again), then shows the walls left.
    Q_INVOKABLE void removeWall(const QString& name);
    Q_INVOKABLE void clearError();

    /// A comma-separated list as the relay takes it: items trimmed, empty ones dropped.
    static std::vector<std::string> splitList(const QString& text);

signals:
    void appControllerChanged();
    void canEditChanged();
    void busyChanged();
    void errorChanged();
    void updatedChanged();
    /// A refresh finished (also after each change).
    void refreshed(bool ok);
    /// An addWall() finished: `conflicts` conversations or assignments already cross it.
    void added(bool ok, const QString& name, int conflicts);
    /// A removeWall() finished.
    void removed(bool ok, const QString& name);

public:
    struct Outcome; // what a job found out (WallsController.cpp)

private:
    void submit(std::function<Outcome(client::Client&)> work);
    void apply(Outcome&& outcome);
    void onClientClosing();
    void setError(const QString& text);

    QPointer<AppController> m_app;
    WallsModel m_walls;
    int m_pending = 0;
    std::uint64_t m_epoch = 0; ///< bumped when the client closes: older results are dropped
    QString m_error;
    QDateTime m_updated;
    JobQueue m_jobs; ///< last: stopped before the rest goes
};

} // namespace verbatim::qt

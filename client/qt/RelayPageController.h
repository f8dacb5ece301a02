#pragma once
/// @file RelayPageController.h
/// What the relay-backed page controllers share (AdminController, InvitesController,
/// SupervisorsController, WallsController): the AppController whose client talks to the relay, a worker that runs the
/// round trips one at a time in the order asked, `busy` while one is queued or running, the last
/// failure as `error`, when the page's data last came from the relay as `updated`, and
/// `refreshed` when a listing finished. A subclass adds its model and its invokables, and says
/// what a job does (submit()) and how its outcome shows (the `apply` it passes).
///
/// Threading: GUI thread only, except the `work` a subclass submits, which runs on the worker.
/// When the app locks or is wiped (AppController::clientClosing, after the client's connection
/// is closed) the worker is drained before the client goes away, results that arrive later are
/// dropped, `updated` turns invalid and clearView() empties the subclass's data.
///
/// Not creatable from QML (QML_ANONYMOUS): only its subclasses are.

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QtQml/qqmlregistration.h>

#include <cstdint>
#include <utility>

#include "client/qt/AppController.h"
#include "client/qt/ControllerJobs.h"
#include "client/qt/JobQueue.h"

namespace verbatim::qt {

class RelayPageController : public QObject {
    Q_OBJECT
    QML_ANONYMOUS
    /// The app controller whose client talks to the relay.
    Q_PROPERTY(AppController* appController READ appController WRITE setAppController NOTIFY
                   appControllerChanged)
    /// A request to the relay is queued or running.
    Q_PROPERTY(bool busy READ busy NOTIFY busyChanged)
    /// The last failure, for humans (empty: none): the relay's reason, which names the problem.
    Q_PROPERTY(QString error READ error NOTIFY errorChanged)
    /// When the page's data last came from the relay (invalid: not yet).
    Q_PROPERTY(QDateTime updated READ updated NOTIFY updatedChanged)

public:
    explicit RelayPageController(QObject* parent = nullptr);
    /// Waits for the request in progress (bounded by the client's call timeout).
    ~RelayPageController() override;

    AppController* appController() const { return m_app; }
    void setAppController(AppController* app);
    bool busy() const { return m_pending > 0; }
    QString error() const { return m_error; }
    QDateTime updated() const { return m_updated; }

    Q_INVOKABLE void clearError();

signals:
    void appControllerChanged();
    void busyChanged();
    void errorChanged();
    void updatedChanged();
    /// A listing finished (also after each action that lists again); `ok` false when the relay
    /// refused or could not be reached.
    void refreshed(bool ok);

protected:
    /// Runs `work(client)` (returning an `Outcome`) on the worker, then `apply(Outcome&&)` on the
    /// GUI thread unless the client closed meanwhile. Without a client (locked): lockedError()
    /// becomes `error` when it is not empty, and refreshed(false).
    template <class Outcome, class Work, class Apply> void submit(Work work, Apply apply) {
        client::Client* core = m_app ? m_app->client() : nullptr;
        if (!core) {
            if (const QString text = lockedError(); !text.isEmpty()) setError(text);
            emit refreshed(false);
            return;
        }
        submitJob<Outcome>(this, m_jobs, core, m_pending, m_epoch, std::move(work),
                           std::move(apply));
    }

    void setError(const QString& text);
    /// `updated` becomes now.
    void markUpdated();

    /// The error a request made while locked shows (empty: none); in the subclass's tr() context.
    virtual QString lockedError() const { return {}; }
    /// Empties the subclass's data when the client closes (after the worker is drained).
    virtual void clearView() {}
    /// Called when `appController` changed, after the old one was let go (the base disconnects
    /// the old one and its session from this object) and before appControllerChanged().
    virtual void appControllerSet() {}

    QPointer<AppController> m_app;

private:
    void onClientClosing();

    int m_pending = 0;
    std::uint64_t m_epoch = 0; ///< bumped when the client closes: older results are dropped
    QString m_error;
    QDateTime m_updated;
    JobQueue m_jobs; ///< last: stopped before the rest goes
};

} // namespace verbatim::qt

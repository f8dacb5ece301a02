#pragma once
/// @file SupervisorsController.h
/// The supervising partner's page (issue 21): the matters of the lawyers this user supervises,
/// metadata only, from the relay (ListSupervisedMatters). The relay answers 403 to anyone who
/// supervises nobody: `supervising` turns true only once it has answered with a list, so the
/// page and its button show to supervisors alone.
///
/// Threading: the round trip runs on this controller's worker thread; refresh() returns at once
/// and the result comes back to the GUI thread as property changes and `refreshed`. When the
/// app locks or is wiped (AppController::clientClosing) the worker is drained before the client
/// goes away, late results are dropped and the list is emptied.
///
/// Create it in QML with `appController: app`; nothing works before that is set.

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QtQml/qqmlregistration.h>

#include "client/qt/AppController.h"
#include "client/qt/JobQueue.h"
#include "client/qt/SupervisedMattersModel.h"

namespace verbatim::qt {

class SupervisorsController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    /// The app controller whose client talks to the relay.
    Q_PROPERTY(AppController* appController READ appController WRITE setAppController NOTIFY
                   appControllerChanged)
    /// The matters, flagged ones first.
    Q_PROPERTY(SupervisedMattersModel* matters READ matters CONSTANT)
    /// The relay answered with a list: this user supervises someone.
    Q_PROPERTY(bool supervising READ supervising NOTIFY supervisingChanged)
    /// Whom this user supervises, comma-separated user ids.
    Q_PROPERTY(QString lawyers READ lawyers NOTIFY refreshed)
    /// The firm's threshold in hours (0: none set).
    Q_PROPERTY(double thresholdHours READ thresholdHours NOTIFY refreshed)
    /// A request to the relay is queued or running.
    Q_PROPERTY(bool busy READ busy NOTIFY busyChanged)
    /// The last failure, for humans (empty: none).
    Q_PROPERTY(QString error READ error NOTIFY errorChanged)
    /// When the list last came from the relay (invalid: not yet).
    Q_PROPERTY(QDateTime updated READ updated NOTIFY refreshed)

public:
    explicit SupervisorsController(QObject* parent = nullptr);
    ~SupervisorsController() override;

    AppController* appController() const { return m_app; }
    void setAppController(AppController* app);
    SupervisedMattersModel* matters() { return &m_matters; }
    bool supervising() const { return m_supervising; }
    QString lawyers() const { return m_lawyers; }
    double thresholdHours() const { return double(m_thresholdMs) / 3600000.0; }
    bool busy() const { return m_pending > 0; }
    QString error() const { return m_error; }
    QDateTime updated() const { return m_updated; }

    /// Asks the relay for the supervised lawyers' matters (8 weeks of volume).
    Q_INVOKABLE void refresh();

signals:
    void appControllerChanged();
    void supervisingChanged();
    void busyChanged();
    void errorChanged();
    /// A refresh finished; `ok` false when the relay refused or could not be reached.
    void refreshed(bool ok);

public:
    struct Outcome; // what a job found out (SupervisorsController.cpp)

private:
    void apply(Outcome&& outcome);
    void onClientClosing();
    void setSupervising(bool on);

    QPointer<AppController> m_app;
    SupervisedMattersModel m_matters;
    bool m_supervising = false;
    QString m_lawyers;
    std::uint64_t m_thresholdMs = 0;
    int m_pending = 0;
    std::uint64_t m_epoch = 0; ///< bumped when the client closes: older results are dropped
    QString m_error;
    QDateTime m_updated;
    JobQueue m_jobs; ///< last: stopped before the rest goes
};

} // namespace verbatim::qt

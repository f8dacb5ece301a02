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

#include <QString>
#include <QtQml/qqmlregistration.h>

#include <cstdint>

#include "client/qt/RelayPageController.h"
#include "client/qt/SupervisedMattersModel.h"

namespace verbatim::qt {

/// `updated` is when the list last came from the relay; a refresh while locked fails with no
/// `error`.
class SupervisorsController : public RelayPageController {
    Q_OBJECT
    QML_ELEMENT
    /// The matters, flagged ones first.
    Q_PROPERTY(SupervisedMattersModel* matters READ matters CONSTANT)
    /// The relay answered with a list: this user supervises someone.
    Q_PROPERTY(bool supervising READ supervising NOTIFY supervisingChanged)
    /// Whom this user supervises, comma-separated user ids.
    Q_PROPERTY(QString lawyers READ lawyers NOTIFY listChanged)
    /// The firm's threshold in hours (0: none set).
    Q_PROPERTY(double thresholdHours READ thresholdHours NOTIFY listChanged)

public:
    explicit SupervisorsController(QObject* parent = nullptr);

    SupervisedMattersModel* matters() { return &m_matters; }
    bool supervising() const { return m_supervising; }
    QString lawyers() const { return m_lawyers; }
    double thresholdHours() const { return double(m_thresholdMs) / 3600000.0; }

    /// Asks the relay for the supervised lawyers' matters (8 weeks of volume).
    Q_INVOKABLE void refresh();

signals:
    void supervisingChanged();
    /// `lawyers` and `thresholdHours` changed (a list came, or it was emptied).
    void listChanged();

public:
    struct Outcome; // what a job found out (SupervisorsController.cpp)

protected:
    void clearView() override;

private:
    void apply(Outcome&& outcome);
    void setSupervising(bool on);

    SupervisedMattersModel m_matters;
    bool m_supervising = false;
    QString m_lawyers;
    std::uint64_t m_thresholdMs = 0;
};

} // namespace verbatim::qt

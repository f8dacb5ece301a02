#include "client/qt/SupervisorsController.h"
#include "client/qt/ControllerJobs.h"
#include "client/qt/StdText.h"

#include <QMetaObject>

#include <memory>
#include <optional>

#include "client/core/Client.h"

namespace verbatim::qt {

/// What a job on the worker found out, applied on the GUI thread.
struct SupervisorsController::Outcome {
    std::optional<client::SupervisionView> view;
    bool forbidden = false; ///< the relay says this user supervises nobody
    QString error;
};

SupervisorsController::SupervisorsController(QObject* parent) : QObject(parent) {}

SupervisorsController::~SupervisorsController() {
    m_jobs.stop();
}

void SupervisorsController::setAppController(AppController* app) {
    if (app == m_app) return;
    if (m_app) disconnect(m_app, nullptr, this, nullptr);
    m_app = app;
    if (m_app)
        connect(m_app, &AppController::clientClosing, this,
                &SupervisorsController::onClientClosing);
    emit appControllerChanged();
}

void SupervisorsController::setSupervising(bool on) {
    if (on == m_supervising) return;
    m_supervising = on;
    emit supervisingChanged();
}

void SupervisorsController::refresh() {
    client::Client* core = m_app ? m_app->client() : nullptr;
    if (!core) {
        emit refreshed(false);
        return;
    }
    submitJob<Outcome>(
        this, m_jobs, core, m_pending, m_epoch,
        [](client::Client& c) {
            Outcome outcome;
            auto view = c.supervisedMatters(8);
            if (view)
                outcome.view = std::move(*view);
            else if (view.error().code == ErrorCode::Forbidden)
                outcome.forbidden = true;
            else
                outcome.error = q(view.error().message);
            return outcome;
        },
        [this](Outcome&& outcome) { apply(std::move(outcome)); });
}

void SupervisorsController::apply(Outcome&& o) {
    if (o.view) {
        QStringList lawyers;
        for (const auto& l : o.view->lawyers)
            lawyers << q(l);
        m_lawyers = lawyers.join(QStringLiteral(", "));
        m_thresholdMs = o.view->thresholdMs;
        m_matters.reset(std::move(o.view->matters), o.view->nowMs);
        m_updated = QDateTime::currentDateTime();
        setSupervising(true);
        if (!m_error.isEmpty()) {
            m_error.clear();
            emit errorChanged();
        }
        emit refreshed(true);
        return;
    }
    if (o.forbidden) {
        // Not (or no longer) a supervisor: nothing of an earlier list stays on screen.
        m_matters.reset({}, 0);
        m_lawyers.clear();
        setSupervising(false);
    } else {
        m_error = tr("Could not list the supervised matters: %1").arg(o.error);
        emit errorChanged();
    }
    emit refreshed(false);
}

void SupervisorsController::onClientClosing() {
    // The AppController has closed the client's connection: a request in flight returns at
    // once. Nothing may use the client after we return.
    ++m_epoch;
    m_jobs.drain();
    m_matters.reset({}, 0);
    m_lawyers.clear();
    m_updated = {};
    setSupervising(false);
}

} // namespace verbatim::qt

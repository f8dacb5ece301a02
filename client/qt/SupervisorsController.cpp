#include "client/qt/SupervisorsController.h"
#include "client/qt/StdText.h"

#include <optional>

#include "client/core/Client.h"

namespace verbatim::qt {

/// What a job on the worker found out, applied on the GUI thread.
struct SupervisorsController::Outcome {
    std::optional<client::SupervisionView> view;
    bool forbidden = false; ///< the relay says this user supervises nobody
    QString error;
};

SupervisorsController::SupervisorsController(QObject* parent) : RelayPageController(parent) {}

void SupervisorsController::setSupervising(bool on) {
    if (on == m_supervising) return;
    m_supervising = on;
    emit supervisingChanged();
}

void SupervisorsController::refresh() {
    submit<Outcome>(
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
        emit listChanged();
        markUpdated();
        setSupervising(true);
        clearError();
        emit refreshed(true);
        return;
    }
    if (o.forbidden) {
        // Not (or no longer) a supervisor: nothing of an earlier list stays on screen.
        clearView();
    } else {
        setError(tr("Could not list the supervised matters: %1").arg(o.error));
    }
    emit refreshed(false);
}

void SupervisorsController::clearView() {
    m_matters.reset({}, 0);
    m_lawyers.clear();
    emit listChanged();
    setSupervising(false);
}

} // namespace verbatim::qt

#include "client/qt/RelayPageController.h"
#include "client/qt/SessionController.h"

namespace verbatim::qt {

RelayPageController::RelayPageController(QObject* parent) : QObject(parent) {}

RelayPageController::~RelayPageController() {
    m_jobs.stop();
}

void RelayPageController::setAppController(AppController* app) {
    if (app == m_app) return;
    if (m_app) {
        disconnect(m_app, nullptr, this, nullptr);
        // A subclass may follow the session (WallsController: the role behind canEdit).
        disconnect(m_app->session(), nullptr, this, nullptr);
    }
    m_app = app;
    if (m_app)
        connect(m_app, &AppController::clientClosing, this, &RelayPageController::onClientClosing);
    appControllerSet();
    emit appControllerChanged();
}

void RelayPageController::setError(const QString& text) {
    m_error = text;
    emit errorChanged();
}

void RelayPageController::clearError() {
    if (m_error.isEmpty()) return;
    m_error.clear();
    emit errorChanged();
}

void RelayPageController::markUpdated() {
    m_updated = QDateTime::currentDateTime();
    emit updatedChanged();
}

void RelayPageController::onClientClosing() {
    // The AppController has closed the client's connection: a request in flight returns at
    // once. Nothing may use the client after we return.
    ++m_epoch;
    m_jobs.drain();
    clearView();
    m_updated = {};
    emit updatedChanged();
}

} // namespace verbatim::qt

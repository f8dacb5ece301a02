#include "client/qt/IdleLock.h"

#include <QCoreApplication>
#include <QEvent>
#include <QSettings>

namespace verbatim::qt {

namespace {
const QString kKey = QStringLiteral("idleLockMinutes");
}

IdleLock::IdleLock(QString settingsFile, std::function<void()> lock, QObject* parent)
    : QObject(parent), m_settingsFile(std::move(settingsFile)), m_lock(std::move(lock)) {
    const QSettings settings(m_settingsFile, QSettings::IniFormat);
    bool ok = false;
    const int stored = settings.value(kKey, kDefaultMinutes).toInt(&ok);
    // A value the settings never offered (a hand-edited file) falls back to the default.
    m_minutes = ok && choices().contains(stored) ? stored : kDefaultMinutes;
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        if (!m_armed) return;
        m_lock();
        m_lockedByIdle = true;
        emit lockedByIdleChanged();
        emit lockedForIdle();
    });
    if (auto* app = QCoreApplication::instance()) app->installEventFilter(this);
}

IdleLock::~IdleLock() {
    if (auto* app = QCoreApplication::instance()) app->removeEventFilter(this);
}

void IdleLock::setMinutes(int minutes) {
    if (!choices().contains(minutes) || minutes == m_minutes) return;
    m_minutes = minutes;
    QSettings settings(m_settingsFile, QSettings::IniFormat);
    settings.setValue(kKey, minutes);
    settings.sync();
    emit minutesChanged();
    restart();
}

void IdleLock::arm(bool armed) {
    m_armed = armed;
    if (armed && m_lockedByIdle) {
        m_lockedByIdle = false;
        emit lockedByIdleChanged();
    }
    restart();
}

void IdleLock::setIntervalForTest(int ms) {
    m_testMs = ms > 0 ? ms : 0;
    restart();
}

int IdleLock::intervalMs() const {
    if (m_minutes == 0) return 0; // never, whatever a test counts
    return m_testMs ? m_testMs : m_minutes * 60 * 1000;
}

void IdleLock::restart() {
    const int ms = intervalMs();
    if (!m_armed || ms == 0) {
        m_timer.stop();
        return;
    }
    m_timer.start(ms);
}

bool IdleLock::eventFilter(QObject* watched, QEvent* event) {
    switch (event->type()) {
    case QEvent::KeyPress:
    case QEvent::MouseButtonPress:
    case QEvent::MouseMove:
    case QEvent::Wheel:
    case QEvent::TouchBegin:
    case QEvent::TouchUpdate:
        // The same input reaches the filter once per object it travels through; restarting a
        // running timer is cheap, so no de-duplication.
        if (m_armed && m_timer.isActive()) m_timer.start(intervalMs());
        break;
    default:
        break;
    }
    return QObject::eventFilter(watched, event);
}

} // namespace verbatim::qt

#include "client/qt/IdleLock.h"

#include <QCoreApplication>
#include <QEvent>
#include <QSettings>

#include <algorithm>

#include "journal/FirmManifest.h"

namespace verbatim::qt {

static_assert(IdleLock::kFirmMaximumLimit == int(journal::kMaxIdleLockMinutes));

namespace {
const QString kKey = QStringLiteral("idleLockMinutes");
}

IdleLock::IdleLock(QString settingsFile, std::function<void()> lock, QObject* parent)
    : QObject(parent), m_settingsFile(std::move(settingsFile)), m_lock(std::move(lock)) {
    const QSettings settings(m_settingsFile, QSettings::IniFormat);
    bool ok = false;
    const int stored = settings.value(kKey, kDefaultMinutes).toInt(&ok);
    // A value the settings never offered (a hand-edited file) falls back to the default. The
    // firm's maximum is not known yet (the profile is locked): it caps the choice once it is.
    m_minutes = ok && baseChoices().contains(stored) ? stored : kDefaultMinutes;
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

QList<int> IdleLock::choices() const {
    if (m_firmMaximum == 0) return baseChoices();
    // Shorter than the firm's maximum, and the maximum itself; never "never".
    QList<int> out;
    for (int c : baseChoices())
        if (c != 0 && c < m_firmMaximum) out << c;
    out << m_firmMaximum;
    return out;
}

int IdleLock::effectiveMinutes() const {
    if (m_firmMaximum == 0) return m_minutes;
    return m_minutes == 0 || m_minutes > m_firmMaximum ? m_firmMaximum : m_minutes;
}

void IdleLock::setMinutes(int minutes) {
    if (!choices().contains(minutes) || minutes == m_minutes) return;
    const int before = effectiveMinutes();
    m_minutes = minutes;
    QSettings settings(m_settingsFile, QSettings::IniFormat);
    settings.setValue(kKey, minutes);
    settings.sync();
    emit minutesChanged();
    if (effectiveMinutes() != before) emit effectiveMinutesChanged();
    restart();
}

void IdleLock::setFirmMaximum(int minutes) {
    minutes = std::clamp(minutes, 0, int(kFirmMaximumLimit));
    if (minutes == m_firmMaximum) return;
    const int before = effectiveMinutes();
    m_firmMaximum = minutes;
    emit firmMaximumChanged();
    if (effectiveMinutes() != before) {
        emit effectiveMinutesChanged();
        restart(); // a shorter maximum counts from now, not from the last input
    }
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

void IdleLock::setMinuteLengthForTest(int ms) {
    m_minuteMs = ms > 0 ? ms : 60 * 1000;
    restart();
}

int IdleLock::intervalMs() const {
    const int minutes = effectiveMinutes();
    if (minutes == 0) return 0;                        // never, whatever a test counts
    return m_testMs ? m_testMs : minutes * m_minuteMs; // at most 1440 minutes: fits an int
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

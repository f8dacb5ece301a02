#pragma once
/// @file IdleLock.h
/// Locks the app after a while without input (issue 23; QML: `app.session.idleLock`): the
/// session's lock() closes the client core, which closes the SQLCipher database and drops the
/// profile key from memory; the window shows the unlock page until the passphrase is entered.
///
/// Any key, mouse, wheel or touch input to any of the app's windows restarts the countdown. The
/// minutes are a setting of this device (kept beside the profile in `lock.ini`, so that it holds
/// before the profile is unlocked); 0 means never. Tests set a countdown in milliseconds.
///
/// Threading: GUI thread. It watches input through an event filter on the application.

#include <QObject>
#include <QString>
#include <QTimer>
#include <QtQml/qqmlregistration.h>
#include <functional>

namespace verbatim::qt {

class IdleLock : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("app.session.idleLock")
    /// Minutes without input before the app locks; 0: never. Default kDefaultMinutes.
    Q_PROPERTY(int minutes READ minutes WRITE setMinutes NOTIFY minutesChanged)
    /// The choices the settings offer, in minutes (0: never).
    Q_PROPERTY(QList<int> choices READ choices CONSTANT)
    /// The last lock was this countdown's (the unlock page says so); false once unlocked.
    Q_PROPERTY(bool lockedByIdle READ lockedByIdle NOTIFY lockedByIdleChanged)

public:
    static constexpr int kDefaultMinutes = 5;

    /// `settingsFile`: where the minutes are kept; `lock`: what locking does (the session's
    /// lock()). Disarmed until arm(true).
    IdleLock(QString settingsFile, std::function<void()> lock, QObject* parent = nullptr);
    ~IdleLock() override;

    int minutes() const { return m_minutes; }
    void setMinutes(int minutes);
    static QList<int> choices() { return {1, 2, 5, 10, 15, 30, 60, 0}; }

    /// Counts down while `armed` (a profile is open), else not at all.
    void arm(bool armed);
    bool armed() const { return m_armed; }
    bool lockedByIdle() const { return m_lockedByIdle; }
    /// For tests: counts `ms` instead of the minutes (0: the minutes again; "never" stays
    /// never). Not kept.
    void setIntervalForTest(int ms);
    /// The countdown in milliseconds now in force (0: never).
    int intervalMs() const;

signals:
    void minutesChanged();
    /// The countdown ran out and the app was locked.
    void lockedForIdle();
    void lockedByIdleChanged();

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    /// Starts the countdown again (or stops it when disarmed or set to never).
    void restart();

    QString m_settingsFile;
    std::function<void()> m_lock;
    int m_minutes = kDefaultMinutes;
    int m_testMs = 0;
    bool m_armed = false;
    bool m_lockedByIdle = false;
    QTimer m_timer;
};

} // namespace verbatim::qt

#pragma once
/// @file IdleLock.h
/// Locks the app after a while without input (issue 23; QML: `app.session.idleLock`): the
/// session's lock() closes the client core, which closes the SQLCipher database and drops the
/// profile key from memory; the window shows the unlock page until the passphrase is entered.
///
/// Any key, mouse, wheel or touch input to any of the app's windows restarts the countdown. The
/// minutes are a setting of this device (kept beside the profile in `lock.ini`, so that it holds
/// before the profile is unlocked); 0 means never. The firm may set a maximum in its root-signed
/// policy (manifest version 4, `max_idle_lock_minutes`; the session passes it in once the
/// profile is open and whenever a new manifest changes it): the user may then choose a shorter
/// time, never a longer one or never, and a longer choice kept from before counts as the firm's
/// maximum while it holds. Tests set a countdown in milliseconds, or the length of a minute.
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
    /// Minutes without input before the app locks as this device's user chose them; 0: never.
    /// Default kDefaultMinutes. A choice the firm's maximum does not allow is refused.
    Q_PROPERTY(int minutes READ minutes WRITE setMinutes NOTIFY minutesChanged)
    /// The firm's maximum in minutes (0: none), from its signed policy.
    Q_PROPERTY(int firmMaximum READ firmMaximum NOTIFY firmMaximumChanged)
    /// The minutes in force: the user's choice, capped by the firm's maximum (0: never).
    Q_PROPERTY(int effectiveMinutes READ effectiveMinutes NOTIFY effectiveMinutesChanged)
    /// The choices the settings offer, in minutes (0: never): those the firm's maximum allows,
    /// with the maximum itself.
    Q_PROPERTY(QList<int> choices READ choices NOTIFY firmMaximumChanged)
    /// The last lock was this countdown's (the unlock page says so); false once unlocked.
    Q_PROPERTY(bool lockedByIdle READ lockedByIdle NOTIFY lockedByIdleChanged)

public:
    static constexpr int kDefaultMinutes = 5;
    /// The largest firm maximum a manifest carries (journal::kMaxIdleLockMinutes: a day).
    static constexpr int kFirmMaximumLimit = 1440;

    /// `settingsFile`: where the minutes are kept; `lock`: what locking does (the session's
    /// lock()). Disarmed until arm(true).
    IdleLock(QString settingsFile, std::function<void()> lock, QObject* parent = nullptr);
    ~IdleLock() override;

    int minutes() const { return m_minutes; }
    void setMinutes(int minutes);
    /// Every choice a device offers when its firm sets no maximum (0: never).
    static QList<int> baseChoices() { return {1, 2, 5, 10, 15, 30, 60, 0}; }
    QList<int> choices() const;
    int firmMaximum() const { return m_firmMaximum; }
    /// Applies the firm's maximum (0: none; values over a day are taken as a day) at once: a
    /// countdown running longer starts again with the new time.
    void setFirmMaximum(int minutes);
    int effectiveMinutes() const;

    /// Counts down while `armed` (a profile is open), else not at all.
    void arm(bool armed);
    bool armed() const { return m_armed; }
    bool lockedByIdle() const { return m_lockedByIdle; }
    /// For tests: counts `ms` instead of the minutes (0: the minutes again; "never" stays
    /// never). Not kept.
    void setIntervalForTest(int ms);
    /// For tests: a minute lasts `ms` milliseconds (0: a real minute), so that the user's choice
    /// and the firm's maximum keep their proportions. Not kept.
    void setMinuteLengthForTest(int ms);
    /// The countdown in milliseconds now in force (0: never).
    int intervalMs() const;

signals:
    void minutesChanged();
    void firmMaximumChanged();
    void effectiveMinutesChanged();
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
    int m_firmMaximum = 0;
    int m_testMs = 0;
    int m_minuteMs = 60 * 1000;
    bool m_armed = false;
    bool m_lockedByIdle = false;
    QTimer m_timer;
};

} // namespace verbatim::qt

#pragma once
/// @file Notifier.h
/// Desktop notifications for new messages (issue 23; QML: `app.chat.notifier`). When a message
/// from someone else arrives in a conversation that is not open in the active window, it asks the
/// platform to show a notification through a NotificationBackend (on Linux the freedesktop
/// Notifications service on the session bus; NotificationBackend.h says what other platforms
/// have). Clicking it opens that conversation. A conversation's next notification replaces its
/// previous one, and a burst gives at most one notification per conversation per minInterval.
/// This class decides what and when; it holds no platform assumption.
///
/// What it shows: the matter's title, and either "New message in <title>" (the default: a law
/// firm's lock screens must not show what a client wrote) or, when showText is on, the sender's
/// display name and the text. Muted conversations never notify; own messages, system rows, edits
/// and retractions never do. Message text never goes to the log.
///
/// Settings live in `notifications.ini` in the profile directory (not in the encrypted profile,
/// so they can be read before unlocking; they hold conversation ids and booleans, no content).
///
/// Threading: GUI thread.

#include <QHash>
#include <QObject>
#include <QString>
#include <QtQml/qqmlregistration.h>
#include <memory>

class QSettings;

namespace verbatim::qt {

class AppController;
class NotificationBackend;

class Notifier : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("app.chat.notifier")
    /// Desktop notifications at all (default on).
    Q_PROPERTY(bool enabled READ enabled WRITE setEnabled NOTIFY settingsChanged)
    /// Show the sender and the text (default off: only "New message in <title>").
    Q_PROPERTY(bool showText READ showText WRITE setShowText NOTIFY settingsChanged)
    /// Why notifications cannot be shown on this desktop ("" when they can).
    Q_PROPERTY(QString status READ status NOTIFY statusChanged)
    /// Bumped whenever a conversation is muted or unmuted (QML re-reads isMuted()).
    Q_PROPERTY(int muteRevision READ muteRevision NOTIFY mutedChanged)

public:
    explicit Notifier(AppController& app);
    ~Notifier() override;

    bool enabled() const;
    void setEnabled(bool on);
    bool showText() const;
    void setShowText(bool on);
    QString status() const { return m_status; }
    int muteRevision() const { return m_muteRevision; }

    /// Whether conversation `id` is muted (kept across restarts).
    Q_INVOKABLE bool isMuted(const QString& id) const;
    Q_INVOKABLE void setMuted(const QString& id, bool muted);

    /// Least time between two notifications of one conversation, in milliseconds (default 3000).
    void setMinInterval(int ms) { m_minIntervalMs = ms; }

    // ---- for the ChatController ---------------------------------------------------------------
    /// Message `messageId` arrived in `conversation`; notifies if it should.
    void onMessage(const QString& conversation, const QString& messageId);
    /// The profile opened or closed: settings are read from its directory again.
    void reload();
    /// The profile is locking (issue 23): the notifications this app shows are closed on the
    /// desktop, so that none (text included) stays on screen while the app is locked, and one
    /// held back for a burst is dropped.
    void withdrawAll();

signals:
    void settingsChanged();
    void statusChanged();
    void mutedChanged();
    /// A notification was handed to the desktop for `conversation` (tests, benchmarks).
    void notified(const QString& conversation);

private:
    struct PerConversation {
        qint64 lastShownMs = 0; ///< when, on a monotonic clock
        QString pendingMessage; ///< a message held back by the interval, shown when it ends
    };
    /// Shows `messageId` of `conversation` now.
    void show(const QString& conversation, const QString& messageId);
    /// Whether the user is looking at `conversation` right now.
    bool visible(const QString& conversation) const;
    void setStatus(const QString& s);
    /// Whether the backend can show notifications (else `status` says why).
    bool ready();
    /// The user clicked the notification of `conversation`.
    void onActivated(const QString& conversation);

    AppController& m_app;
    QSettings* m_settings = nullptr;
    std::unique_ptr<NotificationBackend> m_backend;
    QString m_status;
    int m_muteRevision = 0;
    int m_minIntervalMs = 3000;
    QHash<QString, PerConversation> m_conversations;
};

} // namespace verbatim::qt

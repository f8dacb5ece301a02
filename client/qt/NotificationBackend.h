#pragma once
/// @file NotificationBackend.h
/// Where Notifier's notifications go (issue 23): the platform's own notification service behind
/// one interface, so that the Notifier (what to show, when, muted or not, text or only the
/// title) holds no platform assumption. forPlatform() picks the implementation:
///  - Linux and the BSDs with a D-Bus session bus: the freedesktop Notifications service
///    (org.freedesktop.Notifications over Qt DBus; no libnotify) — NotificationBackend.cpp;
///  - anywhere else: none that Qt offers without Qt Widgets (QSystemTrayIcon::showMessage is in
///    Qt Widgets, which the app does not link), so problem() says so and nothing is shown.
///    README ("Notifications on other platforms") lists what a macOS, Windows, Android or iOS
///    build adds here: one subclass each, over the platform's own API.
///
/// Threading: GUI thread. Signals come on the GUI thread.

#include <QObject>
#include <QString>
#include <memory>

namespace verbatim::qt {

class NotificationBackend : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    ~NotificationBackend() override = default;

    /// "" when notifications can be shown here; else why not, in plain words for the settings.
    /// The first call may connect to the service.
    virtual QString problem() = 0;
    /// Shows `title` and `body` (plain text; the backend escapes what its service would read
    /// as markup) for `key` (a conversation id), replacing the one shown last for `key`.
    virtual void show(const QString& key, const QString& title, const QString& body) = 0;
    /// Removes every notification this app shows (the app is locking).
    virtual void withdrawAll() = 0;

    /// The implementation for the platform the app runs on (never null).
    static std::unique_ptr<NotificationBackend> forPlatform(QObject* parent = nullptr);

signals:
    /// The user clicked the notification shown for `key`.
    void activated(const QString& key);
    /// A notification for `key` was handed to the service.
    void shown(const QString& key);
    /// The service refused one or stopped answering (`problem` for the settings), or answered
    /// again ("").
    void problemChanged(const QString& problem);
};

} // namespace verbatim::qt

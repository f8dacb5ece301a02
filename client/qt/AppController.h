#pragma once
/// @file AppController.h
/// The app's root object: owns the client core of the open profile and one controller per
/// screen, and turns the core's callbacks (on its worker thread) into updates on the GUI thread.
/// QML gets it as Main.qml's required property `app` (no context properties), and Main passes
/// each page what it needs: a screen's controller (`app.session`, `app.chat`, `app.attachments`,
/// `app.deviceLinking`) or, for a page that spans several, `app` itself. AdminController,
/// ComplianceController and InvitesController are created by their pages with
/// `appController: app`. No business logic lives in QML.
///
/// Threading: everything here runs on the GUI thread. Relay round trips and slow local work
/// (the passphrase's key derivation, opening a profile) run on one job queue (background(),
/// run()); results come back through toGui() and are dropped when the core they were for has
/// gone meanwhile (lock, erase, wipe).

#include <QObject>
#include <QString>
#include <QtQml/qqmlregistration.h>
#include <functional>
#include <memory>

#include "client/qt/AttachmentsController.h"
#include "client/qt/ChatController.h"
#include "client/qt/DeviceLinkController.h"
#include "client/qt/JobQueue.h"
#include "client/qt/SessionController.h"

namespace verbatim::qt {

class AppController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("made by main() and given to Main.qml as its property 'app'")
    /// Joining, unlocking, the recording notice, the passphrase, lock and erase.
    Q_PROPERTY(SessionController* session READ session CONSTANT)
    /// Conversations, messages, search, safety numbers, invites into a matter.
    Q_PROPERTY(ChatController* chat READ chat CONSTANT)
    /// Uploading and saving attachments.
    Q_PROPERTY(AttachmentsController* attachments READ attachments CONSTANT)
    /// This user's devices: the list, approvals, and links for another device.
    Q_PROPERTY(DeviceLinkController* deviceLinking READ deviceLinking CONSTANT)
    /// The last failure of any screen's action, for humans (empty: none).
    Q_PROPERTY(QString error READ error NOTIFY errorChanged)

public:
    explicit AppController(QString profileDir, QObject* parent = nullptr);
    ~AppController() override;

    SessionController* session() { return &m_session; }
    ChatController* chat() { return &m_chat; }
    AttachmentsController* attachments() { return &m_attachments; }
    DeviceLinkController* deviceLinking() { return &m_deviceLinking; }
    QString error() const { return m_error; }

    /// The core, for the controllers, tests, the demo seeding and the compliance page (null
    /// while locked).
    client::Client* client() const { return m_client.get(); }
    /// The profile directory (the compliance archive sits beside the profile by default).
    QString profileDir() const { return m_profileDir; }

    Q_INVOKABLE void clearError();
    Q_INVOKABLE void copyToClipboard(const QString& text);

    // ---- for the screens' controllers ---------------------------------------------------------
    /// Sets `error` to `message` unless `ok`; returns `ok`.
    bool check(bool ok, const QString& message);
    template <class T> bool check(const Result<T>& r) {
        return check(r.has_value(), r ? QString() : QString::fromStdString(r.error().message));
    }
    /// Takes `client` as the open profile's core, starts it and shows the session's next screen.
    void adopt(std::unique_ptr<client::Client> client);
    /// Stops the core and lets it go, after everything borrowing it has finished.
    void closeClient();
    /// Empties the screens' lists (after lock, erase or wipe).
    void resetLists();
    /// Bumped when the core goes: results for an older one are dropped.
    std::uint64_t generation() const { return m_generation; }
    /// Runs `job` on the worker thread with the core (relay round trips); `job` reports back with
    /// toGui(). Nothing runs while locked.
    void background(std::function<void(client::Client&)> job);
    /// Runs `job` on the worker thread whether or not a core is open (opening one, the KDF).
    void run(std::function<void()> job);
    /// Runs `f` on the GUI thread unless the core of `generation` was closed meanwhile.
    void toGui(std::uint64_t generation, std::function<void()> f);

signals:
    void errorChanged();
    /// The core is about to go away (lock, erase, wipe, destruction); its connection is already
    /// closed, so relay calls in flight return at once. Whoever borrowed client() must stop
    /// using it before returning.
    void clientClosing();

private:
    void onEvent(const client::Event& e); // GUI thread

    QString m_profileDir;
    std::unique_ptr<client::Client> m_client;
    QString m_error;
    std::uint64_t m_generation = 0;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
    SessionController m_session{*this};
    ChatController m_chat{*this};
    AttachmentsController m_attachments{*this};
    DeviceLinkController m_deviceLinking{*this};
    JobQueue m_jobs; ///< relay round trips off the GUI thread; drained before the core goes
};

} // namespace verbatim::qt

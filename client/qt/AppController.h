#pragma once
/// @file AppController.h
/// The app's one controller: owns the client core for the open profile and the list models, and
/// turns the core's callbacks (on its worker thread) into model updates on the GUI thread. QML
/// reaches it as the context property `app`; no business logic lives in QML.

#include <QObject>
#include <QString>
#include <QUrl>
#include <QtQml/qqmlregistration.h>
#include <memory>
#include <thread>

#include "client/qt/Models.h"

namespace verbatim::qt {

class AppController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("the app's controller is the context property 'app'")
    /// unlock | onboarding | notice | ready | wiped
    Q_PROPERTY(QString screen READ screen NOTIFY screenChanged)
    Q_PROPERTY(QString userId READ userId NOTIFY accountChanged)
    Q_PROPERTY(QString displayName READ displayName NOTIFY accountChanged)
    Q_PROPERTY(QString role READ role NOTIFY accountChanged)
    Q_PROPERTY(QString firmName READ firmName NOTIFY accountChanged)
    Q_PROPERTY(bool canInvite READ canInvite NOTIFY accountChanged)
    Q_PROPERTY(bool connected READ connected NOTIFY connectedChanged)
    Q_PROPERTY(QString error READ error NOTIFY errorChanged)
    Q_PROPERTY(ConversationListModel* conversations READ conversations CONSTANT)
    Q_PROPERTY(MessageListModel* messages READ messages CONSTANT)
    Q_PROPERTY(SearchResultsModel* searchResults READ searchResults CONSTANT)
    Q_PROPERTY(ParticipantsModel* participants READ participants CONSTANT)
    Q_PROPERTY(DevicesModel* devices READ devices CONSTANT)
    Q_PROPERTY(QString currentConversation READ currentConversation NOTIFY currentChanged)
    Q_PROPERTY(QString currentTitle READ currentTitle NOTIFY currentChanged)
    Q_PROPERTY(bool currentIsMatter READ currentIsMatter NOTIFY currentChanged)
    Q_PROPERTY(int participantCount READ participantCount NOTIFY currentChanged)
    /// A participant's safety number changed and was not accepted (sending is held).
    Q_PROPERTY(QString safetyChangedUser READ safetyChangedUser NOTIFY bannersChanged)
    /// A received message did not match its journal copy.
    Q_PROPERTY(bool journalMismatch READ journalMismatch NOTIFY bannersChanged)
    /// An attachment is being encrypted and uploaded (in the background).
    Q_PROPERTY(QString uploading READ uploading NOTIFY uploadingChanged)

public:
    explicit AppController(QString profileDir, QObject* parent = nullptr);
    ~AppController() override;

    QString screen() const { return m_screen; }
    QString userId() const;
    QString displayName() const;
    QString role() const;
    QString firmName() const;
    bool canInvite() const;
    bool connected() const { return m_connected; }
    QString error() const { return m_error; }
    ConversationListModel* conversations() { return &m_conversations; }
    MessageListModel* messages() { return &m_messages; }
    SearchResultsModel* searchResults() { return &m_search; }
    ParticipantsModel* participants() { return &m_participants; }
    DevicesModel* devices() { return &m_devices; }
    QString currentConversation() const { return m_messages.conversation(); }
    QString currentTitle() const;
    bool currentIsMatter() const;
    int participantCount() const { return m_participants.rowCount(); }
    QString safetyChangedUser() const { return m_safetyChangedUser; }
    bool journalMismatch() const { return m_journalMismatch; }
    QString uploading() const { return m_uploading; }

    /// The core, for tests, the demo seeding and the compliance page (null while locked).
    client::Client* client() const { return m_client.get(); }
    /// The profile directory (the compliance archive sits beside the profile by default).
    QString profileDir() const { return m_profileDir; }

    Q_INVOKABLE bool unlock(const QString& passphrase);
    Q_INVOKABLE bool join(const QString& link, const QString& name, const QString& passphrase);
    Q_INVOKABLE bool acceptNotice();
    Q_INVOKABLE void openConversation(const QString& id);
    Q_INVOKABLE void closeConversation();
    Q_INVOKABLE bool send(const QString& text);
    Q_INVOKABLE bool edit(const QString& messageId, const QString& text);
    Q_INVOKABLE bool retract(const QString& messageId);
    Q_INVOKABLE bool react(const QString& messageId, const QString& emoji);
    Q_INVOKABLE bool attach(const QUrl& file);
    Q_INVOKABLE bool saveAttachment(const QString& messageId, const QUrl& target);
    Q_INVOKABLE QString createInvite();
    Q_INVOKABLE QString safetyNumber(const QString& user);
    Q_INVOKABLE bool acceptSafetyNumber(const QString& user);
    Q_INVOKABLE void search(const QString& query);
    Q_INVOKABLE bool changePassphrase(const QString& current, const QString& next);
    /// Asks the relay for this user's devices (fills `devices`).
    Q_INVOKABLE void refreshDevices();
    Q_INVOKABLE void lock();
    Q_INVOKABLE bool eraseProfile();
    Q_INVOKABLE void clearError();
    Q_INVOKABLE void copyToClipboard(const QString& text);

signals:
    void screenChanged();
    void accountChanged();
    void connectedChanged();
    void errorChanged();
    void currentChanged();
    void bannersChanged();
    void uploadingChanged();
    /// An attachment finished uploading (ok) or failed (error set).
    void attachmentDone(bool ok);
    /// A new incoming message (for notifications and tests).
    void messageArrived(const QString& conversation, const QString& messageId);
    /// The core is about to go away (lock, erase, wipe, destruction): whoever borrowed
    /// client() must stop using it before returning.
    void clientClosing();

private:
    void adopt(std::unique_ptr<client::Client> client);
    void onEvent(const client::Event& e);  // GUI thread
    void refreshConversations();
    void setScreen(const QString& s);
    bool check(bool ok, const std::string& message);
    template <class T>
    bool check(const Result<T>& r) {
        return check(r.has_value(), r ? std::string() : r.error().message);
    }

    QString m_profileDir;
    std::unique_ptr<client::Client> m_client;
    client::Account m_account;
    QString m_screen;
    QString m_error;
    bool m_connected = false;
    QString m_safetyChangedUser;
    bool m_journalMismatch = false;
    QString m_uploading;
    std::thread m_upload;  ///< joined before the core goes away (lock, erase, destruction)
    ConversationListModel m_conversations;
    MessageListModel m_messages;
    SearchResultsModel m_search;
    ParticipantsModel m_participants;
    DevicesModel m_devices;
    std::shared_ptr<bool> m_alive = std::make_shared<bool>(true);
};

}  // namespace verbatim::qt

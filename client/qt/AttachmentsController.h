#pragma once
/// @file AttachmentsController.h
/// Attachments in the chat (QML: `app.attachments`): one upload at a time into the open
/// conversation, with its progress, and saving a received attachment to a file.
///
/// Threading: GUI thread. An upload reads, hashes, encrypts and sends the file on a thread of its
/// own (it may take minutes; the progress comes back at most once per percent); a save may
/// download the blob first and runs on the AppController's job queue. Both are over before the
/// core goes away (clientClosed()).

#include <QObject>
#include <QString>
#include <QUrl>
#include <QtQml/qqmlregistration.h>
#include <thread>

namespace verbatim::qt {

class AppController;

class AttachmentsController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("app.attachments")
    /// An attachment is being encrypted and uploaded (in the background): its name.
    Q_PROPERTY(QString uploading READ uploading NOTIFY uploadingChanged)
    /// How far the upload in flight (or the last one) got, 0..1 of the encrypted bytes sent.
    /// Reset to 0 when an upload starts; updated at most once per percent, so a large file does
    /// not flood the event loop.
    Q_PROPERTY(qreal uploadProgress READ uploadProgress NOTIFY uploadProgressChanged)
    /// Qt Quick's own file dialog can open here: it needs the Qt.labs.folderlistmodel QML module
    /// (Debian: qml6-module-qt-labs-folderlistmodel) and crashes in Qt 6.4 without it. When false
    /// the chat asks for a path in a plain dialog instead. Tests may set it.
    Q_PROPERTY(bool filePickerAvailable READ filePickerAvailable WRITE setFilePickerAvailable NOTIFY
                   filePickerChanged)
    /// The message whose attachment is being downloaded and saved (empty: none).
    Q_PROPERTY(QString savingAttachment READ savingAttachment NOTIFY savingAttachmentChanged)
    /// The firm's device policy for this user (issue 22), read from the core when asked: whether
    /// attachments may be saved outside the app (the chat hides Save otherwise) and message text
    /// copied (Copy disabled otherwise), why not in a short plain sentence, and the whole policy
    /// as plain lines for the settings. Viewing inside the app is always allowed.
    Q_PROPERTY(bool maySave READ maySave NOTIFY devicePolicyChanged)
    Q_PROPERTY(bool mayCopy READ mayCopy NOTIFY devicePolicyChanged)
    Q_PROPERTY(QString saveRefusal READ saveRefusal CONSTANT)
    Q_PROPERTY(QString copyRefusal READ copyRefusal CONSTANT)
    Q_PROPERTY(QString devicePolicyText READ devicePolicyText NOTIFY devicePolicyChanged)

public:
    explicit AttachmentsController(AppController& app);
    /// Waits for the upload in flight.
    ~AttachmentsController() override;

    QString uploading() const { return m_uploading; }
    qreal uploadProgress() const { return m_uploadProgress; }
    QString savingAttachment() const { return m_savingAttachment; }
    bool filePickerAvailable() const { return m_filePickerAvailable; }
    void setFilePickerAvailable(bool available);
    bool maySave() const;
    bool mayCopy() const;
    QString saveRefusal() const { return tr("Your firm does not allow saving attachments"); }
    QString copyRefusal() const { return tr("Your firm does not allow copying message text"); }
    QString devicePolicyText() const;
    /// The policy may have changed (a new profile, a newer manifest): bindings read it again.
    Q_INVOKABLE void refreshDevicePolicy() { emit devicePolicyChanged(); }

    /// Encrypts and uploads `file` into the open conversation, in the background:
    /// attachmentDone reports the result. False if it could not start (locked, no conversation
    /// open, or an upload is running).
    Q_INVOKABLE bool attach(const QUrl& file);
    /// Downloads (if needed), checks and decrypts the message's attachment into `target`, in the
    /// background; attachmentSaved reports the result (and `error` says why it failed). False if
    /// it could not start (locked, or another save is running).
    Q_INVOKABLE bool saveAttachment(const QString& messageId, const QUrl& target);
    /// Where a save dialog proposes to put `fileName` (the user's download folder; only the
    /// name's last part is used, never a path of the sender's).
    Q_INVOKABLE QString suggestedSavePath(const QString& fileName) const;
    /// A typed path as a file URL (a path may hold '#' or '?', which a URL would take apart).
    Q_INVOKABLE static QUrl fileUrl(const QString& path) {
        return QUrl::fromLocalFile(path.trimmed());
    }
    /// The same as a URL, for a FileDialog.
    Q_INVOKABLE QUrl suggestedSaveUrl(const QString& fileName) const {
        return QUrl::fromLocalFile(suggestedSavePath(fileName));
    }

    // ---- for the AppController ----------------------------------------------------------------
    /// The core is going away and its job queue has drained: waits for the upload and forgets
    /// the save whose answer was dropped.
    void clientClosed();

signals:
    void uploadingChanged();
    void uploadProgressChanged();
    void savingAttachmentChanged();
    void filePickerChanged();
    void devicePolicyChanged();
    /// An attachment finished uploading (ok) or failed (error set).
    void attachmentDone(bool ok);
    /// saveAttachment() finished.
    void attachmentSaved(const QString& messageId, bool ok);

private:
    AppController& m_app;
    QString m_uploading;
    qreal m_uploadProgress = 0;
    QString m_savingAttachment;
    bool m_filePickerAvailable = false;
    std::thread m_upload; ///< joined before the core goes away (lock, erase, wipe, destruction)
};

} // namespace verbatim::qt

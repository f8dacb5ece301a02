#pragma once
/// @file AttachmentsController.h
/// Attachments in the chat (QML: `app.attachments`): one send at a time into the open
/// conversation (one file or several in one message, images with a thumbnail made here), with
/// each file's progress; saving a received attachment to a file, opening it with the system's
/// viewer from a private folder, and showing an image in the app's viewer (issue 23).
///
/// Threading: GUI thread. An upload reads, hashes, encrypts and sends the file on a thread of its
/// own (it may take minutes; the progress comes back at most once per percent); a save, an Open
/// and a view may download the blob first and run on the AppController's job queue. All are over
/// before the core goes away (clientClosed()).

#include <QImage>
#include <QList>
#include <QObject>
#include <QString>
#include <QUrl>
#include <QVariantList>
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
    /// The files of the send in flight, in order, each a map: "name" (string, as shown) and
    /// "progress" (0..1 of its encrypted bytes sent). Empty when no send is running.
    Q_PROPERTY(QVariantList uploads READ uploads NOTIFY uploadsChanged)
    /// The most files one send takes (more are refused with a message, nothing sent).
    Q_PROPERTY(int maxFiles READ maxFiles CONSTANT)
    /// The message whose attachment is being decrypted for Open (empty: none).
    Q_PROPERTY(QString openingAttachment READ openingAttachment NOTIFY openingAttachmentChanged)
    /// The image viewer: the image shown ("image://attachment/view/N", "" when closed), whether it
    /// is still being fetched and decrypted, its file name, why it cannot be shown ("" when it
    /// can), and which attachment it is (for Save and Open from the viewer).
    Q_PROPERTY(QString viewerSource READ viewerSource NOTIFY viewerChanged)
    Q_PROPERTY(bool viewerOpen READ viewerOpen NOTIFY viewerChanged)
    Q_PROPERTY(bool viewerLoading READ viewerLoading NOTIFY viewerChanged)
    Q_PROPERTY(QString viewerName READ viewerName NOTIFY viewerChanged)
    Q_PROPERTY(QString viewerError READ viewerError NOTIFY viewerChanged)
    Q_PROPERTY(QString viewerMessageId READ viewerMessageId NOTIFY viewerChanged)
    Q_PROPERTY(int viewerIndex READ viewerIndex NOTIFY viewerChanged)

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

    QVariantList uploads() const { return m_uploads; }
    static int maxFiles();
    QString openingAttachment() const { return m_openingAttachment; }
    QString viewerSource() const;
    bool viewerOpen() const { return !m_viewerMessageId.isEmpty(); }
    bool viewerLoading() const {
        return viewerOpen() && m_viewerImage.isNull() && m_viewerError.isEmpty();
    }
    QString viewerName() const { return m_viewerName; }
    QString viewerError() const { return m_viewerError; }
    QString viewerMessageId() const { return m_viewerMessageId; }
    int viewerIndex() const { return m_viewerIndex; }

    /// Encrypts and uploads `file` into the open conversation, in the background:
    /// attachmentDone reports the result. False if it could not start (locked, no conversation
    /// open, or an upload is running).
    Q_INVOKABLE bool attach(const QUrl& file);
    /// The same for several files (picked or dropped together): one message with all of them,
    /// images with a thumbnail made here. More than maxFiles files are refused with a message.
    Q_INVOKABLE bool attachFiles(const QList<QUrl>& files);
    /// Downloads (if needed), checks and decrypts attachment `index` of the message into
    /// `target`, in the background; attachmentSaved reports the result (and `error` says why it
    /// failed). False if it could not start (locked, or another save is running).
    Q_INVOKABLE bool saveAttachment(const QString& messageId, const QUrl& target, int index = 0);
    /// "Open": decrypts attachment `index` into the private folder (openedFolder(); 0700, the
    /// file 0600 under a random name keeping its extension) and hands it to the system's viewer
    /// (QDesktopServices). Allowed, refused and journaled exactly like a save. attachmentOpened
    /// reports the result. False if it could not start.
    Q_INVOKABLE bool openAttachment(const QString& messageId, int index = 0);
    /// Shows image attachment `index` in the app's viewer: fetched and decrypted in the
    /// background (no file is written, nothing journaled), decoded under Thumbnail's limits.
    Q_INVOKABLE bool viewImage(const QString& messageId, int index = 0);
    Q_INVOKABLE void closeViewer();
    /// Where Open puts files: per profile, under the app's local data (QStandardPaths). The
    /// controller empties it when it starts and when it goes away.
    QString openedFolder() const { return m_openedFolder; }
    /// Removes the opened folder and what is in it (start, exit, lock).
    void cleanOpened() const;
    /// For the image provider (GUI thread): attachment `index`'s thumbnail bytes as received, or
    /// empty; the image the viewer shows for `serial` (null when another is shown now).
    QByteArray thumbnailBytes(const QString& messageId, int index) const;
    QImage viewerImage(int serial) const {
        return serial == m_viewerSerial ? m_viewerImage : QImage();
    }
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
    void uploadsChanged();
    void openingAttachmentChanged();
    void viewerChanged();
    /// openAttachment() finished (`ok`: handed to the system's viewer).
    void attachmentOpened(const QString& messageId, bool ok);
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
    QVariantList m_uploads;
    QString m_openingAttachment;
    QString m_openedFolder;
    QString m_viewerMessageId, m_viewerName, m_viewerError;
    int m_viewerIndex = 0;
    int m_viewerSerial = 0;
    QImage m_viewerImage;
    std::thread m_upload; ///< joined before the core goes away (lock, erase, wipe, destruction)
};

} // namespace verbatim::qt

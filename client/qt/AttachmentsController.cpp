#include "client/qt/AttachmentsController.h"
#include "client/qt/StdText.h"

#include <QCryptographicHash>
#include <QDesktopServices>
#include <QDir>
#include <QFileInfo>
#include <QLibraryInfo>
#include <QMetaObject>
#include <QPointer>
#include <QStandardPaths>
#include <algorithm>
#include <memory>

#include "client/qt/AppController.h"
#include "client/qt/ChatController.h"
#include "client/qt/Models.h"
#include "client/qt/TextRuns.h"
#include "client/qt/Thumbnail.h"

namespace verbatim::qt {

AttachmentsController::AttachmentsController(AppController& app) : QObject(&app), m_app(app) {
    // Where the platform has no native file dialog, QtQuick.Dialogs falls back to its own, which
    // is built on Qt.labs.folderlistmodel; without that module it fails to load and crashes
    // when opened (Qt 6.4).
    for (const QString& dir :
         QStringList{QLibraryInfo::path(QLibraryInfo::QmlImportsPath)} +
             qEnvironmentVariable("QML_IMPORT_PATH").split(QLatin1Char(':'), Qt::SkipEmptyParts))
        if (QFileInfo::exists(dir + QStringLiteral("/Qt/labs/folderlistmodel/qmldir")))
            m_filePickerAvailable = true;
    // Opened files live under the app's own data, one folder per profile (two profiles, or a
    // test's two parties, never empty each other's); left over from a crash, they go now.
    const QByteArray profile =
        QCryptographicHash::hash(QFileInfo(m_app.profileDir()).absoluteFilePath().toUtf8(),
                                 QCryptographicHash::Sha256)
            .toHex()
            .left(16);
    m_openedFolder = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) +
                     QStringLiteral("/opened/") + QString::fromLatin1(profile);
    cleanOpened();
}

AttachmentsController::~AttachmentsController() {
    if (m_upload.joinable()) m_upload.join();
    cleanOpened();
}

int AttachmentsController::maxFiles() {
    return int(client::kMaxFilesPerSend);
}

void AttachmentsController::cleanOpened() const {
    if (!m_openedFolder.isEmpty()) QDir(m_openedFolder).removeRecursively();
}

QString AttachmentsController::viewerSource() const {
    if (m_viewerImage.isNull()) return {};
    return QStringLiteral("image://attachment/view/%1").arg(m_viewerSerial);
}

QByteArray AttachmentsController::thumbnailBytes(const QString& messageId, int index) const {
    client::Client* core = m_app.client();
    if (!core || index < 0) return {};
    auto m = core->message(messageId.toStdString());
    if (!m || !*m || std::size_t(index) >= (*m)->attachments.size()) return {};
    const std::string& bytes = (*m)->attachments[std::size_t(index)].thumbnail;
    return QByteArray(bytes.data(), qsizetype(bytes.size()));
}

bool AttachmentsController::maySave() const {
    client::Client* core = m_app.client();
    return !core || core->devicePolicy().maySave;
}

bool AttachmentsController::mayCopy() const {
    client::Client* core = m_app.client();
    return !core || core->devicePolicy().mayCopy;
}

QString AttachmentsController::devicePolicyText() const {
    client::Client* core = m_app.client();
    if (!core) return {};
    const auto p = core->devicePolicy();
    if (!p.known) return tr("Your firm's device policy is not known yet on this device.");
    auto rule = [](bool staff, bool clients) {
        return staff && clients ? tr("allowed")
               : staff          ? tr("allowed for staff, not allowed for clients")
               : clients        ? tr("allowed for clients, not allowed for staff")
                                : tr("not allowed");
    };
    QStringList lines;
    lines << (p.messageDays == 1 ? tr("Messages are kept on this device for 1 day, then removed "
                                      "from it (your firm's journal keeps them).")
              : p.messageDays
                  ? tr("Messages are kept on this device for %1 days, then removed from it (your "
                       "firm's journal keeps them).")
                        .arg(p.messageDays)
                  : tr("Messages are kept on this device until you delete them."));
    lines << tr("Saving attachments outside Verbatim: %1.")
                 .arg(rule(p.staffMaySave, p.clientsMaySave));
    lines << tr("Copying message text: %1.").arg(rule(p.staffMayCopy, p.clientsMayCopy));
    lines << (p.firmMayWipeClients ? tr("Your firm may erase clients' devices remotely.")
                                   : tr("Your firm may not erase clients' devices remotely."));
    lines << tr("Saves are recorded in your firm's journal. These rules bind this app; they cannot "
                "stop a photo of the screen.");
    return lines.join(QLatin1Char('\n'));
}

void AttachmentsController::clientClosed() {
    emit devicePolicyChanged();
    if (m_upload.joinable()) m_upload.join();
    if (!m_savingAttachment.isEmpty()) { // its answer was dropped with the old generation
        m_savingAttachment.clear();
        emit savingAttachmentChanged();
    }
    if (!m_openingAttachment.isEmpty()) {
        m_openingAttachment.clear();
        emit openingAttachmentChanged();
    }
    if (!m_uploads.isEmpty()) {
        m_uploads.clear();
        emit uploadsChanged();
    }
    closeViewer();
    cleanOpened(); // locked: what was opened is this profile's, not the next person's
}

void AttachmentsController::setFilePickerAvailable(bool available) {
    if (available == m_filePickerAvailable) return;
    m_filePickerAvailable = available;
    emit filePickerChanged();
}

// Encrypting and uploading a large file takes a while: it runs on a thread of its own, the UI
// shows the files and their progress meanwhile and stays responsive.
bool AttachmentsController::attach(const QUrl& file) {
    return attachFiles({file});
}

bool AttachmentsController::attachFiles(const QList<QUrl>& files) {
    client::Client* core = m_app.client();
    const QString conversation = m_app.chat()->currentConversation();
    if (!core || conversation.isEmpty() || !m_uploading.isEmpty()) return false;
    if (files.isEmpty()) return m_app.check(false, tr("Choose a file to attach."));
    if (files.size() > maxFiles())
        return m_app.check(false, tr("At most %1 files can go in one message; you chose %2. "
                                     "Nothing was sent.")
                                      .arg(maxFiles())
                                      .arg(files.size()));
    std::vector<std::string> paths;
    m_uploads.clear();
    for (const QUrl& file : files) {
        const QString path = file.isLocalFile() ? file.toLocalFile() : file.toString();
        if (QFileInfo(path).fileName().isEmpty())
            return m_app.check(false, tr("Choose a file to attach."));
        paths.push_back(path.toStdString());
        QString shown =
            TextRuns::safeName(QFileInfo(path).fileName(), TextRuns::kMaxNameLength, true);
        m_uploads.append(
            QVariantMap{{QStringLiteral("name"), shown}, {QStringLiteral("progress"), 0.0}});
    }
    m_uploading = files.size() == 1
                      ? m_uploads.front().toMap().value(QStringLiteral("name")).toString()
                      : tr("%1 files").arg(files.size());
    if (m_uploading.isEmpty()) m_uploading = tr("a file"); // empty means no upload
    emit uploadingChanged();
    emit uploadsChanged();
    m_uploadProgress = 0;
    emit uploadProgressChanged();
    const std::uint64_t generation = m_app.generation();
    QPointer<AttachmentsController> self(this);
    if (m_upload.joinable()) m_upload.join(); // the previous one has finished
    // `this` outlives the thread: clientClosed() and the destructor join it before the core (or
    // we) go away.
    m_upload = std::thread([this, core, conversation = conversation.toStdString(), generation,
                            paths = std::move(paths), self] {
        // Thumbnails are made here, off the GUI thread; together they must fit the message.
        const qsizetype budget = std::min<qsizetype>(
            Thumbnail::kMaxBytes, qsizetype(client::kMaxThumbnailBytesPerSend / paths.size()));
        std::vector<client::OutgoingFile> outgoing;
        for (const auto& path : paths) {
            client::OutgoingFile f;
            f.path = path;
            const auto made = Thumbnail::make(QString::fromStdString(path), budget);
            f.thumbnail.assign(made.jpeg.constData(), std::size_t(made.jpeg.size()));
            f.width = made.width;
            f.height = made.height;
            outgoing.push_back(std::move(f));
        }
        // The core reports every 64 KiB; the GUI hears of each file's whole percent once, which
        // bounds the posts per send whatever the files' sizes.
        std::vector<int> lastPercent(paths.size(), 0); // attachFiles() has shown 0 already
        const std::size_t count = paths.size();
        auto progress = [this, generation, &lastPercent,
                         count](std::size_t file, std::uint64_t done, std::uint64_t total) {
            if (total == 0 || file >= lastPercent.size()) return;
            const int percent = int(std::min<std::uint64_t>(done, total) * 100 / total);
            if (percent == lastPercent[file]) return;
            lastPercent[file] = percent;
            m_app.toGui(generation, [this, file, percent, count] {
                if (int(file) >= m_uploads.size()) return;
                QVariantMap entry = m_uploads[int(file)].toMap();
                entry[QStringLiteral("progress")] = percent / 100.0;
                m_uploads[int(file)] = entry;
                emit uploadsChanged();
                m_uploadProgress = (double(file) + percent / 100.0) / double(count);
                emit uploadProgressChanged();
            });
        };
        auto r = core->sendAttachments(conversation, outgoing, {}, progress);
        const bool ok = r.has_value();
        const std::string error = ok ? std::string() : r.error().message;
        QMetaObject::invokeMethod(
            self.data(),
            [self, ok, error] {
                if (!self) return;
                self->m_uploading.clear();
                emit self->uploadingChanged();
                self->m_uploads.clear();
                emit self->uploadsChanged();
                if (!ok) self->m_app.check(false, q(error));
                self->m_app.chat()->messages()->refresh();
                emit self->attachmentDone(ok);
            },
            Qt::QueuedConnection);
    });
    return true;
}

QString AttachmentsController::suggestedSavePath(const QString& fileName) const {
    QString folder = QStandardPaths::writableLocation(QStandardPaths::DownloadLocation);
    if (folder.isEmpty() || !QFileInfo(folder).isDir()) folder = QDir::homePath();
    // Only the name the sender gave: never a path of theirs.
    const QString name = QFileInfo(fileName).fileName();
    return QDir(folder).filePath(name.isEmpty() || name == ".." ? tr("attachment") : name);
}

// Saving may download the blob first: on the worker, like the other relay round trips.
bool AttachmentsController::saveAttachment(const QString& messageId, const QUrl& target,
                                           int index) {
    if (!m_app.client() || messageId.isEmpty() || !m_savingAttachment.isEmpty()) return false;
    const QString path = target.isLocalFile() ? target.toLocalFile() : target.toString();
    if (path.isEmpty()) return m_app.check(false, tr("Choose where to save the file."));
    // The core refuses too (and so does verbatim-cli); this says it before any download.
    if (!maySave()) return m_app.check(false, saveRefusal());
    m_savingAttachment = messageId;
    emit savingAttachmentChanged();
    const std::uint64_t generation = m_app.generation();
    m_app.background([this, generation, messageId, index,
                      path = path.toStdString()](client::Client& core) {
        auto saved = std::make_shared<Result<void>>(
            core.saveAttachment(messageId.toStdString(), std::size_t(std::max(index, 0)), path));
        m_app.toGui(generation, [this, saved, messageId] {
            m_savingAttachment.clear();
            emit savingAttachmentChanged();
            const bool ok = saved->has_value();
            if (!ok)
                m_app.check(false,
                            tr("Could not save the attachment: %1").arg(q(saved->error().message)));
            emit attachmentSaved(messageId, ok);
        });
    });
    return true;
}

// Open decrypts to a file on disk: the same policy and journal record as a save, on the worker.
bool AttachmentsController::openAttachment(const QString& messageId, int index) {
    if (!m_app.client() || messageId.isEmpty() || index < 0 || !m_openingAttachment.isEmpty())
        return false;
    if (!maySave()) return m_app.check(false, saveRefusal());
    m_openingAttachment = messageId;
    emit openingAttachmentChanged();
    const std::uint64_t generation = m_app.generation();
    m_app.background([this, generation, messageId, index,
                      folder = m_openedFolder.toStdString()](client::Client& core) {
        auto opened = std::make_shared<Result<std::string>>(
            core.openAttachment(messageId.toStdString(), std::size_t(index), folder));
        m_app.toGui(generation, [this, opened, messageId] {
            m_openingAttachment.clear();
            emit openingAttachmentChanged();
            bool ok = opened->has_value();
            if (!ok) {
                m_app.check(
                    false, tr("Could not open the attachment: %1").arg(q(opened->error().message)));
            } else if (!QDesktopServices::openUrl(QUrl::fromLocalFile(q(**opened)))) {
                ok = false;
                m_app.check(false, tr("No application on this device opens this kind of file."));
            }
            emit attachmentOpened(messageId, ok);
        });
    });
    return true;
}

// Viewing stays inside the app: fetched, decrypted and decoded on the worker, shown from memory.
bool AttachmentsController::viewImage(const QString& messageId, int index) {
    client::Client* core = m_app.client();
    if (!core || messageId.isEmpty() || index < 0) return false;
    auto m = core->message(messageId.toStdString());
    if (!m || !*m || std::size_t(index) >= (*m)->attachments.size()) return false;
    m_viewerMessageId = messageId;
    m_viewerIndex = index;
    m_viewerName = TextRuns::safeName(q((*m)->attachments[std::size_t(index)].fileName),
                                      TextRuns::kMaxNameLength, true);
    m_viewerError.clear();
    m_viewerImage = QImage();
    const int serial = ++m_viewerSerial;
    emit viewerChanged();
    const std::uint64_t generation = m_app.generation();
    m_app.background([this, generation, messageId, index, serial](client::Client& core) {
        auto content = core.attachmentContent(messageId.toStdString(), std::size_t(index));
        auto image = std::make_shared<QImage>();
        auto why = std::make_shared<QString>();
        if (!content) {
            *why = q(content.error().message);
        } else {
            *image = Thumbnail::decodeForViewer(
                QByteArray::fromRawData(reinterpret_cast<const char*>(content->data()),
                                        qsizetype(content->size())),
                why.get());
            if (image->isNull() && why->isEmpty()) *why = tr("The image could not be shown.");
        }
        m_app.toGui(generation, [this, serial, image, why] {
            if (serial != m_viewerSerial || m_viewerMessageId.isEmpty()) return; // closed since
            m_viewerImage = *image;
            m_viewerError = image->isNull() ? *why : QString();
            emit viewerChanged();
        });
    });
    return true;
}

void AttachmentsController::closeViewer() {
    if (m_viewerMessageId.isEmpty() && m_viewerImage.isNull()) return;
    m_viewerMessageId.clear();
    m_viewerName.clear();
    m_viewerError.clear();
    m_viewerImage = QImage();
    ++m_viewerSerial;
    emit viewerChanged();
}

} // namespace verbatim::qt

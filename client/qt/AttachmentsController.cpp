#include "client/qt/AttachmentsController.h"
#include "client/qt/StdText.h"

#include <QDir>
#include <QFileInfo>
#include <QLibraryInfo>
#include <QMetaObject>
#include <QPointer>
#include <QStandardPaths>
#include <algorithm>
#include <memory>

#include "client/qt/AppController.h"
#include "client/qt/TextRuns.h"

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
}

AttachmentsController::~AttachmentsController() {
    if (m_upload.joinable()) m_upload.join();
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
}

void AttachmentsController::setFilePickerAvailable(bool available) {
    if (available == m_filePickerAvailable) return;
    m_filePickerAvailable = available;
    emit filePickerChanged();
}

// Encrypting and uploading a large file takes a while: it runs on a thread of its own, the UI
// shows the file and its progress meanwhile and stays responsive.
bool AttachmentsController::attach(const QUrl& file) {
    client::Client* core = m_app.client();
    const QString conversation = m_app.chat()->currentConversation();
    if (!core || conversation.isEmpty() || !m_uploading.isEmpty()) return false;
    const QString path = file.isLocalFile() ? file.toLocalFile() : file.toString();
    if (QFileInfo(path).fileName().isEmpty())
        return m_app.check(false, tr("Choose a file to attach."));
    m_uploading = TextRuns::safeName(QFileInfo(path).fileName(), TextRuns::kMaxNameLength, true);
    if (m_uploading.isEmpty()) m_uploading = tr("a file"); // empty means no upload
    emit uploadingChanged();
    m_uploadProgress = 0;
    emit uploadProgressChanged();
    const std::uint64_t generation = m_app.generation();
    QPointer<AttachmentsController> self(this);
    if (m_upload.joinable()) m_upload.join(); // the previous one has finished
    // `this` outlives the thread: clientClosed() and the destructor join it before the core (or
    // we) go away.
    m_upload = std::thread([this, core, conversation = conversation.toStdString(), generation,
                            path = path.toStdString(), self] {
        // The core reports every 64 KiB; the GUI hears of each whole percent once, which bounds
        // the posts per upload whatever the file's size.
        int lastPercent = 0; // attach() has shown 0 already
        auto progress = [this, generation, &lastPercent](std::uint64_t done, std::uint64_t total) {
            if (total == 0) return;
            const int percent = int(std::min<std::uint64_t>(done, total) * 100 / total);
            if (percent == lastPercent) return;
            lastPercent = percent;
            m_app.toGui(generation, [this, percent] {
                m_uploadProgress = percent / 100.0;
                emit uploadProgressChanged();
            });
        };
        auto r = core->sendAttachment(conversation, path, {}, progress);
        const bool ok = r.has_value();
        const std::string error = ok ? std::string() : r.error().message;
        QMetaObject::invokeMethod(
            self.data(),
            [self, ok, error] {
                if (!self) return;
                self->m_uploading.clear();
                emit self->uploadingChanged();
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
bool AttachmentsController::saveAttachment(const QString& messageId, const QUrl& target) {
    if (!m_app.client() || messageId.isEmpty() || !m_savingAttachment.isEmpty()) return false;
    const QString path = target.isLocalFile() ? target.toLocalFile() : target.toString();
    if (path.isEmpty()) return m_app.check(false, tr("Choose where to save the file."));
    // The core refuses too (and so does verbatim-cli); this says it before any download.
    if (!maySave()) return m_app.check(false, saveRefusal());
    m_savingAttachment = messageId;
    emit savingAttachmentChanged();
    const std::uint64_t generation = m_app.generation();
    m_app.background([this, generation, messageId,
                      path = path.toStdString()](client::Client& core) {
        auto saved =
            std::make_shared<Result<void>>(core.saveAttachment(messageId.toStdString(), 0, path));
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

} // namespace verbatim::qt

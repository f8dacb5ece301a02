// Part of SupervisionController (see SupervisionControllerRows.h): opening an alert's attachments.
#include "client/qt/SupervisionController.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QUrl>

#include <algorithm>

#include "client/core/Client.h"
#include "client/qt/StdText.h"
#include "client/qt/SupervisionControllerRows.h"
#include "client/qt/TextRuns.h"
#include "compliance/Supervision.h"

namespace verbatim::qt {

void SupervisionController::closeAttachment() {
    if (m_attachmentName.isEmpty() && m_attachmentText.isEmpty()) return;
    m_attachmentName.clear();
    m_attachmentText.clear();
    emit attachmentChanged();
}

void SupervisionController::openAttachment(const QString& alertId, int index,
                                           const QString& saveTo) {
    clearError();
    if (!m_compliance || !m_compliance->unlocked())
        return setError(tr("Unlock the journal key first."));
    if (index < 0) return setError(tr("No such attachment."));
    QString path = saveTo.trimmed();
    if (path.startsWith(QLatin1String("file:"))) path = QUrl(path).toLocalFile();
    const bool save = !path.isEmpty();
    client::Client* c = officerClient();
    auto cancel = m_compliance->cancelFlag();
    QPointer<SupervisionController> self(this);
    const std::string id = alertId.toStdString();
    begin();
    setStatus(save ? tr("Saving the attachment\u2026") : tr("Opening the attachment\u2026"));
    m_compliance->submit([self, c, cancel, id, index, path,
                          save](Worker& w) -> std::function<void()> {
        auto failed = [self](const QString& text) {
            return failure(self, text, &SupervisionController::attachmentFinished);
        };
        if (!w.archive) return failed(tr("The archive is closed."));
        compliance::Supervision sv(*w.archive);
        auto alert = sv.alert(id);
        if (!alert) return failed(tr("No such alert in this archive."));
        if (alert->part >= 0 && alert->part != index)
            return failed(tr("This alert is about attachment %1.").arg(alert->part));
        auto files = w.archive->attachments(alert->sequence);
        if (!files) return failed(tr("Cannot read the archive: %1").arg(q(files.error().message)));
        const compliance::AttachmentInfo* file = nullptr;
        for (const auto& f : *files)
            if (f.index == std::size_t(index)) file = &f;
        if (!file) return failed(tr("No such attachment."));
        if (!file->available)
            return failed(tr("The archive does not hold this attachment's content."));
        QString target = path;
        if (save && QFileInfo(path).isDir()) {
            // The sender chose the name: only characters every file system accepts, no dot first.
            static const QRegularExpression unsafe(QStringLiteral("[^A-Za-z0-9._ -]+"));
            QString name = q(file->fileName).replace(unsafe, QStringLiteral("_")).trimmed();
            while (name.startsWith(QLatin1Char('.')))
                name.remove(0, 1);
            if (name.isEmpty()) name = QStringLiteral("attachment");
            target = QDir(path).filePath(name.left(120));
        }
        // Journaled before the content is read, as a search or an export is.
        std::string detail = "attachment " + std::to_string(alert->sequence) + "/" +
                             std::to_string(index) + " name=" + file->fileName + " alert=" + id;
        if (save) detail += " to=" + target.toStdString();
        auto journaled =
            compliancework::journalAccess(w, c, save ? "export" : "show", detail, cancel);
        if (!journaled)
            return failed(tr("Opening the attachment was not journaled, so it was not opened: %1")
                              .arg(q(journaled.error().message)));
        auto bytes = w.archive->attachment(alert->sequence, std::size_t(index));
        if (!bytes)
            return failed(tr("Cannot read the attachment: %1").arg(q(bytes.error().message)));
        const QString name = TextRuns::safeName(q(file->fileName), TextRuns::kMaxNameLength, true);
        const QString note = *journaled ? tr("journaled in the access log")
                                        : tr("not journaled: this device is not in "
                                             "“Compliance review\u201d");
        if (save) {
            QFile f(target);
            // A new file only, readable by its owner alone: it is privileged material.
            if (!f.open(QIODevice::WriteOnly | QIODevice::NewOnly,
                        QFileDevice::ReadOwner | QFileDevice::WriteOwner) ||
                f.write(reinterpret_cast<const char*>(bytes->data()), qint64(bytes->size())) !=
                    qint64(bytes->size()) ||
                !f.flush()) {
                const bool existed =
                    f.error() == QFileDevice::OpenError && QFileInfo::exists(target);
                if (!existed) f.remove();
                return failed(existed ? tr("%1 exists already; nothing was written.").arg(target)
                                      : tr("Cannot write %1.").arg(target));
            }
            f.close();
            const QString text = tr("Saved %1 to %2 (%3).").arg(name, target, note);
            return [self, text] {
                if (!self) return;
                self->setStatus(text);
                self->end();
                emit self->attachmentFinished(true);
                self->reload();
            };
        }
        // Shown from memory: text as plain text, anything else only named.
        const QString mime = q(file->mimeType).toLower();
        QString shown;
        if (mime.startsWith(QLatin1String("text/"))) {
            const auto n = std::min<std::size_t>(bytes->size(), std::size_t(kMaxShownAttachment));
            shown = QString::fromUtf8(reinterpret_cast<const char*>(bytes->data()), qsizetype(n));
            if (n < bytes->size())
                shown +=
                    tr("\n[\u2026 %1 more bytes: save it to read the rest]").arg(bytes->size() - n);
        } else {
            shown = tr("%1 (%2, %3 bytes) is not text: save it to open it with another program.")
                        .arg(name, q(file->mimeType))
                        .arg(bytes->size());
        }
        const QString text = tr("Opened %1 (%2).").arg(name, note);
        return [self, name, shown, text] {
            if (!self) return;
            self->m_attachmentName = name;
            self->m_attachmentText = shown;
            emit self->attachmentChanged();
            self->setStatus(text);
            self->end();
            emit self->attachmentFinished(true);
            self->reload();
        };
    });
}

} // namespace verbatim::qt

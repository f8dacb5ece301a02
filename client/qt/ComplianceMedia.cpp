#include "client/qt/ComplianceMedia.h"

#include <QByteArray>

#include <memory>

#include "client/core/Client.h"
#include "client/media/VoiceNote.h"
#include "client/qt/ComplianceController.h"
#include "client/qt/ComplianceWorker.h"
#include "client/qt/StdText.h"
#include "client/qt/TextRuns.h"
#include "client/qt/Thumbnail.h"
#include "client/qt/VoiceController.h"

namespace verbatim::qt {

namespace {

using Worker = ComplianceController::Worker;

/// An attachment read from the archive after its access was journaled, or why not.
struct Read {
    SecureBytes bytes;
    QString name;    ///< the file name as shown
    QString note;    ///< journaled or not, for the status line
    QString failure; ///< empty on success
};

/// On the worker: the attachment's entry in the archive, the access journaled ("show", naming
/// the entry, the attachment and `purpose`), then its checked, decrypted bytes. `c` is the
/// compliance device (null: not journaled, as `verbatim-journal` without --profile).
Read readJournaled(Worker& w, client::Client* c, const std::shared_ptr<std::atomic<bool>>& cancel,
                   std::uint64_t sequence, int index, const char* purpose) {
    Read r;
    auto failed = [&r](const QString& why) {
        r.failure = why;
        return std::move(r);
    };
    if (!w.archive) return failed(ComplianceController::tr("The archive is closed."));
    auto files = w.archive->attachments(sequence);
    if (!files)
        return failed(
            ComplianceController::tr("Cannot read the archive: %1").arg(q(files.error().message)));
    const compliance::AttachmentInfo* file = nullptr;
    for (const auto& f : *files)
        if (f.index == std::size_t(index)) file = &f;
    if (!file) return failed(ComplianceController::tr("No such attachment."));
    if (!file->available)
        return failed(
            ComplianceController::tr("The archive does not hold this attachment's content."));
    r.name = TextRuns::safeName(q(file->fileName), TextRuns::kMaxNameLength, true);
    // Journaled before the content is read, as an alert's attachment is.
    const std::string detail = "attachment " + std::to_string(sequence) + "/" +
                               std::to_string(index) + " name=" + file->fileName + " " + purpose;
    auto journaled = compliancework::journalAccess(w, c, "show", detail, cancel);
    if (!journaled)
        return failed(ComplianceController::tr(
                          "Opening the attachment was not journaled, so it was not opened: %1")
                          .arg(q(journaled.error().message)));
    r.note = *journaled ? ComplianceController::tr("journaled in the access log")
                        : ComplianceController::tr("not journaled: this device is not in "
                                                   "“Compliance review”");
    auto bytes = w.archive->attachment(sequence, std::size_t(index));
    if (!bytes)
        return failed(ComplianceController::tr("Cannot read the attachment: %1")
                          .arg(q(bytes.error().message)));
    r.bytes = std::move(*bytes);
    return r;
}

/// The compliance device of the page's profile, else null (nothing is journaled then).
client::Client* officer(ComplianceController* cc) {
    AppController* app = cc ? cc->appController() : nullptr;
    if (!app || app->session()->role() != QLatin1String("compliance")) return nullptr;
    return app->client();
}

} // namespace

ComplianceMediaController::ComplianceMediaController(QObject* parent) : QObject(parent) {}

ComplianceMediaController::~ComplianceMediaController() = default;

void ComplianceMediaController::setCompliance(ComplianceController* c) {
    if (c == m_compliance) return;
    if (m_compliance) disconnect(m_compliance, nullptr, this, nullptr);
    m_compliance = c;
    if (m_compliance)
        connect(m_compliance, &ComplianceController::unlockedChanged, this, [this] {
            if (!m_compliance || !m_compliance->unlocked()) onLocked();
        });
    emit complianceChanged();
}

void ComplianceMediaController::setVoice(VoiceController* v) {
    if (v == m_voice) return;
    m_voice = v;
    emit voiceChanged();
}

void ComplianceMediaController::setError(const QString& text) {
    if (text == m_error) return;
    m_error = text;
    emit errorChanged();
}

void ComplianceMediaController::setStatus(const QString& text) {
    if (text == m_status) return;
    m_status = text;
    emit statusChanged();
}

void ComplianceMediaController::onLocked() {
    // The key left memory: nothing decrypted from the archive stays on screen or in the speaker.
    if (m_voice) m_voice->stop();
    closeViewer();
}

bool ComplianceMediaController::playVoice(const QString& messageId, qulonglong sequence,
                                          int index) {
    setError({});
    if (!m_compliance || !m_compliance->unlocked() || !m_voice || index < 0) return false;
    const QString key = messageId.isEmpty() ? QStringLiteral("seq-%1").arg(sequence) : messageId;
    if (m_voice->resume(key)) return true;
    if (!m_voice->beginLoading(key)) return false;
    QPointer<ComplianceMediaController> self(this);
    client::Client* c = officer(m_compliance);
    auto cancel = m_compliance->cancelFlag();
    m_compliance->submit([self, c, cancel, sequence, index,
                          key](Worker& w) -> std::function<void()> {
        Read r = readJournaled(w, c, cancel, sequence, index, "play");
        // Checked (every page) and opened here, off the GUI thread; the decoder keeps its own
        // copy, and these bytes are wiped as they go.
        std::shared_ptr<media::VoiceDecoder> decoder;
        if (r.failure.isEmpty()) {
            auto opened = media::VoiceDecoder::open(ByteView(r.bytes.data(), r.bytes.size()));
            if (opened)
                decoder = std::make_shared<media::VoiceDecoder>(std::move(*opened));
            else
                r.failure = ComplianceController::tr("The voice note cannot be played: %1")
                                .arg(q(opened.error().message));
        }
        return [self, key, decoder, failure = r.failure, name = r.name, note = r.note] {
            if (!self || !self->m_voice) return;
            if (!decoder) {
                self->m_voice->loadFailed(key);
                self->setError(failure);
                emit self->loaded(false);
                return;
            }
            self->m_voice->playLoaded(key,
                                      std::make_unique<media::VoiceDecoder>(std::move(*decoder)));
            self->setStatus(ComplianceController::tr("Playing %1 (%2).").arg(name, note));
            emit self->loaded(true);
        };
    });
    return true;
}

bool ComplianceMediaController::viewImage(qulonglong sequence, int index, const QString& name) {
    setError({});
    if (!m_compliance || !m_compliance->unlocked() || index < 0) return false;
    const int serial = ++m_viewerGeneration;
    m_viewerIsOpen = true;
    m_viewerName = name;
    m_viewerError.clear();
    m_viewerImage = QImage();
    emit viewerChanged();
    QPointer<ComplianceMediaController> self(this);
    client::Client* c = officer(m_compliance);
    auto cancel = m_compliance->cancelFlag();
    m_compliance->submit(
        [self, c, cancel, sequence, index, serial](Worker& w) -> std::function<void()> {
            Read r = readJournaled(w, c, cancel, sequence, index, "view");
            QString why = r.failure;
            QImage image;
            if (why.isEmpty())
                // Decoded from memory under the chat viewer's limits (content sniffed, sizes checked
                // before any pixel); the bytes are wiped when `r` goes.
                image = Thumbnail::decodeForViewer(
                    QByteArray::fromRawData(reinterpret_cast<const char*>(r.bytes.data()),
                                            qsizetype(r.bytes.size())),
                    &why);
            return [self, serial, image, why, name = r.name, note = r.note] {
                // Closed, or another image opened, meanwhile.
                if (!self || !self->m_viewerIsOpen || serial != self->m_viewerGeneration) return;
                self->m_viewerImage = image;
                self->m_viewerError =
                    image.isNull() ? (why.isEmpty() ? QStringLiteral("?") : why) : QString();
                if (!name.isEmpty()) self->m_viewerName = name;
                emit self->viewerChanged();
                if (!image.isNull())
                    self->setStatus(ComplianceController::tr("Showing %1 (%2).").arg(name, note));
                emit self->loaded(!image.isNull());
            };
        });
    return true;
}

void ComplianceMediaController::closeViewer() {
    if (!viewerOpen()) return;
    m_viewerIsOpen = false;
    m_viewerName.clear();
    m_viewerError.clear();
    m_viewerImage = QImage();
    emit viewerChanged();
}

} // namespace verbatim::qt

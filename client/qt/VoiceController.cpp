#include "client/qt/VoiceController.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QStandardPaths>
#include <QUrl>
#include <algorithm>

#include "client/core/Client.h"
#include "client/media/VoiceNote.h"
#include "client/qt/AppController.h"
#include "client/qt/VoiceAudio.h"

namespace verbatim::qt {

VoiceController::VoiceController(QObject* parent) : QObject(parent) {
    // The bubble's progress: ten updates a second are smooth enough and cost nothing.
    m_positionTimer.setInterval(100);
    connect(&m_positionTimer, &QTimer::timeout, this, &VoiceController::positionChanged);
}

VoiceController::~VoiceController() {
    if (m_audio) {
        m_audio->stopCapture();
        m_audio->stopPlayback();
    }
    if (!m_sentFile.isEmpty()) QFile::remove(m_sentFile);
}

void VoiceController::setAppController(AppController* app) {
    if (app == m_app) return;
    if (m_app) disconnect(m_app, nullptr, this, nullptr);
    m_app = app;
    if (m_app) {
        // The core going away (lock, erase) ends a recording and a playback at once.
        connect(m_app, &AppController::clientClosing, this, [this] {
            cancelRecording();
            stop();
        });
        connect(m_app->attachments(), &AttachmentsController::attachmentDone, this, [this] {
            if (!m_sentFile.isEmpty()) QFile::remove(m_sentFile);
            m_sentFile.clear();
        });
    }
    emit appControllerChanged();
}

VoiceAudio& VoiceController::audio() {
    if (!m_audio) m_audio = VoiceAudio::make();
    return *m_audio;
}

int VoiceController::maxDurationMs() {
    return int(media::kMaxDurationMs);
}

QString VoiceController::durationText(int ms) {
    const int s = std::max(0, ms) / 1000;
    return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

int VoiceController::positionMs() const {
    if (!m_decoder) return 0;
    return int(m_decoder->position() * 1000 / media::kSampleRate);
}

void VoiceController::checkMicrophone() {
    const QString problem = audio().inputProblem();
    if (problem != m_microphoneProblem) {
        m_microphoneProblem = problem;
        emit microphoneProblemChanged();
    }
}

bool VoiceController::startRecording() {
    if (!m_app || !m_app->client() || m_encoder) return false;
    if (m_app->chat()->currentConversation().isEmpty())
        return m_app->check(false, tr("Open a conversation to record a voice note."));
    if (!m_app->attachments()->uploading().isEmpty())
        return m_app->check(false, tr("Wait for the file being sent to finish."));
    checkMicrophone();
    if (!m_microphoneProblem.isEmpty()) return m_app->check(false, m_microphoneProblem);
    auto enc = media::VoiceEncoder::create();
    if (!enc) return m_app->check(false, tr("Voice notes cannot be recorded here."));
    stop(); // one sound at a time
    m_encoder = std::make_unique<media::VoiceEncoder>(std::move(*enc));
    m_recordedMs = 0;
    m_level = 0;
    const QString problem = audio().startCapture(
        [this](std::span<const std::int16_t> pcm) { onCaptured(pcm.data(), pcm.size()); });
    if (!problem.isEmpty()) {
        m_encoder.reset();
        return m_app->check(false, problem);
    }
    emit recordingChanged();
    emit recordedChanged();
    return true;
}

void VoiceController::onCaptured(const std::int16_t* samples, std::size_t count) {
    if (!m_encoder) return;
    const std::uint64_t room =
        std::uint64_t(media::kMaxDurationMs) * (media::kSampleRate / 1000) - m_encoder->samples();
    const std::size_t take = std::size_t(std::min<std::uint64_t>(count, room));
    if (take && !m_encoder->push(std::span(samples, take))) {
        cancelRecording();
        if (m_app) m_app->check(false, tr("The recording failed and was discarded."));
        return;
    }
    int peak = 0;
    for (std::size_t i = 0; i < take; ++i)
        peak = std::max(peak, std::abs(int(samples[i])));
    m_level = qreal(peak) / 32768.0;
    m_recordedMs = int(m_encoder->durationMs());
    emit recordedChanged();
    // 15 minutes: the note is complete. Queued: this runs inside the capture device's own
    // signal, and stopping destroys that device.
    if (take < count)
        QMetaObject::invokeMethod(this, &VoiceController::stopAndSend, Qt::QueuedConnection);
}

bool VoiceController::stopAndSend() {
    if (!m_encoder) return false;
    audio().stopCapture();
    auto encoder = std::move(m_encoder);
    emit recordingChanged();
    auto file = encoder->finish();
    if (!file) {
        if (m_app) m_app->check(false, tr("Nothing was recorded."));
        return false;
    }
    if (!m_app || !m_app->client()) return false;
    // Under the app's own data, readable by this user only, until the upload has read it.
    const QString dir =
        QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + "/voice";
    QDir().mkpath(dir);
    QFile::setPermissions(dir,
                          QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    const QString name =
        tr("Voice note %1.ogg")
            .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyy-MM-dd HH.mm.ss")));
    const QString path = dir + QLatin1Char('/') + name;
    QFile out(path);
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        out.write(reinterpret_cast<const char*>(file->data()), qint64(file->size())) !=
            qint64(file->size())) {
        out.remove();
        return m_app->check(false, tr("The voice note could not be written; nothing was sent."));
    }
    out.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    out.close();
    if (!m_sentFile.isEmpty()) QFile::remove(m_sentFile);
    m_sentFile = path;
    if (!m_app->attachments()->attach(QUrl::fromLocalFile(path))) {
        QFile::remove(path);
        m_sentFile.clear();
        return m_app->check(false, tr("The voice note could not be sent."));
    }
    emit recordingSent(name);
    return true;
}

void VoiceController::cancelRecording() {
    if (!m_encoder) return;
    if (m_audio) m_audio->stopCapture();
    m_encoder.reset();
    m_recordedMs = 0;
    m_level = 0;
    emit recordingChanged();
    emit recordedChanged();
}

bool VoiceController::play(const QString& messageId, int index) {
    if (!m_app || !m_app->client() || messageId.isEmpty() || index < 0) return false;
    if (resume(messageId)) return true;
    if (!beginLoading(messageId)) return false;
    const std::uint64_t generation = m_app->generation();
    QPointer<VoiceController> self(this);
    QPointer<AppController> app(m_app);
    const std::string id = messageId.toStdString();
    m_app->background([self, app, generation, id, index](client::Client& core) {
        auto content = core.attachmentContent(id, std::size_t(index));
        // Opened (every page checked) here, off the GUI thread; only the decoder goes back.
        Result<media::VoiceDecoder> dec =
            content ? media::VoiceDecoder::open(ByteView(content->data(), content->size()))
                    : Result<media::VoiceDecoder>(tl::unexpected(content.error()));
        auto shared = std::make_shared<Result<media::VoiceDecoder>>(std::move(dec));
        if (!app) return;
        app->toGui(generation, [self, shared, id] {
            if (!self) return;
            const QString key = QString::fromStdString(id);
            if (!*shared) {
                if (self->m_loadingMessage != key) return; // ct-ok: message ids
                self->loadFailed(key);
                if (self->m_app)
                    self->m_app->check(false,
                                       tr("The voice note cannot be played: %1")
                                           .arg(QString::fromStdString(shared->error().message)));
                return;
            }
            self->playLoaded(key, std::make_unique<media::VoiceDecoder>(std::move(**shared)));
        });
    });
    return true;
}

bool VoiceController::resume(const QString& key) {
    if (key.isEmpty() || key != m_playingMessage || !m_decoder) return false; // ct-ok: ids
    if (m_paused) startPlayback();
    return true;
}

bool VoiceController::beginLoading(const QString& key) {
    if (m_encoder || key.isEmpty()) return false;
    stop();
    m_loadingMessage = key;
    emit playbackChanged();
    return true;
}

void VoiceController::playLoaded(const QString& key, std::unique_ptr<media::VoiceDecoder> decoder) {
    if (!decoder || m_loadingMessage != key) return; // ct-ok: ids; another note was asked
    m_loadingMessage.clear();
    m_decoder = std::move(decoder);
    m_playingMessage = key;
    m_playingDurationMs = int(m_decoder->info().durationMs);
    startPlayback();
}

void VoiceController::loadFailed(const QString& key) {
    if (m_loadingMessage != key) return; // ct-ok: message ids
    m_loadingMessage.clear();
    emit playbackChanged();
}

void VoiceController::startPlayback() {
    if (!m_decoder) return;
    const QString problem = audio().startPlayback(
        [this](std::span<std::int16_t> out) -> std::size_t {
            if (!m_decoder) return 0;
            auto n = m_decoder->read(out);
            return n ? *n : 0; // a packet that does not decode ends the note there
        },
        // Queued: the backend calls this from inside its own device's signal, and finishing
        // destroys that device.
        [this] {
            QMetaObject::invokeMethod(this, &VoiceController::finishPlayback, Qt::QueuedConnection);
        });
    if (!problem.isEmpty()) {
        stop();
        if (m_app) m_app->check(false, problem);
        return;
    }
    m_paused = false;
    m_positionTimer.start();
    emit playbackChanged();
    emit positionChanged();
}

void VoiceController::finishPlayback() {
    const QString id = m_playingMessage;
    stop();
    emit playbackFinished(id);
}

void VoiceController::pause() {
    if (!m_decoder || m_paused) return;
    audio().stopPlayback();
    m_paused = true;
    m_positionTimer.stop();
    emit playbackChanged();
}

void VoiceController::stop() {
    const bool had = m_decoder || !m_loadingMessage.isEmpty();
    if (m_audio) m_audio->stopPlayback();
    m_decoder.reset();
    m_playingMessage.clear();
    m_loadingMessage.clear();
    m_playingDurationMs = 0;
    m_paused = false;
    m_positionTimer.stop();
    if (had) {
        emit playbackChanged();
        emit positionChanged();
    }
}

} // namespace verbatim::qt

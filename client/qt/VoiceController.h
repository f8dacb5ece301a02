#pragma once
/// @file VoiceController.h
/// Voice notes in the chat (issue 23; QML: `VoiceController { appController: app }`): records
/// from the microphone into an Ogg Opus file and sends it into the open conversation as an
/// attachment (audio/ogg; the core adds its duration and waveform), and plays a received one.
/// Audio goes through VoiceAudio (Qt Multimedia, or a test's backend); the codec is
/// client/media/VoiceNote, so no PCM of a long note is ever held whole: a recording keeps its
/// encoded bytes (about 3 KB a second), a playback the file and a few milliseconds of samples.
///
/// Threading: GUI thread. Fetching and decrypting a note to play runs on the AppController's job
/// queue.

#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>
#include <QtQml/qqmlregistration.h>
#include <memory>

namespace verbatim::media {
class VoiceEncoder;
class VoiceDecoder;
} // namespace verbatim::media

namespace verbatim::qt {

class AppController;
class VoiceAudio;

class VoiceController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(AppController* appController READ appController WRITE setAppController NOTIFY
                   appControllerChanged)
    /// Recording now.
    Q_PROPERTY(bool recording READ recording NOTIFY recordingChanged)
    /// Length of the recording so far, in ms (for the timer shown while recording).
    Q_PROPERTY(int recordedMs READ recordedMs NOTIFY recordedChanged)
    /// The loudest sample of the last piece recorded, 0..1 (a level meter).
    Q_PROPERTY(qreal level READ level NOTIFY recordedChanged)
    /// Why recording cannot work here ("No microphone was found, ..."), or empty. Read again by
    /// checkMicrophone() and each startRecording().
    Q_PROPERTY(QString microphoneProblem READ microphoneProblem NOTIFY microphoneProblemChanged)
    /// The message whose voice note is playing or paused (empty: none), its position and length
    /// in ms, and whether it is paused.
    Q_PROPERTY(QString playingMessage READ playingMessage NOTIFY playbackChanged)
    Q_PROPERTY(bool paused READ paused NOTIFY playbackChanged)
    Q_PROPERTY(int positionMs READ positionMs NOTIFY positionChanged)
    Q_PROPERTY(int playingDurationMs READ playingDurationMs NOTIFY playbackChanged)
    /// The message whose note is being fetched and decrypted to play (empty: none).
    Q_PROPERTY(QString loadingMessage READ loadingMessage NOTIFY playbackChanged)
    /// The longest voice note, in ms (15 minutes): recording stops and sends itself there.
    Q_PROPERTY(int maxDurationMs READ maxDurationMs CONSTANT)

public:
    explicit VoiceController(QObject* parent = nullptr);
    ~VoiceController() override;

    AppController* appController() const { return m_app; }
    void setAppController(AppController* app);
    bool recording() const { return bool(m_encoder); }
    int recordedMs() const { return m_recordedMs; }
    qreal level() const { return m_level; }
    QString microphoneProblem() const { return m_microphoneProblem; }
    QString playingMessage() const { return m_playingMessage; }
    bool paused() const { return m_paused; }
    int positionMs() const;
    int playingDurationMs() const { return m_playingDurationMs; }
    QString loadingMessage() const { return m_loadingMessage; }
    static int maxDurationMs();

    /// Looks for a microphone again (microphoneProblem).
    Q_INVOKABLE void checkMicrophone();
    /// Starts recording into the open conversation. False (and the app's error, or
    /// microphoneProblem, says why) when there is no open conversation, no microphone, or a
    /// recording or an upload is already running.
    Q_INVOKABLE bool startRecording();
    /// Stops and sends the recording (in the background, like an attachment: attachmentDone).
    Q_INVOKABLE bool stopAndSend();
    /// Stops and throws the recording away; nothing is sent or kept.
    Q_INVOKABLE void cancelRecording();

    /// Plays attachment `index` of a message (a voice note), fetching and decrypting it first;
    /// on the message that is paused, resumes. Viewing inside the app: nothing is saved.
    Q_INVOKABLE bool play(const QString& messageId, int index = 0);
    Q_INVOKABLE void pause();
    Q_INVOKABLE void stop();
    /// "1:05" for `ms` (minutes and seconds), as the bubble and the recording timer show it.
    Q_INVOKABLE static QString durationText(int ms);

    // ---- for a player whose file comes from elsewhere (ComplianceMediaController) -----------
    /// Resumes the note `key` when it is the one paused or playing (true); false otherwise.
    bool resume(const QString& key);
    /// Stops what plays and shows `key` as loading; false while recording.
    bool beginLoading(const QString& key);
    /// The note `key` was fetched and opened: plays it, unless another was asked for meanwhile.
    void playLoaded(const QString& key, std::unique_ptr<media::VoiceDecoder> decoder);
    /// Loading `key` failed: it is no longer shown as loading.
    void loadFailed(const QString& key);

signals:
    void appControllerChanged();
    void recordingChanged();
    void recordedChanged();
    void microphoneProblemChanged();
    void playbackChanged();
    void positionChanged();
    /// A recording was handed to the upload (its file name), or a playback ran to its end.
    void recordingSent(const QString& fileName);
    void playbackFinished(const QString& messageId);

private:
    void onCaptured(const std::int16_t* samples, std::size_t count);
    void startPlayback();
    void finishPlayback();
    VoiceAudio& audio();

    QPointer<AppController> m_app;
    std::unique_ptr<VoiceAudio> m_audio;
    std::unique_ptr<media::VoiceEncoder> m_encoder;
    std::unique_ptr<media::VoiceDecoder> m_decoder;
    int m_recordedMs = 0;
    qreal m_level = 0;
    QString m_microphoneProblem;
    QString m_playingMessage, m_loadingMessage;
    int m_playingDurationMs = 0;
    bool m_paused = false;
    QTimer m_positionTimer;
    QString m_sentFile; ///< the recording's file until its upload is over
};

} // namespace verbatim::qt

#pragma once
/// @file ComplianceMedia.h
/// Voice notes and images on the compliance page (issue 23; QML: `ComplianceMediaController {
/// compliance: journal; voice: player }`): plays a voice note and shows an image in the viewer
/// from the archive's own copy of the attachment (fetched by the pull, checked against the digest
/// the sender committed to, decrypted), never from the relay. Each is journaled first in the
/// firm's access log as a "show" of that attachment, as opening an alert's attachment is (README
/// "Supervision"); when journaling fails nothing is played or shown.
///
/// Nothing decrypted is written anywhere: the note is checked and decoded in memory with the
/// chat's decoder (media::VoiceDecoder, played by a VoiceController), the image decoded in memory
/// under the chat viewer's limits (Thumbnail::decodeForViewer). Thumbnails come with the rows
/// (ComplianceRows.h). Locking the journal stops the note and closes the viewer.
///
/// Threading: GUI thread; the archive work runs on the ComplianceController's worker.

#include <QImage>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QtQml/qqmlregistration.h>

#include "client/qt/ComplianceController.h"
#include "client/qt/VoiceController.h"

namespace verbatim::qt {

class ComplianceMediaController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    /// The page's journal controller (its archive, worker and compliance profile).
    Q_PROPERTY(ComplianceController* compliance READ compliance WRITE setCompliance NOTIFY
                   complianceChanged)
    /// Plays the notes (its appController may be the page's app; its audio is the system's).
    Q_PROPERTY(VoiceController* voice READ voice WRITE setVoice NOTIFY voiceChanged)
    /// Why the last play or view failed ("" when it did not); never holds content.
    Q_PROPERTY(QString error READ error NOTIFY errorChanged)
    /// What the last play or view did with the access log, for the status line.
    Q_PROPERTY(QString status READ status NOTIFY statusChanged)
    /// The viewer: open, still loading, the file's name, why it cannot show it, the image.
    Q_PROPERTY(bool viewerOpen READ viewerOpen NOTIFY viewerChanged)
    Q_PROPERTY(bool viewerLoading READ viewerLoading NOTIFY viewerChanged)
    Q_PROPERTY(QString viewerName READ viewerName NOTIFY viewerChanged)
    Q_PROPERTY(QString viewerError READ viewerError NOTIFY viewerChanged)
    Q_PROPERTY(QImage viewerImage READ viewerImage NOTIFY viewerChanged)

public:
    explicit ComplianceMediaController(QObject* parent = nullptr);
    ~ComplianceMediaController() override;

    ComplianceController* compliance() const { return m_compliance; }
    void setCompliance(ComplianceController* c);
    VoiceController* voice() const { return m_voice; }
    void setVoice(VoiceController* v);
    QString error() const { return m_error; }
    QString status() const { return m_status; }
    bool viewerOpen() const { return m_viewerIsOpen; }
    bool viewerLoading() const {
        return viewerOpen() && m_viewerImage.isNull() && m_viewerError.isEmpty();
    }
    QString viewerName() const { return m_viewerName; }
    QString viewerError() const { return m_viewerError; }
    QImage viewerImage() const { return m_viewerImage; }

    /// Plays attachment `index` of entry `sequence` (a voice note; the "files" role gives both),
    /// shown by the voice controller under `messageId`; on the note paused, resumes it. False
    /// when it cannot start (locked, recording, no voice controller).
    Q_INVOKABLE bool playVoice(const QString& messageId, qulonglong sequence, int index);
    /// Opens attachment `index` of entry `sequence` in the viewer, named `name`. False when it
    /// cannot start.
    Q_INVOKABLE bool viewImage(qulonglong sequence, int index, const QString& name);
    Q_INVOKABLE void closeViewer();

signals:
    void complianceChanged();
    void voiceChanged();
    void errorChanged();
    void statusChanged();
    void viewerChanged();
    /// A play or view finished loading (`ok`: it plays or shows).
    void loaded(bool ok);

private:
    void setError(const QString& text);
    void setStatus(const QString& text);
    void onLocked();

    QPointer<ComplianceController> m_compliance;
    QPointer<VoiceController> m_voice;
    QString m_error, m_status;
    bool m_viewerIsOpen = false;
    int m_viewerGeneration = 0; ///< bumped per view: an older view's answer is dropped
    QString m_viewerName, m_viewerError;
    QImage m_viewerImage;
};

} // namespace verbatim::qt

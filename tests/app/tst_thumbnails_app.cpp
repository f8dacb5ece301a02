// Issue 23, "Images show a thumbnail ... several files in one send; Open as well as Save",
// against a real relay over TLS with the QML screens offscreen:
//   - thumbnails are made on the sender's device (orientation applied, metadata stripped,
//     size-capped) and refused on the receiver's when hostile (huge claimed size, not a JPEG,
//     too many bytes, not an image), before any pixel is decoded;
//   - three images go as one message; the receiver's bubble shows three thumbnails at their
//     aspect ratio before anything is downloaded, and one opens in the viewer (Esc closes it);
//   - more files than the limit are refused with a message, nothing sent;
//   - a modified client's hostile thumbnail reaches the receiving app, which shows the file
//     without it;
//   - Open decrypts into a private folder (0700, the file 0600, a random name keeping the
//     extension), is journaled like a save ("action":"open"), is refused where saving is, and
//     the folder is emptied when the app goes away and when it starts.
// Screenshots (thumbnails.png, thumbnails-viewer.png) go to VERBATIM_SCREENSHOT_DIR (else
// ./screenshots); README shows them from docs/screenshots/.
// One file, over 600 lines: its functions share one two-party firm and the image fixtures.

#include <QBuffer>
#include <QDesktopServices>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImageReader>
#include <QImageWriter>
#include <QPainter>
#include <QQuickItem>
#include <QQuickWindow>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>
#include <sys/stat.h>

#include "AppHarness.h"
#include "client/qt/AppController.h"
#include "client/qt/AttachmentsController.h"
#include "client/qt/ChatController.h"
#include "client/qt/Models.h"
#include "client/qt/Thumbnail.h"
#include "compliance/Archive.h"
#include "journal/JournalCrypto.h"
#include "journal/SealedEntry.h"

using namespace verbatim;
using namespace verbatim::apptest;

namespace {

using ML = qt::MessageListModel;

/// A picture that is not one flat colour (a blank render would pass as "an image").
QImage picture(int w, int h, QColor a, QColor b) {
    QImage img(w, h, QImage::Format_RGB32);
    QPainter p(&img);
    QLinearGradient g(0, 0, w, h);
    g.setColorAt(0, a);
    g.setColorAt(1, b);
    p.fillRect(img.rect(), g);
    p.setPen(QPen(Qt::white, std::max(2, w / 60)));
    p.drawEllipse(QRect(w / 4, h / 4, w / 2, h / 2));
    p.end();
    return img;
}

/// Writes `img` to `path` in `format`, with a text key that must not survive into a thumbnail
/// and, for a JPEG, `orientation` as its EXIF orientation (1: upright; 6: turn 90 degrees
/// clockwise to show), as a camera writes it.
bool writeImage(const QString& path, const QImage& img, const char* format, int orientation = 1) {
    QImage tagged = img;
    tagged.setText(QStringLiteral("Location"), QStringLiteral("51.5007 N 0.1246 W secret place"));
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    if (!tagged.save(&buffer, format)) return false;
    if (orientation != 1 && bytes.startsWith("\xff\xd8")) {
        // APP1 "Exif": a big-endian TIFF header and one IFD entry, Orientation (0x0112) SHORT.
        const char exif[] = "\xff\xe1\x00\x22"
                            "Exif\x00\x00"
                            "MM\x00\x2a\x00\x00\x00\x08"
                            "\x00\x01"
                            "\x01\x12\x00\x03\x00\x00\x00\x01\x00\x00\x00\x00"
                            "\x00\x00\x00\x00";
        QByteArray segment(exif, sizeof exif - 1);
        segment[4 + 6 + 8 + 2 + 9] = char(orientation);
        bytes.insert(2, segment);
    }
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

/// A JPEG whose header claims `w` x `h` pixels although it holds an 8 x 8 image: the start of
/// frame is rewritten (a decompression bomb in 700 bytes).
QByteArray jpegClaiming(quint16 w, quint16 h) {
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    picture(8, 8, Qt::red, Qt::blue).save(&buffer, "jpeg");
    for (int i = 2; i + 9 < bytes.size(); ++i)
        if (uchar(bytes[i]) == 0xff &&
            (uchar(bytes[i + 1]) == 0xc0 || uchar(bytes[i + 1]) == 0xc2)) {
            bytes[i + 5] = char(h >> 8);
            bytes[i + 6] = char(h & 0xff);
            bytes[i + 7] = char(w >> 8);
            bytes[i + 8] = char(w & 0xff);
            return bytes;
        }
    return {};
}

QString permissions(const QString& path) {
    struct stat st {};
    if (::stat(QFile::encodeName(path).constData(), &st) != 0) return QStringLiteral("missing");
    return QString::number(st.st_mode & 0777, 8);
}

/// The model row of the newest message of `app` that has `files` attachments, or -1.
int rowWithFiles(qt::AppController& app, int files) {
    auto* m = app.chat()->messages();
    for (int r = m->rowCount() - 1; r >= 0; --r)
        if (cell(m, r, ML::FilesRole).toList().size() == files) return r;
    return -1;
}

/// The journal's ATTACHMENT_SAVED bodies written by `app`'s device, opened with the journal key.
QStringList savedRecords(e2e::Harness& h, qt::AppController& app, e2e::Device& officer) {
    QStringList out;
    auto entries = e2e::pullJournalEntries(officer);
    if (!entries) return {QStringLiteral("pull failed")};
    const Bytes identity = *fromHex(app.client()->identityKeyHex());
    const std::string user = app.client()->account().user;
    for (const auto& sealed : *entries) {
        if (sealed.header.senderUser != user) continue;
        auto opened = journal::openEntry(sealed, h.journalKey(), identity);
        if (!opened) return {QStringLiteral("open failed")};
        if (opened->record.type() == proto::ATTACHMENT_SAVED)
            out << QString::fromStdString(opened->record.body());
    }
    return out;
}

} // namespace

class TestThumbnailsApp : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        // Opened files go under the app's local data: a test location, not the user's.
        QStandardPaths::setTestModeEnabled(true);
    }

    // The sender's thumbnail: PNG and JPEG by content; the longest side 320 px; the EXIF
    // orientation applied (a sideways photo comes out upright, its shown size swapped); no
    // metadata of the original; within the byte budget, shrinking to fit a small one.
    void thumbnailsAreMadeUprightSmallAndWithoutMetadata() {
        QTemporaryDir dir;
        const QString png = dir.filePath("plan.png");
        QVERIFY(writeImage(png, picture(1200, 800, Qt::darkBlue, Qt::yellow), "png"));
        auto made = qt::Thumbnail::make(png);
        QVERIFY(!made.jpeg.isEmpty());
        QVERIFY(made.jpeg.size() <= qt::Thumbnail::kMaxBytes);
        QCOMPARE(made.width, 1200u);
        QCOMPARE(made.height, 800u);
        QImage t = qt::Thumbnail::decode(made.jpeg);
        QCOMPARE(t.size(), QSize(320, 213));
        QVERIFY(!made.jpeg.contains("secret place") && !made.jpeg.contains("Location"));

        // Stored 400 x 200, tagged "rotate 90": shown 200 x 400.
        const QString sideways = dir.filePath("sideways.jpg");
        QVERIFY(writeImage(sideways, picture(400, 200, Qt::red, Qt::green), "jpeg", 6));
        {
            QImageReader check(sideways);
            QCOMPARE(check.transformation(), QImageIOHandler::TransformationRotate90);
        }
        made = qt::Thumbnail::make(sideways);
        QCOMPARE(made.width, 200u);
        QCOMPARE(made.height, 400u);
        t = qt::Thumbnail::decode(made.jpeg);
        QCOMPARE(t.size(), QSize(160, 320));
        QVERIFY(!made.jpeg.contains("Exif") && !made.jpeg.contains("secret place"));

        // A small budget (ten files in one message): still a thumbnail, within it.
        made = qt::Thumbnail::make(png, 3000);
        QVERIFY(!made.jpeg.isEmpty());
        QVERIFY2(made.jpeg.size() <= 3000, QByteArray::number(made.jpeg.size()));

        // Not an image (whatever the name says): no thumbnail, sent as a plain file.
        const QString fake = dir.filePath("fake.png");
        {
            QFile f(fake);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("%PDF-1.4 not a picture");
        }
        QVERIFY(qt::Thumbnail::make(fake).jpeg.isEmpty());
    }

    // The receiver's side: every hostile thumbnail is refused from its header or its bytes,
    // before pixels are decoded, and quickly.
    void hostileThumbnailsAreRefusedBeforeDecoding() {
        QElapsedTimer timer;
        timer.start();
        QString why;
        // A decompression bomb: 700 bytes claiming 60000 x 60000 pixels (14 GB decoded).
        const QByteArray bomb = jpegClaiming(60000, 60000);
        QVERIFY(!bomb.isEmpty() && bomb.size() < 2000);
        QVERIFY(!qt::Thumbnail::probe(bomb, &why).isValid());
        QVERIFY2(why.contains("60000"), qPrintable(why));
        QVERIFY(qt::Thumbnail::decode(bomb).isNull());
        // Just over the side limit.
        QVERIFY(qt::Thumbnail::decode(jpegClaiming(513, 10)).isNull());
        // Not a JPEG: a PNG (another decoder is never reached), text, nothing.
        QByteArray png;
        {
            QBuffer b(&png);
            b.open(QIODevice::WriteOnly);
            picture(32, 32, Qt::red, Qt::blue).save(&b, "png");
        }
        QVERIFY(qt::Thumbnail::decode(png, &why).isNull());
        QVERIFY2(why.contains("not a JPEG"), qPrintable(why));
        QVERIFY(qt::Thumbnail::decode("\xff\xd8\xff garbage that is no image", &why).isNull());
        QVERIFY(qt::Thumbnail::decode({}).isNull());
        // Too many bytes, even if they are a fine JPEG.
        QByteArray big = jpegClaiming(8, 8);
        big.append(QByteArray(qt::Thumbnail::kMaxBytes, '\0'));
        QVERIFY(!qt::Thumbnail::probe(big, &why).isValid());
        QVERIFY2(why.contains("16 KiB"), qPrintable(why));
        // A fine one decodes.
        QCOMPARE(qt::Thumbnail::decode(jpegClaiming(8, 8)).size(), QSize(8, 8));
        QVERIFY2(timer.elapsed() < 2000, qPrintable(QString::number(timer.elapsed())));
        // The viewer refuses a full "image" that claims too much, and a file that is none.
        QVERIFY(qt::Thumbnail::decodeForViewer(bomb, &why).isNull());
        QVERIFY(qt::Thumbnail::decodeForViewer("%PDF-1.4", &why).isNull());
    }

    // Three images picked together go as one message. The receiver's chat shows the three
    // thumbnails at once, shaped like the images, with nothing downloaded; a click opens the
    // viewer with the full image, Esc closes it. Eleven files are refused with a message.
    void threeImagesInOneSendShowThumbnailsBeforeDownload() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/lawyer");
        qt::AppController client(dir.path() + "/client");
        QVERIFY2(openMatter(h, lawyer, client, "Estate of Doe"),
                 qPrintable(client.error() + lawyer.error()));
        QList<QUrl> files;
        const QList<std::pair<QSize, const char*>> shapes{
            {{1600, 1200}, "png"}, {{900, 1600}, "jpeg"}, {{1000, 1000}, "png"}};
        const QList<std::pair<QColor, QColor>> colours{{QColor("#1f4e79"), QColor("#f4b183")},
                                                       {QColor("#375623"), QColor("#ffd966")},
                                                       {QColor("#7030a0"), QColor("#9dc3e6")}};
        for (int i = 0; i < shapes.size(); ++i) {
            const QString path = dir.filePath(
                QStringLiteral("exhibit %1.%2").arg(i + 1).arg(i == 1 ? "jpg" : "png"));
            QVERIFY(writeImage(path,
                               picture(shapes[i].first.width(), shapes[i].first.height(),
                                       colours[i].first, colours[i].second),
                               shapes[i].second));
            files << QUrl::fromLocalFile(path);
        }

        // The limit, before anything is read.
        QList<QUrl> eleven;
        for (int i = 0; i < 11; ++i)
            eleven << files[0];
        QVERIFY(!client.attachments()->attachFiles(eleven));
        QVERIFY2(client.error().contains("At most 10 files"), qPrintable(client.error()));
        QVERIFY(client.attachments()->uploading().isEmpty());
        client.clearError();

        Ui clientUi;
        QVERIFY(clientUi.load(client, 390, 844, false));
        QSignalSpy done(client.attachments(), &qt::AttachmentsController::attachmentDone);
        int mostFiles = 0;
        QList<int> perFileRows;
        const auto watch =
            connect(client.attachments(), &qt::AttachmentsController::uploadsChanged, this, [&] {
                mostFiles = std::max(mostFiles, int(client.attachments()->uploads().size()));
            });
        QVERIFY(client.attachments()->attachFiles(files));
        QCOMPARE(client.attachments()->uploading(), QStringLiteral("3 files"));
        QCOMPARE(client.attachments()->uploads().size(), 3);
        QVERIFY(until(
            [&] {
                perFileRows << clientUi.findItems("uploadFileProgress").size();
                return !done.isEmpty();
            },
            60000));
        disconnect(watch);
        QVERIFY2(done.first().first().toBool(), qPrintable(client.error()));
        QCOMPARE(mostFiles, 3);
        QVERIFY(perFileRows.contains(3)); // each file's own bar while it went

        // One message with three attachments reaches Alice, thumbnails and all.
        QVERIFY(until([&] { return rowWithFiles(lawyer, 3) >= 0; }, 30000));
        auto* lm = lawyer.chat()->messages();
        const int row = rowWithFiles(lawyer, 3);
        const QString id = cell(lm, row, ML::IdRole).toString();
        const QVariantList list = cell(lm, row, ML::FilesRole).toList();
        for (int i = 0; i < 3; ++i) {
            const QVariantMap f = list[i].toMap();
            QVERIFY2(f["thumbnail"].toString().startsWith("image://attachment/thumb/"),
                     qPrintable(f["thumbnail"].toString()));
            const double shown = f["thumbWidth"].toDouble() / f["thumbHeight"].toDouble();
            const double real = double(shapes[i].first.width()) / shapes[i].first.height();
            QVERIFY2(std::abs(shown - real) < 0.02, qPrintable(QString::number(shown)));
            QCOMPARE(f["dimensions"].toString(), QStringLiteral("%1 \u00d7 %2")
                                                     .arg(shapes[i].first.width())
                                                     .arg(shapes[i].first.height()));
        }
        // Nothing downloaded: the thumbnails came inside the message.
        auto m = lawyer.client()->message(id.toStdString());
        QVERIFY(m && *m);
        QCOMPARE((*m)->attachments.size(), std::size_t(3));
        for (const auto& a : (*m)->attachments)
            QVERIFY(!a.downloaded);

        Ui ui;
        QVERIFY(ui.load(lawyer, 1280, 800, false));
        QList<QQuickItem*> thumbs;
        QVERIFY(until([&] {
            thumbs.clear();
            for (auto* item : ui.findItems("attachmentThumbnail"))
                if (item->isVisible() && item->property("messageKey").toString() == id &&
                    item->property("status").toInt() == 1 /* Image.Ready */ && item->width() > 0)
                    thumbs << item;
            return thumbs.size() == 3;
        }));
        for (auto* t : thumbs) {
            const int i = t->property("attachmentIndex").toInt();
            const double real = double(shapes[i].first.width()) / shapes[i].first.height();
            QVERIFY2(std::abs(t->width() / t->height() - real) < 0.03,
                     qPrintable(QString::number(t->width() / t->height())));
            QVERIFY2(std::max(t->width(), t->height()) <= 240.5,
                     qPrintable(QStringLiteral("%1 x %2").arg(t->width()).arg(t->height())));
        }
        for (const auto& a : (*lawyer.client()->message(id.toStdString()))->attachments)
            QVERIFY(!a.downloaded); // still: the bubble showed them from the message
        QTest::qWait(300);          // no animation mid-flight in the screenshot
        QVERIFY(ui.shoot("thumbnails"));

        // A click opens the viewer: the full image, decrypted in memory; Esc closes it.
        QQuickItem* second = nullptr;
        for (auto* t : thumbs)
            if (t->property("attachmentIndex").toInt() == 1) second = t;
        QVERIFY(second);
        const QPointF centre =
            second->mapToScene(QPointF(second->width() / 2, second->height() / 2));
        QVERIFY(QRectF(0, 0, ui.window->width(), ui.window->height()).contains(centre));
        QTest::mouseClick(ui.window, Qt::LeftButton, {}, centre.toPoint());
        QObject* viewer = nullptr;
        QVERIFY(until([&] {
            viewer = ui.deep("imageViewer");
            return viewer && viewer->property("opened").toBool();
        }));
        QQuickItem* full = nullptr;
        QVERIFY(until(
            [&] {
                full = qobject_cast<QQuickItem*>(ui.deep("viewerImage"));
                return full && full->property("status").toInt() == 1;
            },
            30000));
        QCOMPARE(full->implicitWidth(), 900.0);
        QCOMPARE(full->implicitHeight(), 1600.0);
        QVERIFY(full->height() <= ui.window->height()); // fitted
        QCOMPARE(ui.deep("viewerName")->property("text").toString(),
                 QStringLiteral("exhibit 2.jpg"));
        QTest::qWait(300);
        QVERIFY(ui.shoot("thumbnails-viewer"));
        // Zoom in with +, then Esc.
        const qreal fitted = full->width();
        QTest::keyClick(ui.window, Qt::Key_Plus);
        QVERIFY(until([&] { return full->width() > fitted * 1.2; }));
        QTest::keyClick(ui.window, Qt::Key_Escape);
        QVERIFY(until([&] { return !viewer->property("opened").toBool(); }));
        QVERIFY(until([&] { return !lawyer.attachments()->viewerOpen(); })); // once it closed
        QVERIFY(lawyer.error().isEmpty());
    }

    // A modified client sends a thumbnail that claims 60000 x 60000 pixels, and one that is no
    // image at all: the receiving app offers no thumbnail for either and shows the files as
    // files (name, size, Open, Save); nothing crashes, nothing huge is allocated.
    void hostileThumbnailFromAModifiedClientShowsTheFileInstead() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/lawyer");
        qt::AppController client(dir.path() + "/client");
        QVERIFY2(openMatter(h, lawyer, client, "Estate of Roe"),
                 qPrintable(client.error() + lawyer.error()));
        const QString a = dir.filePath("bomb.png"), b = dir.filePath("junk.png");
        QVERIFY(writeImage(a, picture(64, 64, Qt::red, Qt::blue), "png"));
        QVERIFY(writeImage(b, picture(64, 64, Qt::green, Qt::blue), "png"));
        const QByteArray bomb = jpegClaiming(60000, 60000);
        std::vector<client::OutgoingFile> files{
            {a.toStdString(), bomb.toStdString(), 60000, 60000},
            {b.toStdString(), std::string("\xff\xd8\xff not an image at all"), 4000000000u, 1}};
        auto sent = client.client()->sendAttachments(
            client.chat()->currentConversation().toStdString(), files);
        QVERIFY2(sent, sent ? "" : sent.error().message.c_str());

        QVERIFY(until([&] { return rowWithFiles(lawyer, 2) >= 0; }, 30000));
        auto* lm = lawyer.chat()->messages();
        const int row = rowWithFiles(lawyer, 2);
        const QString id = cell(lm, row, ML::IdRole).toString();
        const QVariantList list = cell(lm, row, ML::FilesRole).toList();
        QCOMPARE(list[0].toMap()["thumbnail"].toString(), QString()); // refused from the header
        QCOMPARE(list[0].toMap()["thumbWidth"].toInt(), 0);
        QCOMPARE(list[1].toMap()["dimensions"].toString(), QString()); // an absurd claim: unsaid
        // Even asked directly, the provider's decoder gives nothing for the bomb.
        QVERIFY(qt::Thumbnail::decode(lawyer.attachments()->thumbnailBytes(id, 0)).isNull());

        Ui ui;
        QVERIFY(ui.load(lawyer, 1280, 800, false));
        // Both show as files with Open and Save; no thumbnail is visible for them.
        QVERIFY(until([&] {
            int buttons = 0;
            for (auto* item : ui.findItems("openAttachmentButton"))
                buttons += item->isVisible() && item->property("messageKey").toString() == id;
            return buttons == 2;
        }));
        for (auto* item : ui.findItems("attachmentThumbnail"))
            QVERIFY(!(item->isVisible() && item->property("messageKey").toString() == id));
        QVERIFY(ui.shows("attachmentName", [](const QString& t) { return t == "bomb.png"; }));
        QVERIFY(lawyer.error().isEmpty());
    }

    // A sender that shows recipients one thumbnail and seals another into the journal (the
    // thumbnail is outside the commitment): the recipient compares the journal's copy and
    // withholds the message as a mismatch (C-THUMB-3). The same message sent honestly shows.
    void journalCopyWithAnotherThumbnailIsWithheld() {
        e2e::Harness h;
        QVERIFY(h.ok());
        QTemporaryDir dir;
        qt::AppController lawyer(dir.path() + "/lawyer");
        QVERIFY(joinStaff(h, lawyer, "alice", proto::ROLE_LAWYER, "Alice Adams"));
        std::string conv;
        auto mallory = h.inviteClient("alice", "Estate of Doe", &conv);
        QVERIFY(mallory && mallory->connect(h.endpoint()));
        QByteArray shown, other;
        {
            QBuffer b(&shown);
            b.open(QIODevice::WriteOnly);
            picture(64, 48, Qt::green, Qt::white).save(&b, "jpeg");
            QBuffer c(&other);
            c.open(QIODevice::WriteOnly);
            picture(64, 48, Qt::red, Qt::black).save(&c, "jpeg");
        }
        auto asImage = [&](const QByteArray& thumb) {
            return [thumb](proto::JournalRecord& r) {
                r.set_type(proto::ATTACHMENT);
                r.set_body("");
                auto* a = r.add_attachments();
                a->set_blob_id(std::string(32, '\x11'));
                a->set_key(std::string(32, '\x22'));
                a->set_digest(std::string(32, '\x33'));
                a->set_plaintext_digest(std::string(32, '\x44'));
                a->set_size(1000);
                a->set_file_name("photo.jpg");
                a->set_mime_type("image/jpeg");
                a->set_thumbnail(thumb.toStdString());
                a->set_width(640);
                a->set_height(480);
            };
        };
        auto send = [&](const std::function<void(proto::JournalRecord&)>& journaled) {
            proto::Request req;
            proto::JournalRecord record;
            *req.mutable_send() = e2e::buildSend(*mallory, conv, "", h.journalKey().publicKey(),
                                                 &record, asImage(shown), journaled);
            auto resp = mallory->connection->call(req);
            return std::make_pair(resp ? int(resp->status()) : -1,
                                  QString::fromStdString(toHex(view(record.message_id()))));
        };
        // Honest: shown with its thumbnail.
        const auto honest = send({});
        QCOMPARE(honest.first, int(proto::STATUS_OK));
        // Divergent: the journal gets another thumbnail.
        const auto divergent = send([&](proto::JournalRecord& r) {
            r.mutable_attachments(0)->set_thumbnail(other.toStdString());
        });
        QCOMPARE(divergent.first, int(proto::STATUS_OK));
        auto* lm = lawyer.chat()->messages();
        lawyer.chat()->openConversation(QString::fromStdString(conv));
        QVERIFY(until(
            [&] {
                lm->refresh();
                return rowOf(lm, ML::IdRole, honest.second) >= 0 &&
                       rowOf(lm, ML::IdRole, divergent.second) >= 0;
            },
            30000));
        const int good = rowOf(lm, ML::IdRole, honest.second);
        QCOMPARE(cell(lm, good, ML::KindRole).toString(), QStringLiteral("attachment"));
        QVERIFY(!cell(lm, good, ML::FilesRole)
                     .toList()
                     .value(0)
                     .toMap()["thumbnail"]
                     .toString()
                     .isEmpty());
        const int bad = rowOf(lm, ML::IdRole, divergent.second);
        QCOMPARE(cell(lm, bad, ML::KindRole).toString(), QStringLiteral("mismatch"));
        QVERIFY(cell(lm, bad, ML::FilesRole).toList().isEmpty());
    }

    // Open: decrypted into the private folder (0700; the file 0600, a random name keeping the
    // extension, the same bytes), handed to the system, journaled as an open; refused where the
    // firm forbids saving; the folder is emptied when the app goes away and when it starts.
    void openIsPrivateJournaledRefusedByPolicyAndCleanedUp() {
        e2e::Harness h;
        QVERIFY(h.ok());
        h.setManifestTweak([](journal::FirmManifest& m) { m.policy.clientsMaySave = false; });
        QVERIFY(h.restart());
        QTemporaryDir dir;
        auto lawyer = std::make_unique<qt::AppController>(dir.path() + "/lawyer");
        qt::AppController client(dir.path() + "/client");
        QVERIFY2(openMatter(h, *lawyer, client, "Estate of Poe"),
                 qPrintable(client.error() + lawyer->error()));
        const QString path = dir.filePath("lease.pdf");
        const QByteArray content = "%PDF-1.4 the lease of 12 Acacia Avenue";
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(content);
        }
        QSignalSpy done(lawyer->attachments(), &qt::AttachmentsController::attachmentDone);
        QVERIFY(lawyer->attachments()->attach(QUrl::fromLocalFile(path)));
        QVERIFY(done.wait(30000));
        QVERIFY(done.last().at(0).toBool());
        auto* cm = client.chat()->messages();
        QVERIFY(until([&] { return rowWithFiles(client, 1) >= 0; }));
        const QString id = cell(cm, rowWithFiles(client, 1), ML::IdRole).toString();

        // The client may not take files out: Open is refused like Save, nothing written.
        QVERIFY(!client.attachments()->openAttachment(id, 0));
        QCOMPARE(client.error(), QStringLiteral("Your firm does not allow saving attachments"));
        auto refused = client.client()->openAttachment(
            id.toStdString(), 0, client.attachments()->openedFolder().toStdString());
        QVERIFY(!refused);
        QCOMPARE(refused.error().code, ErrorCode::Forbidden);
        QVERIFY(QDir(client.attachments()->openedFolder()).isEmpty());

        // The lawyer opens it: the system gets a file in the private folder.
        UrlCatcher catcher;
        QDesktopServices::setUrlHandler(QStringLiteral("file"), &catcher, "handle");
        QSignalSpy opened(lawyer->attachments(), &qt::AttachmentsController::attachmentOpened);
        QVERIFY(lawyer->attachments()->openAttachment(id, 0));
        QVERIFY(opened.wait(30000));
        QDesktopServices::unsetUrlHandler(QStringLiteral("file"));
        QVERIFY2(opened.last().at(1).toBool(), qPrintable(lawyer->error()));
        QCOMPARE(catcher.urls.size(), 1);
        const QString file = catcher.urls.first().toLocalFile();
        const QString folder = lawyer->attachments()->openedFolder();
        QVERIFY2(folder.startsWith(
                     QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation)),
                 qPrintable(folder));
        QCOMPARE(QFileInfo(file).absolutePath(), QFileInfo(folder).absoluteFilePath());
        QCOMPARE(QFileInfo(file).suffix(), QStringLiteral("pdf"));
        QVERIFY(!QFileInfo(file).fileName().contains("lease")); // a random name
        QCOMPARE(permissions(file), QStringLiteral("600"));
        QCOMPARE(permissions(folder), QStringLiteral("700"));
        {
            QFile f(file);
            QVERIFY(f.open(QIODevice::ReadOnly));
            QCOMPARE(f.readAll(), content);
        }
        QCOMPARE(QDir(folder).entryList(QDir::Files).size(), 1); // no part file left

        // Journaled like a save, saying it was an open.
        auto officer = h.enrollStaff("carl", proto::ROLE_COMPLIANCE);
        QVERIFY(officer && officer->connect(h.endpoint()));
        QStringList records;
        QVERIFY(until(
            [&] {
                records = savedRecords(h, *lawyer, *officer);
                return !records.isEmpty();
            },
            20000));
        QCOMPARE(records.size(), 1);
        QVERIFY2(records[0].contains("\"action\":\"open\"") &&
                     records[0].contains("\"file_name\":\"lease.pdf\"") &&
                     records[0].contains("\"message\":\"" + id + "\""),
                 qPrintable(records[0]));
        QVERIFY(!records[0].contains("Acacia"));
        const std::string said = compliance::attachmentSavedText(records[0].toStdString());
        QVERIFY2(said.find("opened lease.pdf in another application on device ") == 0,
                 said.c_str());

        // The app goes away: the folder with it.
        lawyer.reset();
        QVERIFY(!QFileInfo::exists(file));
        QVERIFY(!QFileInfo::exists(folder));
        // Left over from a crash: removed when the app starts.
        QVERIFY(QDir().mkpath(folder));
        {
            QFile f(folder + "/left-over.pdf");
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("stale");
        }
        qt::AppController again(dir.path() + "/lawyer");
        QVERIFY(!QFileInfo::exists(folder + "/left-over.pdf"));
    }
};

QTEST_MAIN(TestThumbnailsApp)
#include "tst_thumbnails_app.moc"

// verbatim-app-bench: the app with a large profile (issue 5, "Performance").
//
//   first frame   from nothing to the first frame of the chat: unlock (scrypt included), open
//                 the conversation, load the QML, render; a profile of 100,000 messages
//   memory        the process's resident set after that first frame has settled
//   scroll        frame times while the chat is scrolled upwards through 10,000 messages
//                 (older pages load as the top is reached), 40 px per frame
//   thumbnails    the same through 1,000 messages of another matter, each an image with its
//                 thumbnail (decoded as the bubble appears), three hours apart, so that a day
//                 separator comes every eight messages (issue 23)
//
// Rendering is offscreen (QT_QPA_PLATFORM=offscreen, Qt Quick's software renderer on this
// machine without a GPU), so frame times are an upper bound for a phone or laptop with one.
// Run: build/dev/tests/bench/verbatim-app-bench [--quick]

#include <QElapsedTimer>
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQmlContext>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "BenchProfile.h"
#include "E2EHarness.h"
#include "SelfRss.h"
#include "client/core/Profile.h"
#include "client/qt/AppController.h"
#include "client/qt/QmlModules.h"
#include "crypto/Random.h"
#include "verbatim.pb.h"

#include <QBuffer>
#include <QImage>
#include <QPainter>

using namespace verbatim;

namespace {

constexpr const char* kPass = "bench passphrase";

using bench::rssKiB;

struct Screen {
    QQmlApplicationEngine engine;
    QQuickWindow* window = nullptr;
};

std::unique_ptr<Screen> show(qt::AppController& app) {
    auto s = std::make_unique<Screen>();
    qt::WindowOptions o;
    o.windowTitle = QStringLiteral("bench");
    if (!qt::loadMainWindow(s->engine, app, o)) return nullptr;
    s->window = qobject_cast<QQuickWindow*>(s->engine.rootObjects().first());
    return s;
}

bool waitFor(const std::function<bool()>& f, int ms) {
    QElapsedTimer t;
    t.start();
    while (!f() && t.elapsed() < ms)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    return f();
}

/// Frame times while `list` is scrolled upwards 40 px per frame until `model` holds `target`
/// rows (older pages load on the way), sorted; at most `ms` of it.
std::vector<double> scrollUp(QQuickWindow* window, QQuickItem* list, QAbstractItemModel* model,
                             int target, int ms) {
    std::vector<double> frames;
    QElapsedTimer frame;
    bool stepping = true;
    const auto c = QObject::connect(window, &QQuickWindow::frameSwapped, [&] {
        if (!stepping) return;
        if (frame.isValid()) frames.push_back(double(frame.nsecsElapsed()) / 1e6);
        frame.restart();
        const qreal y = list->property("contentY").toReal();
        list->setProperty("contentY", y - 40);
        window->update();
    });
    window->update();
    waitFor([&] { return model->rowCount() >= target || frames.size() > 200000; }, ms);
    stepping = false;
    QObject::disconnect(c);
    std::sort(frames.begin(), frames.end());
    return frames;
}

/// Writes `count` incoming image messages into matter `title` of the profile at `dir`, each
/// with one of eight thumbnails (320 x 240 JPEGs, as the app makes them), three hours apart.
bool seedImages(const std::string& dir, const std::string& passphrase, const std::string& title,
                int count) {
    auto db = client::openProfile({dir}, passphrase);
    if (!db) return false;
    auto conv = (*db)->prepare("SELECT id FROM conversations WHERE title = ?");
    if (!conv) return false;
    conv->bind(1, std::string_view(title));
    if (!conv->step().value_or(false)) return false;
    const std::string id = conv->columnText(0);
    std::vector<std::string> thumbs;
    for (int i = 0; i < 8; ++i) {
        QImage img(320, 240, QImage::Format_RGB32);
        QPainter p(&img);
        QLinearGradient g(0, 0, 320, 240);
        g.setColorAt(0, QColor::fromHsv(i * 45, 160, 200));
        g.setColorAt(1, QColor::fromHsv((i * 45 + 90) % 360, 120, 90));
        p.fillRect(img.rect(), g);
        p.setPen(QPen(Qt::white, 6));
        p.drawEllipse(QRect(60 + i * 10, 40, 140, 140));
        p.end();
        QByteArray bytes;
        QBuffer b(&bytes);
        b.open(QIODevice::WriteOnly);
        img.save(&b, "jpeg", 80);
        thumbs.push_back(bytes.toStdString());
    }
    if (!(*db)->begin()) return false;
    auto st = (*db)->prepare(
        "INSERT INTO messages (id, conversation, sender_user, sender_device, outgoing, kind, body, "
        "attachments, client_time_ms, server_time_ms, journal_seq, state) "
        "VALUES (?, ?, 'client-1', 1, 0, 1, '', ?, ?, ?, ?, 4)");
    if (!st) return false;
    const std::int64_t start = 1764300000000LL - std::int64_t(count) * 3 * 3600 * 1000;
    for (int i = 0; i < count; ++i) {
        Bytes mid = crypto::randomBytes(16);
        proto::AttachmentList list;
        auto* a = list.add_items();
        a->set_blob_id(std::string(32, char(i)));
        a->set_file_name("exhibit " + std::to_string(i) + ".jpg");
        a->set_mime_type("image/jpeg");
        a->set_size(2400000);
        a->set_thumbnail(thumbs[std::size_t(i) % thumbs.size()]);
        a->set_width(4032);
        a->set_height(3024);
        const std::string att = list.SerializeAsString();
        const std::int64_t when = start + std::int64_t(i) * 3 * 3600 * 1000;
        st->bind(1, ByteView(mid))
            .bind(2, std::string_view(id))
            .bind(3, ByteView(reinterpret_cast<const std::uint8_t*>(att.data()), att.size()))
            .bind(4, when)
            .bind(5, when)
            .bind(6, std::int64_t(i + 1));
        if (!st->run()) return false;
    }
    return bool((*db)->commit());
}

} // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    QQuickStyle::setStyle("Material");
    const bool quick = argc > 1 && std::string(argv[1]) == "--quick";
    const int stored = quick ? 2000 : 100000, scrollThrough = quick ? 300 : 10000;

    e2e::Harness h;
    if (!h.ok()) return 1;
    QTemporaryDir dir;
    const QString profile = dir.path() + "/app";
    if (!bench::seedProfile(profile.toStdString(), kPass, h.enrollLink("alice", proto::ROLE_LAWYER),
                            "Estate of Doe", stored))
        return 1;
    const int images = quick ? 300 : 3000, imagesThrough = quick ? 150 : 1000;
    const QString imageProfile = dir.path() + "/images";
    if (!bench::seedProfile(imageProfile.toStdString(), kPass,
                            h.enrollLink("bob", proto::ROLE_LAWYER), "Estate of Roe", 0) ||
        !seedImages(imageProfile.toStdString(), kPass, "Estate of Roe", images)) {
        std::fprintf(stderr, "seeding the image profile failed\n");
        return 1;
    }
    const long rssBefore = rssKiB();

    // First frame.
    QElapsedTimer t;
    t.start();
    qt::AppController controller(profile);
    if (!controller.session()->unlock(kPass)) return 1;
    auto id = controller.client()->resolveConversation("Estate of Doe");
    if (!id) return 1;
    controller.chat()->openConversation(QString::fromStdString(*id));
    auto screen = show(controller);
    if (!screen) return 1;
    bool framed = false;
    QObject::connect(screen->window, &QQuickWindow::frameSwapped, [&] { framed = true; });
    screen->window->update();
    if (!waitFor([&] { return framed; }, 30000)) return 1;
    const double firstFrameMs = double(t.nsecsElapsed()) / 1e6;
    waitFor([] { return false; }, 1500); // settle
    const long rssAfter = rssKiB();

    // Scroll upwards through `scrollThrough` messages, 40 px per frame.
    auto* list = screen->window->findChild<QQuickItem*>("messageList");
    if (!list) return 1;
    auto* model = controller.chat()->messages();
    const int target = model->rowCount() + scrollThrough;
    const auto frames = scrollUp(screen->window, list, model, target, quick ? 20000 : 600000);
    const int scrolled = model->rowCount() - (target - scrollThrough);
    auto pct = [](const std::vector<double>& f, double p) {
        return f.empty() ? 0.0 : f[std::min(f.size() - 1, std::size_t(p * double(f.size())))];
    };
    auto over16 = [](const std::vector<double>& f) {
        return (long long)std::count_if(f.begin(), f.end(), [](double t) { return t > 16.0; });
    };
    screen.reset();

    // Thumbnails and day separators: another profile, its matter of images.
    qt::AppController imagesApp(imageProfile);
    if (!imagesApp.session()->unlock(kPass)) return 1;
    auto roe = imagesApp.client()->resolveConversation("Estate of Roe");
    if (!roe) return 1;
    imagesApp.chat()->openConversation(QString::fromStdString(*roe));
    auto imageScreen = show(imagesApp);
    if (!imageScreen) return 1;
    bool imageFramed = false;
    QObject::connect(imageScreen->window, &QQuickWindow::frameSwapped, [&] { imageFramed = true; });
    imageScreen->window->update();
    if (!waitFor([&] { return imageFramed; }, 30000)) return 1;
    waitFor([] { return false; }, 1000); // settle
    auto* imageList = imageScreen->window->findChild<QQuickItem*>("messageList");
    if (!imageList) return 1;
    auto* imageModel = imagesApp.chat()->messages();
    const int imageTarget = imageModel->rowCount() + imagesThrough;
    const auto imageFrames =
        scrollUp(imageScreen->window, imageList, imageModel, imageTarget, quick ? 60000 : 600000);
    const int imagesScrolled = imageModel->rowCount() - (imageTarget - imagesThrough);

    std::printf("| measurement | result | goal |\n|---|---|---|\n");
    std::printf("| first frame of the chat, profile of %d messages (unlock with scrypt, open, load "
                "QML, render) | %.0f ms | < 1 s |\n",
                stored, firstFrameMs);
    std::printf("| resident memory after the first frame | %.1f MiB (%.1f MiB before the app was "
                "created) | < 200 MiB |\n",
                double(rssAfter) / 1024.0, double(rssBefore) / 1024.0);
    std::printf(
        "| scrolling up through %d messages (%zu frames, older pages loaded on the way) | p50 %.1f "
        "ms, p99 %.1f ms, max %.1f ms; %lld frames over 16 ms | no frame over 16 ms |\n",
        scrolled, frames.size(), pct(frames, 0.5), pct(frames, 0.99),
        frames.empty() ? 0.0 : frames.back(), over16(frames));
    std::printf("| scrolling up through %d image messages with thumbnails and a day separator "
                "every 8 (%zu frames) | p50 %.1f ms, p99 %.1f ms, max %.1f ms; %lld frames over "
                "16 ms | no frame over 16 ms |\n",
                imagesScrolled, imageFrames.size(), pct(imageFrames, 0.5), pct(imageFrames, 0.99),
                imageFrames.empty() ? 0.0 : imageFrames.back(), over16(imageFrames));
    return scrolled > 0 && imagesScrolled > 0 ? 0 : 1;
}

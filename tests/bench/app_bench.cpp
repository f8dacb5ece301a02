// verbatim-app-bench: the app with a large profile (issue 5, "Performance").
//
//   first frame   from nothing to the first frame of the chat: unlock (scrypt included), open
//                 the conversation, load the QML, render; a profile of 100,000 messages
//   memory        the process's resident set after that first frame has settled
//   scroll        frame times while the chat is scrolled upwards through 10,000 messages
//                 (older pages load as the top is reached), 40 px per frame
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
#include "client/qt/AppController.h"
#include "client/qt/QmlModules.h"

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
    std::vector<double> frames;
    QElapsedTimer frame;
    bool stepping = true;
    QObject::connect(screen->window, &QQuickWindow::frameSwapped, [&] {
        if (!stepping) return;
        if (frame.isValid()) frames.push_back(double(frame.nsecsElapsed()) / 1e6);
        frame.restart();
        const qreal y = list->property("contentY").toReal();
        list->setProperty("contentY", y - 40);
        screen->window->update();
    });
    screen->window->update();
    waitFor([&] { return model->rowCount() >= target || frames.size() > 200000; },
            quick ? 20000 : 600000);
    stepping = false;
    const int scrolled = model->rowCount() - (target - scrollThrough);
    std::sort(frames.begin(), frames.end());
    auto pct = [&](double p) {
        return frames.empty()
                   ? 0.0
                   : frames[std::min(frames.size() - 1, std::size_t(p * double(frames.size())))];
    };
    const auto over16 =
        std::count_if(frames.begin(), frames.end(), [](double f) { return f > 16.0; });

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
        scrolled, frames.size(), pct(0.5), pct(0.99), frames.empty() ? 0.0 : frames.back(),
        (long long)over16);
    return scrolled > 0 ? 0 : 1;
}

// verbatim: the Qt Quick app. See README "The app".
//
//   verbatim [--profile DIR] [--passphrase-file FILE] [--open TITLE] [--size WxH] [--dark]
//            [--screenshot FILE.png] [verbatim://LINK]
//
// --screenshot renders the window (offscreen works: QT_QPA_PLATFORM=offscreen), saves it and
// exits; with --passphrase-file the profile is unlocked first and --open shows a conversation.

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQmlContext>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QStandardPaths>
#include <QTimer>
#include <QtQml/qqmlextensionplugin.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "client/qt/AppController.h"
#include "client/qt/OfflineNetwork.h"
#include "client/qt/QrImageProvider.h"

Q_IMPORT_QML_PLUGIN(VerbatimPlugin)

int main(int argc, char** argv) {
    // The profile key lives in this process: no core dumps.
    prctl(PR_SET_DUMPABLE, 0);
    rlimit none{0, 0};
    setrlimit(RLIMIT_CORE, &none);

    QGuiApplication app(argc, argv);
    QGuiApplication::setApplicationName("Verbatim");
    QGuiApplication::setOrganizationName("Verbatim");
    QQuickStyle::setStyle("Material");

    QCommandLineParser cli;
    cli.setApplicationDescription("Verbatim: encrypted, journaled messaging for law firms");
    cli.addHelpOption();
    QCommandLineOption profile("profile", "Profile directory.", "DIR",
                               QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/profile");
    QCommandLineOption passFile("passphrase-file", "Unlock with the passphrase in FILE.", "FILE");
    QCommandLineOption open("open", "Open the conversation with this title.", "TITLE");
    QCommandLineOption size("size", "Window size, e.g. 390x844 (phone) or 1280x800 (laptop).", "WxH", "1280x800");
    QCommandLineOption dark("dark", "Dark theme.");
    QCommandLineOption shot("screenshot", "Render, save a PNG and exit.", "FILE");
    QCommandLineOption title("window-title", "Window title.", "TEXT", "Verbatim");
    cli.addOptions({profile, passFile, open, size, dark, shot, title});
    cli.addPositionalArgument("link", "A verbatim:// enrollment or invite link to join with.");
    cli.process(app);

    verbatim::qt::AppController controller(cli.value(profile));
    if (cli.isSet(passFile)) {
        QFile f(cli.value(passFile));
        if (!f.open(QIODevice::ReadOnly)) qFatal("cannot read the passphrase file");
        QString pass = QString::fromUtf8(f.readAll()).trimmed();
        if (!controller.unlock(pass)) qFatal("%s", qPrintable(controller.error()));
        if (cli.isSet(open)) {
            if (auto* c = controller.client()) {
                auto id = c->resolveConversation(cli.value(open).toStdString());
                if (id) controller.openConversation(QString::fromStdString(*id));
            }
        }
    }
    const auto dims = cli.value(size).split('x');
    verbatim::qt::OfflineNetwork offline;  // outlives the engine: QML never fetches anything remote
    QQmlApplicationEngine engine;
    engine.setNetworkAccessManagerFactory(&offline);
    engine.addImageProvider("qr", new verbatim::qt::QrImageProvider);
    engine.rootContext()->setContextProperty("app", &controller);
    engine.rootContext()->setContextProperty("startLink", cli.positionalArguments().value(0));
    engine.rootContext()->setContextProperty("darkTheme", cli.isSet(dark));
    engine.rootContext()->setContextProperty("initialWidth", dims.value(0).toInt());
    engine.rootContext()->setContextProperty("initialHeight", dims.value(1).toInt());
    engine.rootContext()->setContextProperty("windowTitle", cli.value(title));
    engine.load(QUrl("qrc:/Verbatim/Main.qml"));
    if (engine.rootObjects().isEmpty()) return 1;
    if (cli.isSet(shot)) {
        auto* window = qobject_cast<QQuickWindow*>(engine.rootObjects().first());
        const QString path = cli.value(shot);
        QTimer::singleShot(1500, &app, [window, path] {
            QImage img = window->grabWindow();
            bool ok = !img.isNull() && img.save(path);
            std::fprintf(ok ? stdout : stderr, "%s %s\n", ok ? "screenshot" : "could not write", qPrintable(path));
            QCoreApplication::exit(ok ? 0 : 1);
        });
    }
    return app.exec();
}

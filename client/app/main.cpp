// verbatim: the Qt Quick app. See README "The app".
//
//   verbatim [--profile DIR] [--passphrase-file FILE] [--open TITLE] [--size WxH] [--dark]
//            [--screenshot FILE.png] [--locale CODE] [--pseudo-locale] [verbatim://LINK]
//
// --screenshot renders the window (offscreen works: QT_QPA_PLATFORM=offscreen), saves it and
// exits; with --passphrase-file the profile is unlocked first and --open shows a conversation.

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTimer>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "client/qt/AppController.h"
#include "client/qt/Language.h"
#include "client/qt/OfflineNetwork.h"
#include "client/qt/PseudoTranslator.h"
#include "client/qt/QmlModules.h"
#include "common/CommandLine.h"

namespace {

/// Why the app's command line is refused, or an empty string; the same rules as every Verbatim
/// program (common/CommandLine.h). Qt's parser alone takes the next argument as a value even when
/// it is an option and keeps the last of repeated options: both are refused here.
QString commandLineError(QCommandLineParser& cli, const QList<QCommandLineOption>& options,
                         const QStringList& args) {
    for (int i = 1; i < args.size() && args[i] != "--"; ++i)
        for (const auto& o : options) {
            if (o.valueName().isEmpty() || args[i] != "--" + o.names().constLast()) continue;
            if (i + 1 == args.size())
                return QCoreApplication::translate("main", "%1 needs a value (%2)")
                    .arg(args[i], o.valueName());
            if (args[i + 1].startsWith("--"))
                return QCoreApplication::translate("main",
                                                   "%1 needs a value (%2), not the option %3 "
                                                   "(write %1=VALUE for a value that starts "
                                                   "with --)")
                    .arg(args[i], o.valueName(), args[i + 1]);
        }
    if (!cli.parse(args)) {
        const auto unknown = cli.unknownOptionNames();
        if (unknown.isEmpty()) return cli.errorText();
        std::vector<std::string> known{"help"};
        for (const auto& o : options)
            known.push_back(o.names().constLast().toStdString());
        const QString& name = unknown.constFirst();
        return QCoreApplication::translate("main", "unknown option %1%2")
                   .arg(name.size() == 1 ? "-" : "--", name) +
               QString::fromStdString(verbatim::cmdline::didYouMean(
                   verbatim::cmdline::closestNames(name.toStdString(), known), "--"));
    }
    if (cli.isSet("help") || cli.isSet("help-all")) return {};
    for (const auto& o : options) {
        const QString name = o.names().constLast();
        if (cli.optionNames().count(name) > 1)
            return QCoreApplication::translate("main", "--%1 given twice (it is taken once)")
                .arg(name);
        if (!o.valueName().isEmpty() && cli.isSet(o) && cli.value(o).isEmpty())
            return QCoreApplication::translate("main", "--%1 needs a non-empty %2")
                .arg(name, o.valueName());
    }
    if (cli.isSet("size")) {
        static const QRegularExpression wxh("^([0-9]{1,5})x([0-9]{1,5})$");
        const auto m = wxh.match(cli.value("size"));
        if (!m.hasMatch() || m.captured(1).toInt() < 100 || m.captured(2).toInt() < 100 ||
            m.captured(1).toInt() > 20000 || m.captured(2).toInt() > 20000)
            return QCoreApplication::translate(
                       "main", "--size: must be WIDTHxHEIGHT in pixels (100..20000 each), not '%1'")
                .arg(cli.value("size"));
    }
    if (cli.isSet("locale") && !verbatim::qt::Language::parse(cli.value("locale")))
        return QCoreApplication::translate(
                   "main", "--locale: '%1' is not a language the app speaks (%2, or system)")
            .arg(cli.value("locale"), verbatim::qt::Language::available().join(", "));
    const auto links = cli.positionalArguments();
    if (links.size() > 1)
        return QCoreApplication::translate("main", "unexpected argument '%1' (one link at most)")
            .arg(links[1]);
    // An invite's web form (https://HOST:PORT/i/#…) is a link as well (issue 23).
    if (!links.isEmpty() && !links[0].startsWith("verbatim://") && !links[0].startsWith("https://"))
        return QCoreApplication::translate(
                   "main", "unexpected argument '%1' (a link starts with verbatim:// or https://)")
            .arg(links[0]);
    return {};
}

} // namespace

int main(int argc, char** argv) {
    // The profile key lives in this process: no core dumps.
    prctl(PR_SET_DUMPABLE, 0);
    rlimit none{0, 0};
    setrlimit(RLIMIT_CORE, &none);

    QGuiApplication app(argc, argv);
    QGuiApplication::setApplicationName("Verbatim");
    QGuiApplication::setOrganizationName("Verbatim");
    QQuickStyle::setStyle("Material");

    // The language before anything says a word: the command line's help and errors, the
    // controllers' texts and QML's. A --locale the app does not speak is refused below.
    verbatim::qt::Language language;
    language.install(verbatim::qt::Language::parse(
                         verbatim::qt::Language::requested(QCoreApplication::arguments()))
                         .value_or(QLocale::system()));

    QCommandLineParser cli;
    cli.setApplicationDescription(QCoreApplication::translate(
        "main", "Verbatim: encrypted, journaled messaging for law firms"));
    cli.addHelpOption();
    QCommandLineOption profile(
        "profile", QCoreApplication::translate("main", "Profile directory."), "DIR",
        QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/profile");
    QCommandLineOption passFile(
        "passphrase-file",
        QCoreApplication::translate("main", "Unlock with the passphrase in FILE."), "FILE");
    QCommandLineOption open(
        "open", QCoreApplication::translate("main", "Open the conversation with this title."),
        "TITLE");
    QCommandLineOption size("size",
                            QCoreApplication::translate(
                                "main", "Window size, e.g. 390x844 (phone) or 1280x800 (laptop)."),
                            "WxH", "1280x800");
    QCommandLineOption dark("dark", QCoreApplication::translate("main", "Dark theme."));
    QCommandLineOption shot(
        "screenshot", QCoreApplication::translate("main", "Render, save a PNG and exit."), "FILE");
    QCommandLineOption title("window-title", QCoreApplication::translate("main", "Window title."),
                             "TEXT", "Verbatim");
    QCommandLineOption pseudo(
        "pseudo-locale",
        QCoreApplication::translate("main", "Show every text pseudo-localised (longer, "
                                            "accented) to find truncation; also "
                                            "VERBATIM_PSEUDO_LOCALE=1."));
    QCommandLineOption locale(
        "locale",
        QCoreApplication::translate("main",
                                    "The app's language and date format: de, en, a locale such as "
                                    "de_AT, or system (the default: LANG, LC_ALL, LC_MESSAGES)."),
        "CODE");
    const QList<QCommandLineOption> options{profile, passFile, open,   size,  dark,
                                            shot,    title,    locale, pseudo};
    cli.addOptions(options);
    cli.addPositionalArgument("link",
                              QCoreApplication::translate(
                                  "main", "A verbatim:// enrollment or invite link to join with."));
    // Refused with the usage and exit code 2 before a profile is opened or a window made.
    if (const QString error = commandLineError(cli, options, QCoreApplication::arguments());
        !error.isEmpty()) {
        std::fputs(qPrintable(cli.helpText()), stderr);
        std::fprintf(stderr, "verbatim: %s\n", qPrintable(error));
        return verbatim::cmdline::kExitUsage;
    }
    if (cli.isSet("help") || cli.isSet("help-all")) cli.showHelp(0); // stdout, exit 0

    verbatim::qt::AppController controller(cli.value(profile));
    if (cli.isSet(passFile)) {
        QFile f(cli.value(passFile));
        if (!f.open(QIODevice::ReadOnly)) qFatal("cannot read the passphrase file");
        QString pass = QString::fromUtf8(f.readAll()).trimmed();
        if (!controller.session()->unlock(pass)) qFatal("%s", qPrintable(controller.error()));
        if (cli.isSet(open)) {
            if (auto* c = controller.client()) {
                auto id = c->resolveConversation(cli.value(open).toStdString());
                if (id) controller.chat()->openConversation(QString::fromStdString(*id));
            }
        }
    }
    const auto dims = cli.value(size).split('x');
    // Before QML loads, so every qsTr() goes through it (client/qt/PseudoTranslator.h); installed
    // last, it is asked first and so wins over the language's catalogue.
    verbatim::qt::PseudoTranslator pseudoTranslator;
    if (cli.isSet(pseudo) || qEnvironmentVariable("VERBATIM_PSEUDO_LOCALE") == "1")
        QCoreApplication::installTranslator(&pseudoTranslator);
    verbatim::qt::OfflineNetwork offline; // outlives the engine: QML never fetches anything remote
    QQmlApplicationEngine engine;
    engine.setNetworkAccessManagerFactory(&offline);
    verbatim::qt::WindowOptions window;
    window.startLink = cli.positionalArguments().value(0);
    window.darkTheme = cli.isSet(dark);
    window.initialWidth = dims.value(0).toInt();
    window.initialHeight = dims.value(1).toInt();
    window.windowTitle = cli.value(title);
    if (!verbatim::qt::loadMainWindow(engine, controller, window)) return 1;
    if (cli.isSet(shot)) {
        auto* window = qobject_cast<QQuickWindow*>(engine.rootObjects().first());
        const QString path = cli.value(shot);
        QTimer::singleShot(1500, &app, [window, path] {
            QImage img = window->grabWindow();
            bool ok = !img.isNull() && img.save(path);
            std::fprintf(ok ? stdout : stderr, "%s %s\n", ok ? "screenshot" : "could not write",
                         qPrintable(path));
            QCoreApplication::exit(ok ? 0 : 1);
        });
    }
    return app.exec();
}

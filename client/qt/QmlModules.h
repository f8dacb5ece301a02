#pragma once
/// @file QmlModules.h
/// The app's QML modules, for an executable that shows the app's screens (the app, its tests and
/// benchmarks): include this header once, in the file with main(), and link verbatim_qml. It
/// imports the static plugins of the C++ module "Verbatim" (client/qt) and of each feature's
/// module (qml/*/: Verbatim.Common, .Onboarding, .Chat, .Settings, .Admin, .Compliance, .Ui).

#include <QQmlApplicationEngine>
#include <QString>
#include <QUrl>
#include <QtQml/qqmlextensionplugin.h>

#include "client/qt/AppController.h"
#include "client/qt/AttachmentImageProvider.h"
#include "client/qt/QrImageProvider.h"

Q_IMPORT_QML_PLUGIN(VerbatimPlugin)
Q_IMPORT_QML_PLUGIN(Verbatim_CommonPlugin)
Q_IMPORT_QML_PLUGIN(Verbatim_OnboardingPlugin)
Q_IMPORT_QML_PLUGIN(Verbatim_ChatPlugin)
Q_IMPORT_QML_PLUGIN(Verbatim_SettingsPlugin)
Q_IMPORT_QML_PLUGIN(Verbatim_AdminPlugin)
Q_IMPORT_QML_PLUGIN(Verbatim_CompliancePlugin)
Q_IMPORT_QML_PLUGIN(Verbatim_SupervisorsPlugin)
Q_IMPORT_QML_PLUGIN(Verbatim_UiPlugin)

namespace verbatim::qt {

/// Where the modules' files are (RESOURCE_PREFIX /qt/qml): Qt 6.5 looks there by itself, 6.4
/// needs it said. Call before loading anything that imports a Verbatim module.
inline void addQmlImportPath(QQmlEngine& engine) {
    engine.addImportPath(QStringLiteral("qrc:/qt/qml"));
}

/// The app's window.
inline QUrl mainQmlUrl() {
    return QUrl(QStringLiteral("qrc:/qt/qml/Verbatim/Ui/Main.qml"));
}

/// How the app's window starts (Main.qml's properties of the same names).
struct WindowOptions {
    QString startLink; ///< a verbatim:// link to join with (onboarding), or empty
    bool darkTheme = false;
    int initialWidth = 1280; ///< pixels
    int initialHeight = 800;
    QString windowTitle = QStringLiteral("Verbatim");
};

/// Loads the app's window for `app` into `engine` (the QR image provider, the import path, the
/// window's properties); false when it did not load. `app` outlives the engine.
inline bool loadMainWindow(QQmlApplicationEngine& engine, AppController& app,
                           const WindowOptions& o = {}) {
    addQmlImportPath(engine);
    engine.addImageProvider(QStringLiteral("qr"), new QrImageProvider);
    engine.addImageProvider(QStringLiteral("attachment"), new AttachmentImageProvider(app));
    // No context properties: the window gets the root controller and passes each page what
    // it needs.
    engine.setInitialProperties({{QStringLiteral("app"), QVariant::fromValue(&app)},
                                 {QStringLiteral("startLink"), o.startLink},
                                 {QStringLiteral("darkTheme"), o.darkTheme},
                                 {QStringLiteral("initialWidth"), o.initialWidth},
                                 {QStringLiteral("initialHeight"), o.initialHeight},
                                 {QStringLiteral("windowTitle"), o.windowTitle}});
    engine.load(mainQmlUrl());
    return !engine.rootObjects().isEmpty();
}

} // namespace verbatim::qt

#pragma once
/// @file OfflineNetwork.h
/// The app's QML engine never goes on the network: every request it would make (an image or a
/// stylesheet named in rich text, a remote QML file) fails at once, before a connection. The
/// screens need nothing remote (the QR codes come from an image provider), and participants'
/// text is shown as plain text anyway (TextRuns.h); this is the second wall behind that one,
/// so that a label that ever renders markup again still cannot fetch a beacon.
///
/// Install with `engine.setNetworkAccessManagerFactory(&factory)` before loading QML; the
/// factory must outlive the engine. Thread-safe as QQmlNetworkAccessManagerFactory requires.

#include <QQmlNetworkAccessManagerFactory>

namespace verbatim::qt {

class OfflineNetwork : public QQmlNetworkAccessManagerFactory {
public:
    QNetworkAccessManager* create(QObject* parent) override;
};

} // namespace verbatim::qt

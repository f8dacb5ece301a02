#pragma once
/// @file QrImageProvider.h
/// image://qr/<text>: a QR code of `text` (libqrencode), for invite links shown to clients.

#include <QQuickImageProvider>

namespace verbatim::qt {

class QrImageProvider : public QQuickImageProvider {
public:
    QrImageProvider() : QQuickImageProvider(QQuickImageProvider::Image) {}
    QImage requestImage(const QString& id, QSize* size, const QSize& requestedSize) override;
};

} // namespace verbatim::qt

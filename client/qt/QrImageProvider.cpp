#include "client/qt/QrImageProvider.h"

#include <QUrl>
#include <qrencode.h>

namespace verbatim::qt {

QImage QrImageProvider::requestImage(const QString& id, QSize* size, const QSize& requestedSize) {
    const QByteArray text = QUrl::fromPercentEncoding(id.toUtf8()).toUtf8();
    QRcode* code = QRcode_encodeString(text.constData(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!code) return {};
    const int n = code->width, quiet = 4, side = n + 2 * quiet;
    QImage img(side, side, QImage::Format_Grayscale8);
    img.fill(255);
    for (int y = 0; y < n; ++y)
        for (int x = 0; x < n; ++x)
            if (code->data[y * n + x] & 1) img.setPixel(x + quiet, y + quiet, qRgb(0, 0, 0));
    QRcode_free(code);
    const int target = requestedSize.isValid()
                           ? std::max(requestedSize.width(), requestedSize.height())
                           : side * 6;
    QImage out = img.scaled(target, target, Qt::KeepAspectRatio, Qt::FastTransformation);
    if (size) *size = out.size();
    return out;
}

} // namespace verbatim::qt

#include "client/qt/AttachmentImageProvider.h"

#include "client/qt/AppController.h"
#include "client/qt/AttachmentsController.h"
#include "client/qt/Thumbnail.h"

namespace verbatim::qt {

QImage AttachmentImageProvider::requestImage(const QString& id, QSize* size,
                                             const QSize& requestedSize) {
    const QStringList parts = id.split(QLatin1Char('/'));
    QImage image;
    bool ok = false;
    if (parts.size() == 3 && parts[0] == QLatin1String("thumb")) {
        const int index = parts[2].toInt(&ok);
        if (ok) image = Thumbnail::decode(m_app.attachments()->thumbnailBytes(parts[1], index));
    } else if (parts.size() == 2 && parts[0] == QLatin1String("view")) {
        const int serial = parts[1].toInt(&ok);
        if (ok) image = m_app.attachments()->viewerImage(serial);
    }
    if (size) *size = image.size();
    // The image is small (a thumbnail) or already fitted to the viewer's limit: a requested size
    // only ever scales it down.
    if (!image.isNull() && requestedSize.isValid() && requestedSize.width() > 0 &&
        requestedSize.height() > 0 &&
        (requestedSize.width() < image.width() || requestedSize.height() < image.height()))
        image = image.scaled(requestedSize, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    return image;
}

} // namespace verbatim::qt

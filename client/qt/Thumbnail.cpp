#include "client/qt/Thumbnail.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QImageReader>
#include <QImageWriter>
#include <QPainter>
#include <algorithm>

namespace verbatim::qt {

namespace {

/// `size` scaled to fit `side` on its longest side, keeping its aspect ratio (never under 1 px).
QSize fitted(QSize size, int side) {
    if (size.width() <= side && size.height() <= side) return size;
    return size.scaled(side, side, Qt::KeepAspectRatio).expandedTo(QSize(1, 1));
}

/// `image` drawn on white into a fresh RGB image: no alpha, and none of the original's metadata
/// (QImage keeps text keys from the file, which a JPEG writer would put back as comments).
QImage flattened(const QImage& image) {
    QImage out(image.size(), QImage::Format_RGB32);
    out.fill(Qt::white);
    QPainter painter(&out);
    painter.drawImage(0, 0, image);
    painter.end();
    return out;
}

QByteArray jpeg(const QImage& image, int quality) {
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QImageWriter writer(&buffer, "jpeg");
    writer.setQuality(quality);
    if (!writer.write(image)) return {};
    return bytes;
}

void say(QString* why, const QString& text) {
    if (why) *why = text;
}

} // namespace

Thumbnail::Made Thumbnail::make(const QString& path, qsizetype maxBytes) {
    QImageReader reader(path);
    reader.setDecideFormatFromContent(true); // a name says nothing about the bytes
    const QByteArray format = reader.format();
    if (format != "png" && format != "jpeg" && format != "webp") return {};
    // A photo may be large, but a file claiming more than this is not thumbnailed: it is sent
    // as a plain file, its size never used to allocate.
    reader.setAllocationLimit(256);
    const QSize raw = reader.size();
    if (!raw.isValid() || raw.isEmpty() || qint64(raw.width()) * raw.height() > kMaxSourcePixels)
        return {};
    reader.setAutoTransform(true); // the EXIF orientation, as a camera app shows the photo
    // The scaled size applies before the orientation: from the stored size, not the shown one.
    reader.setScaledSize(fitted(raw, kSide));
    const QImage image = reader.read();
    if (image.isNull()) return {};
    QImage small = flattened(image);
    Made made;
    QSize shown = raw;
    if (reader.transformation() & QImageIOHandler::TransformationRotate90) shown.transpose();
    made.width = quint32(shown.width());
    made.height = quint32(shown.height());
    // Quality first, then size, until the thumbnail fits its share of the message.
    while (true) {
        for (int quality : {80, 65, 50, 35}) {
            QByteArray bytes = jpeg(small, quality);
            if (!bytes.isEmpty() && bytes.size() <= maxBytes) {
                made.jpeg = std::move(bytes);
                return made;
            }
        }
        if (std::max(small.width(), small.height()) <= 48) return {};
        small = small.scaled(small.size() * 3 / 4, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    }
}

QSize Thumbnail::probe(const QByteArray& bytes, QString* why) {
    if (bytes.isEmpty()) {
        say(why, QStringLiteral("no thumbnail"));
        return {};
    }
    if (bytes.size() > kMaxBytes) {
        say(why, QStringLiteral("the thumbnail is larger than 16 KiB"));
        return {};
    }
    // A JPEG and nothing else: no other decoder is reached with someone else's bytes.
    if (!bytes.startsWith(QByteArray::fromRawData("\xff\xd8\xff", 3))) {
        say(why, QStringLiteral("the thumbnail is not a JPEG"));
        return {};
    }
    QByteArray copy = bytes;
    QBuffer buffer(&copy);
    buffer.open(QIODevice::ReadOnly);
    QImageReader reader(&buffer, "jpeg");
    reader.setDecideFormatFromContent(false);
    const QSize size = reader.size();
    if (!size.isValid() || size.isEmpty()) {
        say(why, QStringLiteral("the thumbnail is not an image"));
        return {};
    }
    if (size.width() > kMaxSide || size.height() > kMaxSide) {
        say(why, QStringLiteral("the thumbnail claims %1 x %2 pixels")
                     .arg(size.width())
                     .arg(size.height()));
        return {};
    }
    return size;
}

QImage Thumbnail::decode(const QByteArray& bytes, QString* why) {
    const QSize size = probe(bytes, why);
    if (!size.isValid()) return {};
    QByteArray copy = bytes;
    QBuffer buffer(&copy);
    buffer.open(QIODevice::ReadOnly);
    QImageReader reader(&buffer, "jpeg");
    reader.setDecideFormatFromContent(false);
    reader.setAutoTransform(false); // the sender applied the orientation
    reader.setAllocationLimit(1);   // MiB: 512 x 512 x 4 bytes fits
    // The header was checked; the decoder is still held to that size, whatever the data says.
    reader.setScaledSize(size);
    QImage image = reader.read();
    if (image.isNull() || image.size() != size) {
        say(why, QStringLiteral("the thumbnail does not decode"));
        return {};
    }
    return image;
}

QImage Thumbnail::decodeForViewer(const QByteArray& bytes, QString* why) {
    QByteArray copy = bytes;
    QBuffer buffer(&copy);
    buffer.open(QIODevice::ReadOnly);
    QImageReader reader(&buffer);
    reader.setDecideFormatFromContent(true);
    const QByteArray format = reader.format();
    if (format != "png" && format != "jpeg" && format != "webp" && format != "gif") {
        say(why,
            QCoreApplication::translate("Thumbnail", "this file is not an image the viewer shows"));
        return {};
    }
    reader.setAllocationLimit(256);
    const QSize raw = reader.size();
    if (!raw.isValid() || raw.isEmpty() || raw.width() > kMaxViewerSourceSide ||
        raw.height() > kMaxViewerSourceSide) {
        say(why, QCoreApplication::translate("Thumbnail", "the image is too large to show"));
        return {};
    }
    reader.setAutoTransform(true);
    reader.setScaledSize(fitted(raw, kViewerSide));
    QImage image = reader.read();
    if (image.isNull()) {
        say(why, QCoreApplication::translate("Thumbnail", "the image does not decode"));
        return {};
    }
    return image;
}

} // namespace verbatim::qt

#pragma once
/// @file Thumbnail.h
/// Images' thumbnails (issue 23; docs/protocol.md, "Thumbnails"): made on the sender's device
/// and decoded, under limits set before any pixel is decoded, on the receiver's. Also the full
/// image for the in-app viewer, decoded under limits of its own.
///
/// Everything a receiver decodes here came from another party: the bytes, the pixel size their
/// header claims and the width/height in the record are all untrusted. Nothing is allocated by
/// a claimed size: QImageReader reads the header, the size is checked, an allocation limit is
/// set, and only then are pixels decoded. Stateless functions; any thread.

#include <QByteArray>
#include <QImage>
#include <QSize>
#include <QString>

namespace verbatim::qt {

class Thumbnail {
public:
    /// The longest side of a thumbnail this device makes, in pixels.
    static constexpr int kSide = 320;
    /// The most bytes a received thumbnail may have (the core's kMaxThumbnailBytes).
    static constexpr qsizetype kMaxBytes = 16 * 1024;
    /// The largest side a received thumbnail may have, in pixels (more than we make: other
    /// clients may make a little larger ones).
    static constexpr int kMaxSide = 512;
    /// An image this device thumbnails has at most this many pixels (a 64-megapixel photo);
    /// a larger one is sent as a plain file.
    static constexpr qint64 kMaxSourcePixels = 64ll * 1000 * 1000;
    /// The viewer shows an image at most this many pixels on its longest side (decoded scaled).
    static constexpr int kViewerSide = 4096;
    /// And refuses one whose header claims more than this on a side.
    static constexpr int kMaxViewerSourceSide = 30000;

    struct Made {
        QByteArray jpeg;               ///< empty: no thumbnail (not an image, or too large to read)
        quint32 width = 0, height = 0; ///< the image's size as shown (EXIF orientation applied)
    };
    /// A thumbnail of the image file at `path` (PNG, JPEG or WebP, read from the content, not
    /// the name): its longest side kSide pixels or less, EXIF orientation applied, flattened on
    /// white and encoded anew as a JPEG, so that no metadata of the original (location, camera,
    /// comments) is carried, and at most `maxBytes` long (quality, then size, reduced until it
    /// fits). Empty for anything else.
    static Made make(const QString& path, qsizetype maxBytes = kMaxBytes);

    /// The pixel size a received thumbnail will decode to, from its header alone, or an invalid
    /// size (with `why` set) when it is refused: empty, over kMaxBytes, not a JPEG, or claiming
    /// more than kMaxSide on a side. Cheap: for laying out a bubble before decoding.
    static QSize probe(const QByteArray& bytes, QString* why = nullptr);
    /// A received thumbnail decoded, or a null image (with `why` set) when probe() refuses it or
    /// it does not decode to the size its header claimed. Decoding is capped at 1 MiB.
    static QImage decode(const QByteArray& bytes, QString* why = nullptr);

    /// A decrypted image attachment for the viewer: PNG, JPEG, WebP or GIF (first frame) by
    /// content; EXIF orientation applied; scaled down to kViewerSide on its longest side while
    /// decoding where the format allows. Null (with `why`) for anything else or a header that
    /// claims more than kMaxViewerSourceSide on a side; decoding is capped at 256 MiB.
    static QImage decodeForViewer(const QByteArray& bytes, QString* why = nullptr);
};

} // namespace verbatim::qt

#pragma once
/// @file ImageItem.h
/// A QImage on screen (QML: `ImageItem { image: ... }`), for images the app holds in memory only:
/// the compliance page's thumbnails and its viewer (issue 23), which come from model rows and a
/// controller property rather than an image provider. The image is drawn fitted into the item,
/// its aspect ratio kept, centred (a viewer zooms by sizing the item).
///
/// Threading: GUI thread (the scene graph paints it on the render thread through
/// QQuickPaintedItem's texture).

#include <QImage>
#include <QQuickPaintedItem>
#include <QVariant>
#include <QtQml/qqmlregistration.h>

namespace verbatim::qt {

class ImageItem : public QQuickPaintedItem {
    Q_OBJECT
    QML_ELEMENT
    /// What is shown: a QImage (a null one: nothing), or a received thumbnail's JPEG bytes
    /// (a QByteArray, which survives QML's JavaScript values where a QImage inside a model's map
    /// does not), decoded here under Thumbnail::decode's limits.
    Q_PROPERTY(QVariant image READ imageValue WRITE setImageValue NOTIFY imageChanged)
    /// Its size in pixels (0 when null), for layouts that follow the image's own shape.
    Q_PROPERTY(int sourceWidth READ sourceWidth NOTIFY imageChanged)
    Q_PROPERTY(int sourceHeight READ sourceHeight NOTIFY imageChanged)
    /// Whether an image is set.
    Q_PROPERTY(bool empty READ empty NOTIFY imageChanged)

public:
    explicit ImageItem(QQuickItem* parent = nullptr);
    QImage image() const { return m_image; }
    void setImage(const QImage& image);
    QVariant imageValue() const { return QVariant::fromValue(m_image); }
    void setImageValue(const QVariant& value);
    int sourceWidth() const { return m_image.width(); }
    int sourceHeight() const { return m_image.height(); }
    bool empty() const { return m_image.isNull(); }
    void paint(QPainter* painter) override;

signals:
    void imageChanged();

private:
    QImage m_image;
};

} // namespace verbatim::qt

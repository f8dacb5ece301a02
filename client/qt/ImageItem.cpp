#include "client/qt/ImageItem.h"

#include <QPainter>

#include "client/qt/Thumbnail.h"

namespace verbatim::qt {

ImageItem::ImageItem(QQuickItem* parent) : QQuickPaintedItem(parent) {
    setAntialiasing(true);
}

void ImageItem::setImage(const QImage& image) {
    // QImage shares its pixels: comparing the cache keys tells a new image from the same one.
    if (image.cacheKey() == m_image.cacheKey()) return; // ct-ok: Qt cache ids
    m_image = image;
    emit imageChanged();
    update();
}

void ImageItem::setImageValue(const QVariant& value) {
    if (value.typeId() == QMetaType::QByteArray)
        setImage(Thumbnail::decode(value.toByteArray()));
    else
        setImage(value.value<QImage>());
}

void ImageItem::paint(QPainter* painter) {
    if (m_image.isNull() || width() <= 0 || height() <= 0) return;
    const QSizeF fitted = QSizeF(m_image.size()).scaled(size(), Qt::KeepAspectRatio);
    const QRectF target((width() - fitted.width()) / 2, (height() - fitted.height()) / 2,
                        fitted.width(), fitted.height());
    painter->setRenderHint(QPainter::SmoothPixmapTransform);
    painter->drawImage(target, m_image);
}

} // namespace verbatim::qt

#pragma once
/// @file AttachmentImageProvider.h
/// image://attachment/thumb/<message id>/<index>: an attachment's thumbnail as the sender sent
/// it, decoded under Thumbnail::decode's limits (a null image, which an Image shows as an error,
/// when refused); image://attachment/view/<serial>: the image the viewer shows
/// (AttachmentsController::viewImage). Synchronous Images call it on the GUI thread, where the
/// controller and the core may be read; the app's Images load these synchronously.

#include <QQuickImageProvider>

namespace verbatim::qt {

class AppController;

class AttachmentImageProvider : public QQuickImageProvider {
public:
    /// `app` outlives the engine that owns the provider.
    explicit AttachmentImageProvider(AppController& app)
        : QQuickImageProvider(QQuickImageProvider::Image), m_app(app) {}
    QImage requestImage(const QString& id, QSize* size, const QSize& requestedSize) override;

private:
    AppController& m_app;
};

} // namespace verbatim::qt

#pragma once
/// @file LinkHighlighter.h
/// Marks the links TextRuns::split() finds in a plain-text TextEdit (colour and underline), for
/// QML. The formats are the highlighter's own: the document's text is untouched and never
/// parsed as markup, so a link looks like one only where our rules found it. Clicks are the
/// view's business (MessageBubble asks TextRuns.linkAt()). GUI thread only.

#include <QColor>
#include <QPointer>
#include <QQuickTextDocument>
#include <QSyntaxHighlighter>
#include <QtQml/qqmlregistration.h>

namespace verbatim::qt {

class LinkHighlighter : public QSyntaxHighlighter {
    Q_OBJECT
    QML_ELEMENT
    /// The TextEdit's textDocument; null detaches.
    Q_PROPERTY(QQuickTextDocument* document READ quickDocument WRITE setQuickDocument NOTIFY
                   documentChanged)
    /// The colour of a link.
    Q_PROPERTY(QColor color READ color WRITE setColor NOTIFY colorChanged)
    /// Links marked so far in the document (for tests and the keyboard's "Open link").
    Q_PROPERTY(int links READ links NOTIFY linksChanged)

public:
    explicit LinkHighlighter(QObject* parent = nullptr);

    QQuickTextDocument* quickDocument() const { return m_document; }
    void setQuickDocument(QQuickTextDocument* document);
    QColor color() const { return m_color; }
    void setColor(const QColor& color);
    int links() const { return m_links; }

signals:
    void documentChanged();
    void colorChanged();
    void linksChanged();

protected:
    void highlightBlock(const QString& text) override;

private:
    QPointer<QQuickTextDocument> m_document;
    QColor m_color{0x1e, 0x88, 0xe5};
    int m_links = 0;
};

} // namespace verbatim::qt

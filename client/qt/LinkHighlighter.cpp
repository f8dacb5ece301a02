#include "client/qt/LinkHighlighter.h"

#include <QTextCharFormat>
#include <QTextDocument>

#include "client/qt/TextRuns.h"

namespace verbatim::qt {

LinkHighlighter::LinkHighlighter(QObject* parent) : QSyntaxHighlighter(parent) {}

void LinkHighlighter::setQuickDocument(QQuickTextDocument* document) {
    if (document == m_document) return;
    m_document = document;
    setDocument(document ? document->textDocument() : nullptr);
    emit documentChanged();
}

void LinkHighlighter::setColor(const QColor& color) {
    if (color == m_color) return;
    m_color = color;
    rehighlight();
    emit colorChanged();
}

// A block is a paragraph: links never span one, so splitting each on its own finds what
// splitting the whole text finds. The block state carries the count of links before it, so the
// cap on links per text (TextRuns::kMaxLinks) holds across paragraphs as it does in split().
void LinkHighlighter::highlightBlock(const QString& text) {
    const int before = std::max(0, previousBlockState());
    int count = before;
    QTextCharFormat link;
    link.setForeground(m_color);
    link.setFontUnderline(true);
    for (const auto& run : TextRuns::split(text)) {
        if (run.url.isEmpty()) continue;
        if (count >= TextRuns::kMaxLinks) break;
        setFormat(run.start, run.length, link);
        ++count;
    }
    setCurrentBlockState(count);
    if (!currentBlock().next().isValid() && count != m_links) {
        m_links = count;
        emit linksChanged();
    }
}

} // namespace verbatim::qt

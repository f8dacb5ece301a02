#include "client/qt/MatchHighlighter.h"

#include <QTextBlock>
#include <QTextCharFormat>
#include <QTextDocument>

#include <algorithm>

namespace verbatim::qt {

namespace {

bool continuation(unsigned char c) {
    return (c & 0xC0) == 0x80;
}

/// One code unit for one: what QTextDocument would read differently from the string.
void plainForDocument(QString& s) {
    for (QChar& c : s) {
        if (c == QLatin1Char('\r'))
            c = QLatin1Char(' ');
        else if (c.unicode() == 0xFDD0 || c.unicode() == 0xFDD1)
            c = QChar(QChar::ReplacementCharacter);
    }
}

} // namespace

MatchHighlighter::MarkedText
MatchHighlighter::marked(const std::string& text,
                         const std::vector<std::pair<std::size_t, std::size_t>>& spans) {
    MarkedText out;
    std::size_t at = 0;
    auto append = [&](std::size_t from, std::size_t to) {
        QString piece = QString::fromUtf8(text.data() + from, qsizetype(to - from));
        plainForDocument(piece);
        out.text += piece;
    };
    for (const auto& [offset, length] : spans) {
        if (length == 0 || offset < at || offset > text.size() || length > text.size() - offset)
            continue;
        const std::size_t end = offset + length;
        // Offsets come from the archive; one that cuts a UTF-8 sequence would mark the wrong
        // characters once decoded.
        if (continuation(static_cast<unsigned char>(text[offset])) ||
            (end < text.size() && continuation(static_cast<unsigned char>(text[end]))))
            continue;
        append(at, offset);
        const auto start = out.text.size();
        append(offset, end);
        out.ranges.append(QVariant(QVariantList{int(start), int(out.text.size() - start)}));
        at = end;
    }
    append(at, text.size());
    return out;
}

MatchHighlighter::MatchHighlighter(QObject* parent) : QSyntaxHighlighter(parent) {}

void MatchHighlighter::setQuickDocument(QQuickTextDocument* document) {
    if (document == m_document) return;
    m_document = document;
    setDocument(document ? document->textDocument() : nullptr);
    emit documentChanged();
}

void MatchHighlighter::setRanges(const QVariantList& ranges) {
    if (ranges == m_ranges) return;
    m_ranges = ranges;
    m_spans.clear();
    for (const auto& r : ranges) {
        const auto pair = r.toList();
        if (pair.size() != 2) continue;
        bool okStart = false, okLength = false;
        const int start = pair[0].toInt(&okStart), length = pair[1].toInt(&okLength);
        if (okStart && okLength && start >= 0 && length > 0) m_spans.push_back({start, length});
    }
    std::sort(m_spans.begin(), m_spans.end());
    rehighlight();
    emit rangesChanged();
}

void MatchHighlighter::setColor(const QColor& color) {
    if (color == m_color) return;
    m_color = color;
    rehighlight();
    emit colorChanged();
}

// A block is a paragraph; a range may cross one (a phrase over a line break), so each block
// marks its share of every range. The block state carries the count of ranges begun before it.
void MatchHighlighter::highlightBlock(const QString& text) {
    const int before = std::max(0, previousBlockState());
    int count = before;
    const int from = currentBlock().position(), to = from + int(text.size());
    QTextCharFormat mark;
    mark.setForeground(m_color);
    QColor faint = m_color;
    faint.setAlpha(48);
    mark.setBackground(faint);
    mark.setFontWeight(QFont::Bold);
    for (const auto& [start, length] : m_spans) {
        const int end = start + length;
        if (end <= from || start >= to) continue;
        const int a = std::max(start, from), b = std::min(end, to);
        setFormat(a - from, b - a, mark);
        if (start >= from) ++count;
    }
    setCurrentBlockState(count);
    if (!currentBlock().next().isValid() && count != m_marks) {
        m_marks = count;
        emit marksChanged();
    }
}

} // namespace verbatim::qt

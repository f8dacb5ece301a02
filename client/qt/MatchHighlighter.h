#pragma once
/// @file MatchHighlighter.h
/// Marks the words a search or a supervision policy matched in a plain-text TextEdit (issue 21:
/// "matched words highlighted in the message's context"). The text is a participant's and
/// hostile: it is shown as Text.PlainText and never parsed as markup (tst_app_links), and the
/// marks are the highlighter's own character formats over ranges computed where the match was
/// found (FTS5's highlight() in the archive), never by looking for tags in the text. So a message
/// holding `<b>` or `<img src=…>` shows those characters, and only the matched words look marked.
/// GUI thread only; marked() is a pure function (any thread).

#include <QColor>
#include <QPointer>
#include <QQuickTextDocument>
#include <QString>
#include <QSyntaxHighlighter>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <string>
#include <utility>
#include <vector>

namespace verbatim::qt {

class MatchHighlighter : public QSyntaxHighlighter {
    Q_OBJECT
    QML_ELEMENT
    /// The TextEdit's textDocument; null detaches.
    Q_PROPERTY(QQuickTextDocument* document READ quickDocument WRITE setQuickDocument NOTIFY
                   documentChanged)
    /// The ranges to mark: a list of [start, length] pairs in UTF-16 code units of the document's
    /// text (as MarkedText::ranges gives them). Ranges outside the text are ignored.
    Q_PROPERTY(QVariantList ranges READ ranges WRITE setRanges NOTIFY rangesChanged)
    /// The colour of a marked word (its background is the same colour, faint).
    Q_PROPERTY(QColor color READ color WRITE setColor NOTIFY colorChanged)
    /// Ranges marked in the document as last highlighted (for tests and screen readers).
    Q_PROPERTY(int marks READ marks NOTIFY marksChanged)

public:
    /// A text made ready for a plain-text TextEdit and the ranges of its matches in it.
    struct MarkedText {
        QString text;
        QVariantList ranges; ///< [start, length] pairs, UTF-16 code units, in order
    };

    explicit MatchHighlighter(QObject* parent = nullptr);

    /// `text` (UTF-8) with the matches `spans` ({byte offset, byte length}, in order, not
    /// overlapping; any that does not fit, overlaps the previous one or cuts a character is left
    /// out) as a QString and the same spans in UTF-16 code units of it. Carriage returns become
    /// spaces and the two code points QTextDocument reserves for frames (U+FDD0, U+FDD1) become
    /// U+FFFD, one code unit for one, so that every offset counts the same in the TextEdit's
    /// document as in the string.
    static MarkedText marked(const std::string& text,
                             const std::vector<std::pair<std::size_t, std::size_t>>& spans);

    QQuickTextDocument* quickDocument() const { return m_document; }
    void setQuickDocument(QQuickTextDocument* document);
    QVariantList ranges() const { return m_ranges; }
    void setRanges(const QVariantList& ranges);
    QColor color() const { return m_color; }
    void setColor(const QColor& color);
    int marks() const { return m_marks; }

signals:
    void documentChanged();
    void rangesChanged();
    void colorChanged();
    void marksChanged();

protected:
    void highlightBlock(const QString& text) override;

private:
    QPointer<QQuickTextDocument> m_document;
    QVariantList m_ranges;
    std::vector<std::pair<int, int>> m_spans; ///< m_ranges read once: start, length
    QColor m_color{0xe6, 0x51, 0x00};
    int m_marks = 0;
};

} // namespace verbatim::qt

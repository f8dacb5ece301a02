#pragma once
/// @file PseudoTranslator.h
/// A pseudo-locale (issue 23, "Look and accessibility"): every qsTr()/tr() text comes back about
/// 40% longer, its letters accented and bracketed ("Send" -> "[Šéñð ~~]"), so a layout that only
/// fits English shows up as truncated or overflowing text before a real translation does it,
/// and a text that stays plain was never marked for translation. No Qt Linguist files: the
/// transformation is computed. Placeholders (%1, %L2, %n), HTML tags and entities (&amp;) and
/// mnemonics (&File) are kept as they are, so arg(), rich text and shortcuts still work.
///
/// Enabled by the app's `--pseudo-locale` or VERBATIM_PSEUDO_LOCALE=1 and by the app tests
/// (tests/app/tst_pseudo_locale_app.cpp). Install it (QCoreApplication::installTranslator) before
/// QML loads. Header-only: it is included by the app's main() and the tests, nowhere else.
/// Thread: translate() is reentrant (no state).

#include <QString>
#include <QTranslator>

namespace verbatim::qt {

class PseudoTranslator : public QTranslator {
public:
    using QTranslator::QTranslator;

    /// Always answers, so no source text escapes the transformation.
    bool isEmpty() const override { return false; }

    QString translate(const char*, const char* sourceText, const char* = nullptr,
                      int = -1) const override {
        return pseudo(QString::fromUtf8(sourceText));
    }

    /// `text` pseudo-localised: letters accented, ~40% longer, in brackets; empty stays empty.
    static QString pseudo(const QString& text) {
        if (text.isEmpty()) return text;
        QString out;
        out.reserve(text.size() * 2 + 8);
        out += QLatin1Char('[');
        qsizetype letters = 0;
        for (qsizetype i = 0; i < text.size(); ++i) {
            const QChar c = text[i];
            if (c == QLatin1Char('%')) { // %1, %L1, %n: arg() and plurals must still find them
                qsizetype j = i + 1;
                if (j < text.size() && text[j] == QLatin1Char('L')) ++j;
                if (j < text.size() && (text[j].isDigit() || text[j] == QLatin1Char('n'))) {
                    while (j + 1 < text.size() && text[j].isDigit() && text[j + 1].isDigit())
                        ++j;
                    out += text.mid(i, j - i + 1);
                    i = j;
                    continue;
                }
                out += c;
            } else if (c == QLatin1Char('<')) { // an HTML tag, whole
                const qsizetype end = text.indexOf(QLatin1Char('>'), i);
                if (end < 0) {
                    out += c;
                    continue;
                }
                out += text.mid(i, end - i + 1);
                i = end;
            } else if (c == QLatin1Char('&')) { // an entity (&amp; &#8212;) or a mnemonic (&F)
                const qsizetype semi = text.indexOf(QLatin1Char(';'), i);
                if (semi > i + 1 && semi - i <= 8 && !text.mid(i + 1, semi - i - 1).contains(' ')) {
                    out += text.mid(i, semi - i + 1);
                    i = semi;
                } else if (i + 1 < text.size()) {
                    out += c;
                    out += text[++i];
                    ++letters;
                } else {
                    out += c;
                }
            } else {
                out += accented(c);
                if (c.isLetterOrNumber()) ++letters;
            }
        }
        // About 40% more, at least two: German and Finnish run that much longer than English. In
        // words of at most six, as a language's, so wrapped text can still break between them.
        qsizetype extra = qMax<qsizetype>(2, (letters * 2 + 4) / 5);
        while (extra > 0) {
            const qsizetype word = qMin<qsizetype>(extra, 6);
            out += QLatin1Char(' ');
            out += QString(word, QLatin1Char('~'));
            extra -= word;
        }
        out += QLatin1Char(']');
        return out;
    }

private:
    static QChar accented(QChar c) {
        static const char16_t lower[] = u"åƀçðéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýž";
        static const char16_t upper[] = u"ÅƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ";
        const char16_t u = c.unicode();
        if (u >= u'a' && u <= u'z') return QChar(lower[u - u'a']);
        if (u >= u'A' && u <= u'Z') return QChar(upper[u - u'A']);
        return c;
    }
};

} // namespace verbatim::qt

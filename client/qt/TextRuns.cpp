#include "client/qt/TextRuns.h"

#include <QCoreApplication>
#include <QDesktopServices>
#include <QVariantMap>

namespace verbatim::qt {

namespace {

bool isAsciiAlnum(QChar c) {
    const char16_t u = c.unicode();
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9');
}

bool isHexDigit(QChar c) {
    const char16_t u = c.unicode();
    return (u >= '0' && u <= '9') || (u >= 'a' && u <= 'f') || (u >= 'A' && u <= 'F');
}

/// A character of a host name as split() takes it (ASCII only: a look-alike letter from another
/// script never becomes part of a link's host).
bool isHostChar(QChar c) {
    return isAsciiAlnum(c) || c == u'-' || c == u'.';
}

/// A character of a path, query or fragment: RFC 3986's unreserved and reserved characters and
/// '%', and letters, digits and marks of any script. Never a space, a format character (bidi
/// controls, zero-width characters), '<', '>', '"', a backquote, braces, '|', '\' or '^'.
bool isPathChar(QChar c) {
    const char16_t u = c.unicode();
    if (u < 0x80) {
        if (isAsciiAlnum(c)) return true;
        switch (u) {
        case '-':
        case '.':
        case '_':
        case '~':
        case '!':
        case '$':
        case '&':
        case '\'':
        case '(':
        case ')':
        case '*':
        case '+':
        case ',':
        case ';':
        case '=':
        case ':':
        case '@':
        case '/':
        case '?':
        case '#':
        case '%':
            return true;
        default:
            return false;
        }
    }
    // Surrogates: letters beyond the BMP are taken whole by the caller.
    return c.isLetterOrNumber() || c.isMark();
}

/// Sentence punctuation that ends a link written in prose ("see https://x.example/a.").
bool isTrailingPunctuation(QChar c) {
    switch (c.unicode()) {
    case '.':
    case ',':
    case ';':
    case ':':
    case '!':
    case '?':
    case '\'':
    case '"':
    case '*':
        return true;
    default:
        return false;
    }
}

/// Whether `host` (ASCII letters, digits, '-' and '.') names a host: localhost, an IPv4
/// address, or two or more labels of 1..63 characters (no '-' at either end) under a top level
/// of two or more letters; 253 characters at most.
bool validHost(QStringView host) {
    if (host.isEmpty() || host.size() > 253) return false;
    if (host.compare(u"localhost", Qt::CaseInsensitive) == 0) return true;
    const auto labels = host.split(u'.');
    if (labels.size() < 2) return false;
    bool numeric = true;
    for (auto label : labels) {
        if (label.isEmpty() || label.size() > 63 || label.front() == u'-' || label.back() == u'-')
            return false;
        for (QChar c : label)
            if (!c.isDigit()) numeric = false;
    }
    if (numeric) {
        if (labels.size() != 4) return false;
        for (auto label : labels) {
            // A leading zero reads as octal to some resolvers: 0177.0.0.1 is 127.0.0.1.
            if (label.size() > 3 || (label.size() > 1 && label.front() == u'0')) return false;
            if (label.toInt() > 255) return false;
        }
        return true;
    }
    const auto top = labels.back();
    if (top.size() < 2) return false;
    for (QChar c : top)
        if (!c.isLetter()) return false;
    return true;
}

/// Whether the code point before UTF-16 offset `at` (> 0) belongs to a word.
bool isWordChar(const QString& text, int at) {
    char32_t cp = text[at - 1].unicode();
    if (text[at - 1].isLowSurrogate() && at >= 2 && text[at - 2].isHighSurrogate())
        cp = QChar::surrogateToUcs4(text[at - 2], text[at - 1]);
    return cp == u'_' || QChar::isLetterOrNumber(cp) || QChar::isMark(cp);
}

/// Length of "http://" or "https://" (any case) at `i`, else 0.
int schemeAt(const QString& text, int i) {
    const QStringView rest = QStringView(text).mid(i);
    if (rest.startsWith(u"https://", Qt::CaseInsensitive)) return 8;
    if (rest.startsWith(u"http://", Qt::CaseInsensitive)) return 7;
    return 0;
}

/// A link candidate starting at `start`: its end (exclusive), or -1 when it is not one; `skip`
/// gets where the scan for the next candidate may resume.
int linkEnd(const QString& text, int start, int schemeLength, int& skip) {
    const int n = int(text.size());
    int p = start + schemeLength;
    skip = p;
    // Host, and a trailing dot that ends a sentence rather than the host.
    const int hostStart = p;
    while (p < n && isHostChar(text[p]))
        ++p;
    skip = p;
    int hostEnd = p;
    while (hostEnd > hostStart && text[hostEnd - 1] == u'.')
        --hostEnd;
    if (!validHost(QStringView(text).mid(hostStart, hostEnd - hostStart))) return -1;
    if (hostEnd < p) return hostEnd; // "http://example.com." ends at the host
    // Port.
    if (p < n && text[p] == u':') {
        int q = p + 1;
        while (q < n && q - p <= 6 && text[q].isDigit() && text[q].unicode() < 0x80)
            ++q;
        const int digits = q - p - 1;
        if (digits > 0) {
            if (digits > 5 || QStringView(text).mid(p + 1, digits).toInt() > 65535 ||
                QStringView(text).mid(p + 1, digits).toInt() == 0)
                return -1;
            p = q;
        }
    }
    // User info ("https://bank.example@evil.example/"): never a link; the text says one host
    // and the browser would open another.
    for (int q = p; q < n && isPathChar(text[q]); ++q) {
        const char16_t u = text[q].unicode();
        if (u == '/' || u == '?' || u == '#') break;
        if (u == '@') {
            skip = q + 1;
            return -1;
        }
    }
    // Path, query, fragment; the parentheses in them, for the trimming below.
    int open = 0, close = 0;
    if (p < n && (text[p] == u'/' || text[p] == u'?' || text[p] == u'#')) {
        while (p < n) {
            const QChar c = text[p];
            if (c.isHighSurrogate() && p + 1 < n && text[p + 1].isLowSurrogate()) {
                const char32_t cp = QChar::surrogateToUcs4(c, text[p + 1]);
                if (!QChar::isLetterOrNumber(cp) && !QChar::isMark(cp)) break;
                p += 2;
                continue;
            }
            if (c.isSurrogate() || !isPathChar(c)) break;
            if (c == u'%' && !(p + 2 < n && isHexDigit(text[p + 1]) && isHexDigit(text[p + 2])))
                break;
            if (c == u'(') ++open;
            if (c == u')') ++close;
            ++p;
        }
    }
    skip = p;
    // Trailing punctuation, and a ')' without its '(' ("(see https://x.example/a)").
    for (bool trimmed = true; trimmed && p > hostEnd;) {
        trimmed = false;
        const QChar last = text[p - 1];
        if (isTrailingPunctuation(last) || (last == u')' && close > open)) {
            if (last == u')') --close;
            --p;
            trimmed = true;
        }
    }
    return p;
}

bool isRevealed(char32_t cp) {
    switch (QChar::category(cp)) {
    case QChar::Other_Format:    // bidi controls, zero-width characters, BOM, tags, soft hyphen
    case QChar::Other_Surrogate: // an unpaired half
        return true;
    case QChar::Other_NotAssigned:
        // Unassigned but default-ignorable (renderers draw nothing): a newer emoji elsewhere
        // shows as what it is, or as a box.
        return (cp >= 0x2060 && cp <= 0x206F) || (cp >= 0xFFF0 && cp <= 0xFFF8) ||
               (cp >= 0xE0000 && cp <= 0xE0FFF);
    default:
        break;
    }
    switch (cp) {
    case 0x034F: // combining grapheme joiner
    case 0x115F:
    case 0x1160:
    case 0x3164:
    case 0xFFA0: // Hangul fillers (blank "letters")
    case 0x180B:
    case 0x180C:
    case 0x180D:
    case 0x180F: // Mongolian variation selectors
    case 0x2800: // braille blank
        return true;
    default:
        return false;
    }
}

bool isSpaceLike(char32_t cp) {
    const auto cat = QChar::category(cp);
    return cat == QChar::Other_Control || cat == QChar::Separator_Space ||
           cat == QChar::Separator_Line || cat == QChar::Separator_Paragraph;
}

/// Code points of `s` (an unpaired surrogate stays as itself, category Other_Surrogate).
std::vector<char32_t> codePoints(const QString& s) {
    std::vector<char32_t> out;
    out.reserve(std::size_t(s.size()));
    for (qsizetype i = 0; i < s.size(); ++i) {
        const QChar c = s[i];
        if (c.isHighSurrogate() && i + 1 < s.size() && s[i + 1].isLowSurrogate()) {
            out.push_back(QChar::surrogateToUcs4(c, s[i + 1]));
            ++i;
        } else {
            out.push_back(c.unicode());
        }
    }
    return out;
}

void append(QString& out, char32_t cp) {
    if (QChar::requiresSurrogates(cp)) {
        out += QChar(QChar::highSurrogate(cp));
        out += QChar(QChar::lowSurrogate(cp));
    } else {
        out += QChar(char16_t(cp));
    }
}

/// Cuts `s` to `max` UTF-16 units with "…", never inside a surrogate pair.
QString shorten(const QString& s, int max, bool keepEnd) {
    if (max <= 0 || s.size() <= max) return s;
    const QChar ellipsis(0x2026);
    auto cutLeft = [&](int n) {
        if (n > 0 && n < s.size() && s[n].isLowSurrogate()) --n;
        return s.left(n);
    };
    auto cutRight = [&](int n) {
        int from = int(s.size()) - n;
        if (from > 0 && from < s.size() && s[from].isLowSurrogate()) ++from;
        return s.mid(from);
    };
    if (!keepEnd) return cutLeft(max - 1).trimmed() + ellipsis;
    const int tail = (max - 1) / 3;
    return cutLeft(max - 1 - tail).trimmed() + ellipsis + cutRight(tail).trimmed();
}

} // namespace

std::vector<TextRuns::Run> TextRuns::split(const QString& text) {
    std::vector<Run> out;
    const int n = int(text.size());
    int plainFrom = 0;
    int links = 0;
    int i = 0;
    while (i < n && links < kMaxLinks) {
        const int at = int(text.indexOf(u"http", i, Qt::CaseInsensitive));
        if (at < 0) break;
        const int scheme = schemeAt(text, at);
        // At the start of a word: "xhttp://" and "2http://" are not links.
        const bool boundary = at == 0 || !isWordChar(text, at);
        if (scheme == 0 || !boundary) {
            i = at + 4;
            continue;
        }
        int skip = at + scheme;
        const int end = linkEnd(text, at, scheme, skip);
        if (end < 0 || end - at > kMaxLinkLength) {
            i = std::max(skip, at + scheme);
            continue;
        }
        const QString url = text.mid(at, end - at);
        const QUrl parsed(url, QUrl::StrictMode);
        if (!parsed.isValid() || parsed.host().isEmpty()) {
            i = std::max(skip, at + scheme);
            continue;
        }
        if (at > plainFrom) out.push_back({plainFrom, at - plainFrom, {}});
        out.push_back({at, end - at, url});
        ++links;
        plainFrom = end;
        i = end;
    }
    if (plainFrom < n) out.push_back({plainFrom, n - plainFrom, {}});
    return out;
}

QUrl TextRuns::openable(const QString& url) {
    const auto runs = split(url);
    if (runs.size() != 1 || runs.front().url != url) return {};
    QUrl parsed(url, QUrl::StrictMode);
    const QString scheme = parsed.scheme().toLower();
    if (!parsed.isValid() || (scheme != u"http" && scheme != u"https") || parsed.host().isEmpty() ||
        !parsed.userInfo().isEmpty())
        return {};
    return parsed;
}

QString TextRuns::safeName(const QString& name, int maxLength, bool keepEnd) {
    const auto cps = codePoints(name);
    QString out;
    out.reserve(name.size());
    bool pendingSpace = false;
    int marks = 0;
    char32_t previous = 0; // the last code point written (0: none yet)
    for (std::size_t i = 0; i < cps.size(); ++i) {
        const char32_t cp = cps[i];
        if (isSpaceLike(cp)) {
            pendingSpace = !out.isEmpty();
            continue;
        }
        const bool joiner = cp == 0x200C || cp == 0x200D;
        const char32_t next = i + 1 < cps.size() ? cps[i + 1] : 0;
        const bool keepJoiner = joiner && !pendingSpace && previous > 0x7F && next > 0x7F &&
                                !isRevealed(next) && !isSpaceLike(next) && next != 0x200C &&
                                next != 0x200D;
        if (pendingSpace) {
            out += u' ';
            pendingSpace = false;
            previous = u' ';
        }
        if (!keepJoiner && isRevealed(cp)) {
            out += QStringLiteral("[U+%1]").arg(
                QString::number(qulonglong(cp), 16).toUpper().rightJustified(4, u'0'));
            previous = u']';
            marks = 0;
            continue;
        }
        if (QChar::isMark(cp) && cp != 0xFE0F && cp != 0xFE0E) {
            if (++marks > kMaxMarks) continue;
        } else {
            marks = 0;
        }
        append(out, cp);
        previous = cp;
    }
    return shorten(out, maxLength, keepEnd);
}

QString TextRuns::preview(const QString& text) {
    QString out;
    out.reserve(text.size());
    for (QChar c : text) {
        const char16_t u = c.unicode();
        if ((u >= 0x202A && u <= 0x202E) || (u >= 0x2066 && u <= 0x2069)) continue;
        out += c;
    }
    return out;
}

// The text's own isolates are balanced first: a POP DIRECTIONAL ISOLATE without its initiator
// would close ours early (and let an override inside reach the sentence around it), so it is
// dropped; isolates it leaves open are closed. Embeddings and overrides need nothing: the
// closing PDI ends every one opened inside.
QString TextRuns::isolated(const QString& text) {
    QString out;
    out.reserve(text.size() + 4);
    out += QChar(0x2068);
    int open = 0;
    for (QChar c : text) {
        const char16_t u = c.unicode();
        if (u == 0x2066 || u == 0x2067 || u == 0x2068) {
            ++open;
        } else if (u == 0x2069) {
            if (open == 0) continue;
            --open;
        }
        out += c;
    }
    for (; open > 0; --open)
        out += QChar(0x2069);
    out += QChar(0x2069);
    return out;
}

QVariantList TextRuns::runs(const QString& text) const {
    QVariantList out;
    for (const auto& r : split(text))
        out.push_back(QVariantMap{{QStringLiteral("text"), text.mid(r.start, r.length)},
                                  {QStringLiteral("url"), r.url}});
    return out;
}

QString TextRuns::linkAt(const QString& text, int index) const {
    if (index < 0 || index >= text.size()) return {};
    for (const auto& r : split(text))
        if (!r.url.isEmpty() && index >= r.start && index < r.start + r.length) return r.url;
    return {};
}

QString TextRuns::firstLink(const QString& text) const {
    for (const auto& r : split(text))
        if (!r.url.isEmpty()) return r.url;
    return {};
}

QString TextRuns::fill(const QString& pattern, const QStringList& args) const {
    QString out;
    out.reserve(pattern.size());
    for (qsizetype i = 0; i < pattern.size(); ++i) {
        const QChar c = pattern[i];
        if (c == u'%' && i + 1 < pattern.size() && pattern[i + 1] >= u'1' &&
            pattern[i + 1] <= u'9') {
            const int n = pattern[i + 1].unicode() - u'1';
            if (n < args.size()) {
                out += args[n];
                ++i;
                continue;
            }
        }
        out += c;
    }
    return out;
}

QString TextRuns::initial(const QString& name) const {
    const QString s = name.trimmed();
    if (s.isEmpty()) return QStringLiteral("?");
    const int n = s[0].isHighSurrogate() && s.size() > 1 && s[1].isLowSurrogate() ? 2 : 1;
    const QString first = s.left(n);
    const auto cp = codePoints(first);
    if (cp.empty() || isRevealed(cp.front()) || QChar::isMark(cp.front()))
        return QStringLiteral("?");
    return first.toUpper();
}

QString TextRuns::roleName(const QString& role) const {
    // The core's names (client/core/CoreUtil.h roleText()).
    if (role == QLatin1String("lawyer")) return QCoreApplication::translate("Roles", "lawyer");
    if (role == QLatin1String("client")) return QCoreApplication::translate("Roles", "client");
    if (role == QLatin1String("supervisor"))
        return QCoreApplication::translate("Roles", "supervisor");
    if (role == QLatin1String("compliance"))
        return QCoreApplication::translate("Roles", "compliance");
    if (role == QLatin1String("admin")) return QCoreApplication::translate("Roles", "admin");
    return isolated(role);
}

QString TextRuns::deviceStatus(const QString& status) const {
    static const char* const kStatuses[] = {
        QT_TRANSLATE_NOOP("DeviceStatus", "active"),
        QT_TRANSLATE_NOOP("DeviceStatus", "revoked"),
        QT_TRANSLATE_NOOP("DeviceStatus", "wipe pending"),
        QT_TRANSLATE_NOOP("DeviceStatus", "wiped"),
        QT_TRANSLATE_NOOP("DeviceStatus", "awaiting approval"),
    };
    for (const char* s : kStatuses)
        if (status == QLatin1String(s)) return QCoreApplication::translate("DeviceStatus", s);
    return isolated(status);
}

QString TextRuns::policyDirection(const QString& direction) {
    // client/compliance/SupervisionRecords.cpp kDirections.
    if (direction == QLatin1String("to-clients"))
        return QCoreApplication::translate("PolicyDirection", "to or from clients");
    if (direction == QLatin1String("internal"))
        return QCoreApplication::translate("PolicyDirection", "internal");
    return isolated(direction);
}

QString TextRuns::linkHost(const QString& url) const {
    const QUrl u = openable(url);
    return u.isValid() ? u.host(QUrl::FullyEncoded).toLower() : QString();
}

bool TextRuns::openLink(const QString& url) const {
    const QUrl u = openable(url);
    return u.isValid() && QDesktopServices::openUrl(u);
}

} // namespace verbatim::qt

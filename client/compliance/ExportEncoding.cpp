#include "compliance/ExportEncoding.h"

#include <array>
#include <cctype>
#include <cstdint>
#include <vector>

#include <openssl/evp.h>

#include "common/Utf8.h"

namespace verbatim::compliance {

namespace {

constexpr char32_t kReplacement = 0xFFFD;

struct Decoded {
    char32_t cp = kReplacement;
    std::size_t length = 1;
    bool valid = false;
};

/// The code point at `s[i]`, or an invalid maximal subpart (Unicode 15, section 3.9, "U+FFFD
/// substitution of maximal subparts"): the bytes consumed are those that could still begin a
/// well-formed sequence.
Decoded decodeAt(std::string_view s, std::size_t i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) return {b0, 1, true};
    std::size_t need = 0;
    unsigned char lo = 0x80, hi = 0xBF; // the range of the second byte
    char32_t cp = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF)
        need = 1, cp = b0 & 0x1F;
    else if (b0 == 0xE0)
        need = 2, lo = 0xA0, cp = 0;
    else if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF)
        need = 2, cp = b0 & 0x0F;
    else if (b0 == 0xED)
        need = 2, hi = 0x9F, cp = 0x0D; // no surrogates
    else if (b0 == 0xF0)
        need = 3, lo = 0x90, cp = 0;
    else if (b0 >= 0xF1 && b0 <= 0xF3)
        need = 3, cp = b0 & 0x07;
    else if (b0 == 0xF4)
        need = 3, hi = 0x8F, cp = 4;
    else
        return {};
    std::size_t k = 1;
    for (; k <= need; ++k) {
        if (i + k >= s.size()) return {kReplacement, k, false};
        const auto b = static_cast<unsigned char>(s[i + k]);
        const unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
        if (b < l || b > h) return {kReplacement, k, false};
        cp = (cp << 6) | (b & 0x3F);
    }
    return {cp, k, true};
}

/// Calls `f(codePoint)` for each code point of `s`, U+FFFD for each invalid subpart.
template <class F> void forEachCodePoint(std::string_view s, F&& f) {
    for (std::size_t i = 0; i < s.size();) {
        auto d = decodeAt(s, i);
        f(d.valid ? d.cp : kReplacement);
        i += d.length;
    }
}

bool isControl(char32_t c) {
    return c < 0x20 || (c >= 0x7F && c <= 0x9F);
}

/// Directional formatting characters: they can make "invoice\u202Efdp.exe" read as an
/// innocent extension.
bool isBidiControl(char32_t c) {
    return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
           (c >= 0x2066 && c <= 0x2069);
}

/// The longest prefix of valid UTF-8 `s` of at most `bytes` bytes that ends on a character.
std::string_view utf8Prefix(std::string_view s, std::size_t bytes) {
    if (s.size() <= bytes) return s;
    std::size_t n = bytes;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
        --n;
    return s.substr(0, n);
}

std::string base64(std::string_view data) {
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(data.data()), int(data.size()));
    out.resize(std::size_t(n));
    return out;
}

bool isTokenChar(unsigned char c) {
    // RFC 2045: any US-ASCII CHAR except SPACE, CTLs, or tspecials.
    if (c <= 0x20 || c >= 0x7F) return false;
    static constexpr std::string_view kSpecials = "()<>@,;:\\\"/[]?=";
    return kSpecials.find(char(c)) == std::string_view::npos;
}

bool isAttrChar(unsigned char c) {
    // RFC 2231 attribute-char (RFC 5987 attr-char): what may stay unescaped in an extended value.
    if (std::isalnum(c) && c < 0x80) return true;
    static constexpr std::string_view kAllowed = "!#$&+-.^_`|~";
    return kAllowed.find(char(c)) != std::string_view::npos;
}

bool printableAscii(std::string_view s) {
    for (unsigned char c : s)
        if (c < 0x20 || c > 0x7E) return false;
    return true;
}

} // namespace

std::string validUtf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        auto d = decodeAt(s, i);
        if (d.valid)
            out.append(s.substr(i, d.length));
        else
            appendUtf8(out, kReplacement);
        i += d.length;
    }
    return out;
}

std::string jsonString(std::string_view s) {
    static const char* hex = "0123456789abcdef";
    std::string out = "\"";
    out.reserve(s.size() + 2);
    forEachCodePoint(s, [&](char32_t c) {
        switch (c) {
        case '"':
            out += "\\\"";
            return;
        case '\\':
            out += "\\\\";
            return;
        case '\n':
            out += "\\n";
            return;
        case '\r':
            out += "\\r";
            return;
        case '\t':
            out += "\\t";
            return;
        case '\b':
            out += "\\b";
            return;
        case '\f':
            out += "\\f";
            return;
        default:
            break;
        }
        // U+2028 and U+2029 end a line in JavaScript; DEL is a control character.
        if (c < 0x20 || c == 0x7F || c == 0x2028 || c == 0x2029) {
            out += "\\u";
            for (int shift = 12; shift >= 0; shift -= 4)
                out.push_back(hex[(c >> shift) & 15]);
            return;
        }
        appendUtf8(out, c);
    });
    out.push_back('"');
    return out;
}

std::string mediaType(std::string_view type) {
    static const std::string kDefault = "application/octet-stream";
    // Parameters (after ';') are dropped: the attachment is written as base64 bytes as received.
    type = type.substr(0, type.find(';'));
    while (!type.empty() && (type.front() == ' ' || type.front() == '\t'))
        type.remove_prefix(1);
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
        type.remove_suffix(1);
    const auto slash = type.find('/');
    if (slash == std::string_view::npos) return kDefault;
    const auto major = type.substr(0, slash), minor = type.substr(slash + 1);
    auto token = [](std::string_view t) {
        if (t.empty() || t.size() > 127) return false;
        for (unsigned char c : t)
            if (!isTokenChar(c)) return false;
        return true;
    };
    if (!token(major) || !token(minor)) return kDefault;
    std::string out(type);
    for (auto& c : out)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    // A part of these types is parsed as MIME structure by mail readers: never from a sender.
    if (out.rfind("multipart/", 0) == 0 || out.rfind("message/", 0) == 0) return kDefault;
    return out;
}

std::string headerLine(std::string_view name, std::string_view value, std::size_t maxChars) {
    std::string text;
    std::size_t chars = 0;
    bool cut = false;
    forEachCodePoint(value, [&](char32_t c) {
        if (cut) return;
        if (maxChars && chars == maxChars) {
            cut = true;
            return;
        }
        appendUtf8(text, isControl(c) ? U' ' : c);
        ++chars;
    });
    if (cut) text += "\u2026";
    std::string out(name);
    out += ": ";
    // As it is when it cannot be mistaken for anything else: short printable ASCII with no
    // encoded-word opener (a parser would decode "=?…?=" written as plain text) and no
    // whitespace a parser could fold away.
    if (printableAscii(text) && out.size() + text.size() <= 78 &&
        text.find("=?") == std::string::npos && text.find("  ") == std::string::npos &&
        (text.empty() || (text.front() != ' ' && text.back() != ' '))) {
        return out + text + "\r\n";
    }
    // RFC 2047 encoded words of at most 42 bytes of text (56 base64 characters, 68 with the
    // delimiters), split between characters, one per folded line.
    std::string_view rest = text;
    bool first = true;
    if (rest.empty()) return out + "\r\n";
    while (!rest.empty()) {
        auto piece = utf8Prefix(rest, 42);
        if (piece.empty()) piece = rest.substr(0, 1); // cannot happen with valid UTF-8
        if (!first) out += "\r\n ";
        out += "=?UTF-8?B?" + base64(piece) + "?=";
        rest.remove_prefix(piece.size());
        first = false;
    }
    return out + "\r\n";
}

std::string mimeParameter(std::string_view attribute, std::string_view value) {
    const std::string text = validUtf8(value);
    if (printableAscii(text) && text.size() <= 60 && text.find('"') == std::string::npos &&
        text.find('\\') == std::string::npos && text.find("=?") == std::string::npos) {
        return ";\r\n " + std::string(attribute) + "=\"" + text + "\"";
    }
    // RFC 2231: charset'language'percent-encoded, in numbered sections of at most 54 characters,
    // so that each folded line stays under 78. A character is never split between sections:
    // readers (Python's email package among them) decode each section on its own.
    static const char* hex = "0123456789ABCDEF";
    std::vector<std::string> sections(1);
    for (std::size_t i = 0; i < text.size();) {
        const auto lead = static_cast<unsigned char>(text[i]);
        const std::size_t n = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
        std::string piece;
        for (std::size_t k = 0; k < n && i + k < text.size(); ++k) {
            const auto c = static_cast<unsigned char>(text[i + k]);
            if (isAttrChar(c))
                piece += char(c);
            else
                piece += std::string{'%', hex[c >> 4], hex[c & 15]};
        }
        i += n;
        if (sections.back().size() + piece.size() > 54) sections.emplace_back();
        sections.back() += piece;
    }
    std::string out;
    for (std::size_t i = 0; i < sections.size(); ++i) {
        out += ";\r\n " + std::string(attribute) + "*";
        if (sections.size() > 1) out += std::to_string(i) + "*";
        out += "=";
        if (i == 0) out += "utf-8''";
        out += sections[i];
    }
    return out;
}

std::string attachmentFileName(std::string_view name) {
    std::vector<char32_t> cps;
    forEachCodePoint(name, [&](char32_t c) {
        const bool lineBreak = c == 0x2028 || c == 0x2029;
        cps.push_back(isControl(c) || isBidiControl(c) || lineBreak || c == '/' || c == '\\' ? U'_'
                                                                                             : c);
    });
    // Spaces at either end are lost by file systems and mail readers alike.
    auto space = [](char32_t c) {
        return c == ' ' || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
               c == 0x202F || c == 0x205F || c == 0x3000;
    };
    std::size_t first = 0, last = cps.size();
    while (first < last && space(cps[first]))
        ++first;
    while (last > first && space(cps[last - 1]))
        --last;
    std::string clean;
    for (std::size_t i = first; i < last; ++i)
        appendUtf8(clean, cps[i]);
    if (clean.empty()) return "attachment";
    if (clean.front() == '.') clean.insert(clean.begin(), '_');
    constexpr std::size_t kMax = 150;
    if (clean.size() > kMax) {
        // Keep a short extension, so the file still opens with the right program.
        const auto dot = clean.rfind('.');
        std::string ext = dot != std::string::npos && dot > 0 && clean.size() - dot <= 16
                              ? clean.substr(dot)
                              : "";
        clean = std::string(utf8Prefix(clean, kMax - ext.size())) + ext;
    }
    return clean;
}

std::string transcriptText(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    bool afterCr = false;
    forEachCodePoint(s, [&](char32_t c) {
        if (c == '\n' && afterCr) { // CRLF is one line break
            afterCr = false;
            return;
        }
        afterCr = c == '\r';
        if (c == '\r' || c == '\n' || c == 0x2028 || c == 0x2029 || c == 0x85)
            out += "\n  | ";
        else if (c != '\t' && isControl(c))
            appendUtf8(out, kReplacement);
        else
            appendUtf8(out, c);
    });
    return out;
}

std::string csvField(std::string_view s) {
    std::string text;
    forEachCodePoint(s, [&](char32_t c) { appendUtf8(text, c == 0 ? kReplacement : c); });
    std::string out = "\"";
    // OWASP "CSV Injection": a spreadsheet runs a cell that starts with one of these as a formula.
    if (!text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos)
        out += '\'';
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string terminalText(std::string_view s) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(s.size());
    forEachCodePoint(s, [&](char32_t c) {
        if (c == '\n')
            out += "\\n";
        else if (c == '\r')
            out += "\\r";
        else if (c == '\t')
            out += "\\t";
        else if (isControl(c) || isBidiControl(c)) {
            out += c < 0x100 ? "\\x" : "\\u";
            for (int shift = c < 0x100 ? 4 : 12; shift >= 0; shift -= 4)
                out.push_back(hex[(c >> shift) & 15]);
        } else
            appendUtf8(out, c);
    });
    return out;
}

} // namespace verbatim::compliance

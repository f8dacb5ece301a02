#include "common/Json.h"

#include "common/Utf8.h"

#include <cstdint>
#include <cstdio>

namespace verbatim {

std::string jsonQuote(std::string_view s) {
    std::string out = "\"";
    out.reserve(s.size() + 2);
    for (unsigned char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out.push_back(char(c));
            }
        }
    }
    out.push_back('"');
    return out;
}

namespace {

struct FlatJsonParser {
    std::string_view s;
    std::size_t i = 0;

    void ws() {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
            ++i;
    }
    bool eat(char c) {
        ws();
        if (i < s.size() && s[i] == c) {
            ++i;
            return true;
        }
        return false;
    }
    bool hex4(std::uint32_t& v) {
        if (s.size() - i < 4) return false;
        v = 0;
        for (int k = 0; k < 4; ++k) {
            char c = s[i++];
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= std::uint32_t(c - '0');
            else if (c >= 'a' && c <= 'f')
                v |= std::uint32_t(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                v |= std::uint32_t(c - 'A' + 10);
            else
                return false;
        }
        return true;
    }
    std::optional<std::string> string() {
        ws();
        if (i >= s.size() || s[i] != '"') return std::nullopt;
        ++i;
        std::string out;
        while (i < s.size()) {
            char c = s[i++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) return std::nullopt;
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (i >= s.size()) return std::nullopt;
            char e = s[i++];
            switch (e) {
            case '"':
                out.push_back('"');
                break;
            case '\\':
                out.push_back('\\');
                break;
            case '/':
                out.push_back('/');
                break;
            case 'b':
                out.push_back('\b');
                break;
            case 'f':
                out.push_back('\f');
                break;
            case 'n':
                out.push_back('\n');
                break;
            case 'r':
                out.push_back('\r');
                break;
            case 't':
                out.push_back('\t');
                break;
            case 'u': {
                std::uint32_t cp = 0;
                if (!hex4(cp)) return std::nullopt;
                if (cp >= 0xD800 && cp < 0xDC00) { // a surrogate pair
                    std::uint32_t lo = 0;
                    if (s.substr(i, 2) != "\\u") return std::nullopt;
                    i += 2;
                    if (!hex4(lo) || lo < 0xDC00 || lo >= 0xE000) return std::nullopt;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else if (cp >= 0xDC00 && cp < 0xE000) {
                    return std::nullopt;
                }
                appendUtf8(out, char32_t(cp));
                break;
            }
            default:
                return std::nullopt;
            }
        }
        return std::nullopt;
    }
    std::optional<std::string> scalar() {
        ws();
        if (i >= s.size()) return std::nullopt;
        if (s[i] == '"') return string();
        for (std::string_view word : {"true", "false", "null"}) {
            if (s.substr(i, word.size()) == word) {
                i += word.size();
                return word == "null" ? std::string() : std::string(word);
            }
        }
        std::size_t start = i;
        if (s[i] == '-') ++i;
        std::size_t digits = i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9')
            ++i;
        if (i == digits || i - digits > 19) return std::nullopt;
        return std::string(s.substr(start, i - start));
    }
};

} // namespace

std::optional<std::map<std::string, std::string>> parseFlatJsonObject(std::string_view text) {
    if (text.size() > (1u << 20)) return std::nullopt;
    FlatJsonParser p{text};
    std::map<std::string, std::string> out;
    if (!p.eat('{')) return std::nullopt;
    if (!p.eat('}')) {
        do {
            auto name = p.string();
            if (!name || !p.eat(':')) return std::nullopt;
            auto value = p.scalar();
            if (!value || !out.emplace(std::move(*name), std::move(*value)).second)
                return std::nullopt;
        } while (p.eat(','));
        if (!p.eat('}')) return std::nullopt;
    }
    p.ws();
    if (p.i != text.size()) return std::nullopt;
    return out;
}

} // namespace verbatim

#include "common/Bytes.h"

#include <openssl/crypto.h>

namespace verbatim {

void secureWipe(void* data, std::size_t size) noexcept {
    if (data && size) OPENSSL_cleanse(data, size);
}

std::string toHex(ByteView b) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(b.size() * 2);
    for (auto c : b) {
        s.push_back(digits[c >> 4]);
        s.push_back(digits[c & 15]);
    }
    return s;
}

static int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

Result<Bytes> fromHex(std::string_view hex) {
    if (hex.size() % 2) return fail(ErrorCode::Malformed, "hex string has odd length");
    Bytes out(hex.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) {
        int hi = hexValue(hex[2 * i]), lo = hexValue(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return fail(ErrorCode::Malformed, "hex string has a non-hex character");
        out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return out;
}

bool constantTimeEqual(ByteView a, ByteView b) noexcept {
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void appendU8(Bytes& out, std::uint8_t v) {
    out.push_back(v);
}
void appendU32(Bytes& out, std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8)
        out.push_back(static_cast<std::uint8_t>(v >> s));
}
void appendU64(Bytes& out, std::uint64_t v) {
    for (int s = 56; s >= 0; s -= 8)
        out.push_back(static_cast<std::uint8_t>(v >> s));
}
void appendField(Bytes& out, ByteView field) {
    appendU32(out, static_cast<std::uint32_t>(field.size()));
    out.insert(out.end(), field.begin(), field.end());
}
void appendRaw(Bytes& out, ByteView raw) {
    out.insert(out.end(), raw.begin(), raw.end());
}

Result<ByteView> ByteReader::raw(std::size_t len) {
    if (remaining() < len) return fail(ErrorCode::Malformed, "truncated input");
    ByteView v = m_data.subspan(m_pos, len);
    m_pos += len;
    return v;
}
Result<std::uint8_t> ByteReader::u8() {
    auto r = raw(1);
    if (!r) return tl::unexpected(r.error());
    return (*r)[0];
}
Result<std::uint32_t> ByteReader::u32() {
    auto r = raw(4);
    if (!r) return tl::unexpected(r.error());
    std::uint32_t v = 0;
    for (auto c : *r)
        v = v << 8 | c;
    return v;
}
Result<std::uint64_t> ByteReader::u64() {
    auto r = raw(8);
    if (!r) return tl::unexpected(r.error());
    std::uint64_t v = 0;
    for (auto c : *r)
        v = v << 8 | c;
    return v;
}
Result<ByteView> ByteReader::field(std::size_t maxLen) {
    auto len = u32();
    if (!len) return tl::unexpected(len.error());
    if (*len > maxLen) return fail(ErrorCode::Malformed, "field longer than its limit");
    return raw(*len);
}

namespace {
// The length of the well-formed UTF-8 sequence at s[i], or 0 when there is none.
std::size_t utf8SequenceAt(std::string_view s, std::size_t i) noexcept {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) return 1;
    std::size_t len;
    std::uint32_t cp, min;
    if ((c & 0xE0) == 0xC0)
        len = 2, cp = c & 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0)
        len = 3, cp = c & 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0)
        len = 4, cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if (s.size() - i < len) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        const auto cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}
} // namespace

std::string toValidUtf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        if (auto len = utf8SequenceAt(s, i)) {
            out.append(s.substr(i, len));
            i += len;
        } else {
            out += "\xEF\xBF\xBD"; // U+FFFD
            ++i;
        }
    }
    return out;
}

bool isUtf8(std::string_view s) noexcept {
    std::size_t i = 0;
    const std::size_t n = s.size();
    while (i < n) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len;
        std::uint32_t cp, min;
        if ((c & 0xE0) == 0xC0)
            len = 2, cp = c & 0x1F, min = 0x80;
        else if ((c & 0xF0) == 0xE0)
            len = 3, cp = c & 0x0F, min = 0x800;
        else if ((c & 0xF8) == 0xF0)
            len = 4, cp = c & 0x07, min = 0x10000;
        else
            return false;
        if (n - i < len) return false;
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += len;
    }
    return true;
}

} // namespace verbatim

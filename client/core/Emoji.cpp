#include "client/core/Emoji.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>

#include "common/Bytes.h"

namespace verbatim::client {

namespace {

struct Range {
    char32_t first, last;
};

// Extended_Pictographic, from Unicode 15's emoji-data.txt (ranges merged where adjacent).
// Sorted: isPictographic() searches it.
constexpr Range kPictographic[] = {
    {0x00A9, 0x00A9},   {0x00AE, 0x00AE},   {0x203C, 0x203C},   {0x2049, 0x2049},
    {0x2122, 0x2122},   {0x2139, 0x2139},   {0x2194, 0x2199},   {0x21A9, 0x21AA},
    {0x231A, 0x231B},   {0x2328, 0x2328},   {0x2388, 0x2388},   {0x23CF, 0x23CF},
    {0x23E9, 0x23F3},   {0x23F8, 0x23FA},   {0x24C2, 0x24C2},   {0x25AA, 0x25AB},
    {0x25B6, 0x25B6},   {0x25C0, 0x25C0},   {0x25FB, 0x25FE},   {0x2600, 0x2605},
    {0x2607, 0x2612},   {0x2614, 0x2685},   {0x2690, 0x2705},   {0x2708, 0x2712},
    {0x2714, 0x2714},   {0x2716, 0x2716},   {0x271D, 0x271D},   {0x2721, 0x2721},
    {0x2728, 0x2728},   {0x2733, 0x2734},   {0x2744, 0x2744},   {0x2747, 0x2747},
    {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},   {0x2757, 0x2757},
    {0x2763, 0x2767},   {0x2795, 0x2797},   {0x27A1, 0x27A1},   {0x27B0, 0x27B0},
    {0x27BF, 0x27BF},   {0x2934, 0x2935},   {0x2B05, 0x2B07},   {0x2B1B, 0x2B1C},
    {0x2B50, 0x2B50},   {0x2B55, 0x2B55},   {0x3030, 0x3030},   {0x303D, 0x303D},
    {0x3297, 0x3297},   {0x3299, 0x3299},   {0x1F000, 0x1F0FF}, {0x1F10D, 0x1F10F},
    {0x1F12F, 0x1F12F}, {0x1F16C, 0x1F171}, {0x1F17E, 0x1F17F}, {0x1F18E, 0x1F18E},
    {0x1F191, 0x1F19A}, {0x1F1AD, 0x1F1E5}, {0x1F201, 0x1F20F}, {0x1F21A, 0x1F21A},
    {0x1F22F, 0x1F22F}, {0x1F232, 0x1F23A}, {0x1F23C, 0x1F23F}, {0x1F249, 0x1F3FA},
    {0x1F400, 0x1F53D}, {0x1F546, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F774, 0x1F77F},
    {0x1F7D5, 0x1F7FF}, {0x1F80C, 0x1F80F}, {0x1F848, 0x1F84F}, {0x1F85A, 0x1F85F},
    {0x1F888, 0x1F88F}, {0x1F8AE, 0x1F8FF}, {0x1F90C, 0x1F93A}, {0x1F93C, 0x1F945},
    {0x1F947, 0x1FAFF}, {0x1FC00, 0x1FFFD},
};

constexpr char32_t kZwj = 0x200D;
constexpr char32_t kVs16 = 0xFE0F; // emoji presentation
constexpr char32_t kVs15 = 0xFE0E; // text presentation
constexpr char32_t kKeycap = 0x20E3;
constexpr char32_t kBlackFlag = 0x1F3F4;
constexpr char32_t kCancelTag = 0xE007F;

bool isRegionalIndicator(char32_t c) {
    return c >= 0x1F1E6 && c <= 0x1F1FF;
}
bool isModifier(char32_t c) {
    return c >= 0x1F3FB && c <= 0x1F3FF;
}
bool isTag(char32_t c) {
    return c >= 0xE0020 && c <= 0xE007E;
}

/// Code points of valid UTF-8 (the caller checked it with isUtf8); at most `cap` of them, the
/// count past it meaning "too many".
std::size_t decode(std::string_view s, char32_t* out, std::size_t cap) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
        char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
        for (std::size_t k = 1; k < len; ++k)
            cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        i += len;
        if (n == cap) return cap + 1;
        out[n++] = cp;
    }
    return n;
}

} // namespace

bool isPictographic(char32_t cp) noexcept {
    auto it = std::upper_bound(std::begin(kPictographic), std::end(kPictographic), cp,
                               [](char32_t v, const Range& r) { return v < r.first; });
    if (it == std::begin(kPictographic)) return false;
    --it;
    return cp >= it->first && cp <= it->last;
}

bool isSingleEmoji(std::string_view utf8) noexcept {
    if (utf8.empty() || utf8.size() > kMaxReactionBytes || !isUtf8(utf8)) return false;
    std::array<char32_t, kMaxReactionBytes> cps{};
    const std::size_t n = decode(utf8, cps.data(), cps.size());
    if (n > cps.size()) return false;
    const char32_t* p = cps.data();
    const char32_t* const end = p + n;

    // A keycap: 0-9, # or *, an optional VS16, COMBINING ENCLOSING KEYCAP.
    if ((*p >= U'0' && *p <= U'9') || *p == U'#' || *p == U'*') {
        ++p;
        if (p != end && *p == kVs16) ++p;
        return p != end && *p == kKeycap && p + 1 == end;
    }
    // A flag: exactly two regional indicators.
    if (isRegionalIndicator(*p)) return n == 2 && isRegionalIndicator(p[1]);

    // Parts joined by ZWJ.
    std::size_t parts = 0;
    while (true) {
        if (p == end || !isPictographic(*p)) return false;
        if (++parts > kMaxEmojiParts) return false;
        const char32_t base = *p++;
        if (base == kBlackFlag && p != end && isTag(*p)) {
            std::size_t tags = 0;
            while (p != end && isTag(*p)) {
                if (++tags > kMaxEmojiTags) return false;
                ++p;
            }
            if (p == end || *p != kCancelTag) return false;
            ++p;
        } else {
            if (p != end && (*p == kVs16 || *p == kVs15)) ++p;
            if (p != end && isModifier(*p)) ++p;
        }
        if (p == end) return true;
        if (*p != kZwj) return false;
        ++p;
    }
}

} // namespace verbatim::client

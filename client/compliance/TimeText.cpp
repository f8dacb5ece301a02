#include "compliance/TimeText.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace verbatim::compliance {

std::string isoTime(std::uint64_t ms) {
    std::time_t t = std::time_t(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::optional<std::uint64_t> parseTime(const std::string& text, bool endOfDay) {
    if (text.empty()) return std::nullopt;
    if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
        text.size() > 10)
        return std::stoull(text);
    std::tm tm{};
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    char tail[8] = {};
    bool dateOnly = false;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%7s", &y, &mo, &d, &h, &mi, &s, tail) >=
            6 ||
        std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d%7s", &y, &mo, &d, &h, &mi, tail) >= 5) {
        if (tail[0] && std::strcmp(tail, "Z") != 0) return std::nullopt;
    } else if (text.size() == 10 && std::sscanf(text.c_str(), "%4d-%2d-%2d", &y, &mo, &d) == 3) {
        dateOnly = true;
    } else {
        return std::nullopt;
    }
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return std::nullopt;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    std::uint64_t ms = std::uint64_t(timegm(&tm)) * 1000;
    if (dateOnly && endOfDay) ms += 86'400'000 - 1;
    return ms;
}

} // namespace verbatim::compliance

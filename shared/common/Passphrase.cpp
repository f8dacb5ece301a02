#include "common/Passphrase.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <termios.h>
#include <unistd.h>
#include <vector>

namespace verbatim {

namespace {

std::string ask(const char* label) {
    std::fputs(label, stderr);
    termios old{};
    tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~tcflag_t(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::string s;
    std::getline(std::cin, s);
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::fputs("\n", stderr);
    return s;
}

// The code points of `s`; a byte that does not start a well-formed UTF-8 sequence counts alone.
std::vector<std::uint32_t> codePoints(std::string_view s) {
    std::vector<std::uint32_t> out;
    for (std::size_t i = 0; i < s.size();) {
        const auto b = std::uint8_t(s[i]);
        std::size_t n = b < 0x80           ? 1
                        : (b >> 5) == 0x6  ? 2
                        : (b >> 4) == 0xE  ? 3
                        : (b >> 3) == 0x1E ? 4
                                           : 0;
        bool ok = n > 0 && i + n <= s.size();
        for (std::size_t k = 1; ok && k < n; ++k)
            ok = (std::uint8_t(s[i + k]) >> 6) == 0x2;
        if (!ok) {
            out.push_back(0x110000u + b); // outside Unicode: a stray byte is its own "character"
            ++i;
            continue;
        }
        std::uint32_t cp = n == 1 ? b : b & (0xFF >> (n + 1));
        for (std::size_t k = 1; k < n; ++k)
            cp = (cp << 6) | (std::uint8_t(s[i + k]) & 0x3F);
        out.push_back(cp);
        i += n;
    }
    return out;
}

} // namespace

Result<void> checkNewPassphrase(std::string_view utf8) {
    const auto cps = codePoints(utf8);
    const std::set<std::uint32_t> distinct(cps.begin(), cps.end());
    if (cps.size() < kMinPassphraseChars || distinct.size() < kMinDistinctPassphraseChars)
        return fail(ErrorCode::InvalidArgument, std::string(kPassphraseRule));
    return {};
}

Result<std::string> readPassphrase(const std::string& file, const char* prompt, bool confirm,
                                   const char* envName) {
    if (!file.empty()) {
        std::ifstream f(file, std::ios::binary);
        if (!f) return fail(ErrorCode::NotFound, "cannot read the passphrase file");
        std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
            s.pop_back();
        return s;
    }
    if (const char* env = std::getenv(envName); env && *env) return std::string(env);
    if (!isatty(STDIN_FILENO))
        return fail(ErrorCode::InvalidArgument,
                    std::string("set ") + envName + " or pass a passphrase file");
    std::string a = ask(prompt);
    if (confirm && ask("Again: ") != a)
        return fail(ErrorCode::InvalidArgument, "the passphrases differ");
    if (a.empty()) return fail(ErrorCode::InvalidArgument, "empty passphrase");
    return a;
}

} // namespace verbatim

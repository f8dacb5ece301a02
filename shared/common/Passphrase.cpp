#include "common/Passphrase.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <termios.h>
#include <unistd.h>

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

}  // namespace

Result<std::string> readPassphrase(const std::string& file, const char* prompt, bool confirm, const char* envName) {
    if (!file.empty()) {
        std::ifstream f(file, std::ios::binary);
        if (!f) return fail(ErrorCode::NotFound, "cannot read the passphrase file");
        std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
        return s;
    }
    if (const char* env = std::getenv(envName); env && *env) return std::string(env);
    if (!isatty(STDIN_FILENO))
        return fail(ErrorCode::InvalidArgument, std::string("set ") + envName + " or pass a passphrase file");
    std::string a = ask(prompt);
    if (confirm && ask("Again: ") != a) return fail(ErrorCode::InvalidArgument, "the passphrases differ");
    if (a.empty()) return fail(ErrorCode::InvalidArgument, "empty passphrase");
    return a;
}

}  // namespace verbatim

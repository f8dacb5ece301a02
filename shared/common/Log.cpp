#include "common/Log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <string>

#include <sys/stat.h>

namespace verbatim::log {

namespace {
std::atomic<int> g_level{[] {
    const char* env = std::getenv("VERBATIM_LOG");
    if (env && std::strcmp(env, "debug") == 0) return int(Level::Debug);
    if (env && std::strcmp(env, "error") == 0) return int(Level::Error);
    if (env && std::strcmp(env, "warn") == 0) return int(Level::Warn);
    return int(Level::Info);
}()};
std::mutex g_mutex;

// Under systemd, stderr goes to the journal, and JOURNAL_STREAM names that stream's device and
// inode (systemd.exec(5)). Then each line starts with its syslog priority ("<4>", sd-daemon(3)),
// which journald strips and keeps as the entry's priority: `journalctl -p warning` finds the
// relay's warnings and errors. Anywhere else (a terminal, a test's pipe) lines stay as they are.
const bool g_toJournal = [] {
    const char* env = std::getenv("JOURNAL_STREAM");
    struct stat st {};
    unsigned long long dev = 0, ino = 0;
    return env && std::sscanf(env, "%llu:%llu", &dev, &ino) == 2 && ::fstat(2, &st) == 0 &&
           dev == static_cast<unsigned long long>(st.st_dev) &&
           ino == static_cast<unsigned long long>(st.st_ino);
}();

const char* syslogPriority(Level l) {
    switch (l) {
    case Level::Debug:
        return "<7>";
    case Level::Info:
        return "<6>";
    case Level::Warn:
        return "<4>";
    case Level::Error:
        return "<3>";
    }
    return "<6>";
}

const char* levelName(Level l) {
    switch (l) {
    case Level::Debug:
        return "debug";
    case Level::Info:
        return "info";
    case Level::Warn:
        return "warn";
    case Level::Error:
        return "error";
    }
    return "?";
}

// Values are quoted when they contain spaces or quotes so that one event stays one line.
void appendValue(std::string& out, std::string_view v) {
    bool quote = v.empty() || v.find_first_of(" \"=\n\t") != std::string_view::npos;
    if (!quote) {
        out.append(v);
        return;
    }
    out.push_back('"');
    for (char c : v) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c == '\n' ? ' ' : c);
    }
    out.push_back('"');
}
} // namespace

void setLevel(Level level) {
    g_level = int(level);
}

void write(Level level, std::string_view event,
           std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
    if (int(level) < g_level.load()) return;
    using namespace std::chrono;
    auto now = system_clock::now();
    std::time_t t = system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char ts[64];
    auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    std::snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, int(ms));
    std::string line = g_toJournal ? syslogPriority(level) : "";
    line += "ts=";
    line += ts;
    line += " level=";
    line += levelName(level);
    line += " event=";
    appendValue(line, event);
    for (auto& [k, v] : fields) {
        line.push_back(' ');
        line.append(k);
        line.push_back('=');
        appendValue(line, v);
    }
    line.push_back('\n');
    std::lock_guard lock(g_mutex);
    std::fwrite(line.data(), 1, line.size(), stderr);
}

} // namespace verbatim::log

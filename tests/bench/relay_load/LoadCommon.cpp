/// @file LoadCommon.cpp
/// verbatim-relay-load's helpers and child processes (LoadCommon.h).
#include "LoadCommon.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace verbatim::relayload {

std::int64_t nowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}
double seconds(std::int64_t ns) {
    return double(ns) / 1e9;
}
std::string str(ByteView b) {
    return std::string(b.begin(), b.end());
}

std::function<void()> g_cleanup;
std::atomic<bool> g_dying{false};

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "verbatim-relay-load: %s\n", message.c_str());
    std::fflush(stderr);
    if (!g_dying.exchange(true) && g_cleanup) g_cleanup();
    std::_Exit(1);
}

bool pinThreadTo(std::initializer_list<int> cpus) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int c : cpus)
        CPU_SET(c, &set);
    return sched_setaffinity(0, sizeof(set), &set) == 0;
}

double threadCpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

double percentile(std::vector<std::int64_t>& v, double p) {
    if (v.empty()) return 0;
    std::size_t i = std::min(v.size() - 1, std::size_t(std::ceil(p / 100.0 * double(v.size()))) -
                                               (p > 0 ? 1 : 0));
    std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(i), v.end());
    return double(v[i]);
}

std::string shortNumber(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    return b;
}

std::string thousands(double v) {
    auto n = (long long)std::llround(v);
    std::string s = std::to_string(n < 0 ? -n : n), out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (i && (s.size() - i) % 3 == 0) out.push_back(',');
        out.push_back(s[i]);
    }
    return n < 0 ? "-" + out : out;
}

Child spawn(const std::vector<std::string>& args, bool mergeStderr, const std::string& stderrFile) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) die("pipe failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    if (mergeStderr)
        posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    else if (!stderrFile.empty())
        posix_spawn_file_actions_addopen(&fa, 2, stderrFile.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                         0600);
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    Child c;
    int rc = posix_spawnp(&c.pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    if (rc != 0) {
        ::close(fds[0]);
        die("cannot start " + args[0] + ": " + std::strerror(rc));
    }
    c.out = fds[0];
    return c;
}

Result<std::string> run(const std::vector<std::string>& args) {
    Child c = spawn(args, true);
    std::string out;
    char buf[4096];
    while (true) {
        auto n = ::read(c.out, buf, sizeof buf);
        if (n > 0) {
            out.append(buf, std::size_t(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        break;
    }
    ::close(c.out);
    int status = 0;
    while (waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return fail(ErrorCode::Internal, "command failed: " + out);
    return out;
}

std::string tokenOf(const std::string& link) {
    auto p = link.find("token=");
    if (p == std::string::npos || p + 6 + 32 > link.size()) die("no token in: " + link);
    return link.substr(p + 6, 32);
}

} // namespace verbatim::relayload

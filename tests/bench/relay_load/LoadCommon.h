#pragma once
/// @file LoadCommon.h
/// verbatim-relay-load's small helpers (clock, statistics, number formats), its
/// fatal exit, and the child processes it runs (relay_load.cpp describes the
/// program).
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "common/Bytes.h"
#include "common/Result.h"

namespace verbatim::relayload {

using Clock = std::chrono::steady_clock;

std::int64_t nowNs();
double seconds(std::int64_t ns);
std::string str(ByteView b);

// Set by Bench: stops the relay and removes the temporary directory, once.
extern std::function<void()> g_cleanup;
extern std::atomic<bool> g_dying;

/// "verbatim-relay-load: MESSAGE" on stderr, the cleanup, exit 1.
[[noreturn]] void die(const std::string& message);

template <class T> T must(Result<T> r, const std::string& what) {
    if (!r) die(what + ": " + r.error().message);
    return std::move(*r);
}

void note(const char* fmt, auto... args) {
    std::fprintf(stderr, "[load] ");
    std::fprintf(stderr, fmt, args...);
    std::fputc('\n', stderr);
    std::fflush(stderr);
}

// The calling thread only (Linux sched_setaffinity(0) is per thread; new
// threads inherit it).
bool pinThreadTo(std::initializer_list<int> cpus);
double threadCpuSeconds();
double median(std::vector<double> v);
double percentile(std::vector<std::int64_t>& v, double p);
std::string shortNumber(double v);
std::string thousands(double v);

struct Child {
    pid_t pid = -1;
    int out = -1; // read end of its stdout (and stderr, when merged)
};
Child spawn(const std::vector<std::string>& args, bool mergeStderr,
            const std::string& stderrFile = {});
// Runs a command to completion; its output (stdout and stderr) or an error that
// holds it.
Result<std::string> run(const std::vector<std::string>& args);
std::string tokenOf(const std::string& link);

} // namespace verbatim::relayload

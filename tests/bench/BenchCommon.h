#pragma once
// What the client-side benchmarks share (client_bench.cpp, history_bench.cpp): the profiles'
// passphrase, the clock and its milliseconds, the median of a series, and how a bench gives up.
// Header-only.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace verbatim::bench {

using Clock = std::chrono::steady_clock;

/// Every benchmark profile's passphrase.
constexpr const char* kPass = "bench passphrase";

/// The middle of `v` (the upper one of an even count); `v` must not be empty.
inline double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

/// `d` in milliseconds.
inline double ms(Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

/// Says which bench failed where, and ends the process with status 1.
[[noreturn]] inline void die(const char* bench, int line) {
    std::fprintf(stderr, "%s failed at line %d\n", bench, line);
    std::exit(1);
}

} // namespace verbatim::bench

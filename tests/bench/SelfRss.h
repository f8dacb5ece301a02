#pragma once
// This process's resident memory, for the benchmarks' memory figures.

#include <fstream>
#include <string>

namespace verbatim::bench {

/// VmRSS of /proc/self/status in KiB (0 when unreadable).
inline long rssKiB() {
    std::ifstream f("/proc/self/status");
    std::string key;
    long value = 0;
    while (f >> key) {
        if (key == "VmRSS:") {
            f >> value;
            return value;
        }
        f.ignore(1 << 20, '\n');
    }
    return 0;
}

} // namespace verbatim::bench

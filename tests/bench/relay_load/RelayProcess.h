#pragma once
/// @file RelayProcess.h
/// The relay under load: `verbatim-relay serve` started and stopped as a child
/// process, its memory, its CPU time per thread (and the two cores' busy time),
/// and its /metrics.
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace verbatim::relayload {

struct CpuTimes {
    double total = 0;                      // seconds, whole process
    std::map<std::string, double> threads; // seconds per thread name (summed over threads)
    double core[2] = {0, 0}; // seconds cores 0 and 1 were busy (any process), /proc/stat
};

class RelayProcess {
public:
    ~RelayProcess() { stop(); }

    /// Starts `args` (stderr to `logFile`) and reads the ports from its first
    /// line.
    void start(const std::vector<std::string>& args, const std::string& logFile);
    void stop();
    pid_t pid() const { return m_pid; }
    /// VmRSS in KiB.
    long rssKiB() const;
    CpuTimes cpu() const;
    /// GET /metrics on the admin listener (plain HTTP, loopback): name -> value.
    std::map<std::string, double> metrics() const;

    std::uint16_t port = 0, adminPort = 0;

private:
    pid_t m_pid = -1;
    int m_out = -1;
};

} // namespace verbatim::relayload

/// @file RelayProcess.cpp
/// The relay under load as a child process (RelayProcess.h).
#include "Bench.h"

namespace verbatim::relayload {

void RelayProcess::start(const std::vector<std::string>& args, const std::string& logFile) {
    Child c = spawn(args, false, logFile);
    m_pid = c.pid;
    m_out = c.out;
    // "verbatim-relay listening on 127.0.0.1:PORT (admin 127.0.0.1:PORT2)"
    std::string line;
    auto deadline = Clock::now() + std::chrono::seconds(20);
    while (line.find('\n') == std::string::npos) {
        pollfd p{m_out, POLLIN, 0};
        int left = int(
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
        if (left <= 0 || ::poll(&p, 1, left) <= 0) die("relay did not start (see " + logFile + ")");
        char buf[512];
        auto n = ::read(m_out, buf, sizeof buf);
        if (n <= 0) die("relay exited at start (see " + logFile + ")");
        line.append(buf, std::size_t(n));
    }
    auto a = line.find("127.0.0.1:"), b = line.find("(admin 127.0.0.1:");
    if (a == std::string::npos || b == std::string::npos) die("unexpected relay banner: " + line);
    port = std::uint16_t(std::stoi(line.substr(a + 10)));
    adminPort = std::uint16_t(std::stoi(line.substr(b + 17)));
}

void RelayProcess::stop() {
    if (m_pid <= 0) return;
    ::kill(m_pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 60; ++i) { // up to 3 s for a clean shutdown, then SIGKILL
                                   // (a throw-away relay)
        if (waitpid(m_pid, &status, WNOHANG) == m_pid) {
            m_pid = -1;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (m_pid > 0) {
        ::kill(m_pid, SIGKILL);
        waitpid(m_pid, &status, 0);
        m_pid = -1;
    }
    if (m_out >= 0) ::close(m_out);
    m_out = -1;
}

long RelayProcess::rssKiB() const {
    std::ifstream f("/proc/" + std::to_string(m_pid) + "/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

CpuTimes RelayProcess::cpu() const {
    static const double tick = double(sysconf(_SC_CLK_TCK));
    auto parse = [](const std::string& path) -> double {
        std::ifstream f(path);
        std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        auto close = s.rfind(')');
        if (close == std::string::npos) return 0;
        // Fields after "(comm) ": state is field 3; utime 14 and stime 15.
        std::vector<std::string> fields;
        std::size_t i = close + 2;
        while (i < s.size() && fields.size() < 13) {
            auto j = s.find(' ', i);
            fields.push_back(s.substr(i, j - i));
            if (j == std::string::npos) break;
            i = j + 1;
        }
        if (fields.size() < 13) return 0;
        return (std::stod(fields[11]) + std::stod(fields[12])) / tick;
    };
    CpuTimes t;
    std::string base = "/proc/" + std::to_string(m_pid);
    t.total = parse(base + "/stat");
    std::error_code ec;
    // The relay names its threads: vr-storage, vr-checkpoint, vr-net (the main
    // thread keeps the program's name).
    for (auto& e : fs::directory_iterator(base + "/task", ec)) {
        std::ifstream comm(e.path().string() + "/comm");
        std::string name;
        std::getline(comm, name);
        t.threads[name] += parse(e.path().string() + "/stat");
    }
    // "cpuN user nice system idle iowait irq softirq steal ...": busy = all but
    // idle, iowait and steal.
    std::ifstream stat("/proc/stat");
    std::string line;
    while (std::getline(stat, line)) {
        int n = -1;
        double v[8] = {};
        if (std::sscanf(line.c_str(), "cpu%d %lf %lf %lf %lf %lf %lf %lf %lf", &n, &v[0], &v[1],
                        &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 9 &&
            n >= 0 && n < 2)
            t.core[n] = (v[0] + v[1] + v[2] + v[5] + v[6]) / tick;
    }
    return t;
}

std::map<std::string, double> RelayProcess::metrics() const {
    std::map<std::string, double> out;
    net::io_context ioc;
    beast::tcp_stream s(ioc);
    beast::error_code ec;
    s.expires_after(std::chrono::seconds(5));
    s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), adminPort), ec);
    if (ec) return out;
    http::request<http::empty_body> req(http::verb::get, "/metrics", 11);
    req.set(http::field::host, "127.0.0.1");
    http::write(s, req, ec);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(s, buf, res, ec);
    std::size_t i = 0;
    const std::string& b = res.body();
    while (i < b.size()) {
        auto j = b.find('\n', i);
        std::string line = b.substr(i, j == std::string::npos ? std::string::npos : j - i);
        i = j == std::string::npos ? b.size() : j + 1;
        if (line.empty() || line[0] == '#') continue;
        auto sp = line.find(' ');
        if (sp != std::string::npos) out[line.substr(0, sp)] = std::atof(line.c_str() + sp + 1);
    }
    return out;
}

} // namespace verbatim::relayload

// verbatim-relay-load: load generator for verbatim-relay (issue 3, "Benchmark").
//
//   verbatim-relay-load [--devices 2000] [--in-flight 1000] [--rate 5000] [--seconds 5]
//                       [--relay PATH] [--serve-arg ARG]... [--keep]
//   verbatim-relay-load --smoke      ~20 devices, ~200 messages; exit 0 only if all delivered
//
// It builds a throw-away relay (init, admin enroll/invite, HTTPS registration), starts
// `verbatim-relay serve --bench-limits` pinned to core 0 with taskset, pins itself to core 1 and
// drives every device's TLS WebSocket from ONE io_context thread with Beast's asynchronous API
// (one write in flight per connection, a queue behind it; one thread, so no strands). Devices
// come in pairs (a lawyer and the client invited to the lawyer's matter), so every send has
// exactly one recipient device.
//
// Envelope bodies are random bytes (the relay cannot tell them from Signal ciphertext), but each
// send carries a real journal entry sealed to the firm's journal key and signed by the sender's
// Signal identity (the relay verifies it). All sends are built and sealed before a timed
// section starts; timed sections only write prepared frames and read.
//
// Phases (each bounded to 60 s):
//   login     connect + TLS + WebSocket upgrade with device auth for every device; relay VmRSS
//             before and after, idle, gives RSS per 1,000 connections.
//   closed    N devices online, a fixed number of messages in flight (sent, not yet delivered):
//             every delivery (Envelope push to the recipient) releases the next send. Run for
//             all devices and then for 200; one unreported warm-up run sizes the pools, then
//             three runs; the median is reported.
//   latency   open loop at a fixed offered rate paced by a 1 ms timer; send-to-deliver latency
//             is the time from handing the frame to the sender's socket to reading the push at
//             the recipient (same clock, same process). Then again at half the closed-loop rate
//             the relay reached, to show latency below saturation.
//   offline   10 recipients offline, their 10 senders send 1,000 messages each (stored/s =
//             send acknowledgements/s), then the 10 connect (delivered/s until all are in).
// Deliveries are acknowledged in batches (per connection: 64 ids, or after 20 ms).
//
// Besides the table it prints where the relay's core went in each run: CPU time of its storage
// (with the WAL checkpointer) and network threads from /proc/PID/task/*/stat, storage jobs per commit from /metrics, and how
// busy other processes kept cores 0 and 1 (from /proc/stat), since the machine is shared.

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <openssl/x509.h>
#include <optional>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "client/core/RelayConnection.h"
#include "crypto/Random.h"
#include "crypto/X25519.h"
#include "journal/JournalCrypto.h"
#include "journal/RecordingNotice.h"
#include "relay/net/TlsCert.h"
#include "signal/InMemoryProtocolStore.h"
#include "signal/SessionManager.h"
#include "wire.pb.h"

extern char** environ;

using namespace verbatim;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
namespace fs = std::filesystem;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// ---- small helpers ----------------------------------------------------------------------------

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

// Set by Bench: stops the relay and removes the temporary directory, once.
std::function<void()> g_cleanup;
std::atomic<bool> g_dying{false};

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "verbatim-relay-load: %s\n", message.c_str());
    std::fflush(stderr);
    if (!g_dying.exchange(true) && g_cleanup) g_cleanup();
    std::_Exit(1);
}

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

// The calling thread only (Linux sched_setaffinity(0) is per thread; new threads inherit it).
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

// ---- child processes ----------------------------------------------------------------------------

struct Child {
    pid_t pid = -1;
    int out = -1; // read end of its stdout (and stderr, when merged)
};

Child spawn(const std::vector<std::string>& args, bool mergeStderr,
            const std::string& stderrFile = {}) {
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

// Runs a command to completion; its output (stdout and stderr) or an error that holds it.
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

// ---- the relay process --------------------------------------------------------------------------

struct CpuTimes {
    double total = 0;                      // seconds, whole process
    std::map<std::string, double> threads; // seconds per thread name (summed over threads)
    double core[2] = {0, 0}; // seconds cores 0 and 1 were busy (any process), /proc/stat
};

class RelayProcess {
public:
    ~RelayProcess() { stop(); }

    void start(const std::vector<std::string>& args, const std::string& logFile) {
        Child c = spawn(args, false, logFile);
        m_pid = c.pid;
        m_out = c.out;
        // "verbatim-relay listening on 127.0.0.1:PORT (admin 127.0.0.1:PORT2)"
        std::string line;
        auto deadline = Clock::now() + std::chrono::seconds(20);
        while (line.find('\n') == std::string::npos) {
            pollfd p{m_out, POLLIN, 0};
            int left =
                int(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now())
                        .count());
            if (left <= 0 || ::poll(&p, 1, left) <= 0)
                die("relay did not start (see " + logFile + ")");
            char buf[512];
            auto n = ::read(m_out, buf, sizeof buf);
            if (n <= 0) die("relay exited at start (see " + logFile + ")");
            line.append(buf, std::size_t(n));
        }
        auto a = line.find("127.0.0.1:"), b = line.find("(admin 127.0.0.1:");
        if (a == std::string::npos || b == std::string::npos)
            die("unexpected relay banner: " + line);
        port = std::uint16_t(std::stoi(line.substr(a + 10)));
        adminPort = std::uint16_t(std::stoi(line.substr(b + 17)));
    }

    void stop() {
        if (m_pid <= 0) return;
        ::kill(m_pid, SIGTERM);
        int status = 0;
        for (int i = 0; i < 60;
             ++i) { // up to 3 s for a clean shutdown, then SIGKILL (a throw-away relay)
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

    pid_t pid() const { return m_pid; }

    /// VmRSS in KiB.
    long rssKiB() const {
        std::ifstream f("/proc/" + std::to_string(m_pid) + "/status");
        std::string line;
        while (std::getline(f, line))
            if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
        return -1;
    }

    CpuTimes cpu() const {
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
        // The relay names its threads: vr-storage, vr-checkpoint, vr-net (the main thread keeps
        // the program's name).
        for (auto& e : fs::directory_iterator(base + "/task", ec)) {
            std::ifstream comm(e.path().string() + "/comm");
            std::string name;
            std::getline(comm, name);
            t.threads[name] += parse(e.path().string() + "/stat");
        }
        // "cpuN user nice system idle iowait irq softirq steal ...": busy = all but idle, iowait
        // and steal.
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

    /// GET /metrics on the admin listener (plain HTTP, loopback): name -> value.
    std::map<std::string, double> metrics() const {
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

    std::uint16_t port = 0, adminPort = 0;

private:
    pid_t m_pid = -1;
    int m_out = -1;
};

// ---- options -----------------------------------------------------------------------------------

struct Options {
    int devices = 2000;
    int inFlight = 1000;
    double rate = 5000;
    double seconds = 5;
    bool smoke = false;
    bool keep = false;
    std::string relay = VERBATIM_RELAY_BINARY;
    std::vector<std::string> serveArgs; ///< passed on to `verbatim-relay serve` (--serve-arg)
    std::string store; ///< --store: the relay's PostgreSQL store for init, admin and serve
    /// --relay-cores: the cores the relay is pinned to (taskset -c); "0,1" shares the generator's.
    std::string relayCores = "0";
    // Derived.
    int smallDevices = 200;
    int repeats = 3;
    int offlineDevices = 10;
    int offlinePerDevice = 1000;
    double latencySeconds = 0;
};

int usage() {
    std::fputs(
        "usage: verbatim-relay-load [--devices N] [--in-flight N] [--rate MSG_PER_S] [--seconds "
        "S]\n"
        "                           [--relay PATH] [--serve-arg ARG]... [--store URL] [--keep] | "
        "--smoke\n"
        "  --devices    devices online in the large runs (even; default 2000)\n"
        "  --in-flight  messages in flight in the closed-loop runs (default 1000)\n"
        "  --rate       offered load of the latency run, messages/s (default 5000)\n"
        "  --seconds    length of each timed run (default 5, at most 15; the latency run at "
        "--rate\n"
        "               takes twice that, so that every phase stays under 60 s)\n"
        "  --relay      the verbatim-relay binary (default: the one built with this tree)\n"
        "  --serve-arg  one more argument for `verbatim-relay serve` (repeat for each), e.g.\n"
        "               --serve-arg --journal-signatures --serve-arg compliance\n"
        "  --store      postgresql://... : the relay on that (empty) PostgreSQL database\n"
        "  --relay-cores  the relay's cores for taskset -c (default 0; 0,1 shares the\n"
        "               generator's core 1, e.g. to measure --verify-threads)\n"
        "  --keep       keep the temporary relay directory\n"
        "  --smoke      a tiny run (20 devices, ~200 messages) that fails unless all arrive\n",
        stderr);
    return 2;
}

// ---- devices and messages -----------------------------------------------------------------------

class Bench;

class Conn : public std::enable_shared_from_this<Conn> {
public:
    Conn(Bench& bench, int device, net::io_context& ioc, ssl::context& tls)
        : m_bench(bench), m_device(device), m_ws(ioc, tls) {}

    void start(const tcp::endpoint& ep, const std::string& who, const std::string& auth);
    void send(std::shared_ptr<const std::string> bytes);
    /// Closes (1000) after every queued frame has been written.
    void close();
    bool isOpen() const { return m_open; }

    std::vector<std::uint64_t> pendingAcks;
    bool ackQueued = false;

private:
    void fail(const char* what, beast::error_code ec);
    void readNext();
    void onRead(beast::error_code ec, std::size_t);
    void writeNext();
    void startClose();

    Bench& m_bench;
    int m_device;
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> m_ws;
    websocket::response_type m_response;
    beast::flat_buffer m_buffer;
    std::deque<std::shared_ptr<const std::string>> m_outbox;
    bool m_open = false, m_closing = false, m_finished = false;
};

struct Device {
    std::string user;
    std::uint32_t device = 0;
    std::string secretHex;
    std::string conversation;
    int partner = -1;
    int ctx = 0; // which SignalContext (one per sealing thread)
    std::unique_ptr<signal::InMemoryProtocolStore> store;
    std::unique_ptr<signal::SessionManager> sessions;
    std::shared_ptr<Conn> conn;
    std::vector<std::uint64_t> pool; // prepared message indices, in order
    std::size_t next = 0;            // next index in pool to send
    std::int64_t lastDelivered = -1; // for the in-order check of a drain
};

struct Message {
    std::shared_ptr<const std::string> frame; // serialized Frame{request{send}}; freed after use
    int sender = -1;
    std::int64_t sentNs = 0, storedNs = 0, deliveredNs = 0;
    std::uint16_t deliveries = 0;
    bool stored = false;
};

struct RunCpu {
    double wall = 0, relayTotal = 0, relayNet = 0, relayStorage = 0, generator = 0;
    double jobs = 0, batches = 0, batchMicros = 0, slowBatches = 0;
    double messages = 0;           // delivered (or, for the store run, acknowledged) within `wall`
    double other0 = 0, other1 = 0; // busy time of cores 0 and 1 not spent by relay / generator
};

class Bench {
public:
    explicit Bench(Options o) : m_opt(std::move(o)), m_tls(ssl::context::tls_client) {
        g_cleanup = [this] { cleanup(); };
    }
    ~Bench() {
        cleanup();
        g_cleanup = nullptr;
    }

    int main(const std::string& commandLine);

    // Called by Conn (on the io thread).
    void onOpened(int device, bool ok, const std::string& why);
    void onFrame(int device, const char* data, std::size_t size);
    void onOneFrame(int device, std::int64_t now); // the frame in m_frame
    void onClosed(int device, bool expected, const std::string& why);
    void queueAck(int device);

private:
    void setup();
    void cleanup();
    void preparePool(const std::vector<std::pair<int, int>>& perSender);
    void dropPool(const std::vector<int>& senders);
    bool sendNext(int sender);
    bool sendRoundRobin();
    void flushAcks(int device);
    void runUntil(const std::function<bool()>& done, double timeoutSeconds);
    RunCpu cpuSince(const CpuTimes& c0, double gen0, const std::map<std::string, double>& m0,
                    std::int64_t t0);

    // Phases.
    void connectDevices(const std::vector<int>& devices, int concurrency, std::int64_t* lastOpenNs);
    void closeDevices(const std::vector<int>& devices);
    double closedLoop(const std::vector<int>& senders, std::size_t poolTotal, double runSeconds,
                      RunCpu* cpu);
    void latencyRun(double rate, double runSeconds, const std::string& key,
                    const std::string& note);
    std::string cpuRow(const std::string& name, const RunCpu& cpu) const;
    void offlineRun();

    Options m_opt;
    fs::path m_dir;
    crypto::X25519KeyPair m_journal;
    std::vector<std::shared_ptr<signal::SignalContext>> m_ctx;
    std::string m_pin;
    RelayProcess m_relay;
    bool m_pinned = false;

    ssl::context m_tls; // declared before m_ioc: streams in pending handlers use it
    net::io_context m_ioc;
    tcp::endpoint m_endpoint;
    std::vector<Device> m_devices;
    std::vector<Message> m_msgs;
    proto::Frame m_frame; // reused for parsing (one thread)
    std::vector<int> m_ackDirty;
    std::optional<net::steady_timer> m_ackTimer;
    bool m_ackTimerArmed = false;

    // Phase state (io thread).
    enum class Mode { Idle, Closed, Open, Store, Drain } m_mode = Mode::Idle;
    std::vector<int> m_senders;
    std::size_t m_rr = 0;
    std::int64_t m_inFlight = 0; // closed loop: sent, not delivered; store: sent, not acknowledged
    bool m_stopIssuing = false;
    bool m_exhausted = false;
    std::int64_t m_exhaustedNs = 0;
    std::uint64_t m_delivered = 0, m_stored = 0, m_sent = 0;
    std::int64_t m_lastDeliveredNs = 0, m_lastStoredNs = 0;
    int m_opened = 0, m_openFailed = 0, m_closed = 0;
    std::function<void(int)> m_onOpen;

    // Totals for the verdict.
    std::uint64_t m_batchesIn = 0; // FrameBatch messages received
    std::uint64_t m_sendErrors = 0, m_ackErrors = 0, m_duplicates = 0, m_misrouted = 0,
                  m_unexpectedClose = 0, m_outOfOrder = 0, m_acksSent = 0, m_ackRequests = 0,
                  m_unexpectedDeliveries = 0;
    std::string m_firstError;

    // Results.
    struct Row {
        std::string what, result, goal, ejabberd;
    };
    std::map<std::string, Row> m_rows; // key orders them as the issue lists them
    std::vector<std::string> m_cpuRows;
};

// ---- Conn ---------------------------------------------------------------------------------------

void Conn::start(const tcp::endpoint& ep, const std::string& who, const std::string& auth) {
    auto self = shared_from_this();
    beast::get_lowest_layer(m_ws).expires_after(std::chrono::seconds(30));
    m_ws.set_option(websocket::stream_base::decorator([who, auth](websocket::request_type& req) {
        req.set(http::field::authorization, auth);
        req.set("X-Verbatim-Device", who);
        req.set("X-Verbatim-Frames", "batch"); // as the app does
        req.set(http::field::user_agent, "verbatim-relay-load");
    }));
    beast::get_lowest_layer(m_ws).async_connect(ep, [self](beast::error_code ec) {
        if (ec) return self->fail("connect", ec);
        beast::error_code ignored; // as the real client does: no Nagle delay on small frames
        beast::get_lowest_layer(self->m_ws).socket().set_option(tcp::no_delay(true), ignored);
        self->m_ws.next_layer().async_handshake(
            ssl::stream_base::client, [self](beast::error_code ec) {
                if (ec) return self->fail("tls", ec);
                self->m_ws.async_handshake(
                    self->m_response, "127.0.0.1", "/v1/ws", [self](beast::error_code ec) {
                        if (ec) return self->fail("upgrade", ec);
                        beast::get_lowest_layer(self->m_ws).expires_never();
                        self->m_ws.set_option(
                            websocket::stream_base::timeout::suggested(beast::role_type::client));
                        self->m_ws.binary(true);
                        self->m_ws.read_message_max(8 * 1024 * 1024);
                        self->m_open = true;
                        self->m_bench.onOpened(self->m_device, true, {});
                        self->readNext();
                        if (!self->m_outbox.empty()) self->writeNext();
                    });
            });
    });
}

void Conn::fail(const char* what, beast::error_code ec) {
    if (m_finished) return;
    m_finished = true;
    bool wasOpen = m_open;
    m_open = false;
    std::string why = std::string(what) + ": " + ec.message();
    if (m_response.result_int()) why += " (HTTP " + std::to_string(m_response.result_int()) + ")";
    if (!wasOpen && !m_closing) return m_bench.onOpened(m_device, false, why);
    m_bench.onClosed(m_device, m_closing, why);
}

void Conn::readNext() {
    m_ws.async_read(m_buffer, beast::bind_front_handler(&Conn::onRead, shared_from_this()));
}

void Conn::onRead(beast::error_code ec, std::size_t) {
    if (ec) return fail("read", ec);
    auto data = m_buffer.cdata();
    m_bench.onFrame(m_device, static_cast<const char*>(data.data()), data.size());
    m_buffer.consume(m_buffer.size());
    readNext();
}

void Conn::send(std::shared_ptr<const std::string> bytes) {
    if (m_finished || m_closing) return;
    m_outbox.push_back(std::move(bytes));
    if (m_outbox.size() == 1 && m_open) writeNext();
}

void Conn::writeNext() {
    m_ws.async_write(net::buffer(*m_outbox.front()),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                         if (ec) return self->fail("write", ec);
                         self->m_outbox.pop_front();
                         if (!self->m_outbox.empty())
                             self->writeNext();
                         else if (self->m_closing)
                             self->startClose();
                     });
}

void Conn::close() {
    if (!m_open || m_closing) return;
    m_closing = true;
    // Beast allows a close beside a read but not beside a write: wait for the queue to empty.
    if (m_outbox.empty()) startClose();
}

void Conn::startClose() {
    m_ws.async_close(websocket::close_code::normal,
                     [self = shared_from_this()](beast::error_code ec) {
                         // Otherwise the pending read completes with websocket::error::closed and
                         // reports it.
                         if (ec) self->fail("close", ec);
                     });
}

// ---- Bench: setup -------------------------------------------------------------------------------

void Bench::cleanup() {
    m_relay.stop();
    if (!m_dir.empty() && !m_opt.keep) {
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
}

void Bench::setup() {
    char tmpl[] = "/tmp/verbatim-relay-load-XXXXXX";
    if (!mkdtemp(tmpl)) die("mkdtemp failed");
    m_dir = tmpl;
    fs::path data = m_dir / "data";
    for (int i = 0; i < 2; ++i)
        m_ctx.push_back(must(signal::SignalContext::create(), "signal context"));

    // The firm's journal key: only its public half goes to the relay.
    m_journal = must(crypto::x25519Generate(), "journal key");
    {
        std::ofstream f(m_dir / "journal.pub");
        f << toHex(m_journal.publicKey) << "\n";
    }
    setenv("VERBATIM_PASSPHRASE", toHex(crypto::randomBytes(16)).c_str(), 1);
    // The relay's keys are sealed under an unlock secret kept outside its data directory.
    const std::string unlock = (m_dir / "relay.unlock").string();
    // --store: every relay command on the same PostgreSQL database.
    auto withStore = [&](std::vector<std::string> args) {
        if (!m_opt.store.empty()) {
            args.insert(args.begin() + 2, m_opt.store);
            args.insert(args.begin() + 2, "--store");
        }
        return args;
    };
    must(run(withStore({m_opt.relay, "init", "--data", data.string(), "--firm", "Load Test LLP",
                        "--journal-key", (m_dir / "journal.pub").string(), "--root-key-out",
                        (m_dir / "root.key").string(), "--unlock-file", unlock})),
         "relay init");
    m_pin = must(relay::certificateFingerprint((data / "tls.crt").string()), "certificate pin");

    // Enrollment and invites through the admin CLI, before the relay serves (no lock contention
    // with it). One process at a time: concurrent writers meet SQLITE_BUSY, whose busy handler
    // sleeps for milliseconds, so parallel calls were slower than serial ones (~16 ms each).
    int pairs = m_opt.devices / 2;
    m_devices.resize(std::size_t(m_opt.devices));
    std::vector<std::string> lawyerTokens(static_cast<std::size_t>(pairs)),
        clientTokens(static_cast<std::size_t>(pairs));
    auto t0 = nowNs();
    std::atomic<int> nextPair{0};
    std::mutex errMutex;
    std::string error;
    std::atomic<bool> failed{false};
    auto worker = [&] {
        while (true) {
            int p = nextPair++;
            if (p >= pairs || failed) return;
            char user[32];
            std::snprintf(user, sizeof user, "lawyer-%05d", p);
            auto enroll = run(withStore(
                {m_opt.relay, "admin", "--data", data.string(), "--unlock-file", unlock, "enroll",
                 user, "--role", "lawyer", "--name", std::string("Lawyer ") + std::to_string(p)}));
            auto invite = enroll ? run(withStore({m_opt.relay, "admin", "--data", data.string(),
                                                  "--unlock-file", unlock, "invite", "--from", user,
                                                  "--matter", "matter-" + std::to_string(p)}))
                                 : Result<std::string>(tl::unexpected(enroll.error()));
            if (!enroll || !invite) {
                std::lock_guard lock(errMutex);
                error = (!enroll ? enroll.error() : invite.error()).message;
                failed = true;
                return;
            }
            lawyerTokens[std::size_t(p)] = tokenOf(*enroll);
            clientTokens[std::size_t(p)] = tokenOf(*invite);
            m_devices[std::size_t(2 * p)].user = user;
        }
    };
    {
        std::vector<std::thread> workers;
        workers.emplace_back(worker);
        for (auto& w : workers)
            w.join();
    }
    if (failed) die("admin CLI: " + error);
    note("enrolled %d lawyers and invited %d clients with the admin CLI in %.1f s", pairs, pairs,
         seconds(nowNs() - t0));

    std::vector<std::string> relayArgs;
    if (m_pinned) relayArgs = {"taskset", "-c", m_opt.relayCores};
    for (auto s :
         {m_opt.relay, std::string("serve"), std::string("--data"), data.string(),
          std::string("--unlock-file"), unlock, std::string("--listen"), std::string("127.0.0.1:0"),
          std::string("--admin-listen"), std::string("127.0.0.1:0"), std::string("--bench-limits")})
        relayArgs.push_back(s);
    for (const auto& s : m_opt.serveArgs)
        relayArgs.push_back(s);
    if (!m_opt.store.empty()) {
        relayArgs.push_back("--store");
        relayArgs.push_back(m_opt.store);
    }
    m_relay.start(relayArgs, (m_dir / "relay.log").string());
    m_endpoint = tcp::endpoint(net::ip::make_address("127.0.0.1"), m_relay.port);
    note("relay pid %d listening on 127.0.0.1:%u (pinned to cores %s)", int(m_relay.pid()),
         unsigned(m_relay.port), m_pinned ? m_opt.relayCores.c_str() : "none");

    // Registration over HTTPS with the client transport (one blocking connection per call).
    t0 = nowNs();
    std::atomic<int> next{0};
    client::Endpoint endpoint{"127.0.0.1", m_relay.port, m_pin};
    auto registrar = [&] {
        while (true) {
            int i = next++;
            if (i >= m_opt.devices || failed) return;
            int p = i / 2;
            bool lawyer = i % 2 == 0;
            Device& d = m_devices[std::size_t(i)];
            d.ctx = i % 2;
            d.partner = lawyer ? i + 1 : i - 1;
            auto& ctx = m_ctx[std::size_t(d.ctx)];
            auto id = must(signal::SessionManager::generateIdentity(*ctx), "identity");
            Bytes identityKey = id.publicKey;
            auto regId =
                must(signal::SessionManager::generateRegistrationId(*ctx), "registration id");
            d.store = std::make_unique<signal::InMemoryProtocolStore>(std::move(id), regId);
            d.sessions = must(signal::SessionManager::create(ctx, *d.store), "session manager");
            auto spk = must(d.sessions->generateSignedPreKey(1), "signed pre-key");
            SecureBytes secret = crypto::randomSecret(32);
            d.secretHex = toHex(secret);
            // No one-time pre-keys: nobody fetches bundles here (envelopes are opaque bytes).
            proto::RegisterDevice r;
            r.set_token(lawyer ? lawyerTokens[std::size_t(p)] : clientTokens[std::size_t(p)]);
            r.set_device_secret(std::string(secret.begin(), secret.end()));
            r.set_registration_id(regId);
            r.set_identity_key(str(identityKey));
            r.mutable_signed_pre_key()->set_id(spk.id);
            r.mutable_signed_pre_key()->set_public_key(str(spk.publicKey));
            r.mutable_signed_pre_key()->set_signature(str(spk.signature));
            r.set_platform("load");
            r.set_app_version("0.1.0");
            r.set_display_name(lawyer ? "" : "Client " + std::to_string(p));
            auto reg = client::RelayConnection::registerDevice(endpoint, r);
            if (!reg) {
                std::lock_guard lock(errMutex);
                error = "registration of device " + std::to_string(i) + ": " + reg.error().message;
                failed = true;
                return;
            }
            d.user = reg->user();
            d.device = reg->device();
            if (!lawyer) d.conversation = reg->conversation_id();
        }
    };
    {
        std::vector<std::thread> workers;
        for (int i = 0; i < 4; ++i)
            workers.emplace_back(registrar);
        for (auto& w : workers)
            w.join();
    }
    if (failed) die(error);
    for (int p = 0; p < pairs; ++p) {
        auto& c = m_devices[std::size_t(2 * p + 1)];
        if (c.conversation.empty()) die("client " + std::to_string(p) + " joined no matter");
        m_devices[std::size_t(2 * p)].conversation = c.conversation;
    }
    note("registered %d devices over HTTPS in %.1f s", m_opt.devices, seconds(nowNs() - t0));
}

// Seals one journal entry per message on two threads (one Signal context each, devices split by
// context), outside any timed section. Frame ids are message index + 1; the message id carries
// the index so that a push names its message.
void Bench::preparePool(const std::vector<std::pair<int, int>>& perSender) {
    std::size_t base = m_msgs.size(), total = 0;
    for (auto& [s, n] : perSender)
        total += std::size_t(n);
    m_msgs.resize(base + total);
    std::vector<std::pair<int, std::uint64_t>> jobs; // (sender, message index)
    jobs.reserve(total);
    // Clients begin a message id with the time (journal::newMessageId). Ids are sealed before
    // the timed run, so a device's i-th message stands in for the clock: it goes out at about
    // the time every other device sends its i-th.
    std::vector<std::uint64_t> idTime(total);
    const auto startMs = std::uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
    std::size_t k = base;
    for (auto& [s, n] : perSender) {
        auto& d = m_devices[std::size_t(s)];
        d.pool.clear();
        d.next = 0;
        for (int i = 0; i < n; ++i) {
            d.pool.push_back(k);
            m_msgs[k].sender = s;
            idTime[k - base] = startMs + std::uint64_t(i);
            jobs.push_back({s, k++});
        }
    }
    const std::string text(120, 'x');
    std::atomic<bool> sealFailed{false};
    auto worker = [&](int ctx) {
        pinThreadTo({0, 1}); // both cores: the relay is idle while pools are built
        for (auto& [s, k] : jobs) {
            Device& from = m_devices[std::size_t(s)];
            if (from.ctx != ctx) continue;
            const Device& to = m_devices[std::size_t(from.partner)];
            // time (6 bytes), then the message index (8), then 2 random bytes
            Bytes mid = crypto::randomBytes(16);
            const std::uint64_t t = idTime[k - base];
            for (int b = 0; b < 6; ++b)
                mid[std::size_t(b)] = std::uint8_t(t >> (40 - 8 * b));
            for (int b = 0; b < 8; ++b)
                mid[std::size_t(6 + b)] = std::uint8_t(k >> (56 - 8 * b));
            proto::JournalRecord rec;
            rec.set_version(1);
            rec.set_message_id(str(mid));
            rec.set_conversation_id(from.conversation);
            rec.mutable_sender()->set_user(from.user);
            rec.mutable_sender()->set_device(from.device);
            auto* rcpt = rec.add_recipients();
            rcpt->set_user(to.user);
            rcpt->set_device(to.device);
            rec.set_client_time_ms(1764300000000ULL + k);
            // Consent (issue 17): a client's first message of each pool is its notice acceptance
            // (the relay refuses anything else before one is journaled; later ones are no-ops).
            const bool accepts = s % 2 == 1 && k == from.pool.front();
            rec.set_type(accepts ? proto::NOTICE_ACCEPTED : proto::TEXT);
            rec.set_body(accepts ? journal::noticeAcceptanceBody("Bench firm") : text);
            rec.set_commit_key(str(crypto::randomBytes(32)));
            auto sealed = journal::sealRecord(rec, m_journal.publicKey,
                                              [&](ByteView m) { return from.sessions->sign(m); });
            if (!sealed) {
                sealFailed = true;
                return;
            }
            proto::Frame f;
            f.set_id(k + 1);
            auto* send = f.mutable_request()->mutable_send();
            send->set_message_id(rec.message_id());
            send->set_conversation_id(from.conversation);
            auto* e = send->add_envelopes();
            e->set_user(to.user);
            e->set_device(to.device);
            e->set_type(2);
            e->set_body(str(crypto::randomBytes(300))); // the size of a short Signal message
            send->set_journal_entry(str(sealed->serialize()));
            if (accepts) {
                send->mutable_notice_acceptance()->set_version(journal::kRecordingNoticeVersion);
                const auto h = *journal::recordingNoticeHash();
                send->mutable_notice_acceptance()->set_text_sha256(std::string(h.begin(), h.end()));
            }
            m_msgs[k].frame = std::make_shared<const std::string>(f.SerializeAsString());
        }
    };
    std::thread t0(worker, 0), t1(worker, 1);
    t0.join();
    t1.join();
    if (sealFailed) die("sealing a journal entry failed");
}

void Bench::dropPool(const std::vector<int>& senders) {
    for (int s : senders) {
        auto& d = m_devices[std::size_t(s)];
        for (auto k : d.pool)
            m_msgs[k].frame.reset();
        d.pool.clear();
        d.next = 0;
    }
}

bool Bench::sendNext(int s) {
    auto& d = m_devices[std::size_t(s)];
    if (d.next >= d.pool.size() || !d.conn || !d.conn->isOpen()) return false;
    auto k = d.pool[d.next++];
    auto& m = m_msgs[k];
    m.sentNs = nowNs();
    ++m_sent;
    ++m_inFlight;
    d.conn->send(m.frame);
    return true;
}

bool Bench::sendRoundRobin() {
    for (std::size_t tries = 0; tries < m_senders.size(); ++tries) {
        int s = m_senders[m_rr++ % m_senders.size()];
        if (sendNext(s)) return true;
    }
    return false;
}

// ---- Bench: io callbacks ------------------------------------------------------------------------

void Bench::onOpened(int device, bool ok, const std::string& why) {
    if (ok) {
        ++m_opened;
    } else {
        ++m_openFailed;
        if (m_firstError.empty())
            m_firstError = "device " + std::to_string(device) + " login failed: " + why;
    }
    if (m_onOpen) m_onOpen(device);
}

void Bench::onClosed(int device, bool expected, const std::string& why) {
    ++m_closed;
    if (!expected) {
        ++m_unexpectedClose;
        if (m_firstError.empty())
            m_firstError = "device " + std::to_string(device) + " disconnected: " + why;
    }
}

void Bench::onFrame(int device, const char* data, std::size_t size) {
    auto now = nowNs();
    if (!m_frame.ParseFromArray(data, int(size))) {
        ++m_sendErrors;
        if (m_firstError.empty()) m_firstError = "unparseable frame from the relay";
        return;
    }
    if (m_frame.has_batch()) { // several frames in one message, as the app receives them
        ++m_batchesIn;
        proto::FrameBatch batch;
        batch.Swap(m_frame.mutable_batch());
        for (auto& inner : *batch.mutable_frames()) {
            m_frame.Swap(&inner);
            onOneFrame(device, now);
        }
        return;
    }
    onOneFrame(device, now);
}

void Bench::onOneFrame(int device, std::int64_t now) {
    if (m_frame.has_push()) {
        if (!m_frame.push().has_envelope()) return; // pre-key and conversation notices
        const auto& e = m_frame.push().envelope();
        const std::string& mid = e.message_id();
        std::uint64_t k = 0;
        for (std::size_t b = 6; b < 14 && b < mid.size(); ++b)
            k = (k << 8) | std::uint8_t(mid[b]);
        if (mid.size() != 16 || k >= m_msgs.size() || m_msgs[k].sender < 0 ||
            m_devices[std::size_t(m_msgs[k].sender)].partner != device) {
            ++m_misrouted;
            return;
        }
        auto& d = m_devices[std::size_t(device)];
        d.conn->pendingAcks.push_back(e.queue_id());
        queueAck(device);
        auto& m = m_msgs[k];
        if (++m.deliveries > 1) {
            ++m_duplicates;
            return;
        }
        m.deliveredNs = now;
        ++m_delivered;
        m_lastDeliveredNs = now;
        if (std::int64_t(k) < d.lastDelivered) ++m_outOfOrder;
        d.lastDelivered = std::int64_t(k);
        switch (m_mode) {
        case Mode::Closed:
            --m_inFlight;
            if (!m_stopIssuing && !m_exhausted && !sendRoundRobin()) {
                m_exhausted = true;
                m_exhaustedNs = now;
            }
            break;
        case Mode::Open:
        case Mode::Drain:
            --m_inFlight;
            break;
        case Mode::Store:
            ++m_unexpectedDeliveries;
            break;
        case Mode::Idle:
            break;
        }
        return;
    }
    if (!m_frame.has_response()) return;
    const auto& r = m_frame.response();
    std::uint64_t id = m_frame.id();
    if (id == 0) { // acknowledgements are one-way: a response means it was refused
        if (r.status() != proto::STATUS_OK) {
            ++m_ackErrors;
            if (m_firstError.empty()) m_firstError = "acknowledge refused: " + r.error();
        }
        return;
    }
    if (id == 0 || id > m_msgs.size()) return;
    auto& m = m_msgs[id - 1];
    if (r.status() != proto::STATUS_OK) {
        ++m_sendErrors;
        if (m_firstError.empty())
            m_firstError = "send refused (" + std::to_string(int(r.status())) + "): " + r.error();
    } else {
        m.stored = true;
        m.storedNs = now;
        ++m_stored;
        m_lastStoredNs = now;
    }
    if (m_mode == Mode::Store) {
        --m_inFlight;
        if (!m_stopIssuing) sendNext(m.sender); // each sender keeps its own window full
    }
}

void Bench::queueAck(int device) {
    auto& c = *m_devices[std::size_t(device)].conn;
    if (c.pendingAcks.size() >= 64) return flushAcks(device);
    if (!c.ackQueued) {
        c.ackQueued = true;
        m_ackDirty.push_back(device);
    }
    if (!m_ackTimerArmed) {
        m_ackTimerArmed = true;
        m_ackTimer->expires_after(std::chrono::milliseconds(20));
        m_ackTimer->async_wait([this](beast::error_code) {
            m_ackTimerArmed = false;
            auto dirty = std::move(m_ackDirty);
            m_ackDirty.clear();
            for (int dev : dirty) {
                auto& conn = m_devices[std::size_t(dev)].conn;
                if (!conn) continue;
                conn->ackQueued = false;
                flushAcks(dev);
            }
        });
    }
}

void Bench::flushAcks(int device) {
    auto& c = *m_devices[std::size_t(device)].conn;
    if (c.pendingAcks.empty()) return;
    proto::Frame f;
    f.set_id(0); // one-way, as the app sends them: the relay answers only a failure
    auto* ack = f.mutable_request()->mutable_acknowledge();
    for (auto q : c.pendingAcks)
        ack->add_queue_ids(q);
    m_acksSent += c.pendingAcks.size();
    ++m_ackRequests;
    c.pendingAcks.clear();
    c.send(std::make_shared<const std::string>(f.SerializeAsString()));
}

void Bench::runUntil(const std::function<bool()>& done, double timeoutSeconds) {
    auto deadline = nowNs() + std::int64_t(timeoutSeconds * 1e9);
    while (!done() && nowNs() < deadline) {
        if (m_ioc.stopped()) m_ioc.restart();
        m_ioc.run_for(std::chrono::milliseconds(10));
    }
}

RunCpu Bench::cpuSince(const CpuTimes& c0, double gen0, const std::map<std::string, double>& m0,
                       std::int64_t t0) {
    RunCpu r;
    auto c1 = m_relay.cpu();
    r.wall = seconds(nowNs() - t0);
    r.relayTotal = c1.total - c0.total;
    auto threadDelta = [&](const std::string& name) {
        auto a = c0.threads.find(name);
        auto b = c1.threads.find(name);
        return (b == c1.threads.end() ? 0.0 : b->second) -
               (a == c0.threads.end() ? 0.0 : a->second);
    };
    // The checkpointer's copying is storage work.
    r.relayStorage = threadDelta("vr-storage") + threadDelta("vr-checkpoint");
    r.relayNet = threadDelta("vr-net");
    std::string split;
    for (const auto& [name, cpu] : c1.threads)
        split += " " + name + "=" + std::to_string(threadDelta(name));
    note("  relay CPU %.2f s over %.2f s wall; per thread:%s", r.relayTotal, r.wall, split.c_str());
    r.generator = threadCpuSeconds() - gen0;
    if (m_pinned) {
        r.other0 = std::max(0.0, c1.core[0] - c0.core[0] - r.relayTotal);
        r.other1 = std::max(0.0, c1.core[1] - c0.core[1] - r.generator);
    }
    auto m1 = m_relay.metrics();
    auto get = [](const std::map<std::string, double>& m, const char* k) {
        auto it = m.find(k);
        return it == m.end() ? 0.0 : it->second;
    };
    r.jobs = get(m1, "verbatim_storage_jobs_total") - get(m0, "verbatim_storage_jobs_total");
    r.batches =
        get(m1, "verbatim_storage_batches_total") - get(m0, "verbatim_storage_batches_total");
    r.batchMicros = get(m1, "verbatim_storage_batch_microseconds_total") -
                    get(m0, "verbatim_storage_batch_microseconds_total");
    r.slowBatches = get(m1, "verbatim_storage_slow_batches_total") -
                    get(m0, "verbatim_storage_slow_batches_total");
    return r;
}

std::string Bench::cpuRow(const std::string& name, const RunCpu& cpu) const {
    char c[320];
    double n = std::max(1.0, cpu.messages);
    std::snprintf(
        c, sizeof c,
        "| %s | %.0f%% | %.0f%% (%.0f µs) | %.0f%% (%.0f µs) | %.0f | %.1f | %.1f ms / %.0f | "
        "%.0f%% | %.0f%% / %.0f%% |",
        name.c_str(), 100 * cpu.relayTotal / cpu.wall, 100 * cpu.relayNet / cpu.wall,
        1e6 * cpu.relayNet / n, 100 * cpu.relayStorage / cpu.wall, 1e6 * cpu.relayStorage / n,
        1e6 * cpu.relayTotal / n, cpu.batches ? cpu.jobs / cpu.batches : 0.0,
        cpu.batches ? cpu.batchMicros / cpu.batches / 1000 : 0.0, cpu.slowBatches,
        100 * cpu.generator / cpu.wall, 100 * cpu.other0 / cpu.wall, 100 * cpu.other1 / cpu.wall);
    return c;
}

// ---- Bench: phases ------------------------------------------------------------------------------

void Bench::connectDevices(const std::vector<int>& devices, int concurrency,
                           std::int64_t* lastOpenNs) {
    std::size_t nextIdx = 0;
    int target = m_opened + m_openFailed + int(devices.size());
    auto startOne = [&] {
        if (nextIdx >= devices.size()) return;
        int i = devices[nextIdx++];
        auto& d = m_devices[std::size_t(i)];
        d.conn = std::make_shared<Conn>(*this, i, m_ioc, m_tls);
        d.conn->start(m_endpoint, d.user + "/" + std::to_string(d.device), "Bearer " + d.secretHex);
    };
    m_onOpen = [&](int) {
        if (lastOpenNs) *lastOpenNs = nowNs();
        startOne();
    };
    for (int i = 0; i < concurrency; ++i)
        startOne();
    runUntil([&] { return m_opened + m_openFailed >= target; }, 60);
    m_onOpen = nullptr;
    if (m_opened + m_openFailed < target) die("logins did not finish within 60 s");
    if (m_openFailed) die(m_firstError);
}

void Bench::closeDevices(const std::vector<int>& devices) {
    int target = m_closed + int(devices.size());
    for (int i : devices) {
        flushAcks(i);
        m_devices[std::size_t(i)].conn->close();
    }
    runUntil([&] { return m_closed >= target; }, 30);
    // Let the relay see the closes before anything is sent to these devices.
    runUntil([] { return false; }, 0.3);
    for (int i : devices)
        m_devices[std::size_t(i)].conn.reset();
}

// One closed-loop run: returns delivered messages/s over the timed window.
double Bench::closedLoop(const std::vector<int>& senders, std::size_t poolTotal, double runSeconds,
                         RunCpu* cpu) {
    std::size_t per = (poolTotal + senders.size() - 1) / senders.size();
    std::vector<std::pair<int, int>> plan;
    for (int s : senders)
        plan.push_back({s, int(per)});
    std::size_t firstMsg = m_msgs.size();
    preparePool(plan);

    m_senders = senders;
    m_rr = 0;
    m_inFlight = 0;
    m_stopIssuing = false;
    m_exhausted = false;
    m_mode = Mode::Closed;
    std::uint64_t delivered0 = m_delivered;
    auto c0 = m_relay.cpu();
    auto m0 = m_relay.metrics();
    double gen0 = threadCpuSeconds();
    std::int64_t t0 = nowNs();
    for (int i = 0; i < m_opt.inFlight; ++i)
        if (!sendRoundRobin()) break;
    std::int64_t tEnd = t0 + std::int64_t(runSeconds * 1e9);
    runUntil([&] { return m_exhausted || nowNs() >= tEnd; }, runSeconds + 1);
    std::int64_t windowEnd = m_exhausted ? std::min(m_exhaustedNs, tEnd) : tEnd;
    m_stopIssuing = true;
    if (cpu) {
        *cpu = cpuSince(c0, gen0, m0, t0);
        cpu->messages = double(m_delivered - delivered0);
    }
    runUntil([&] { return m_inFlight <= 0; }, 30);
    m_mode = Mode::Idle;
    if (m_inFlight > 0)
        die("closed loop: " + std::to_string(m_inFlight) + " messages not delivered within 30 s");
    std::uint64_t inWindow = 0;
    for (std::size_t k = firstMsg; k < m_msgs.size(); ++k)
        if (m_msgs[k].deliveredNs && m_msgs[k].deliveredNs <= windowEnd) ++inWindow;
    dropPool(senders);
    return double(inWindow) / seconds(windowEnd - t0);
}

void Bench::latencyRun(double rate, double runSeconds, const std::string& key,
                       const std::string& extra) {
    std::vector<int> senders;
    for (int i = 0; i < m_opt.devices; ++i)
        senders.push_back(i);
    auto total = std::size_t(rate * runSeconds);
    std::size_t per = (total + senders.size() - 1) / senders.size();
    std::vector<std::pair<int, int>> plan;
    for (int s : senders)
        plan.push_back({s, int(per)});
    std::size_t firstMsg = m_msgs.size();
    preparePool(plan);

    m_senders = senders;
    m_rr = 0;
    m_inFlight = 0;
    m_mode = Mode::Open;
    auto c0 = m_relay.cpu();
    auto m0 = m_relay.metrics();
    double gen0 = threadCpuSeconds();
    std::int64_t t0 = nowNs(), lastSend = t0;
    std::size_t issued = 0;
    net::steady_timer pacer(m_ioc);
    std::function<void()> tick = [&] {
        auto now = nowNs();
        auto due = std::min(total, std::size_t(seconds(now - t0) * rate));
        while (issued < due && sendRoundRobin())
            ++issued;
        lastSend = now;
        if (issued >= total) return;
        pacer.expires_after(std::chrono::milliseconds(1));
        pacer.async_wait([&](beast::error_code ec) {
            if (!ec) tick();
        });
    };
    std::uint64_t delivered0 = m_delivered;
    tick();
    runUntil([&] { return issued >= total; }, runSeconds * 1.5 + 5);
    RunCpu cpu = cpuSince(c0, gen0, m0, t0);
    cpu.messages = double(m_delivered - delivered0);
    // Above the relay's capacity a backlog builds up: let it drain, within the phase's 60 s.
    runUntil([&] { return m_inFlight <= 0; }, 60 - runSeconds);
    m_mode = Mode::Idle;
    if (issued < total) die("latency run: the generator could not issue its messages in time");
    if (m_inFlight > 0)
        die("latency run: " + std::to_string(m_inFlight) + " messages not delivered in time");

    // Samples from the first 10% of the run are warm-up and left out.
    std::int64_t warm = t0 + std::int64_t(runSeconds * 0.1 * 1e9);
    std::vector<std::int64_t> lat;
    std::int64_t lastDeliver = t0;
    for (std::size_t k = firstMsg; k < m_msgs.size(); ++k) {
        auto& m = m_msgs[k];
        if (!m.sentNs) continue;
        lastDeliver = std::max(lastDeliver, m.deliveredNs);
        if (m.sentNs >= warm) lat.push_back(m.deliveredNs - m.sentNs);
    }
    double achieved = double(issued) / seconds(lastSend - t0);
    double deliveredRate = double(issued) / seconds(lastDeliver - t0);
    auto samples = lat.size();
    double p50 = percentile(lat, 50) / 1e6, p99 = percentile(lat, 99) / 1e6,
           p999 = percentile(lat, 99.9) / 1e6, pmax = percentile(lat, 100) / 1e6;
    dropPool(senders);
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "%.1f / %.1f ms (p99.9 %.0f, max %.0f; achieved %s msg/s offered, %s delivered; "
                  "%s samples)",
                  p50, p99, p999, pmax, thousands(achieved).c_str(),
                  thousands(deliveredRate).c_str(), thousands(double(samples)).c_str());
    m_rows[key] = Row({"p50 / p99 send-to-deliver latency at " + thousands(rate) +
                           " msg/s offered" + extra + ", " + thousands(m_opt.devices) +
                           " devices online (open loop, " + shortNumber(runSeconds) + " s)",
                       buf, key == "3" ? "p99 ≤ 10 ms" : "-", key == "3" ? "p99 30-60 ms" : "-"});
    m_cpuRows.push_back(cpuRow("latency @" + thousands(rate) + "/s", cpu));
    note("latency at %.0f/s: p50 %.2f ms, p99 %.2f ms, achieved %.0f msg/s", rate, p50, p99,
         achieved);
}

void Bench::offlineRun() {
    int n = m_opt.offlineDevices;
    std::vector<int> recipients, senders;
    for (int p = 0; p < n; ++p) {
        senders.push_back(2 * p);
        recipients.push_back(2 * p + 1);
    }
    closeDevices(recipients);
    std::vector<std::pair<int, int>> plan;
    for (int s : senders)
        plan.push_back({s, m_opt.offlinePerDevice});
    preparePool(plan);
    std::uint64_t total = std::uint64_t(n) * std::uint64_t(m_opt.offlinePerDevice);

    // Store: each sender keeps in-flight/n sends awaiting their acknowledgement.
    m_mode = Mode::Store;
    m_inFlight = 0;
    m_stopIssuing = false;
    std::uint64_t stored0 = m_stored;
    auto c0 = m_relay.cpu();
    auto m0 = m_relay.metrics();
    double gen0 = threadCpuSeconds();
    std::int64_t t0 = nowNs();
    int window = std::max(1, m_opt.inFlight / n);
    for (int s : senders)
        for (int i = 0; i < window; ++i)
            sendNext(s);
    runUntil([&] { return m_stored - stored0 >= total || m_sendErrors; }, 60);
    RunCpu storeCpu = cpuSince(c0, gen0, m0, t0);
    storeCpu.messages = double(m_stored - stored0);
    m_mode = Mode::Idle;
    if (m_stored - stored0 < total)
        die("offline store: only " + std::to_string(m_stored - stored0) + " of " +
            std::to_string(total) + " acknowledged (" + m_firstError + ")");
    double storeRate = double(total) / seconds(m_lastStoredNs - t0);

    // Drain: the recipients connect; time until every queued message has been pushed.
    m_mode = Mode::Drain;
    m_inFlight = std::int64_t(total);
    for (int r : recipients)
        m_devices[std::size_t(r)].lastDelivered = -1;
    std::uint64_t delivered0 = m_delivered;
    c0 = m_relay.cpu();
    m0 = m_relay.metrics();
    gen0 = threadCpuSeconds();
    t0 = nowNs();
    connectDevices(recipients, n, nullptr);
    runUntil([&] { return m_delivered - delivered0 >= total; }, 60);
    RunCpu drainCpu = cpuSince(c0, gen0, m0, t0);
    drainCpu.messages = double(m_delivered - delivered0);
    m_mode = Mode::Idle;
    if (m_delivered - delivered0 < total)
        die("drain: only " + std::to_string(m_delivered - delivered0) + " of " +
            std::to_string(total) + " delivered within 60 s");
    double drainRate = double(total) / seconds(m_lastDeliveredNs - t0);
    runUntil([] { return false; }, 0.2); // let the last acknowledgements go out
    dropPool(senders);

    std::string label = std::to_string(n) + " × " + thousands(m_opt.offlinePerDevice);
    m_rows["4"] =
        Row({"offline store, " + label + " messages to offline devices (stored/s = send acks/s)",
             thousands(storeRate) + " msg/s", "≥ 20,000", "~600"});
    m_rows["5"] =
        Row({"offline drain, the " + std::to_string(n) +
                 " devices connect (delivered/s until all " + thousands(double(total)) + " are in)",
             thousands(drainRate) + " msg/s", "≥ 25,000", "~12,000"});
    m_cpuRows.push_back(cpuRow("offline store", storeCpu));
    m_cpuRows.push_back(cpuRow("offline drain", drainCpu));
    note("offline: stored %.0f msg/s, drained %.0f msg/s", storeRate, drainRate);
}

int Bench::main(const std::string& commandLine) {
    int cpus = int(sysconf(_SC_NPROCESSORS_ONLN));
    m_pinned = cpus >= 2;
    if (!m_pinned) note("only %d CPU online: relay and generator are not pinned", cpus);
    auto setupStart = nowNs();
    setup();
    double setupSeconds = seconds(nowNs() - setupStart);
    if (auto threads = m_relay.cpu().threads.size(); threads != 3)
        note("relay has %zu threads, not 3 (main, storage, net): the per-thread split may be "
             "mislabelled",
             threads);

    // The TLS client context: the relay's certificate is pinned by its SHA-256.
    m_tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    m_tls.set_verify_mode(ssl::verify_peer);
    m_tls.set_verify_callback([pin = m_pin](bool, ssl::verify_context& vc) {
        X509_STORE_CTX* store = vc.native_handle();
        if (X509_STORE_CTX_get_error_depth(store) != 0) return true;
        X509* cert = X509_STORE_CTX_get_current_cert(store);
        unsigned char md[32];
        unsigned int len = 0;
        if (!cert || X509_digest(cert, EVP_sha256(), md, &len) != 1) return false;
        return toHex(ByteView(md, len)) == pin;
    });
    m_ackTimer.emplace(m_ioc);
    if (m_pinned && !pinThreadTo({1})) die("cannot pin the generator to core 1");

    // Signature check cost, measured here on core 1 with this run's entries: the relay does one
    // per send on its I/O thread.
    double verifyUs = 0;
    {
        preparePool({{0, 200}});
        std::vector<journal::SealedEntry> entries;
        for (auto k : m_devices[0].pool) {
            proto::Frame f;
            f.ParseFromString(*m_msgs[k].frame);
            entries.push_back(must(
                journal::SealedEntry::parse(view(f.request().send().journal_entry())), "entry"));
        }
        Bytes ik = must(m_devices[0].sessions->identityPublicKey(), "identity");
        std::vector<double> batches;
        for (int b = 0; b < 5; ++b) {
            auto t0 = nowNs();
            for (auto& e : entries)
                if (!journal::verifyEntrySignature(e, ik)) die("own journal entry does not verify");
            batches.push_back(seconds(nowNs() - t0) * 1e6 / double(entries.size()));
        }
        verifyUs = median(batches);
        for (auto k : m_devices[0].pool)
            m_msgs[k].sentNs = 0; // never sent
        dropPool({0});
    }
    note("journal signature check: %.0f µs per entry on this core", verifyUs);

    // Login of every device; RSS before and after, idle.
    std::vector<int> all;
    for (int i = 0; i < m_opt.devices; ++i)
        all.push_back(i);
    runUntil([] { return false; }, 0.5);
    long rss0 = m_relay.rssKiB();
    auto c0 = m_relay.cpu();
    auto m0 = m_relay.metrics();
    double gen0 = threadCpuSeconds();
    std::int64_t t0 = nowNs(), lastOpen = t0;
    connectDevices(all, 200, &lastOpen);
    double loginRate = double(m_opt.devices) / seconds(lastOpen - t0);
    RunCpu loginCpu = cpuSince(c0, gen0, m0, t0);
    loginCpu.messages = m_opt.devices;
    m_cpuRows.push_back(cpuRow("login (per login)", loginCpu));
    runUntil([] { return false; }, 2); // idle
    long rss1 = m_relay.rssKiB();
    double perThousandMiB = double(rss1 - rss0) / double(m_opt.devices) * 1000.0 / 1024.0;
    note("login: %.0f/s; relay RSS %ld -> %ld KiB", loginRate, rss0, rss1);

    auto closedRows = [&](const std::vector<int>& online) {
        std::vector<double> rates;
        RunCpu cpu{};
        if (m_opt.smoke) {
            rates.push_back(closedLoop(online, 100, 20, &cpu));
        } else {
            // Warm-up sizes the pools: 1.25 × what a run could deliver at the warm-up's rate.
            double warm =
                closedLoop(online, std::size_t(std::max(4 * m_opt.inFlight, 10000)), 1, nullptr);
            note("closed loop, %zu online: warm-up %.0f msg/s", online.size(), warm);
            auto pool = std::size_t(warm * m_opt.seconds * 1.25) + std::size_t(m_opt.inFlight);
            std::vector<RunCpu> cpus;
            for (int r = 0; r < m_opt.repeats; ++r) {
                RunCpu c;
                rates.push_back(closedLoop(online, pool, m_opt.seconds, &c));
                cpus.push_back(c);
                note("closed loop, %zu online: run %d: %.0f msg/s", online.size(), r + 1,
                     rates.back());
            }
            // CPU of the median run.
            std::vector<std::size_t> order(rates.size());
            for (std::size_t i = 0; i < order.size(); ++i)
                order[i] = i;
            std::sort(order.begin(), order.end(),
                      [&](auto a, auto b) { return rates[a] < rates[b]; });
            cpu = cpus[order[order.size() / 2]];
        }
        auto [lo, hi] = std::minmax_element(rates.begin(), rates.end());
        std::string result = thousands(median(rates)) + " msg/s";
        if (rates.size() > 1)
            result += " (median of " + std::to_string(rates.size()) + "; " + thousands(*lo) + "-" +
                      thousands(*hi) + ")";
        bool small = online.size() == 200, large = online.size() == 2000;
        m_rows[online.size() < all.size() ? "1" : "2"] =
            Row({"delivered msg/s, " + thousands(double(online.size())) +
                     " devices online, closed loop, " + thousands(m_opt.inFlight) + " in flight",
                 result,
                 small   ? "≥ 20,000"
                 : large ? "≥ 14,000"
                         : "-",
                 small   ? "~10,000"
                 : large ? "~6,800"
                         : "-"});
        m_cpuRows.push_back(
            cpuRow("closed loop, " + thousands(double(online.size())) + " online", cpu));
        return median(rates);
    };

    double capacity = closedRows(all);
    latencyRun(m_opt.rate, m_opt.latencySeconds, "3", "");
    if (!m_opt.smoke) {
        // The same at half of what the relay delivered closed-loop: latency below saturation.
        double half = std::max(100.0, std::round(capacity / 2 / 100) * 100);
        latencyRun(half, m_opt.seconds, "3b", " (half the closed-loop rate above)");
    }
    if (m_opt.devices > m_opt.smallDevices) {
        std::vector<int> keep(all.begin(), all.begin() + m_opt.smallDevices),
            rest(all.begin() + m_opt.smallDevices, all.end());
        closeDevices(rest);
        closedRows(keep);
    }
    offlineRun();
    m_rows["6"] = Row({"login rate (TLS + WebSocket upgrade + device auth), " +
                           thousands(m_opt.devices) + " devices, up to 200 logins in progress",
                       thousands(loginRate) + " logins/s (relay CPU " +
                           thousands(1e6 * loginCpu.relayTotal / m_opt.devices) + " µs per login)",
                       "-", "-"});
    char rss[160];
    std::snprintf(rss, sizeof rss, "%.1f MiB (%.1f KiB per connection; VmRSS %s -> %s KiB)",
                  perThousandMiB, perThousandMiB * 1024 / 1000, thousands(double(rss0)).c_str(),
                  thousands(double(rss1)).c_str());
    m_rows["7"] =
        Row({"relay RSS per 1,000 idle connections (" + thousands(m_opt.devices) + " opened)", rss,
             "≤ 24.4 MiB (25 KiB per connection)", "~50 MiB"});

    // A send's acknowledgement and its delivery travel on different connections: collect the
    // last acknowledgements. Then the verdict: every message sent was stored and delivered
    // exactly once.
    runUntil([&] { return m_stored + m_sendErrors >= m_sent; }, 10);
    std::uint64_t sent = 0, notDelivered = 0, notStored = 0;
    for (auto& m : m_msgs) {
        if (!m.sentNs) continue;
        ++sent;
        if (m.deliveries != 1) ++notDelivered;
        if (!m.stored) ++notStored;
    }
    bool ok = notDelivered == 0 && notStored == 0 && m_duplicates == 0 && m_misrouted == 0 &&
              m_sendErrors == 0 && m_ackErrors == 0 && m_unexpectedClose == 0 &&
              m_outOfOrder == 0 && m_unexpectedDeliveries == 0;

    std::printf("\n## verbatim-relay load benchmark\n\n");
    std::printf("Command: `%s`\n\n", commandLine.c_str());
    std::string cpuModel = "unknown CPU";
    {
        std::ifstream f("/proc/cpuinfo");
        std::string line;
        while (std::getline(f, line))
            if (line.rfind("model name", 0) == 0) {
                cpuModel = line.substr(line.find(':') + 2);
                break;
            }
    }
    std::string serveExtra;
    for (const auto& a : m_opt.serveArgs)
        serveExtra += " " + a;
    std::printf(
        "Machine: %d cores (%s), shared with other work, so figures are noisy. Relay "
        "(`verbatim-relay serve --bench-limits%s`, TLS 1.3, SQLCipher with synchronous=FULL) %s; "
        "the generator (one io_context thread, %s TLS WebSockets) %s. Loopback only.\n\n",
        cpus, cpuModel.c_str(), serveExtra.c_str(),
        m_pinned ? ("pinned to cores " + m_opt.relayCores + " (taskset -c)").c_str() : "not pinned",
        thousands(m_opt.devices).c_str(), m_pinned ? "pinned to core 1" : "not pinned");
    std::printf("| measure | verbatim-relay (1 core) | goal (issue 3) | ejabberd 23.01 (issue 3) "
                "|\n|---|---|---|---|\n");
    for (auto& [key, r] : m_rows)
        std::printf("| %s | %s | %s | %s |\n", r.what.c_str(), r.result.c_str(), r.goal.c_str(),
                    r.ejabberd.c_str());
    std::printf(
        "\nWhere the relay's core goes (CPU time from /proc/PID/task/*/stat over the timed window; "
        "core 0 = 100%%; jobs per commit and batch times from /metrics; other processes from "
        "/proc/stat):\n\n");
    std::printf(
        "| run | relay total | relay net thread (per msg) | relay storage and checkpoint threads "
        "(per msg) | relay "
        "CPU µs "
        "per msg | storage jobs per commit | batch wall time (mean) / batches of 10 ms or more | "
        "generator (core 1) | other processes on core 0 / 1 |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (auto& c : m_cpuRows)
        std::printf("%s\n", c.c_str());
    bool relayVerifies = true;
    for (std::size_t i = 0; i + 1 < m_opt.serveArgs.size(); ++i)
        if (m_opt.serveArgs[i] == "--journal-signatures")
            relayVerifies = m_opt.serveArgs[i + 1] == "relay";
    if (relayVerifies)
        std::printf(
            "\nJournal signature check (XEdDSA verify, done by the relay's net thread once per "
            "send): %.0f µs "
            "per entry measured on this machine, a ceiling of %s sends/s for one core doing "
            "nothing else.\n",
            verifyUs, thousands(1e6 / verifyUs).c_str());
    else
        std::printf(
            "\nJournal signatures left to compliance (`--journal-signatures compliance`): the "
            "relay checked each entry's form, message id, sender and journal key but not its "
            "XEdDSA signature (%.0f µs per entry on this machine).\n",
            verifyUs);
    std::printf(
        "\nChecks: %s messages sent, %s not delivered exactly once, %s not acknowledged, %s "
        "duplicates, "
        "%s misrouted, %s out of order in the drain, %s send errors, %s ack errors, %s unexpected "
        "disconnects; %s deliveries acknowledged in %s requests; %s batches of frames received. "
        "Setup (enroll, invite, register) "
        "took %.0f s. Result: %s\n",
        thousands(double(sent)).c_str(), thousands(double(notDelivered)).c_str(),
        thousands(double(notStored)).c_str(), thousands(double(m_duplicates)).c_str(),
        thousands(double(m_misrouted)).c_str(), thousands(double(m_outOfOrder)).c_str(),
        thousands(double(m_sendErrors)).c_str(), thousands(double(m_ackErrors)).c_str(),
        thousands(double(m_unexpectedClose)).c_str(), thousands(double(m_acksSent)).c_str(),
        thousands(double(m_ackRequests)).c_str(), thousands(double(m_batchesIn)).c_str(),
        setupSeconds, ok ? "PASS" : "FAIL");
    if (!m_firstError.empty()) std::printf("First error: %s\n", m_firstError.c_str());
    std::fflush(stdout);
    m_relay.stop();
    for (auto& d : m_devices)
        d.conn.reset();
    return ok ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    std::string commandLine = "verbatim-relay-load";
    for (int i = 1; i < argc; ++i)
        commandLine += std::string(" ") + argv[i];
    try {
        for (int i = 1; i < argc; ++i) {
            std::string a = argv[i];
            auto value = [&]() -> std::string {
                if (i + 1 >= argc) std::exit(usage());
                return argv[++i];
            };
            if (a == "--devices")
                o.devices = std::stoi(value());
            else if (a == "--in-flight")
                o.inFlight = std::stoi(value());
            else if (a == "--rate")
                o.rate = std::stod(value());
            else if (a == "--seconds")
                o.seconds = std::stod(value());
            else if (a == "--relay")
                o.relay = value();
            else if (a == "--serve-arg")
                o.serveArgs.push_back(value());
            else if (a == "--store")
                o.store = value();
            else if (a == "--relay-cores")
                o.relayCores = value();
            else if (a == "--keep")
                o.keep = true;
            else if (a == "--smoke")
                o.smoke = true;
            else
                return usage();
        }
    } catch (const std::exception&) {
        return usage();
    }
    if (o.smoke) {
        // ~200 messages: 100 closed loop, 50 at a fixed rate, 2 x 25 offline.
        o.devices = 20;
        o.inFlight = 20;
        o.rate = 200;
        o.latencySeconds = 0.25;
        o.smallDevices = 20;
        o.repeats = 1;
        o.offlineDevices = 2;
        o.offlinePerDevice = 25;
    } else {
        o.latencySeconds = 2 * o.seconds;
    }
    if (o.devices < 2 || o.devices % 2 || o.inFlight < 1 || o.rate <= 0 || o.seconds <= 0 ||
        o.offlineDevices > o.devices / 2 || o.seconds > 15)
        return usage();
    o.smallDevices = std::min(o.smallDevices, o.devices);
    o.offlineDevices = std::min(o.offlineDevices, o.smallDevices / 2);
    ::signal(SIGPIPE, SIG_IGN);
    try {
        Bench bench(o);
        return bench.main(commandLine);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "verbatim-relay-load: unexpected error: %s\n", e.what());
        return 1;
    }
}

#pragma once
/// @file Bench.h
/// verbatim-relay-load's inside, shared by its files (relay_load.cpp describes
/// the program):
///   relay_load.cpp     main: the options and their usage
///   LoadCommon.cpp     small helpers, the fatal exit, child processes
///   RelayProcess.cpp   the relay under load: start, stop, memory, CPU time,
///   /metrics Conn.cpp           one device's TLS WebSocket (one write in
///   flight, a queue behind it) BenchSetup.cpp     the throw-away relay and
///   devices, the prepared sends BenchIo.cpp        what arrives on the io
///   thread (pushes, acknowledgements), CPU accounting BenchPhases.cpp    the
///   timed phases: connect, closed loop, latency, offline BenchMain.cpp the
///   run: every phase in order, the table and the verdict
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

#include "LoadCommon.h"
#include "RelayProcess.h"

#include "net/BeastNames.h"

namespace verbatim::relayload {

using namespace verbatim::beastnames;
namespace fs = std::filesystem;

struct Options {
    int devices = 2000;
    int inFlight = 1000;
    double rate = 5000;
    double seconds = 5;
    bool smoke = false;
    bool keep = false;
    std::string relay = VERBATIM_RELAY_BINARY;
    std::vector<std::string> serveArgs; ///< passed on to `verbatim-relay serve` (--serve-arg)
    std::string store;                  ///< --store: the relay's PostgreSQL store for init, admin
                                        ///< and serve
    /// --relay-cores: the cores the relay is pinned to (taskset -c); "0,1" shares
    /// the generator's.
    std::string relayCores = "0";
    // Derived.
    int smallDevices = 200;
    int repeats = 3;
    int offlineDevices = 10;
    int offlinePerDevice = 1000;
    double latencySeconds = 0;
};

/// The usage on stderr; exit code 2.
int usage();

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
    /// Refused "relay busy; retry later" (STATUS_UNAVAILABLE) in the open-loop latency run: the
    /// relay shed it above its capacity, so it is neither stored nor delivered.
    bool shed = false;
};

struct RunCpu {
    double wall = 0, relayTotal = 0, relayNet = 0, relayStorage = 0, generator = 0;
    double jobs = 0, batches = 0, batchMicros = 0, slowBatches = 0;
    double messages = 0; // delivered (or, for the store run, acknowledged) within `wall`
    double other0 = 0,
           other1 = 0; // busy time of cores 0 and 1 not spent by relay / generator
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
    /// About `total` sends spread evenly over `senders`, prepared; the round robin reset to
    /// them. Returns the index of the first prepared message.
    std::size_t prepareEvenly(const std::vector<int>& senders, std::size_t total);
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
    /// Sends of the latency run the relay refused as busy (load shedding above its capacity).
    std::uint64_t m_shed = 0;
    std::string m_firstError;

    // Results.
    struct Row {
        std::string what, result, goal, ejabberd;
    };
    std::map<std::string, Row> m_rows; // key orders them as the issue lists them
    std::vector<std::string> m_cpuRows;
};

} // namespace verbatim::relayload

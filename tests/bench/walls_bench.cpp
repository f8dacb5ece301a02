// verbatim-walls-bench: what ethical walls (issue 22) cost the relay's join and send paths.
//
// A real relay in this process (TLS on loopback, the harness's store) holds 5,000 staff users.
// Each request below is timed from the call until its answer, N times, first with no wall, then
// with 100 walls of 50 users, 25 a side (every user of the firm on one; the caller on the first
// through a matter on its side A):
//   conversation  CreateConversation of a direct conversation between two users on walls that do
//                 not separate them (the check runs in full and lets it through);
//   invite        CreateInvite into a matter of 20 members, each on a wall (20 members' sides);
//   send          SendMessage of a lawyer into a matter with one client (walls gate membership,
//                 not sends: this is the control).
// Then the walls are removed and everything timed once more. Prints, per round, the median and
// p99 latency and the median CPU this process spent per call (relay and client threads: less
// sensitive to other load on the machine than latency), in microseconds, and the change of the
// walls' medians from the mean of the two rounds without; then the median CPU of the relay's own
// threads per call (schedstat), the relay's share of a call. Run:
// build/dev/tests/bench/verbatim-walls-bench (--quick for the smoke test: 10 walls, 50 calls).

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <dirent.h>

#include "E2EHarness.h"

using namespace verbatim;
using Clock = std::chrono::steady_clock;

namespace {

#define DIE(why)                                                                                   \
    do {                                                                                           \
        std::fprintf(stderr, "walls bench failed at line %d: %s\n", __LINE__,                      \
                     std::string(why).c_str());                                                    \
        std::exit(1);                                                                              \
    } while (0)

struct Figures {
    double median = 0, p99 = 0;
    double cpu = 0;   ///< median CPU of this process (relay and client threads) per call
    double relay = 0; ///< median CPU of the relay's own threads (named vr-*) per call
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

double processCpuUs() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) * 1e6 + double(t.tv_nsec) / 1e3;
}

/// CPU time the relay's threads (named vr-*: storage, network, verification, checkpoints) have
/// run, in microseconds, from each thread's schedstat (nanoseconds, unlike the tick-grained stat):
/// the relay's share of a call, without the client's encryption and transport in this process.
double relayCpuUs() {
    double ns = 0;
    DIR* dir = opendir("/proc/self/task");
    if (!dir) return 0;
    while (auto* e = readdir(dir)) {
        if (e->d_name[0] == '.') continue;
        const std::string base = std::string("/proc/self/task/") + e->d_name;
        char comm[32] = {};
        if (FILE* f = std::fopen((base + "/comm").c_str(), "r")) {
            if (!std::fgets(comm, sizeof comm, f)) comm[0] = 0;
            std::fclose(f);
        }
        if (std::strncmp(comm, "vr-", 3) != 0) continue;
        if (FILE* f = std::fopen((base + "/schedstat").c_str(), "r")) {
            unsigned long long run = 0;
            if (std::fscanf(f, "%llu", &run) == 1) ns += double(run);
            std::fclose(f);
        }
    }
    closedir(dir);
    return ns / 1e3;
}

/// Times `n` calls of `make()` on `device` (each must answer STATUS_OK), in microseconds.
template <class F> Figures timeCalls(e2e::Device& device, int n, F make) {
    std::vector<double> us, cpu, relay;
    us.reserve(std::size_t(n));
    cpu.reserve(std::size_t(n));
    relay.reserve(std::size_t(n));
    for (int i = 0; i < n; ++i) {
        proto::Request r = make(i);
        const double r0 = relayCpuUs();
        const double c0 = processCpuUs();
        auto t0 = Clock::now();
        auto answer = device.connection->call(r);
        auto t1 = Clock::now();
        cpu.push_back(processCpuUs() - c0);
        relay.push_back(relayCpuUs() - r0);
        if (!answer) DIE(answer.error().message);
        if (answer->status() != proto::STATUS_OK) DIE(answer->error());
        us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
    Figures f;
    f.cpu = median(cpu);
    f.relay = median(relay);
    std::sort(us.begin(), us.end());
    f.median = us[us.size() / 2];
    f.p99 = us[std::min(us.size() - 1, us.size() * 99 / 100)];
    return f;
}

std::string user(int i) {
    return "u" + std::to_string(i);
}

} // namespace

int main(int argc, char** argv) {
    const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    const int walls = quick ? 10 : 100, perSide = quick ? 5 : 25, calls = quick ? 50 : 1000;
    const int users = walls * perSide * 2;

    // Rate limits so deep that the benchmark never meets them (as `serve --bench-limits`).
    e2e::Harness h({}, [](relay::RelayConfig& c) {
        constexpr relay::BucketSpec unlimited{1e12, 1e12};
        c.limits = relay::RateLimits{unlimited, unlimited, unlimited, unlimited, unlimited,
                                     unlimited, unlimited, unlimited, unlimited};
    });
    if (!h.ok()) DIE("relay did not start");
    for (int i = 0; i < users; ++i)
        if (!h.service().createUser(user(i), proto::ROLE_LAWYER, user(i), "bench"))
            DIE("createUser");
    auto lawyer = h.enrollStaff("lena", proto::ROLE_LAWYER);
    if (!lawyer || !lawyer->connect(h.endpoint())) DIE("lawyer");

    // The matter the invites go into: lena and 19 firm users; and one with a client for sends.
    proto::Request open;
    open.mutable_create_conversation()->set_title("Big matter");
    open.mutable_create_conversation()->set_is_matter(true);
    for (int i = 0; i < 19; ++i)
        open.mutable_create_conversation()->add_members(user(i * 2)); // all on side A of walls
    auto big = lawyer->connection->call(open);
    if (!big || big->status() != proto::STATUS_OK) DIE("matter");
    const std::string bigMatter = big->conversation().id();
    std::string sendMatter;
    auto client = h.inviteClient("lena", "Send matter", &sendMatter);
    if (!client) DIE("client");

    auto conversation = [&](int i) {
        proto::Request r;
        r.mutable_create_conversation()->set_title("Chat");
        r.mutable_create_conversation()->add_members(user((2 * i) % users)); // side A
        return r;
    };
    auto invite = [&](int) {
        proto::Request r;
        r.mutable_create_invite()->set_conversation_id(bigMatter);
        return r;
    };
    auto send = [&](int i) {
        proto::Request r;
        *r.mutable_send() = h.buildSend(*lawyer, sendMatter, "message " + std::to_string(i));
        return r;
    };
    (void)timeCalls(*lawyer, 20, send); // sessions made, caches warm

    // Three rounds: no wall, the walls, no wall again (the store grows with every round: the
    // last round shows how much of a difference is growth rather than the walls).
    struct Row {
        const char* name;
        std::array<Figures, 3> round;
    };
    std::vector<Row> rows = {{"conversation", {}}, {"invite", {}}, {"send", {}}};
    auto measure = [&](int round) {
        rows[0].round[round] = timeCalls(*lawyer, calls, conversation);
        rows[1].round[round] = timeCalls(*lawyer, calls, invite);
        rows[2].round[round] = timeCalls(*lawyer, calls, send);
    };
    measure(0);
    // Wall w separates users 2k (side A) from 2k+1 (side B) for k in its slice; lena stands on
    // side A of the first wall through the big matter, which is on that side.
    for (int w = 0; w < walls; ++w) {
        relay::WallSpec s;
        s.name = "wall " + std::to_string(w);
        for (int k = 0; k < perSide; ++k) {
            const int base = (w * perSide + k) * 2;
            s.users[0].push_back(user(base));
            s.users[1].push_back(user(base + 1));
        }
        if (w == 0) s.matters[0].push_back(bigMatter);
        auto added = h.service().addWall(s, "admin-cli");
        if (!added) DIE(added.error().message);
        if (!added->conflicts.empty()) DIE("unexpected conflict");
    }
    measure(1);
    for (int w = 0; w < walls; ++w)
        if (!h.service().removeWall("wall " + std::to_string(w), "admin-cli")) DIE("removeWall");
    measure(2);

    std::printf("%d walls x %d users (%d a side), %d calls each; median latency (p99) and median\n"
                "process CPU per call, in microseconds; change: walls against the mean of both "
                "rounds without\n",
                walls, perSide * 2, perSide, calls);
    std::printf("%-13s %15s %15s %15s %8s %6s %6s %6s %8s\n", "request", "no wall", "walls",
                "no wall again", "change", "cpu", "cpu", "cpu", "change");
    for (const auto& r : rows) {
        const double none = (r.round[0].median + r.round[2].median) / 2;
        const double noneCpu = (r.round[0].cpu + r.round[2].cpu) / 2;
        std::printf("%-13s %6.0f (%6.0f) %6.0f (%6.0f) %6.0f (%6.0f) %+7.1f%% %6.0f %6.0f %6.0f "
                    "%+7.1f%%\n",
                    r.name, r.round[0].median, r.round[0].p99, r.round[1].median, r.round[1].p99,
                    r.round[2].median, r.round[2].p99, 100.0 * (r.round[1].median - none) / none,
                    r.round[0].cpu, r.round[1].cpu, r.round[2].cpu,
                    100.0 * (r.round[1].cpu - noneCpu) / noneCpu);
    }
    std::printf("median CPU of the relay's threads per call, in microseconds\n");
    std::printf("%-13s %8s %8s %13s %8s\n", "request", "no wall", "walls", "no wall again",
                "change");
    for (const auto& r : rows) {
        const double none = (r.round[0].relay + r.round[2].relay) / 2;
        std::printf("%-13s %8.0f %8.0f %13.0f %+7.1f%%\n", r.name, r.round[0].relay,
                    r.round[1].relay, r.round[2].relay, 100.0 * (r.round[1].relay - none) / none);
    }
    return 0;
}

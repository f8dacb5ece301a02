// What a passphrase guess costs (issue 16 item 6): the median time of opening a passphrase box
// at scrypt N = 2^15 .. 2^18 (r = 8, p = 1), and of a whole profile unlock at the production
// cost (write-ahead of the attempt counter, scrypt, SQLCipher open). Not linked with the tests'
// cheap cost: this is the cost every shipped program pays.
//
//   verbatim-kdf-bench [--runs N]   the table (default 7 runs each)
//   verbatim-kdf-bench --quick      one run at N = 2^10 (smoke test)

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "client/core/Profile.h"
#include "crypto/PassphraseBox.h"
#include "crypto/Random.h"

using namespace verbatim;
using Clock = std::chrono::steady_clock;

namespace {

struct Stats {
    double median = 0, min = 0, max = 0;
};
Stats stats(std::vector<double> ms) {
    std::sort(ms.begin(), ms.end());
    return {ms[ms.size() / 2], ms.front(), ms.back()};
}

template <class F> std::vector<double> timeRuns(int runs, F f) {
    std::vector<double> out;
    for (int i = 0; i < runs; ++i) {
        auto t0 = Clock::now();
        if (!f()) {
            std::fprintf(stderr, "verbatim-kdf-bench: a run failed\n");
            std::exit(1);
        }
        out.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    return out;
}

} // namespace

int main(int argc, char** argv) {
    int runs = 7;
    bool quick = false;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--quick"))
            quick = true;
        else if (!std::strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = std::max(1, std::atoi(argv[++i]));
        else {
            std::fputs("usage: verbatim-kdf-bench [--runs N] [--quick]\n", stderr);
            return 2;
        }
    }
    const std::string pass = "a passphrase for the benchmark";
    const Bytes secret = crypto::randomBytes(32);
    std::vector<std::uint8_t> levels =
        quick ? std::vector<std::uint8_t>{10} : std::vector<std::uint8_t>{15, 16, 17, 18};
    if (quick) runs = 1;
    std::printf("%-24s %9s %12s %12s %12s\n", "scrypt (r = 8, p = 1)", "memory", "median ms",
                "min ms", "max ms");
    for (auto log2N : levels) {
        const crypto::ScryptParams params{log2N, 8, 1};
        auto box = crypto::passphraseSeal(secret, view(pass), params);
        if (!box) return 1;
        auto s = stats(
            timeRuns(runs, [&] { return crypto::passphraseOpen(*box, view(pass)).has_value(); }));
        std::printf("N = 2^%-18u %6u MiB %12.1f %12.1f %12.1f%s\n", unsigned(log2N),
                    unsigned((128ull * 8u << log2N) >> 20), s.median, s.min, s.max,
                    log2N == crypto::ScryptParams{}.log2N ? "   <- production" : "");
    }
    if (quick) return 0;

    // A whole unlock of a profile, as the app and the CLI do it.
    const auto dir = std::filesystem::temp_directory_path() /
                     ("verbatim-kdf-bench-" + std::to_string(::getpid()));
    const client::ProfilePaths paths{dir.string() + "/profile"};
    if (!client::createProfile(paths, pass)) return 1;
    auto s = stats(timeRuns(runs, [&] { return client::openProfile(paths, pass).has_value(); }));
    std::printf("%-24s %9s %12.1f %12.1f %12.1f\n", "profile unlock (2^17)", "", s.median, s.min,
                s.max);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return 0;
}

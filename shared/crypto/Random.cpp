#include "crypto/Random.h"

#include <atomic>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <openssl/rand.h>

namespace verbatim::crypto {

namespace {
std::atomic<RandomSource> g_source{nullptr};
}

void setRandomSourceForTesting(RandomSource source) {
    g_source = source;
}

Result<void> randomFill(MutableByteView out) {
    RandomSource source = g_source.load();
    std::size_t done = 0;
    while (done < out.size()) {
        int chunk = static_cast<int>(std::min<std::size_t>(out.size() - done, INT_MAX));
        int ok = source ? source(out.data() + done, chunk) : RAND_bytes(out.data() + done, chunk);
        if (ok != 1) {
            secureWipe(out.data(), out.size());
            return fail(ErrorCode::Crypto, "random number generator failed");
        }
        done += static_cast<std::size_t>(chunk);
    }
    return {};
}

Bytes randomBytes(std::size_t n) {
    Bytes b(n);
    if (!randomFill(b)) {
        std::fputs("verbatim: fatal: random number generator failed\n", stderr);
        std::abort();
    }
    return b;
}

SecureBytes randomSecret(std::size_t n) {
    SecureBytes b(n);
    if (!randomFill(b)) {
        std::fputs("verbatim: fatal: random number generator failed\n", stderr);
        std::abort();
    }
    return b;
}

} // namespace verbatim::crypto

// The cheap scrypt cost of test executables (see TestKdfCost.h). Linked into test programs by
// tests/CMakeLists.txt only; the definition below is what crypto::scryptCost() looks for.

#include "TestKdfCost.h"

#include <atomic>

namespace {
std::atomic<bool> g_production{false};
}

namespace verbatim::testsupport {
void useProductionKdfCost(bool on) {
    g_production = on;
}
} // namespace verbatim::testsupport

extern "C" int verbatim_test_scrypt_log2n() {
    return g_production ? 0 : verbatim::testsupport::kTestScryptLog2N;
}

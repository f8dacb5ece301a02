#include "FuzzTarget.h"

#include <google/protobuf/stubs/logging.h>

#include <cstdio>
#include <cstdlib>

namespace verbatim::fuzz {

namespace {
// libprotobuf logs every string field with invalid UTF-8 it refuses to parse: millions of lines
// in a campaign. Refusing is the behaviour under test; the lines are noise.
[[maybe_unused]] const bool g_quietProtobuf = [] {
    google::protobuf::SetLogHandler(nullptr);
    return true;
}();
} // namespace

bool verbose() {
    static const bool on = std::getenv("VERBATIM_FUZZ_VERBOSE") != nullptr;
    return on;
}

void fuzzCheck(bool condition, const char* what) {
    if (condition) return;
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::fflush(stderr);
    std::abort(); // libFuzzer saves the input as crash-*; the replay test fails
}

} // namespace verbatim::fuzz

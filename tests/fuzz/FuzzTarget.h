#pragma once
/// @file FuzzTarget.h
/// One fuzz target per parser that a remote party reaches. A target's source defines its body
/// once, with VERBATIM_FUZZ_TARGET(name) { ... return 0; }, and that body is built two ways:
///  - with VERBATIM_LIBFUZZER (CMake option VERBATIM_FUZZ, clang, preset `fuzz`): the body is
///    LLVMFuzzerTestOneInput of its own executable fuzz_<name>, linked with libFuzzer;
///  - otherwise (every normal build, g++ included): the body is registered with the replay
///    runner (FuzzReplay.cpp), which runs each file of tests/fuzz/corpus/<name>/ and
///    tests/fuzz/regressions/<name>/ through it as the CTest test fuzz_replay_<name>.
/// A body returns 0 for every input. It crashes (fuzzCheck) only when an invariant the parser
/// promises is broken, e.g. a parsed value that does not serialize back to the same bytes;
/// "this input is malformed" is an ordinary, expected outcome and never a crash.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace verbatim::fuzz {

using Body = int (*)(const std::uint8_t* data, std::size_t size);

/// Registers `body` under `name` for the replay runner. Returns true (for a static initializer).
bool registerTarget(const char* name, Body body);

/// Stops the process with `what` on stderr when `condition` is false: a found bug. Works the same
/// with and without NDEBUG.
void fuzzCheck(bool condition, const char* what);

/// VERBATIM_FUZZ_VERBOSE is set: targets may say what became of each input (on stderr), for
/// writing seeds.
bool verbose();

inline std::string_view asText(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

} // namespace verbatim::fuzz

#if defined(VERBATIM_LIBFUZZER)
#define VERBATIM_FUZZ_TARGET(name)                                                                 \
    static int verbatimFuzzBody(const std::uint8_t* data, std::size_t size);                       \
    extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {            \
        return verbatimFuzzBody(data, size);                                                       \
    }                                                                                              \
    static int verbatimFuzzBody(const std::uint8_t* data, std::size_t size)
#else
#define VERBATIM_FUZZ_TARGET(name)                                                                 \
    static int verbatimFuzzBody(const std::uint8_t* data, std::size_t size);                       \
    [[maybe_unused]] static const bool verbatimFuzzRegistered =                                    \
        ::verbatim::fuzz::registerTarget(#name, &verbatimFuzzBody);                                \
    static int verbatimFuzzBody(const std::uint8_t* data, std::size_t size)
#endif

#include "client/core/MediaType.h"

#include <magic.h>

#include <algorithm>
#include <mutex>

namespace verbatim::client {
namespace {

constexpr std::size_t kSniffBytes = 1 << 20;
constexpr const char* kUnknown = "application/octet-stream";

// RFC 2045 token characters.
bool tokenChar(char c) {
    if (c <= 0x20 || c >= 0x7f) return false;
    return std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

// Only a well-formed `type/subtype` leaves here: libmagic's answer is data from its database,
// and a recipient's export writes it into MIME headers.
bool wellFormed(std::string_view t) {
    auto slash = t.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == t.size() || t.size() > 127)
        return false;
    auto part = [](std::string_view p) { return std::all_of(p.begin(), p.end(), tokenChar); };
    return part(t.substr(0, slash)) && part(t.substr(slash + 1));
}

// One cookie for the process: loading the compiled database costs a few milliseconds, and a
// magic_t is not safe to use from two threads at once.
struct Detector {
    std::mutex mutex;
    magic_t cookie = nullptr;
    Detector() {
        // Only the content tests that read the buffer itself: no decompression (a hostile
        // archive could expand), no ELF/CDF/tar walkers, and never the file system.
        cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ELF |
                            MAGIC_NO_CHECK_CDF | MAGIC_ERROR);
        if (cookie && magic_load(cookie, nullptr) != 0) {
            magic_close(cookie);
            cookie = nullptr;
        }
    }
    ~Detector() {
        if (cookie) magic_close(cookie);
    }
};

} // namespace

std::string detectMediaType(ByteView content) {
    static Detector detector;
    std::lock_guard lock(detector.mutex);
    if (!detector.cookie || content.empty()) return kUnknown;
    const char* found =
        magic_buffer(detector.cookie, content.data(), std::min(content.size(), kSniffBytes));
    if (!found) return kUnknown;
    std::string type(found);
    std::transform(type.begin(), type.end(), type.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    if (!wellFormed(type) || type == "application/x-empty" || type == "inode/x-empty")
        return kUnknown;
    return type;
}

} // namespace verbatim::client

/// @file ProfileKeyFile.cpp
/// The profile's key file and its guard: their formats, their atomic replacement, and the
/// failed-unlock counter the two keep together (Profile.h; docs/protocol.md "Profile key file").
#include "client/core/ProfileKeyFile.h"
#include "common/Try.h"

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/file.h>
#include <unistd.h>

#include "crypto/PassphraseBox.h"
#include "crypto/Random.h"

namespace verbatim::client {

namespace fs = std::filesystem;

namespace profilefiles {

// The key file: "VPK1" || u64 attempts || u32 failures || u32 limit || u64 serial ||
// u64 guard_serial || passphrase box (docs/protocol.md "Profile key file"). A file that is a
// bare box ("VPB1...") is a profile from before issue 16: it has no counter of its own (the
// guard's applies) and becomes a VPK1 file at its first unlock attempt.
//
// The chain: every write-ahead gives the key file a new random serial and records the serial
// the guard named at that moment (guard_serial); after the attempt the guard names the key
// file's serial (chain_serial). So the guard names either the key file's serial (up to date) or
// its guard_serial (attempts cut short by crashes since); any other guard, or none, was
// deleted, put back or replaced, and so was a key file that the guard does not name.
constexpr std::string_view kKeyFileMagic = "VPK1";
constexpr std::size_t kKeyFileHeader = 4 + 8 + 4 + 4 + 8 + 8;

std::uint64_t newSerial() {
    std::uint64_t v = 0;
    while (v == 0) {
        const Bytes b = crypto::randomBytes(8);
        for (auto byte : b)
            v = (v << 8) | byte;
    }
    return v;
}

Result<KeyFile> parseKeyFile(ByteView bytes) {
    KeyFile k;
    if (bytes.size() >= 4 && asString(bytes.subspan(0, 4)) == "VPB1") {
        k.legacy = true;
        k.box = toBytes(bytes);
    } else {
        if (bytes.size() < kKeyFileHeader || asString(bytes.subspan(0, 4)) != kKeyFileMagic)
            return fail(ErrorCode::Malformed, "profile.key is not a Verbatim key file");
        ByteReader r(bytes.subspan(4));
        k.attempts = *r.u64();
        k.failures = *r.u32();
        k.limit = *r.u32();
        k.serial = *r.u64();
        k.guardSerial = *r.u64();
        k.box = toBytes(bytes.subspan(kKeyFileHeader));
    }
    if (!crypto::passphraseBoxParams(k.box))
        return fail(ErrorCode::Malformed, "profile.key is not a Verbatim key file");
    return k;
}

Bytes serializeKeyFile(const KeyFile& k) {
    Bytes out;
    appendRaw(out, view(kKeyFileMagic));
    appendU64(out, k.attempts);
    appendU32(out, k.failures);
    appendU32(out, k.limit);
    appendU64(out, k.serial);
    appendU64(out, k.guardSerial);
    appendRaw(out, k.box);
    return out;
}

Result<std::string> readAll(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return fail(ErrorCode::NotFound, "no profile here (missing profile.key)");
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

Result<KeyFile> readKeyFile(const std::string& path) {
    VERBATIM_TRY_LET(bytes, readAll(path));
    return parseKeyFile(view(*bytes));
}

void fsyncDir(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

// Replaces `path` atomically and durably: a temporary file written and fsynced, renamed over
// it, the directory fsynced. A crash leaves the old content or the new, and perhaps the
// temporary file (removed by the next replace or by eraseProfile).
Result<void> replaceFile(const std::string& path, ByteView data) {
    const std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return fail(ErrorCode::Storage, "cannot write " + path);
    std::size_t off = 0;
    bool ok = true;
    while (ok && off < data.size()) {
        auto n = ::write(fd, data.data() + off, data.size() - off);
        if (n <= 0)
            ok = false;
        else
            off += std::size_t(n);
    }
    ok = ok && ::fsync(fd) == 0;
    ok = ::close(fd) == 0 && ok;
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return fail(ErrorCode::Storage, "cannot write " + path);
    }
    fsyncDir(fs::path(path).parent_path().string());
    return {};
}

Result<void> writeKeyFile(const std::string& path, const KeyFile& k) {
    return replaceFile(path, serializeKeyFile(k));
}

std::uint32_t stricter(std::uint32_t a, std::uint32_t b) {
    return a == 0 ? b : b == 0 ? a : std::min(a, b);
}

UnlockCounter mergeCounter(const KeyFile& k, const DeviceGuard& g) {
    UnlockCounter c;
    c.attempts = std::max(k.attempts, g.attempts);
    c.failures = std::max(k.failures, g.failures);
    c.limit = stricter(k.limit, g.maxFailedUnlocks);
    if (k.legacy) return c; // nothing to cross-check yet
    // A missing guard names no serial (0): consistent only before any attempt finished.
    const bool upToDate =
        g.chainSerial == k.serial && g.attempts == k.attempts && g.failures == k.failures;
    const bool behindByCrashes = g.chainSerial == k.guardSerial && g.attempts <= k.attempts;
    c.tampered = !upToDate && !behindByCrashes;
    return c;
}

} // namespace profilefiles

using namespace profilefiles;

DeviceGuard readGuard(const ProfilePaths& paths) {
    DeviceGuard g;
    std::ifstream in(paths.guard());
    std::string key;
    std::uint64_t value = 0;
    while (in >> key >> value) {
        if (key == "max_failed_unlocks")
            g.maxFailedUnlocks = std::uint32_t(value);
        else if (key == "max_offline_days")
            g.maxOfflineDays = std::uint32_t(value);
        else if (key == "failures")
            g.failures = std::uint32_t(value);
        else if (key == "last_contact_ms")
            g.lastContactMs = value;
        else if (key == "attempts")
            g.attempts = value;
        else if (key == "chain_serial")
            g.chainSerial = value;
    }
    return g;
}

Result<void> writeGuard(const ProfilePaths& paths, const DeviceGuard& g) {
    const std::string text =
        "max_failed_unlocks " + std::to_string(g.maxFailedUnlocks) + "\nmax_offline_days " +
        std::to_string(g.maxOfflineDays) + "\nfailures " + std::to_string(g.failures) +
        "\nlast_contact_ms " + std::to_string(g.lastContactMs) + "\nattempts " +
        std::to_string(g.attempts) + "\nchain_serial " + std::to_string(g.chainSerial) + "\n";
    if (!replaceFile(paths.guard(), view(text)))
        return fail(ErrorCode::Storage, "cannot write the device guard file");
    return {};
}

UnlockCounter readUnlockCounter(const ProfilePaths& paths) {
    auto k = readKeyFile(paths.keyFile());
    if (!k) return {};
    return mergeCounter(*k, readGuard(paths));
}

Result<void> setFailedUnlockLimit(const ProfilePaths& paths, std::uint32_t limit) {
    ProfileLock lock(paths.dir);
    VERBATIM_TRY_LET(k, readKeyFile(paths.keyFile()));
    auto g = readGuard(paths);
    if (!k->legacy && k->limit == limit && g.maxFailedUnlocks == limit) return {};
    // Only the limit changes: the counts and the chain stay as the files hold them (a guard that
    // is missing or out of step stays so, and tampered).
    const bool upToDate = !k->legacy && !mergeCounter(*k, g).tampered && g.chainSerial == k->serial;
    if (k->legacy) { // an old profile's count is its guard's: it moves into the key file
        k->attempts = g.attempts;
        k->failures = g.failures;
        k->serial = newSerial();
        k->guardSerial = g.chainSerial;
        k->legacy = false;
    }
    k->limit = limit;
    if (auto r = writeKeyFile(paths.keyFile(), *k); !r) return r;
    g.maxFailedUnlocks = limit;
    if (upToDate || (g.chainSerial == 0 && k->attempts == 0)) {
        g.chainSerial = k->serial; // a new profile's first guard joins the chain here
        g.attempts = k->attempts;
        g.failures = k->failures;
    }
    return writeGuard(paths, g);
}

} // namespace verbatim::client

#pragma once
/// @file ProfileKeyFile.h
/// What the profile's files share (private to client/core): the key file's content, its
/// atomic replacement, the cross-process lock on a profile and the counter the key file and the
/// guard keep together (ProfileKeyFile.cpp), and the crash-test step hook (Profile.cpp).
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "client/core/Profile.h"
#include "common/Bytes.h"

namespace verbatim::client::profilefiles {

/// The key file's fields (the layout is in ProfileKeyFile.cpp).
struct KeyFile {
    std::uint64_t attempts = 0; // unlock attempts started, written before each is tried
    std::uint32_t failures =
        0; // of them, since the last right passphrase (the one under way included)
    std::uint32_t limit = 0;       // the firm's max_failed_unlocks
    std::uint64_t serial = 0;      // random, new at each write-ahead
    std::uint64_t guardSerial = 0; // the chain_serial the guard held at that write-ahead (0: none)
    Bytes box;
    bool legacy = false;
};

/// A random serial, never 0 (0 names no key file in the chain).
std::uint64_t newSerial();
[[nodiscard]] Result<KeyFile> readKeyFile(const std::string& path);
[[nodiscard]] Result<void> writeKeyFile(const std::string& path, const KeyFile& k);
/// Replaces `path` atomically and durably (ProfileKeyFile.cpp says how).
[[nodiscard]] Result<void> replaceFile(const std::string& path, ByteView data);
void fsyncDir(const std::string& dir);
/// The counter from both files: the larger counts, the stricter limit, and whether they disagree
/// in a way no crash explains.
UnlockCounter mergeCounter(const KeyFile& k, const DeviceGuard& g);
/// Calls the hook setProfileStepHook set, if any.
void stepDone(std::string_view step);

// One unlock attempt or passphrase change at a time per profile, across processes: an
// exclusive flock on the directory, held for the attempt (write-ahead, try, record).
class ProfileLock {
public:
    explicit ProfileLock(const std::string& dir)
        : m_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
        if (m_fd >= 0) ::flock(m_fd, LOCK_EX);
    }
    ~ProfileLock() {
        if (m_fd >= 0) ::close(m_fd); // closing releases the lock
    }
    ProfileLock(const ProfileLock&) = delete;
    ProfileLock& operator=(const ProfileLock&) = delete;

private:
    int m_fd;
};

} // namespace verbatim::client::profilefiles

#pragma once
/// @file Profile.h
/// A profile directory on disk:
///   DIR/profile.key   the key file: the failed-unlock counter and the firm's limit, then the
///                     database key (32 random bytes) sealed under the user's passphrase
///                     (scrypt + AES-256-GCM, crypto/PassphraseBox; the scrypt parameters are
///                     stored in the box). Layout in docs/protocol.md "Profile key file".
///   DIR/profile.db    SQLCipher database: Signal store, conversations, messages (+FTS5),
///                     outbox, contacts
///   DIR/blobs/        attachment blobs as downloaded (still encrypted under their own keys)
///   DIR/guard         the firm's device policy and its counters, in clear (read before unlock)
///   DIR/profile.key.new  only while a passphrase change is under way (see changePassphrase)
/// Nothing in the directory is readable without the passphrase.
///
/// The failed-unlock counter lives in two files that each hold the other's last state: the key
/// file (the attempt number and the failures, written *before* each attempt is tried) and the
/// guard (the same, written after). Deleting, restoring or editing one of them is detected and
/// the larger count and the stricter limit apply; a crash during an attempt counts it as a
/// failure. What no file layout can stop: someone who can write every file can restore all of
/// them to an earlier copy, and someone who copies them can guess offline at the scrypt cost
/// (README, "Someone holding a device's files").

#include <memory>
#include <string>
#include <string_view>

#include "storage/Database.h"

namespace verbatim::client {

struct ProfilePaths {
    std::string dir;
    std::string keyFile() const { return dir + "/profile.key"; }
    std::string pendingKeyFile() const { return dir + "/profile.key.new"; }
    std::string database() const { return dir + "/profile.db"; }
    std::string blobs() const { return dir + "/blobs"; }
    std::string guard() const { return dir + "/guard"; }
};

/// The firm's device policy (from the root-signed manifest) and what enforcing it needs before
/// the passphrase has unlocked anything: failed unlocks in a row and the last time the relay was
/// reached. Kept in clear beside the profile; holds no secret. Its failed-unlock count is
/// cross-checked with the key file's (UnlockCounter); the offline clock is not.
struct DeviceGuard {
    std::uint32_t maxFailedUnlocks = 0; ///< 0: no limit
    std::uint32_t maxOfflineDays = 0;   ///< 0: no limit
    std::uint32_t failures = 0;
    std::uint64_t lastContactMs = 0;
    std::uint64_t attempts = 0;    ///< the key file's attempt number when this was written
    std::uint64_t chainSerial = 0; ///< the key file's serial when this was written (the chain)
};
/// The guard file's content; a missing file is no policy (the values that parse are kept).
DeviceGuard readGuard(const ProfilePaths& paths);
/// Replaces the guard file atomically. Writes this file only: the limit the key file keeps is
/// set with setFailedUnlockLimit.
[[nodiscard]] Result<void> writeGuard(const ProfilePaths& paths, const DeviceGuard& guard);

/// The failed-unlock state, from the key file and the guard together.
struct UnlockCounter {
    std::uint64_t attempts = 0; ///< unlock attempts ever started on this profile (never decreases)
    std::uint32_t failures = 0; ///< wrong passphrases since the last right one: the larger count
    std::uint32_t limit = 0;    ///< the firm's max_failed_unlocks: the stricter file's (0: none)
    /// The two files disagree in a way no crash explains: one was deleted, restored to an older
    /// copy or edited. The counts above already take the worse of the two.
    bool tampered = false;
};
/// Reads both files (no lock; for display). A profile without a key file has a zero counter.
[[nodiscard]] UnlockCounter readUnlockCounter(const ProfilePaths& paths);
/// Records the firm's limit (from a verified manifest) in the key file and the guard, so that
/// it can be relaxed as well as tightened; 0 removes it.
[[nodiscard]] Result<void> setFailedUnlockLimit(const ProfilePaths& paths, std::uint32_t limit);

/// Creates DIR (mode 0700) with a new random database key sealed under `passphrase` at
/// crypto::scryptCost(), and an empty database with the client schema. Fails if DIR already
/// holds a profile, or with ErrorCode::InvalidArgument and kPassphraseRule when the passphrase
/// breaks the rule (common/Passphrase.h); nothing is created then.
[[nodiscard]] Result<std::unique_ptr<storage::Database>> createProfile(const ProfilePaths& paths,
                                                                       std::string_view passphrase);
/// Opens DIR with `passphrase`: one unlock attempt. First the attempt is counted in the key
/// file (fsynced), then the passphrase is tried. A wrong one fails with ErrorCode::WrongKey
/// ("wrong passphrase", and how many are left under a limit); the attempt that reaches the
/// firm's limit erases the profile first (its message says so). The right one resets the count,
/// finishes or undoes a passphrase change that a crash interrupted, and re-seals the key at
/// crypto::scryptCost() when the stored parameters cost less. Waits while another process holds
/// the profile's lock (an attempt or a change in progress).
[[nodiscard]] Result<std::unique_ptr<storage::Database>> openProfile(const ProfilePaths& paths,
                                                                     std::string_view passphrase);
/// Changes the passphrase and the database key: a new random key re-encrypts the database
/// (SQLCipher rekey, then a truncating checkpoint, so the old key opens neither the file nor its
/// WAL) and is sealed under `next` at crypto::scryptCost(). `current` is tried as an unlock
/// attempt (counted, and erasing at the firm's limit like openProfile). `open`, when given, is
/// the profile's open connection, which is re-keyed in place and stays usable; otherwise the
/// database is opened for the change and closed. Crash-safe: killed at any point, the profile
/// opens with `current` or with `next` (whichever the database's last commit holds), never with
/// neither; the next unlock tidies up. `next` must meet kPassphraseRule (ErrorCode::
/// InvalidArgument, nothing changed).
[[nodiscard]] Result<void> changePassphrase(const ProfilePaths& paths, std::string_view current,
                                            std::string_view next,
                                            storage::Database* open = nullptr);
/// Overwrites and removes the profile's files (remote wipe, sign out and erase).
void eraseProfile(const ProfilePaths& paths);

/// The client schema migrations (the Signal tables are created by SqlProtocolStore).
[[nodiscard]] Result<void> migrateClientSchema(storage::Database& db);

/// For tests of crash safety: called with the name of each step of openProfile and
/// changePassphrase as it completes ("attempt-recorded", "pending-written", "rekeyed",
/// "checkpointed", "key-replaced"), on the calling thread, with the profile lock held. Null (the
/// default) calls nothing. Not thread-safe to set while profiles are being opened.
using ProfileStepHook = void (*)(std::string_view step);
void setProfileStepHook(ProfileStepHook hook);

} // namespace verbatim::client

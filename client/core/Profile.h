#pragma once
/// @file Profile.h
/// A profile directory on disk:
///   DIR/profile.key   the database key (32 random bytes) sealed under the user's passphrase
///                     (scrypt + AES-256-GCM, crypto/PassphraseBox)
///   DIR/profile.db    SQLCipher database: Signal store, conversations, messages (+FTS5),
///                     outbox, contacts
///   DIR/blobs/        attachment blobs as downloaded (still encrypted under their own keys)
///   DIR/guard         the firm's device policy and its counters, in clear (read before unlock)
/// Nothing in the directory is readable without the passphrase.

#include <memory>
#include <string>

#include "storage/Database.h"

namespace verbatim::client {

struct ProfilePaths {
    std::string dir;
    std::string keyFile() const { return dir + "/profile.key"; }
    std::string database() const { return dir + "/profile.db"; }
    std::string blobs() const { return dir + "/blobs"; }
    std::string guard() const { return dir + "/guard"; }
};

/// The firm's device policy (from the root-signed manifest) and what enforcing it needs before
/// the passphrase has unlocked anything: failed unlocks in a row and the last time the relay was
/// reached. Kept in clear beside the profile; holds no secret. Someone who can edit the profile's
/// files can reset it (the OS keystore, where a platform has one, is the stronger place).
struct DeviceGuard {
    std::uint32_t maxFailedUnlocks = 0;  ///< 0: no limit
    std::uint32_t maxOfflineDays = 0;    ///< 0: no limit
    std::uint32_t failures = 0;
    std::uint64_t lastContactMs = 0;
};
/// The guard file's content; a missing file is no policy (the values that parse are kept).
DeviceGuard readGuard(const ProfilePaths& paths);
/// Replaces the guard file atomically.
[[nodiscard]] Result<void> writeGuard(const ProfilePaths& paths, const DeviceGuard& guard);

/// Creates DIR (mode 0700) with a new random database key sealed under `passphrase`, and an
/// empty database with the client schema. Fails if DIR already holds a profile.
[[nodiscard]] Result<std::unique_ptr<storage::Database>> createProfile(const ProfilePaths& paths,
                                                                      std::string_view passphrase);
/// Opens DIR with `passphrase`. A wrong passphrase fails with ErrorCode::WrongKey ("wrong
/// passphrase") and touches nothing.
[[nodiscard]] Result<std::unique_ptr<storage::Database>> openProfile(const ProfilePaths& paths,
                                                                    std::string_view passphrase);
/// Re-seals the database key under a new passphrase (the database itself is not rewritten). The
/// new key file replaces the old one atomically (write, fsync, rename); a wrong current
/// passphrase fails with ErrorCode::WrongKey and changes nothing.
[[nodiscard]] Result<void> changePassphrase(const ProfilePaths& paths, std::string_view current,
                                            std::string_view next);
/// Overwrites and removes the profile's files (remote wipe, sign out and erase).
void eraseProfile(const ProfilePaths& paths);

/// The client schema migrations (the Signal tables are created by SqlProtocolStore).
[[nodiscard]] Result<void> migrateClientSchema(storage::Database& db);

}  // namespace verbatim::client

#pragma once
/// @file Profile.h
/// A profile directory on disk:
///   DIR/profile.key   the database key (32 random bytes) sealed under the user's passphrase
///                     (scrypt + AES-256-GCM, crypto/PassphraseBox)
///   DIR/profile.db    SQLCipher database: Signal store, conversations, messages (+FTS5),
///                     outbox, contacts
///   DIR/blobs/        attachment blobs as downloaded (still encrypted under their own keys)
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
};

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

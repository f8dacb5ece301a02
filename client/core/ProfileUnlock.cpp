/// @file ProfileUnlock.cpp
/// One counted unlock attempt (write-ahead, try, record; erase at the firm's limit), a passphrase
/// change interrupted by a crash finished or undone, and openProfile and changePassphrase on top
/// of them (Profile.h).
#include "client/core/Profile.h"
#include "common/Try.h"

#include <filesystem>
#include <optional>
#include <unistd.h>

#include "client/core/ProfileKeyFile.h"
#include "common/Log.h"
#include "common/Passphrase.h"
#include "crypto/PassphraseBox.h"
#include "crypto/Random.h"

namespace verbatim::client {

namespace fs = std::filesystem;
using namespace profilefiles;

namespace {

std::string wrongPassphraseMessage(const KeyFile& k) {
    if (!k.limit) return "wrong passphrase";
    if (k.failures >= k.limit)
        return "wrong passphrase " + std::to_string(k.failures) +
               " times: this device erased itself, as the firm's policy requires";
    return "wrong passphrase (" + std::to_string(k.limit - k.failures) +
           " more and this device erases itself)";
}

struct Unlocked {
    SecureBytes key;
    std::unique_ptr<storage::Database> db;
    KeyFile keyFile; // as written after the attempt (failures 0)
};

Result<std::unique_ptr<storage::Database>> openDatabase(const ProfilePaths& paths, ByteView key) {
    return storage::Database::open(paths.database(), key, {false, storage::Durability::Normal});
}

void dropPending(const ProfilePaths& paths) {
    ::unlink(paths.pendingKeyFile().c_str());
    fsyncDir(paths.dir);
}

// What trying a passphrase found.
enum class Outcome {
    Opened,        // the passphrase is right and the database opened
    Wrong,         // the passphrase is wrong (counted)
    Mismatch,      // the key file opened but its key does not open the database (counted)
    RightButFailed // the passphrase is right (the box is authenticated) but the database failed
};

struct Tried {
    Outcome outcome = Outcome::Wrong;
    SecureBytes key;
    std::unique_ptr<storage::Database> db;
    Error error;
};

// Tries `passphrase` on the key file and, when a passphrase change was interrupted (a pending
// key file exists), decides which of the two the database holds: its last commit before the
// crash is the truth. The key file `k` (already counting this attempt) is rewritten before the
// pending file is removed, so that a crash here, too, leaves one that opens.
Tried tryPassphrase(const ProfilePaths& paths, KeyFile& k, std::string_view passphrase) {
    Tried t;
    std::optional<KeyFile> pending;
    {
        std::error_code ec;
        if (fs::exists(paths.pendingKeyFile(), ec)) {
            auto p = readKeyFile(paths.pendingKeyFile());
            // Written by rename, so never torn: an unreadable one is damage, and worthless.
            if (p)
                pending = std::move(*p);
            else
                dropPending(paths);
        }
    }
    auto open = [&](Result<SecureBytes> key) {
        auto db = openDatabase(paths, *key);
        if (db) {
            t.outcome = Outcome::Opened;
            t.key = std::move(*key);
            t.db = std::move(*db);
        } else {
            t.outcome = db.error().code == ErrorCode::WrongKey ? Outcome::Mismatch
                                                               : Outcome::RightButFailed;
            t.error = db.error();
        }
    };
    auto current = crypto::passphraseOpen(k.box, view(passphrase));
    if (!pending) {
        if (current) open(std::move(current));
        return t;
    }
    if (current) {
        open(std::move(current));
        if (t.outcome == Outcome::Opened) {
            dropPending(paths); // the re-key never committed: the change did not happen
            return t;
        }
        if (t.outcome == Outcome::RightButFailed) return t; // undecided: both files stay
        // The re-key committed: only the new passphrase opens the database now.
        KeyFile forward = k;
        forward.box = pending->box;
        if (writeKeyFile(paths.keyFile(), forward)) {
            k = forward;
            dropPending(paths);
        }
        t = Tried{};
        return t; // Wrong
    }
    auto next = crypto::passphraseOpen(pending->box, view(passphrase));
    if (!next) return t;
    open(std::move(next));
    if (t.outcome == Outcome::Opened) {
        KeyFile forward = k;
        forward.box = pending->box;
        if (auto r = writeKeyFile(paths.keyFile(), forward); !r) {
            t = Tried{Outcome::RightButFailed, {}, {}, r.error()};
            return t;
        }
        k = forward;
        dropPending(paths);
        return t;
    }
    // The new passphrase, but the database does not (yet) hold its key: the re-key never
    // committed. The pending file stays until the old passphrase proves it.
    t = Tried{};
    return t;
}

// One counted unlock attempt; the caller holds the ProfileLock.
Result<Unlocked> attemptUnlock(const ProfilePaths& paths, std::string_view passphrase) {
    VERBATIM_TRY_LET(k, readKeyFile(paths.keyFile()));
    auto g = readGuard(paths);
    const auto counter = mergeCounter(*k, g);
    if (counter.tampered)
        log::write(log::Level::Warn, "client.unlock_counter_tampered",
                   {{"failures", std::to_string(counter.failures)},
                    {"attempts", std::to_string(counter.attempts)}});
    KeyFile attempt = *k;
    attempt.legacy = false;
    attempt.attempts = counter.attempts;
    attempt.failures = counter.failures;
    attempt.limit = counter.limit;
    auto erase = [&] {
        eraseProfile(paths);
        log::write(log::Level::Warn, "client.erased_by_policy", {{"reason", "failed unlocks"}});
        return fail(ErrorCode::WrongKey, wrongPassphraseMessage(attempt));
    };
    // Already at the limit: an attempt that never finished (killed after it was counted), or
    // files put back from an older copy. Nothing more is tried.
    if (attempt.limit && attempt.failures >= attempt.limit) return erase();

    // Write-ahead: the attempt counts as failed until it has succeeded, so killing the process
    // while the passphrase is tried (or pulling the power) does not undo it.
    ++attempt.attempts;
    ++attempt.failures;
    attempt.serial = newSerial();
    attempt.guardSerial = g.chainSerial;
    VERBATIM_TRY(writeKeyFile(paths.keyFile(), attempt));
    stepDone("attempt-recorded");

    Tried tried = tryPassphrase(paths, attempt, passphrase);
    g.chainSerial = attempt.serial;
    g.attempts = attempt.attempts;
    g.maxFailedUnlocks = attempt.limit;
    if (tried.outcome == Outcome::Wrong || tried.outcome == Outcome::Mismatch) {
        g.failures = attempt.failures;
        (void)writeGuard(paths, g);
        if (attempt.limit && attempt.failures >= attempt.limit) return erase();
        if (tried.outcome == Outcome::Mismatch)
            return fail(ErrorCode::Storage,
                        "profile.key does not fit profile.db (the profile is damaged)");
        return fail(ErrorCode::WrongKey, wrongPassphraseMessage(attempt));
    }

    // The passphrase is right: the count starts again.
    attempt.failures = 0;
    if (tried.outcome == Outcome::Opened) {
        // A key sealed at less than today's cost (an older profile) is sealed again at it.
        auto params = crypto::passphraseBoxParams(attempt.box);
        if (params && !crypto::scryptAtLeast(*params, crypto::scryptCost())) {
            if (auto box =
                    crypto::passphraseSeal(tried.key, view(passphrase), crypto::scryptCost())) {
                attempt.box = std::move(*box);
                log::write(log::Level::Info, "client.profile_key_resealed",
                           {{"from_log2n", std::to_string(params->log2N)},
                            {"to_log2n", std::to_string(crypto::scryptCost().log2N)}});
            }
        }
    }
    VERBATIM_TRY(writeKeyFile(paths.keyFile(), attempt));
    g.failures = 0;
    (void)writeGuard(paths, g);
    if (tried.outcome == Outcome::RightButFailed) return tl::unexpected(tried.error);
    return Unlocked{std::move(tried.key), std::move(tried.db), std::move(attempt)};
}

} // namespace

Result<std::unique_ptr<storage::Database>> openProfile(const ProfilePaths& paths,
                                                       std::string_view passphrase) {
    ProfileLock lock(paths.dir);
    VERBATIM_TRY_LET(u, attemptUnlock(paths, passphrase));
    VERBATIM_TRY(migrateClientSchema(*u->db));
    return std::move(u->db);
}

Result<void> changePassphrase(const ProfilePaths& paths, std::string_view current,
                              std::string_view next, storage::Database* open) {
    if (auto ok = checkNewPassphrase(next); !ok) return ok;
    ProfileLock lock(paths.dir);
    VERBATIM_TRY_LET(u, attemptUnlock(paths, current));
    storage::Database& db = open ? *open : *u->db;
    if (open) u->db.reset(); // only the caller's connection stays: it is the one re-keyed

    // 1. The new key, sealed under the new passphrase, beside the current key file.
    SecureBytes newKey = crypto::randomSecret(32);
    VERBATIM_TRY_LET(box, crypto::passphraseSeal(newKey, view(next), crypto::scryptCost()));
    KeyFile pending = u->keyFile;
    pending.box = std::move(*box);
    if (auto r = writeKeyFile(paths.pendingKeyFile(), pending); !r) return r;
    stepDone("pending-written");

    // 2. The commit point: one SQLite transaction rewrites every page under the new key. Until
    // it commits the database holds the old key, after it the new one; the next unlock reads
    // which (tryPassphrase).
    auto rekeyed = db.rekey(newKey);
    // SQLCipher's rekey reports success even when its transaction failed: a fresh connection
    // with the new key is the proof.
    if (rekeyed) rekeyed = openDatabase(paths, newKey).map([](auto&&) {});
    if (!rekeyed) {
        // Back to the old key on this connection (rewrites any page the failed rekey touched);
        // the pending file goes once the old key is proven.
        (void)db.rekey(u->key);
        if (openDatabase(paths, u->key)) dropPending(paths);
        return fail(ErrorCode::Storage,
                    "the passphrase is unchanged: the profile could not be re-encrypted (" +
                        rekeyed.error().message + ")");
    }
    stepDone("rekeyed");
    // Every page is in the WAL under the new key: copy them into the file over the old pages
    // and empty the WAL, so that no page under the old key is left in either.
    if (auto r = db.exec("PRAGMA wal_checkpoint(TRUNCATE);"); !r)
        log::write(log::Level::Warn, "client.rekey_checkpoint_failed",
                   {{"error", r.error().message}});
    stepDone("checkpointed");

    // 3. The new key file in place of the old; then the pending copy goes.
    if (auto r = writeKeyFile(paths.keyFile(), pending); !r)
        return r; // the next unlock finishes it
    stepDone("key-replaced");
    dropPending(paths);
    return {};
}

} // namespace verbatim::client

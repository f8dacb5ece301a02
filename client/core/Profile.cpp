#include "client/core/Profile.h"
#include "common/Try.h"

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/Log.h"
#include "common/Passphrase.h"
#include "crypto/PassphraseBox.h"
#include "crypto/Random.h"

namespace verbatim::client {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE account (k TEXT PRIMARY KEY, v BLOB NOT NULL);
CREATE TABLE conversations (
  id TEXT PRIMARY KEY, title TEXT NOT NULL DEFAULT '', is_matter INTEGER NOT NULL DEFAULT 0,
  members TEXT NOT NULL DEFAULT '', last_read_row INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE messages (
  row INTEGER PRIMARY KEY,
  id BLOB NOT NULL UNIQUE,
  conversation TEXT NOT NULL,
  sender_user TEXT NOT NULL, sender_device INTEGER NOT NULL,
  outgoing INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  attachments BLOB,
  client_time_ms INTEGER NOT NULL DEFAULT 0,
  server_time_ms INTEGER NOT NULL DEFAULT 0,
  journal_seq INTEGER NOT NULL DEFAULT 0,
  state INTEGER NOT NULL,
  edited_ms INTEGER NOT NULL DEFAULT 0,
  retracted_ms INTEGER NOT NULL DEFAULT 0,
  retracted_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX messages_by_conversation ON messages (conversation, row);
CREATE VIRTUAL TABLE messages_fts USING fts5 (body, content='messages', content_rowid='row',
  tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts (rowid, body) VALUES (new.row, new.body);
END;
CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.row, old.body);
END;
CREATE TRIGGER messages_au AFTER UPDATE OF body ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.row, old.body);
  INSERT INTO messages_fts (rowid, body) VALUES (new.row, new.body);
END;
CREATE TABLE edits (message BLOB NOT NULL, edited_ms INTEGER NOT NULL, old_body TEXT NOT NULL);
CREATE INDEX edits_by_message ON edits (message);
CREATE TABLE reactions (message BLOB NOT NULL, user TEXT NOT NULL, emoji TEXT NOT NULL,
  PRIMARY KEY (message, user));
CREATE TABLE receipts (conversation TEXT NOT NULL, user TEXT NOT NULL, kind INTEGER NOT NULL,
  up_to_ms INTEGER NOT NULL, PRIMARY KEY (conversation, user, kind));
CREATE TABLE processed (id BLOB PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY,
  message BLOB NOT NULL UNIQUE,
  conversation TEXT NOT NULL,
  record BLOB NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  held INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE contacts (
  user TEXT PRIMARY KEY,
  display_name TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL DEFAULT '',
  accepted_keys BLOB NOT NULL DEFAULT x'',
  complete INTEGER NOT NULL DEFAULT 0,  -- accepted_keys came from the relay's full device list
  changed INTEGER NOT NULL DEFAULT 0
);
)sql";

// Version 2 (issue 19): what the relay acknowledged, kept so that it can be sent again after the
// relay is restored from a backup (Outbox.h; docs/protocol.md, "Restore").
constexpr std::string_view kSchemaV2 = R"sql(
CREATE TABLE sent (
  message BLOB PRIMARY KEY,
  record BLOB NOT NULL,
  journal_seq INTEGER NOT NULL,
  chain_acked INTEGER NOT NULL,  -- this device's journal chain just before the acknowledgement
  chain_head BLOB NOT NULL,
  acked_ms INTEGER NOT NULL
);
CREATE INDEX sent_by_journal_seq ON sent (journal_seq);
CREATE INDEX sent_by_acked_ms ON sent (acked_ms);
)sql";

// Version 3 (issue 22): a closed matter (closed_ms not 0) is read-only; closed_by is who closed it.
constexpr std::string_view kSchemaV3 = R"sql(
ALTER TABLE conversations ADD COLUMN closed_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN closed_by TEXT NOT NULL DEFAULT '';
)sql";

ProfileStepHook g_stepHook = nullptr;
void stepDone(std::string_view step) {
    if (g_stepHook) g_stepHook(step);
}

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

std::string wrongPassphraseMessage(const KeyFile& k) {
    if (!k.limit) return "wrong passphrase";
    if (k.failures >= k.limit)
        return "wrong passphrase " + std::to_string(k.failures) +
               " times: this device erased itself, as the firm's policy requires";
    return "wrong passphrase (" + std::to_string(k.limit - k.failures) +
           " more and this device erases itself)";
}

void overwriteAndRemove(const fs::path& p) {
    std::error_code ec;
    auto size = fs::file_size(p, ec);
    if (!ec && size > 0) {
        int fd = ::open(p.c_str(), O_WRONLY);
        if (fd >= 0) {
            std::vector<std::uint8_t> zeros(64 * 1024, 0);
            for (std::uintmax_t off = 0; off < size; off += zeros.size())
                if (::write(fd, zeros.data(),
                            std::size_t(std::min<std::uintmax_t>(zeros.size(), size - off))) < 0)
                    break;
            ::fsync(fd);
            ::close(fd);
        }
    }
    fs::remove(p, ec);
}

} // namespace

Result<void> migrateClientSchema(storage::Database& db) {
    return db.migrate({kSchemaV1, kSchemaV2, kSchemaV3});
}

void setProfileStepHook(ProfileStepHook hook) {
    g_stepHook = hook;
}

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

namespace {

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

Result<std::unique_ptr<storage::Database>> createProfile(const ProfilePaths& paths,
                                                         std::string_view passphrase) {
    VERBATIM_TRY(checkNewPassphrase(passphrase));
    std::error_code ec;
    if (fs::exists(paths.keyFile(), ec) || fs::exists(paths.database(), ec))
        return fail(ErrorCode::InvalidArgument, "a profile already exists in " + paths.dir);
    fs::create_directories(paths.dir, ec);
    if (ec) return fail(ErrorCode::Storage, "cannot create " + paths.dir);
    fs::permissions(paths.dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    fs::create_directories(paths.blobs(), ec);
    SecureBytes key = crypto::randomSecret(32);
    KeyFile k;
    k.serial = newSerial();
    VERBATIM_TRY_LET(box, crypto::passphraseSeal(key, view(passphrase), crypto::scryptCost()));
    k.box = std::move(*box);
    auto db = storage::Database::open(paths.database(), key, {true, storage::Durability::Normal});
    if (!db) return tl::unexpected(db.error());
    VERBATIM_TRY(migrateClientSchema(**db));
    // The key file last: a profile without it is an unfinished one and may be recreated.
    VERBATIM_TRY(writeKeyFile(paths.keyFile(), k));
    return db;
}

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

void eraseProfile(const ProfilePaths& paths) {
    std::error_code ec;
    fs::remove(paths.guard(), ec);
    fs::remove(paths.guard() + ".tmp", ec);
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        overwriteAndRemove(paths.database() + suffix);
    for (const std::string& f : {paths.keyFile(), paths.keyFile() + ".tmp", paths.pendingKeyFile(),
                                 paths.pendingKeyFile() + ".tmp"})
        overwriteAndRemove(f);
    if (fs::exists(paths.blobs(), ec))
        for (auto& e : fs::directory_iterator(paths.blobs(), ec))
            overwriteAndRemove(e.path());
    fs::remove_all(paths.blobs(), ec);
}

} // namespace verbatim::client

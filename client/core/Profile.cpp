/// @file Profile.cpp
/// A profile's database schema and its migrations, and a profile created and erased. The key
/// file and the guard (the failed-unlock counter) are in ProfileKeyFile.cpp, an unlock attempt
/// and a passphrase change in ProfileUnlock.cpp.
#include "client/core/Profile.h"
#include "common/Try.h"

#include <fcntl.h>
#include <filesystem>
#include <unistd.h>

#include "client/core/ProfileKeyFile.h"
#include "common/Passphrase.h"
#include "crypto/PassphraseBox.h"
#include "crypto/Random.h"

namespace verbatim::client {

namespace fs = std::filesystem;
using namespace profilefiles;

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

// Version 4 (issue 23): a matter's number and its client's name, as the relay lists them.
constexpr std::string_view kSchemaV4 = R"sql(
ALTER TABLE conversations ADD COLUMN matter_number TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN client_name TEXT NOT NULL DEFAULT '';
)sql";

// Version 5 (issue 23): message info. Each device an own message was encrypted to (the record's
// recipients), with when that device's delivered and read receipts first covered it (their
// server times; 0: not yet). A read receipt also counts as delivered, so a row with read_ms = 0
// is one a receipt may still change: only those are indexed.
constexpr std::string_view kSchemaV5 = R"sql(
CREATE TABLE message_devices (
  message BLOB NOT NULL,
  conversation TEXT NOT NULL,
  sent_ms INTEGER NOT NULL,
  user TEXT NOT NULL,
  device INTEGER NOT NULL,
  delivered_ms INTEGER NOT NULL DEFAULT 0,
  read_ms INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (message, user, device)
) WITHOUT ROWID;
CREATE INDEX message_devices_unread ON message_devices (conversation, user, device, sent_ms)
  WHERE read_ms = 0;
CREATE TRIGGER message_devices_ad AFTER DELETE ON messages BEGIN
  DELETE FROM message_devices WHERE message = old.id;
END;
)sql";

// Version 6 (issue 23, review of the history transfer): a message copied from another of this
// user's devices (HistoryStore::importHistory) names that device; 0 for every message this
// device received and checked itself. An imported row is shown as "not verified on this device"
// until a genuine envelope for its id replaces it (Receiver).
constexpr std::string_view kSchemaV6 = R"sql(
ALTER TABLE messages ADD COLUMN imported_from_device INTEGER NOT NULL DEFAULT 0;
)sql";

ProfileStepHook g_stepHook = nullptr;

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

namespace profilefiles {

void stepDone(std::string_view step) {
    if (g_stepHook) g_stepHook(step);
}

} // namespace profilefiles

Result<void> migrateClientSchema(storage::Database& db) {
    return db.migrate({kSchemaV1, kSchemaV2, kSchemaV3, kSchemaV4, kSchemaV5, kSchemaV6});
}

void setProfileStepHook(ProfileStepHook hook) {
    g_stepHook = hook;
}

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

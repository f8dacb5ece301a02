#include "client/core/Profile.h"

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

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

Result<std::string> readAll(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return fail(ErrorCode::NotFound, "no profile here (missing profile.key)");
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

Result<void> writeSecretFile(const std::string& path, ByteView data) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) return fail(ErrorCode::Storage, "cannot create " + path);
    std::size_t off = 0;
    while (off < data.size()) {
        auto n = ::write(fd, data.data() + off, data.size() - off);
        if (n <= 0) {
            ::close(fd);
            ::unlink(path.c_str());
            return fail(ErrorCode::Storage, "cannot write " + path);
        }
        off += std::size_t(n);
    }
    bool ok = ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) return fail(ErrorCode::Storage, "cannot write " + path);
    return {};
}

void overwriteAndRemove(const fs::path& p) {
    std::error_code ec;
    auto size = fs::file_size(p, ec);
    if (!ec && size > 0) {
        int fd = ::open(p.c_str(), O_WRONLY);
        if (fd >= 0) {
            std::vector<std::uint8_t> zeros(64 * 1024, 0);
            for (std::uintmax_t off = 0; off < size; off += zeros.size())
                if (::write(fd, zeros.data(), std::size_t(std::min<std::uintmax_t>(zeros.size(), size - off))) < 0) break;
            ::fsync(fd);
            ::close(fd);
        }
    }
    fs::remove(p, ec);
}

}  // namespace

Result<void> migrateClientSchema(storage::Database& db) { return db.migrate({kSchemaV1}); }

Result<std::unique_ptr<storage::Database>> createProfile(const ProfilePaths& paths, std::string_view passphrase) {
    if (passphrase.empty()) return fail(ErrorCode::InvalidArgument, "the passphrase must not be empty");
    std::error_code ec;
    if (fs::exists(paths.keyFile(), ec) || fs::exists(paths.database(), ec))
        return fail(ErrorCode::InvalidArgument, "a profile already exists in " + paths.dir);
    fs::create_directories(paths.dir, ec);
    if (ec) return fail(ErrorCode::Storage, "cannot create " + paths.dir);
    fs::permissions(paths.dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    fs::create_directories(paths.blobs(), ec);
    SecureBytes key = crypto::randomSecret(32);
    auto box = crypto::passphraseSeal(key, view(passphrase));
    if (!box) return tl::unexpected(box.error());
    auto db = storage::Database::open(paths.database(), key, {true, storage::Durability::Normal});
    if (!db) return tl::unexpected(db.error());
    if (auto r = migrateClientSchema(**db); !r) return tl::unexpected(r.error());
    // The key file last: a profile without it is an unfinished one and may be recreated.
    if (auto r = writeSecretFile(paths.keyFile(), *box); !r) return tl::unexpected(r.error());
    return db;
}

Result<std::unique_ptr<storage::Database>> openProfile(const ProfilePaths& paths, std::string_view passphrase) {
    auto box = readAll(paths.keyFile());
    if (!box) return tl::unexpected(box.error());
    auto key = crypto::passphraseOpen(view(*box), view(passphrase));
    if (!key) return fail(ErrorCode::WrongKey, "wrong passphrase (or a damaged profile.key)");
    auto db = storage::Database::open(paths.database(), *key, {false, storage::Durability::Normal});
    if (!db) return tl::unexpected(db.error());
    if (auto r = migrateClientSchema(**db); !r) return tl::unexpected(r.error());
    return db;
}

Result<void> changePassphrase(const ProfilePaths& paths, std::string_view current, std::string_view next) {
    if (next.size() < 8) return fail(ErrorCode::InvalidArgument, "choose a passphrase of at least 8 characters");
    auto box = readAll(paths.keyFile());
    if (!box) return tl::unexpected(box.error());
    auto key = crypto::passphraseOpen(view(*box), view(current));
    if (!key) return fail(ErrorCode::WrongKey, "wrong passphrase");
    auto sealed = crypto::passphraseSeal(*key, view(next));
    if (!sealed) return tl::unexpected(sealed.error());
    const std::string temp = paths.keyFile() + ".new";
    ::unlink(temp.c_str());
    if (auto r = writeSecretFile(temp, *sealed); !r) return r;
    if (::rename(temp.c_str(), paths.keyFile().c_str()) != 0) {
        ::unlink(temp.c_str());
        return fail(ErrorCode::Storage, "cannot replace profile.key");
    }
    return {};
}

DeviceGuard readGuard(const ProfilePaths& paths) {
    DeviceGuard g;
    std::ifstream in(paths.guard());
    std::string key;
    std::uint64_t value = 0;
    while (in >> key >> value) {
        if (key == "max_failed_unlocks") g.maxFailedUnlocks = std::uint32_t(value);
        else if (key == "max_offline_days") g.maxOfflineDays = std::uint32_t(value);
        else if (key == "failures") g.failures = std::uint32_t(value);
        else if (key == "last_contact_ms") g.lastContactMs = value;
    }
    return g;
}

Result<void> writeGuard(const ProfilePaths& paths, const DeviceGuard& g) {
    const std::string tmp = paths.guard() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << "max_failed_unlocks " << g.maxFailedUnlocks << "\nmax_offline_days " << g.maxOfflineDays
            << "\nfailures " << g.failures << "\nlast_contact_ms " << g.lastContactMs << "\n";
        out.flush();
        if (!out) return fail(ErrorCode::Storage, "cannot write the device guard file");
    }
    std::error_code ec;
    fs::rename(tmp, paths.guard(), ec);
    if (ec) return fail(ErrorCode::Storage, "cannot write the device guard file");
    return {};
}

void eraseProfile(const ProfilePaths& paths) {
    std::error_code ec;
    fs::remove(paths.guard(), ec);
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) overwriteAndRemove(paths.database() + suffix);
    overwriteAndRemove(paths.keyFile());
    if (fs::exists(paths.blobs(), ec))
        for (auto& e : fs::directory_iterator(paths.blobs(), ec)) overwriteAndRemove(e.path());
    fs::remove_all(paths.blobs(), ec);
}

}  // namespace verbatim::client

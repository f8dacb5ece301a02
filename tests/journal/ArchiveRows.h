#pragma once
// A compliance archive's database opened beside the archive, for tests that write rows as the
// pull stores them or tamper with what it stored: the journal-archive tests (tests/journal/) and
// the end-to-end compliance tests (tests/e2e/ComplianceParty.h).

#include <QtTest>

#include <memory>
#include <string>
#include <vector>

#include "crypto/Hkdf.h"
#include "crypto/Random.h"
#include "crypto/X25519.h"
#include "storage/Database.h"
#include "verbatim.pb.h"

namespace verbatim::test {

/// The journal key as an archive takes it (a list of one, owned copies).
inline std::vector<crypto::X25519Key> keysOf(ByteView privateKey) {
    std::vector<crypto::X25519Key> keys;
    keys.push_back(*crypto::X25519Key::fromPrivate(privateKey));
    return keys;
}

/// The archive's database at `path`, opened as the archive opens it (its key derived from the
/// first journal key's private half `priv`); null when it cannot be opened. `create`: make the
/// file when it is missing (a test that builds an old archive by hand), else refuse.
inline std::unique_ptr<storage::Database> archiveDatabase(const std::string& path, ByteView priv,
                                                          bool create) {
    auto key = crypto::hkdfSha256(priv, view(std::string_view("verbatim-archive-v1")),
                                  view(std::string_view("archive database key")), 32);
    if (!key) return nullptr;
    storage::OpenOptions o;
    o.create = create;
    auto db = storage::Database::open(path, *key, o);
    return db ? std::move(*db) : nullptr;
}

/// The time every hand-written record carries unless a test gives its own (ms since 1970).
inline constexpr std::uint64_t kRecordTimeMs = 1764300000000ULL;

/// A decrypted record as the pull stores it, and its text in the full-text index the pull keeps
/// beside the records (text, edits, attachment names).
inline void addRecord(storage::Database& db, std::uint64_t seq, const std::string& conversation,
                      const std::string& user, const std::string& recipients,
                      proto::MessageType type, const std::string& body,
                      std::uint64_t timeMs = kRecordTimeMs) {
    auto id = crypto::randomBytes(16);
    auto st = db.prepare("INSERT INTO records (seq, message_id, conversation, user, device, "
                         "recipients, type, time_ms, server_time_ms, body, entry_hash, key_id) "
                         "VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)");
    QVERIFY(st);
    st->bind(1, std::int64_t(seq))
        .bind(2, ByteView(id))
        .bind(3, std::string_view(conversation))
        .bind(4, std::string_view(user))
        .bind(5, std::string_view(recipients))
        .bind(6, std::int64_t(type))
        .bind(7, std::int64_t(timeMs))
        .bind(8, std::int64_t(timeMs))
        .bind(9, ByteView(reinterpret_cast<const std::uint8_t*>(body.data()), body.size()))
        .bind(10, ByteView(id))
        .bind(11, ByteView(id));
    QVERIFY(st->run());
    if (type == proto::TEXT || type == proto::EDIT || type == proto::ATTACHMENT) {
        auto f = db.prepare("INSERT INTO records_fts (rowid, body) VALUES (?, ?)");
        QVERIFY(f);
        f->bind(1, std::int64_t(seq)).bind(2, std::string_view(body));
        QVERIFY(f->run());
    }
}

} // namespace verbatim::test

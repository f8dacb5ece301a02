#include "signal/SqlProtocolStore.h"

namespace verbatim::signal {

namespace {
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE signal_identity_self (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  public_key BLOB NOT NULL,
  private_key BLOB NOT NULL,
  registration_id INTEGER NOT NULL
);
CREATE TABLE signal_identities (
  name TEXT NOT NULL, device INTEGER NOT NULL, key BLOB NOT NULL,
  PRIMARY KEY (name, device)
);
CREATE TABLE signal_sessions (
  name TEXT NOT NULL, device INTEGER NOT NULL, record BLOB NOT NULL,
  PRIMARY KEY (name, device)
);
CREATE TABLE signal_prekeys (id INTEGER PRIMARY KEY, record BLOB NOT NULL);
CREATE TABLE signal_signed_prekeys (id INTEGER PRIMARY KEY, record BLOB NOT NULL);
CREATE TABLE signal_sender_keys (
  group_id TEXT NOT NULL, name TEXT NOT NULL, device INTEGER NOT NULL, record BLOB NOT NULL,
  PRIMARY KEY (group_id, name, device)
);
)sql";

void bindAll(storage::Statement&, int) {}
template <class T, class... Rest>
void bindAll(storage::Statement& st, int i, T&& v, Rest&&... rest) {
    if constexpr (std::is_integral_v<std::decay_t<T>>)
        st.bind(i, std::int64_t(v));
    else
        st.bind(i, v);
    bindAll(st, i + 1, std::forward<Rest>(rest)...);
}
} // namespace

Result<bool> SqlProtocolStore::hasIdentity(storage::Database& db) {
    auto st = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'signal_identity_self'");
    if (!st) return tl::unexpected(st.error());
    auto row = st->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return false;
    auto q = db.prepare("SELECT 1 FROM signal_identity_self WHERE id = 1");
    if (!q) return tl::unexpected(q.error());
    return q->step();
}

Result<std::unique_ptr<SqlProtocolStore>> SqlProtocolStore::open(storage::Database& db,
                                                                 const IdentityKeyPair* newIdentity,
                                                                 std::uint32_t newRegistrationId) {
    // The tables are created when missing rather than through PRAGMA user_version, so that the
    // client and the tests can share one database with other modules' schemas.
    auto exists = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'signal_identity_self'");
    if (!exists) return tl::unexpected(exists.error());
    auto row = exists->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) {
        storage::Transaction tx(db);
        if (auto r = tx.begin(); !r) return tl::unexpected(r.error());
        if (auto r = db.exec(kSchemaV1); !r) return tl::unexpected(r.error());
        if (auto r = tx.commit(); !r) return tl::unexpected(r.error());
    }

    std::unique_ptr<SqlProtocolStore> store(new SqlProtocolStore(db));
    auto st = db.prepare(
        "SELECT public_key, private_key, registration_id FROM signal_identity_self WHERE id = 1");
    if (!st) return tl::unexpected(st.error());
    auto have = st->step();
    if (!have) return tl::unexpected(have.error());
    if (*have) {
        store->m_identity.publicKey = st->columnBlob(0);
        Bytes priv = st->columnBlob(1);
        store->m_identity.privateKey = toSecure(priv);
        secureWipe(priv.data(), priv.size());
        store->m_registrationId = std::uint32_t(st->columnInt(2));
    } else {
        if (!newIdentity) return fail(ErrorCode::NotFound, "database holds no device identity");
        auto ins = db.prepare("INSERT INTO signal_identity_self (id, public_key, private_key, "
                              "registration_id) VALUES (1, ?, ?, ?)");
        if (!ins) return tl::unexpected(ins.error());
        ins->bind(1, newIdentity->publicKey)
            .bind(2, newIdentity->privateKey)
            .bind(3, std::int64_t(newRegistrationId));
        if (auto r = ins->run(); !r) return tl::unexpected(r.error());
        store->m_identity = *newIdentity;
        store->m_registrationId = newRegistrationId;
    }
    return store;
}

Result<std::optional<Bytes>> SqlProtocolStore::loadOne(const char* sql, auto&&... binds) {
    auto st = m_db.prepare(sql);
    if (!st) return tl::unexpected(st.error());
    bindAll(*st, 1, binds...);
    auto row = st->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return std::optional<Bytes>();
    return std::optional<Bytes>(st->columnBlob(0));
}

Result<bool> SqlProtocolStore::changeSome(const char* sql, auto&&... binds) {
    auto st = m_db.prepare(sql);
    if (!st) return tl::unexpected(st.error());
    bindAll(*st, 1, binds...);
    if (auto r = st->run(); !r) return tl::unexpected(r.error());
    return m_db.changes() > 0;
}

Result<IdentityKeyPair> SqlProtocolStore::identityKeyPair() {
    return m_identity;
}
Result<std::uint32_t> SqlProtocolStore::localRegistrationId() {
    return m_registrationId;
}

Result<void> SqlProtocolStore::saveIdentity(const Address& a, ByteView key) {
    auto r =
        changeSome("INSERT OR REPLACE INTO signal_identities (name, device, key) VALUES (?, ?, ?)",
                   std::string_view(a.name), a.deviceId, key);
    if (!r) return tl::unexpected(r.error());
    return {};
}
Result<std::optional<Bytes>> SqlProtocolStore::loadIdentity(const Address& a) {
    return loadOne("SELECT key FROM signal_identities WHERE name = ? AND device = ?",
                   std::string_view(a.name), a.deviceId);
}

Result<void> SqlProtocolStore::deleteIdentity(const Address& a) {
    auto r = changeSome("DELETE FROM signal_identities WHERE name = ? AND device = ?",
                        std::string_view(a.name), a.deviceId);
    if (!r) return tl::unexpected(r.error());
    return {};
}

Result<std::optional<Bytes>> SqlProtocolStore::loadSession(const Address& a) {
    return loadOne("SELECT record FROM signal_sessions WHERE name = ? AND device = ?",
                   std::string_view(a.name), a.deviceId);
}
Result<void> SqlProtocolStore::storeSession(const Address& a, ByteView record) {
    auto r =
        changeSome("INSERT OR REPLACE INTO signal_sessions (name, device, record) VALUES (?, ?, ?)",
                   std::string_view(a.name), a.deviceId, record);
    if (!r) return tl::unexpected(r.error());
    return {};
}
Result<bool> SqlProtocolStore::containsSession(const Address& a) {
    auto r = loadOne("SELECT 1 FROM signal_sessions WHERE name = ? AND device = ?",
                     std::string_view(a.name), a.deviceId);
    if (!r) return tl::unexpected(r.error());
    return r->has_value();
}
Result<bool> SqlProtocolStore::deleteSession(const Address& a) {
    return changeSome("DELETE FROM signal_sessions WHERE name = ? AND device = ?",
                      std::string_view(a.name), a.deviceId);
}
Result<int> SqlProtocolStore::deleteAllSessions(const std::string& name) {
    auto r = changeSome("DELETE FROM signal_sessions WHERE name = ?", std::string_view(name));
    if (!r) return tl::unexpected(r.error());
    return m_db.changes();
}
Result<std::vector<std::int32_t>> SqlProtocolStore::subDeviceSessions(const std::string& name) {
    auto st = m_db.prepare("SELECT device FROM signal_sessions WHERE name = ? AND device != 1");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, std::string_view(name));
    std::vector<std::int32_t> out;
    while (true) {
        auto row = st->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row) break;
        out.push_back(std::int32_t(st->columnInt(0)));
    }
    return out;
}

Result<std::optional<Bytes>> SqlProtocolStore::loadPreKey(std::uint32_t id) {
    return loadOne("SELECT record FROM signal_prekeys WHERE id = ?", id);
}
Result<void> SqlProtocolStore::storePreKey(std::uint32_t id, ByteView record) {
    auto r =
        changeSome("INSERT OR REPLACE INTO signal_prekeys (id, record) VALUES (?, ?)", id, record);
    if (!r) return tl::unexpected(r.error());
    return {};
}
Result<bool> SqlProtocolStore::containsPreKey(std::uint32_t id) {
    auto r = loadOne("SELECT 1 FROM signal_prekeys WHERE id = ?", id);
    if (!r) return tl::unexpected(r.error());
    return r->has_value();
}
Result<bool> SqlProtocolStore::removePreKey(std::uint32_t id) {
    return changeSome("DELETE FROM signal_prekeys WHERE id = ?", id);
}

Result<std::optional<Bytes>> SqlProtocolStore::loadSignedPreKey(std::uint32_t id) {
    return loadOne("SELECT record FROM signal_signed_prekeys WHERE id = ?", id);
}
Result<void> SqlProtocolStore::storeSignedPreKey(std::uint32_t id, ByteView record) {
    auto r = changeSome("INSERT OR REPLACE INTO signal_signed_prekeys (id, record) VALUES (?, ?)",
                        id, record);
    if (!r) return tl::unexpected(r.error());
    return {};
}
Result<bool> SqlProtocolStore::containsSignedPreKey(std::uint32_t id) {
    auto r = loadOne("SELECT 1 FROM signal_signed_prekeys WHERE id = ?", id);
    if (!r) return tl::unexpected(r.error());
    return r->has_value();
}
Result<bool> SqlProtocolStore::removeSignedPreKey(std::uint32_t id) {
    return changeSome("DELETE FROM signal_signed_prekeys WHERE id = ?", id);
}

Result<std::optional<Bytes>> SqlProtocolStore::loadSenderKey(const std::string& g,
                                                             const Address& s) {
    return loadOne(
        "SELECT record FROM signal_sender_keys WHERE group_id = ? AND name = ? AND device = ?",
        std::string_view(g), std::string_view(s.name), s.deviceId);
}
Result<void> SqlProtocolStore::storeSenderKey(const std::string& g, const Address& s,
                                              ByteView record) {
    auto r =
        changeSome("INSERT OR REPLACE INTO signal_sender_keys (group_id, name, device, record) "
                   "VALUES (?, ?, ?, ?)",
                   std::string_view(g), std::string_view(s.name), s.deviceId, record);
    if (!r) return tl::unexpected(r.error());
    return {};
}

} // namespace verbatim::signal

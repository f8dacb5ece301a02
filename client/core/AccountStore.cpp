#include "client/core/AccountStore.h"
#include "common/Try.h"

#include "client/core/CoreUtil.h"

namespace verbatim::client {

AccountStore::AccountStore(storage::Database& db) : m_db(db) {}

Result<std::optional<std::string>> AccountStore::get(const std::string& key) {
    VERBATIM_TRY_LET(st, m_db.cached("SELECT v FROM account WHERE k = ?"));
    st->bind(1, std::string_view(key));
    VERBATIM_TRY_LET(row, st->step());
    if (!*row) return std::optional<std::string>();
    return std::optional<std::string>(str(st->columnBlob(0)));
}

std::string AccountStore::text(const std::string& key) {
    auto v = get(key);
    return v && *v ? **v : std::string();
}

Result<void> AccountStore::set(const std::string& key, ByteView value) {
    VERBATIM_TRY_LET(st, m_db.cached("INSERT INTO account (k, v) VALUES (?, ?) ON CONFLICT (k) DO "
                                     "UPDATE SET v = excluded.v"));
    st->bind(1, std::string_view(key)).bind(2, value);
    return st->run();
}

Result<void> AccountStore::remove(const std::string& key) {
    VERBATIM_TRY_LET(st, m_db.cached("DELETE FROM account WHERE k = ?"));
    st->bind(1, std::string_view(key));
    return st->run();
}

Result<AccountStore::Loaded> AccountStore::load() {
    Loaded out;
    Account& acct = out.account;
    acct.user = text("user");
    if (acct.user.empty()) return fail(ErrorCode::NotFound, "this profile was never registered");
    acct.device = std::uint32_t(std::stoul(text("device")));
    acct.displayName = text("display_name");
    acct.role = text("role");
    acct.relay = text("relay");
    acct.firmFingerprint = text("firm");
    acct.noticeRequired = text("notice_required") == "1";
    acct.noticeAccepted = !text("notice_accepted_ms").empty();
    out.credentials.user = acct.user;
    out.credentials.device = acct.device;
    out.credentials.secret = toSecure(view(text("secret")));
    auto colon = acct.relay.rfind(':');
    if (colon == std::string::npos)
        return fail(ErrorCode::Storage, "damaged relay address in the profile");
    out.endpoint.host = acct.relay.substr(0, colon);
    out.endpoint.port = std::uint16_t(std::stoul(acct.relay.substr(colon + 1)));
    out.endpoint.tlsPin = text("tls_pin");
    out.manifest = text("manifest");
    return out;
}

// This device's journal chain: the entries the relay acknowledged, in order.
Result<journal::DeviceChain> AccountStore::deviceChain() {
    journal::DeviceChain chain;
    auto acked = get("journal_chain_acked");
    VERBATIM_TRY_LET(head, acked ? get("journal_chain_head") : acked);
    if (*acked && *head) {
        chain.acked = std::stoull(**acked);
        if ((*head)->size() != chain.head.size())
            return fail(ErrorCode::Storage, "damaged journal chain state");
        std::copy((*head)->begin(), (*head)->end(), chain.head.begin());
    }
    return chain;
}

Result<void> AccountStore::advanceDeviceChain(ByteView messageId) {
    VERBATIM_TRY_LET(chain, deviceChain());
    return setDeviceChain(chain->next(messageId));
}

Result<void> AccountStore::setDeviceChain(const journal::DeviceChain& chain) {
    if (auto r = set("journal_chain_acked", view(std::to_string(chain.acked))); !r) return r;
    return set("journal_chain_head", ByteView(chain.head.data(), chain.head.size()));
}

// Link secrets are kept as u64(expires_ms) || secret[32] entries under "link_secrets".
std::vector<AccountStore::LinkSecret> AccountStore::linkSecrets(std::uint64_t nowMs) {
    std::vector<LinkSecret> out;
    auto stored = get("link_secrets");
    if (!stored || !*stored) return out;
    ByteReader r(view(**stored));
    while (r.remaining() >= 40) {
        auto exp = r.u64();
        auto sec = r.raw(32);
        if (!exp || !sec) break;
        if (*exp > nowMs) out.push_back({*exp, toSecure(*sec)});
    }
    return out;
}

Result<void> AccountStore::storeLinkSecrets(const std::vector<LinkSecret>& secrets) {
    Bytes bytes;
    for (const auto& s : secrets) {
        appendU64(bytes, s.expiresMs);
        appendRaw(bytes, s.secret);
    }
    auto r = set("link_secrets", bytes);
    secureWipe(bytes.data(), bytes.size());
    return r;
}

Result<void> AccountStore::rememberLinkSecret(const SecureBytes& secret, std::uint64_t expiresMs,
                                              std::uint64_t nowMs) {
    auto secrets = linkSecrets(nowMs);
    secrets.push_back({expiresMs, secret});
    return storeLinkSecrets(secrets);
}

} // namespace verbatim::client

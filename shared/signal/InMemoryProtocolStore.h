#pragma once
/// @file InMemoryProtocolStore.h
/// ProtocolStore in process memory, for tests and benchmarks.

#include <map>

#include "signal/ProtocolStore.h"

namespace verbatim::signal {

class InMemoryProtocolStore final : public ProtocolStore {
public:
    InMemoryProtocolStore(IdentityKeyPair identity, std::uint32_t registrationId)
        : m_identity(std::move(identity)), m_registrationId(registrationId) {}

    Result<IdentityKeyPair> identityKeyPair() override { return m_identity; }
    Result<std::uint32_t> localRegistrationId() override { return m_registrationId; }
    Result<void> saveIdentity(const Address& a, ByteView key) override {
        m_identities[a] = toBytes(key);
        return {};
    }
    Result<std::optional<Bytes>> loadIdentity(const Address& a) override {
        return find(m_identities, a);
    }
    Result<void> deleteIdentity(const Address& a) override {
        m_identities.erase(a);
        return {};
    }

    Result<std::optional<Bytes>> loadSession(const Address& a) override {
        return find(m_sessions, a);
    }
    Result<void> storeSession(const Address& a, ByteView r) override {
        m_sessions[a] = toBytes(r);
        return {};
    }
    Result<bool> containsSession(const Address& a) override { return m_sessions.count(a) > 0; }
    Result<bool> deleteSession(const Address& a) override { return m_sessions.erase(a) > 0; }
    Result<int> deleteAllSessions(const std::string& name) override {
        int n = 0;
        for (auto it = m_sessions.begin(); it != m_sessions.end();)
            if (it->first.name == name) {
                it = m_sessions.erase(it);
                ++n;
            } else {
                ++it;
            }
        return n;
    }
    Result<std::vector<std::int32_t>> subDeviceSessions(const std::string& name) override {
        std::vector<std::int32_t> ids;
        for (auto& [a, r] : m_sessions)
            if (a.name == name && a.deviceId != 1) ids.push_back(a.deviceId);
        return ids;
    }

    Result<std::optional<Bytes>> loadPreKey(std::uint32_t id) override {
        return find(m_preKeys, id);
    }
    Result<void> storePreKey(std::uint32_t id, ByteView r) override {
        m_preKeys[id] = toBytes(r);
        return {};
    }
    Result<bool> containsPreKey(std::uint32_t id) override { return m_preKeys.count(id) > 0; }
    Result<bool> removePreKey(std::uint32_t id) override { return m_preKeys.erase(id) > 0; }

    Result<std::optional<Bytes>> loadSignedPreKey(std::uint32_t id) override {
        return find(m_signedPreKeys, id);
    }
    Result<void> storeSignedPreKey(std::uint32_t id, ByteView r) override {
        m_signedPreKeys[id] = toBytes(r);
        return {};
    }
    Result<bool> containsSignedPreKey(std::uint32_t id) override {
        return m_signedPreKeys.count(id) > 0;
    }
    Result<bool> removeSignedPreKey(std::uint32_t id) override {
        return m_signedPreKeys.erase(id) > 0;
    }

    Result<std::optional<Bytes>> loadSenderKey(const std::string& g, const Address& s) override {
        return find(m_senderKeys, std::pair(g, s));
    }
    Result<void> storeSenderKey(const std::string& g, const Address& s, ByteView r) override {
        m_senderKeys[std::pair(g, s)] = toBytes(r);
        return {};
    }

private:
    template <class Map, class Key> static std::optional<Bytes> find(const Map& m, const Key& k) {
        auto it = m.find(k);
        if (it == m.end()) return std::nullopt;
        return it->second;
    }

    IdentityKeyPair m_identity;
    std::uint32_t m_registrationId;
    std::map<Address, Bytes> m_identities;
    std::map<Address, Bytes> m_sessions;
    std::map<std::uint32_t, Bytes> m_preKeys;
    std::map<std::uint32_t, Bytes> m_signedPreKeys;
    std::map<std::pair<std::string, Address>, Bytes> m_senderKeys;
};

} // namespace verbatim::signal

#pragma once
// A real relay (RelayService + RelayServer on 127.0.0.1:0 with TLS) and real devices talking to
// it over TLS WebSockets, for end-to-end tests.

#include <QTemporaryDir>

#include <condition_variable>
#include <map>
#include <mutex>

#include "client/core/RelayConnection.h"
#include "crypto/X25519.h"
#include "journal/JournalCrypto.h"
#include "relay/core/RelayService.h"
#include "relay/net/RelayServer.h"
#include "signal/InMemoryProtocolStore.h"
#include "signal/SessionManager.h"

namespace verbatim::e2e {

/// One device: Signal state in memory, relay credentials, a connection, and what it received.
class Device {
public:
    std::string user;
    std::uint32_t device = 0;
    std::unique_ptr<signal::InMemoryProtocolStore> store;
    std::unique_ptr<signal::SessionManager> sessions;
    Bytes identityKey;
    std::uint32_t registrationId = 0;
    client::DeviceCredentials credentials;
    std::unique_ptr<client::RelayConnection> connection;

    /// Builds the registration for `token` (keys generated here).
    proto::RegisterDevice registration(const std::string& token, const std::string& name = {});
    /// Connects; pushes are recorded. Returns false when refused.
    Result<void> connect(const client::Endpoint& endpoint);
    void disconnect();

    /// Envelopes received so far (thread-safe copy); waits up to `ms` for at least `count`.
    std::vector<proto::Envelope> waitForEnvelopes(std::size_t count, int ms = 10000);
    std::uint16_t waitForClose(int ms = 5000);
    std::vector<proto::Envelope> envelopes();

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::vector<proto::Envelope> m_received;
    std::uint16_t m_closeCode = 0;
    bool m_closed = false;
    std::shared_ptr<signal::SignalContext> m_ctx;
    friend class Harness;
};

class Harness {
public:
    /// Starts the relay. `tweak` may adjust the server config (limits) before start.
    explicit Harness(std::function<void(relay::ServerConfig&)> tweak = {});
    ~Harness();

    bool ok() const { return m_ok; }
    client::Endpoint endpoint() const;
    relay::RelayService& service() { return *m_service; }
    relay::RelayServer& server() { return *m_server; }
    const crypto::X25519Key& journalKey() const { return *m_journalKey; }
    const crypto::Ed25519KeyPair& relayKey() const { return m_config.relayKey; }
    QString dataDir() const { return m_dir.path(); }
    /// Stops the server and service (for restart tests); restart() brings them back on the same
    /// database and port.
    void stop();
    bool restart();

    /// A staff user with one registered device.
    std::unique_ptr<Device> enrollStaff(const std::string& user, proto::Role role);
    /// Another device for an existing staff user.
    std::unique_ptr<Device> addDevice(const std::string& user);
    /// A client joining `matter` (title) through an invite from `lawyer`.
    std::unique_ptr<Device> inviteClient(const std::string& lawyer, const std::string& matter,
                                         std::string* conversationId);

    /// Makes sure `from` has sessions with every device in the conversation and builds a
    /// SendMessage for `text` with a real sealed journal entry. `record` receives the record.
    proto::SendMessage buildSend(Device& from, const std::string& conversationId, const std::string& text,
                                 proto::JournalRecord* record = nullptr);
    /// Decrypts an envelope received by `to` and returns the record, checking the commitment.
    Result<proto::JournalRecord> open(Device& to, const proto::Envelope& envelope);

private:
    std::unique_ptr<Device> registerWith(const std::string& token, const std::string& name);
    bool startRelay();

    QTemporaryDir m_dir;
    std::shared_ptr<signal::SignalContext> m_ctx;
    std::optional<crypto::X25519Key> m_journalKey;
    relay::RelayConfig m_config;
    relay::ServerConfig m_serverConfig;
    SecureBytes m_dbKey;
    std::unique_ptr<relay::RelayService> m_service;
    std::unique_ptr<relay::RelayServer> m_server;
    std::string m_pin;
    std::map<std::string, std::uint32_t> m_preKeyIds;
    bool m_ok = false;
};

}  // namespace verbatim::e2e

#pragma once
/// @file RelayFixture.h
/// A RelayService on a SQLCipher database in a temporary folder, with real Signal devices, for
/// the relay core tests (TESTPLAN B5, B6, B3 ES-01/02/07, B8 DL-01). With VERBATIM_TEST_STORE=
/// postgresql in the environment the relay runs on the PostgreSQL store instead (issue 20): a new
/// database in the test process's throwaway cluster (PgCluster.h); a cluster that cannot start
/// fails create() saying why.
///
/// The fixture generates a journal X25519 key pair (whose private half only the test holds, as
/// compliance would), a relay Ed25519 key and the relay's journal identity (the Signal key that
/// signs its ADMIN_ACTION entries, config().relayIdentityPublic); it enrolls staff users,
/// registers devices with real identities, signed pre-keys and one-time pre-keys, lets clients
/// join by invite, and builds valid sends: pairwise Signal encryption per recipient device plus a journal entry
/// sealed to the journal key and signed by the sender device. Every wait is bounded by
/// kTimeout, so a relay that never answers fails the test instead of hanging it.
/// Test-only code. A TestDevice's Signal state is used from one thread at a time; call() and
/// registerRaw() may be used from many threads at once.

#include <QTemporaryDir>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "crypto/Ed25519.h"
#include "crypto/X25519.h"
#include "journal/JournalCrypto.h"
#include "relay/core/RelayService.h"
#include "signal/InMemoryProtocolStore.h"
#include "signal/SessionManager.h"
#include "signal/SignalContext.h"
#include "storage/Database.h"
#include "wire.pb.h"

namespace verbatim::relay {

/// Upper bound for every wait on the relay (a callback, a push, a close).
inline constexpr std::chrono::milliseconds kTimeout{10000};

/// `service.handle()` waited for (kTimeout): a relay node of the test's own, beside a fixture's.
/// On timeout the answer is STATUS_INTERNAL with error "test: timed out waiting for the relay"
/// and `*timedOut` (when given) turns true.
proto::Response callService(RelayService& service, const DeviceId& from, proto::Request request,
                            bool* timedOut = nullptr);

/// A PushSink that records what the relay pushes. push() and close() run on the storage thread;
/// the accessors on the test thread. Thread-safe.
class FakeSink final : public PushSink {
public:
    bool push(const proto::Frame& frame) override;
    void close(std::uint16_t code, const char* reason) override;

    /// While set, push() returns false (a slow reader over its limit). A closed sink refuses too.
    void setRefuse(bool refuse);

    std::vector<proto::Frame> frames() const;
    /// The envelope pushes, in arrival order.
    std::vector<proto::Envelope> envelopes() const;
    /// The remaining counts of pre_keys_low pushes, in arrival order.
    std::vector<std::uint32_t> preKeysLow() const;
    /// push() calls, including refused ones.
    std::size_t pushAttempts() const;
    std::optional<std::uint16_t> closeCode() const;

    /// Waits until at least `count` envelopes were accepted; false on timeout.
    bool waitForEnvelopes(std::size_t count, std::chrono::milliseconds timeout = kTimeout) const;
    /// Waits until at least `count` frames were accepted; false on timeout.
    bool waitForFrames(std::size_t count, std::chrono::milliseconds timeout = kTimeout) const;
    /// Waits until close() was called; false on timeout.
    bool waitForClose(std::chrono::milliseconds timeout = kTimeout) const;

private:
    mutable std::mutex m_mutex;
    mutable std::condition_variable m_cv;
    std::vector<proto::Frame> m_frames;
    std::size_t m_attempts = 0;
    bool m_refuse = false;
    std::optional<std::uint16_t> m_closeCode;
};

/// A device as a client app holds it: Signal identity and sessions, the device secret, and
/// (once registered and authenticated) its relay identity.
struct TestDevice {
    std::unique_ptr<signal::InMemoryProtocolStore> store;
    std::unique_ptr<signal::SessionManager> sessions;
    Bytes identityKey; ///< 33 bytes
    std::uint32_t registrationId = 0;
    signal::SignedPreKeyPublic signedPreKey;
    std::vector<signal::PreKeyPublic> preKeys;
    Bytes secret; ///< the 32-byte device secret
    DeviceId id;  ///< filled by registration (user, device, role) and authentication

    const std::string& user() const { return id.user; }
    std::uint32_t device() const { return id.device; }
    signal::Address address() const { return {id.user, std::int32_t(id.device)}; }
    proto::DeviceAddress deviceAddress() const;
    /// Signs as this device (for journal entries).
    journal::Signer signer();
};

/// A send as a client builds it, with what went into it.
struct OutgoingMessage {
    proto::SendMessage send;
    proto::JournalRecord record; ///< what was journaled (and sent end-to-end)
    journal::SealedEntry entry;
};

/// The outcome of a registerDevice() call.
struct Registration {
    bool answered = false; ///< false: the callback did not run within kTimeout
    Result<proto::Registered> result = fail(ErrorCode::Internal, "no answer");
    std::uint64_t retryAfterMs = 0;
    /// The status the relay chose (Error::detail), 0 on success.
    int status() const { return result ? 0 : result.error().detail; }
};

class RelayFixture {
public:
    using ConfigTweak = std::function<void(RelayConfig&)>;

    /// Opens a relay on a new database. `tweak` adjusts the configuration (limits, pages).
    [[nodiscard]] static Result<std::unique_ptr<RelayFixture>> create(ConfigTweak tweak = {});
    ~RelayFixture();
    RelayFixture(const RelayFixture&) = delete;
    RelayFixture& operator=(const RelayFixture&) = delete;

    RelayService& service() const { return *m_service; }
    const RelayConfig& config() const { return m_config; }
    const crypto::X25519Key& journalKey() const { return *m_journalKey; }
    /// The folder holding the relay database and its -wal/-shm files (and nothing else).
    QString databaseFolder() const;
    signal::SignalContext& signalContext() const { return *m_signal; }

    /// True when this fixture's relay runs on the PostgreSQL store (VERBATIM_TEST_STORE).
    bool onPostgres() const { return !m_pgUrl.empty(); }
    static bool postgresRequested();
    /// The PostgreSQL store's URL ("" on SQLCipher).
    const std::string& postgresUrl() const { return m_pgUrl; }

    /// Runs `sql` on a second connection to the relay database, as `verbatim-relay admin` does
    /// from its own process beside a running relay.
    [[nodiscard]] Result<void> writeAsAnotherProcess(const std::string& sql);

    /// From the next restart() on, the relay checkpoints its WAL on a second connection every
    /// `interval` (as `verbatim-relay serve` does) instead of inside commits.
    void useBackgroundCheckpoint(std::chrono::milliseconds interval);

    /// Destroys the service (finishing queued work) and reopens it on the same database file.
    [[nodiscard]] Result<void> restart();

    // ---- administration ----------------------------------------------------------------------
    [[nodiscard]] Result<void> createUser(const std::string& user, proto::Role role);
    [[nodiscard]] Result<std::string> enrollmentToken(const std::string& user,
                                                      std::uint64_t ttlMs = 3600 * 1000);

    // ---- devices --------------------------------------------------------------------------------
    /// A new device with a fresh identity, signed pre-key 1 and `preKeyCount` one-time pre-keys
    /// (ids from 1), not registered. The fixture owns it.
    [[nodiscard]] Result<TestDevice*> newDevice(unsigned preKeyCount = 20);
    /// The registration request a client would send for `device` with `token`.
    proto::RegisterDevice registerRequest(const TestDevice& device, const std::string& token) const;
    /// registerDevice() from `address`, waited for. Thread-safe.
    Registration registerRaw(const proto::RegisterDevice& request, const std::string& address);
    /// A client address not used before (each registration gets its own rate-limit bucket).
    std::string freshAddress();
    /// Registers `device` with `token` and authenticates it.
    [[nodiscard]] Result<void> registerAndAuthenticate(TestDevice& device,
                                                       const std::string& token);
    /// authenticate(), waited for.
    Result<DeviceId> authenticate(const std::string& user, std::uint32_t device, ByteView secret);

    /// createUser + enrollment token + a registered, authenticated device.
    [[nodiscard]] Result<TestDevice*> enroll(const std::string& user, proto::Role role,
                                             unsigned preKeyCount = 20);
    /// Another device of an existing staff user.
    [[nodiscard]] Result<TestDevice*> addDevice(const std::string& user, unsigned preKeyCount = 20);
    /// `inviter` creates an invite to `conversation`; a new client device redeems it.
    [[nodiscard]] Result<TestDevice*> joinByInvite(TestDevice& inviter,
                                                   const std::string& conversation);
    /// The registered device `user`/`device` of this fixture, or nullptr.
    TestDevice* find(const std::string& user, std::uint32_t device) const;

    // ---- requests -------------------------------------------------------------------------------
    /// handle() waited for. On timeout the answer is STATUS_INTERNAL with error "test: timed
    /// out" and timedOut() turns true. Thread-safe.
    proto::Response call(const DeviceId& from, proto::Request request);
    proto::Response call(const TestDevice& from, proto::Request request) {
        return call(from.id, std::move(request));
    }
    bool timedOut() const { return m_timedOut; }

    [[nodiscard]] Result<std::string> createConversation(TestDevice& creator,
                                                         const std::string& title,
                                                         const std::vector<std::string>& members,
                                                         bool matter = true);
    /// Attaches a new FakeSink for `device` and waits until its queue is drained and it is live.
    std::shared_ptr<FakeSink> connect(const TestDevice& device);
    /// Waits until everything posted to the storage thread so far (jobs, their completions,
    /// drains of up to 16 pages) has run.
    void settle();

    // ---- sending --------------------------------------------------------------------------------
    /// Starts Signal sessions from `from` to every device in `to` that it has none with, from
    /// bundles fetched through the relay.
    [[nodiscard]] Result<void> ensureSessions(TestDevice& from, const std::vector<TestDevice*>& to);
    /// A valid send of `body` to exactly the devices `to`.
    [[nodiscard]] Result<OutgoingMessage> buildSend(TestDevice& sender,
                                                    const std::string& conversation,
                                                    const std::string& body,
                                                    const std::vector<TestDevice*>& to);
    /// A valid send to the conversation's current devices (asked of the relay), but the sender's.
    [[nodiscard]] Result<OutgoingMessage> buildSendToMembers(TestDevice& sender,
                                                             const std::string& conversation,
                                                             const std::string& body);
    /// The journal record for a message from `sender` (fresh message id and commitment key).
    proto::JournalRecord makeRecord(const TestDevice& sender, const std::string& conversation,
                                    const std::string& body,
                                    const std::vector<TestDevice*>& to) const;
    /// The conversation's current devices other than `sender`, as fixture devices.
    [[nodiscard]] Result<std::vector<TestDevice*>>
    currentRecipients(TestDevice& sender, const std::string& conversation);
    /// Decrypts an envelope at `recipient` and parses the end-to-end payload (the record).
    [[nodiscard]] Result<proto::JournalRecord> open(TestDevice& recipient,
                                                    const proto::Envelope& envelope);
    static proto::Request sendRequest(const proto::SendMessage& send);

    // ---- database inspection (through the service's own connection) -----------------------------
    /// The first column of the first row of `sql` as an integer; -1 when the query fails.
    std::int64_t scalar(const std::string& sql);
    /// Like scalar(), on a copy of the database file alone, without its WAL: what has been
    /// checkpointed into the file so far.
    std::int64_t scalarInCheckpointedFile(const std::string& sql);
    /// Every cell of every table, as bytes (decrypted view of the relay's store; on PostgreSQL
    /// every column of the database, text and numbers as UTF-8).
    std::vector<Bytes> allCells();
    /// Runs `fn` on the storage thread between batches.
    void onStorage(const std::function<void(storage::Database&)>& fn);

private:
    RelayFixture() = default;
    [[nodiscard]] Result<void> openService();

    QTemporaryDir m_dir;
    std::string m_dbPath;
    std::string m_pgUrl; ///< the PostgreSQL store, when the relay runs on one
    SecureBytes m_dbKey;
    std::optional<crypto::X25519Key> m_journalKey;
    RelayConfig m_config;
    std::unique_ptr<RelayService> m_service;
    std::shared_ptr<signal::SignalContext> m_signal;
    mutable std::mutex m_devicesMutex;
    std::vector<std::unique_ptr<TestDevice>> m_devices;
    std::atomic<unsigned> m_addressCounter{0};
    std::atomic<bool> m_timedOut{false};
};

/// Bytes of a std::string (protobuf bytes fields).
inline Bytes bytesOf(const std::string& s) {
    return Bytes(s.begin(), s.end());
}
inline std::string stringOf(ByteView b) {
    return std::string(b.begin(), b.end());
}
/// The token of a verbatim:// link ("" when it has none).
std::string tokenFromLink(const std::string& link);
/// True when `needle` occurs in `haystack`.
bool containsBytes(ByteView haystack, ByteView needle);
/// Every regular file under `folder` (recursively) that contains `needle`.
std::vector<std::string> filesContaining(const QString& folder, ByteView needle);

} // namespace verbatim::relay

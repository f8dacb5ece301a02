// Over 600 lines on purpose: the one fixture every end-to-end test links (E2EHarness.h): the
// relay it starts, its devices and the sends, pulls and checks the tests share, so that no test
// keeps its own copy of them.

#include "E2EHarness.h"
#include "common/Try.h"

#include "client/core/BundleConversion.h"
#include "journal/DeviceApproval.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QtGlobal>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "crypto/Ed25519.h"
#include "crypto/Random.h"
#include "journal/FirmManifest.h"

#include "relay/net/TlsCert.h"
#include <QDir>
#include <algorithm>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace verbatim::e2e {

namespace {
std::string str(ByteView b) {
    return std::string(b.begin(), b.end());
}
std::string tokenOf(const std::string& link) {
    auto p = link.find("token=");
    return link.substr(p + 6, 32);
}
} // namespace

proto::RegisterDevice Device::registration(const std::string& token, const std::string& name) {
    auto id = *signal::SessionManager::generateIdentity(*m_ctx);
    identityKey = id.publicKey;
    registrationId = *signal::SessionManager::generateRegistrationId(*m_ctx);
    store = std::make_unique<signal::InMemoryProtocolStore>(std::move(id), registrationId);
    sessions = std::move(*signal::SessionManager::create(m_ctx, *store));
    auto spk = *sessions->generateSignedPreKey(1);
    auto pks = *sessions->generatePreKeys(1, 50);
    credentials.secret = crypto::randomSecret(32);
    proto::RegisterDevice r;
    r.set_token(token);
    r.set_device_secret(str(credentials.secret));
    r.set_registration_id(registrationId);
    r.set_identity_key(str(identityKey));
    r.mutable_signed_pre_key()->set_id(spk.id);
    r.mutable_signed_pre_key()->set_public_key(str(spk.publicKey));
    r.mutable_signed_pre_key()->set_signature(str(spk.signature));
    for (auto& pk : pks) {
        auto* p = r.add_pre_keys();
        p->set_id(pk.id);
        p->set_public_key(str(pk.publicKey));
    }
    r.set_platform("test");
    r.set_app_version("0.1.0");
    r.set_display_name(name);
    return r;
}

Result<void> Device::connect(const client::Endpoint& endpoint) {
    {
        std::lock_guard lock(m_mutex);
        m_closed = false;
        m_closeCode = 0;
    }
    credentials.user = user;
    credentials.device = device;
    auto conn = client::RelayConnection::connect(
        endpoint, credentials,
        [this](const proto::Push& p) {
            std::lock_guard lock(m_mutex);
            if (p.has_envelope()) m_received.push_back(p.envelope());
            if (p.kind_case() == proto::Push::kWipeCommand) m_wipes.push_back(p.wipe_command());
            if (p.has_conversation_changed())
                m_conversationChanges.push_back(p.conversation_changed());
            m_cv.notify_all();
        },
        [this](std::uint16_t code, const std::string&) {
            std::lock_guard lock(m_mutex);
            m_closed = true;
            m_closeCode = code;
            m_cv.notify_all();
        });
    if (!conn) return tl::unexpected(conn.error());
    connection = std::move(*conn);
    return {};
}

void Device::disconnect() {
    if (connection) connection->close();
    connection.reset();
}

std::vector<proto::Envelope> Device::waitForEnvelopes(std::size_t count, int ms) {
    std::unique_lock lock(m_mutex);
    m_cv.wait_for(lock, std::chrono::milliseconds(ms), [&] { return m_received.size() >= count; });
    return m_received;
}

std::vector<proto::Envelope> Device::envelopes() {
    std::lock_guard lock(m_mutex);
    return m_received;
}

std::vector<proto::Conversation> Device::waitForConversationChanges(std::size_t count, int ms) {
    std::unique_lock lock(m_mutex);
    m_cv.wait_for(lock, std::chrono::milliseconds(ms),
                  [&] { return m_conversationChanges.size() >= count; });
    return m_conversationChanges;
}

std::vector<std::string> Device::waitForWipe(int ms) {
    std::unique_lock lock(m_mutex);
    m_cv.wait_for(lock, std::chrono::milliseconds(ms), [&] { return !m_wipes.empty(); });
    return m_wipes;
}

std::uint16_t Device::waitForClose(int ms) {
    std::unique_lock lock(m_mutex);
    m_cv.wait_for(lock, std::chrono::milliseconds(ms), [&] { return m_closed; });
    return m_closed ? m_closeCode : 0xFFFF;
}

namespace {
// A free TCP port on 127.0.0.1 (bound and released), so that the relay's links can name it
// before the server starts.
std::uint16_t freePort() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    std::uint16_t port = 0;
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0) ::close(fd);
    return port;
}
} // namespace

Harness::Harness(std::function<void(relay::ServerConfig&)> tweak,
                 std::function<void(relay::RelayConfig&)> tweakRelay) {
    if (!m_dir.isValid()) return;
    m_ctx = *signal::SignalContext::create();
    m_journalKey.emplace(std::move(*crypto::X25519Key::generate()));
    m_config.journalPublicKey = m_journalKey->publicKey();
    m_config.relayKey = *crypto::ed25519Generate();
    auto relayIdentity = *signal::SessionManager::generateIdentity(*m_ctx);
    m_config.relayIdentityPublic = relayIdentity.publicKey;
    m_config.relayIdentityPrivate = std::move(relayIdentity.privateKey);
    m_config.checkpointEvery = 16;
    std::string cert = (m_dir.path() + "/tls.crt").toStdString(),
                key = (m_dir.path() + "/tls.key").toStdString();
    if (!relay::generateSelfSignedCertificate(cert, key, "localhost")) return;
    m_pin = *relay::certificateFingerprint(cert);
    m_config.tlsPin = m_pin;
    // A firm manifest signed by a throwaway root key, as `verbatim-relay init` makes it.
    auto root = crypto::ed25519Generate();
    if (!root) return;
    m_root = std::move(*root);
    m_journalPublics.push_back(m_journalKey->publicKey());
    // The manifest names the relay's address (issue 15 break 8), so the port is chosen first.
    m_serverConfig.certFile = cert;
    m_serverConfig.keyFile = key;
    if (tweak) tweak(m_serverConfig);
    // ctest runs some suites again on several network threads (tests/e2e/CMakeLists.txt).
    if (const int n = qEnvironmentVariableIntValue("VERBATIM_TEST_IO_THREADS"); n > 0)
        m_serverConfig.ioThreads = n;
    if (m_serverConfig.port == 0) m_serverConfig.port = freePort();
    if (!signManifest(*m_root)) return;
    m_config.firmFingerprint = journal::firmFingerprint(m_root->publicKey);
    // Most tests send raw from invited clients without a notice acceptance: consent is enforced
    // where a test asks for it (tst_consent), as it is by default in every real relay.
    m_config.requireNoticeAcceptance = false;
    if (tweakRelay) tweakRelay(m_config);
    m_dbKey = crypto::randomSecret(32);
    m_ok = startRelay();
}

bool Harness::startRelay() {
    if (m_serverConfig.port == 0) m_serverConfig.port = freePort();
    m_config.publicAddress = "127.0.0.1:" + std::to_string(m_serverConfig.port);
    if (!m_serverConfig.blobDir.size()) {
        m_serverConfig.blobDir = (m_dir.path() + "/blobs").toStdString();
        QDir().mkpath(QString::fromStdString(m_serverConfig.blobDir));
    }
    auto db = storage::Database::open((m_dir.path() + "/relay.db").toStdString(), m_dbKey);
    if (!db) return false;
    relay::RelayConfig served = m_config;
    if (m_servedTweak) m_servedTweak(served);
    auto service = relay::RelayService::open(std::move(*db), served);
    if (!service) return false;
    m_service = std::move(*service);
    auto server = relay::RelayServer::start(*m_service, m_serverConfig);
    if (!server) return false;
    m_server = std::move(*server);
    m_serverConfig.port = m_server->port(); // a restart reuses the port
    return true;
}

Harness::~Harness() {
    stop();
}

void Harness::stop() {
    if (m_server) m_server->stop();
    m_server.reset();
    m_service.reset();
}

bool Harness::restart() {
    stop();
    return startRelay();
}

bool Harness::signManifest(const crypto::Ed25519KeyPair& root) {
    journal::FirmManifest manifest;
    manifest.firmName = "Test Firm LLP";
    manifest.relayAddress = "127.0.0.1:" + std::to_string(m_serverConfig.port);
    manifest.relayAddresses = m_relayAddresses.empty()
                                  ? std::vector<std::string>{manifest.relayAddress}
                                  : m_relayAddresses;
    manifest.tlsKeyPins = m_tlsKeyPins;
    manifest.issuedMs = 1764300000000ULL + ++m_manifestSerial;
    manifest.policy = m_policy;
    manifest.relayPublicKey = m_config.relayKey.publicKey;
    manifest.relayIdentityKey = m_config.relayIdentityPublic;
    for (const auto& k : m_journalPublics)
        manifest.journalKeys.push_back({k, manifest.issuedMs});
    if (m_manifestTweak) m_manifestTweak(manifest);
    if (!manifest.sign(root.privateKey)) return false;
    m_config.firmManifest = manifest.serialize();
    m_config.journalPublicKey = m_journalPublics.back();
    return true;
}

const crypto::X25519Key& Harness::rotateJournalKey() {
    m_oldJournalKeys.push_back(std::move(*m_journalKey));
    m_journalKey.emplace(std::move(*crypto::X25519Key::generate()));
    m_journalPublics.push_back(m_journalKey->publicKey());
    signManifest(*m_root);
    return *m_journalKey;
}

void Harness::setDevicePolicy(std::uint32_t maxFailedUnlocks, std::uint32_t maxOfflineDays) {
    m_policy = {maxFailedUnlocks, maxOfflineDays};
    signManifest(*m_root);
}

void Harness::setManifestTweak(std::function<void(journal::FirmManifest&)> tweak) {
    m_manifestTweak = std::move(tweak);
    signManifest(*m_root);
}

void Harness::setManifestRelays(std::vector<std::string> addresses, std::vector<Bytes> tlsKeyPins) {
    m_relayAddresses = std::move(addresses);
    m_tlsKeyPins = std::move(tlsKeyPins);
    signManifest(*m_root);
}

void Harness::serveForeignManifest() {
    auto rogue = crypto::ed25519Generate();
    m_oldJournalKeys.push_back(std::move(*m_journalKey));
    m_journalKey.emplace(std::move(*crypto::X25519Key::generate()));
    m_journalPublics.push_back(m_journalKey->publicKey());
    signManifest(*rogue);
}

client::Endpoint Harness::endpoint() const {
    return {"127.0.0.1", m_server->port(), m_pin};
}

std::string Harness::link(const std::string& kind, const std::string& token) const {
    // As the relay makes them: `mv` names the manifest served now (the oldest a joiner accepts).
    auto manifest = journal::FirmManifest::parse(m_config.firmManifest);
    return "verbatim://" + kind + "?relay=127.0.0.1:" + std::to_string(m_server->port()) +
           "&token=" + token + "&firm=" + m_config.firmFingerprint + "&tls=" + m_pin +
           (manifest ? "&mv=" + std::to_string(manifest->issuedMs) : "");
}

std::string Harness::enrollLink(const std::string& user, proto::Role role) {
    auto users = m_service->listUsers();
    bool exists =
        users && std::any_of(users->begin(), users->end(), [&](auto& u) { return u.id == user; });
    if (!exists && !m_service->createUser(user, role, user, "test")) return {};
    auto token = m_service->createEnrollmentToken(user, 3600 * 1000, "test");
    return token ? link("enroll", *token) : std::string();
}

std::string Harness::inviteLink(const std::string& lawyer, const std::string& matter) {
    auto l = m_service->inviteToMatter(lawyer, matter, 3600 * 1000);
    return l ? link("join", tokenOf(*l)) : std::string();
}

std::unique_ptr<Device> Harness::registerWith(const std::string& token, const std::string& name) {
    auto d = std::make_unique<Device>();
    d->m_ctx = m_ctx;
    auto reg = client::RelayConnection::registerDevice(endpoint(), d->registration(token, name));
    if (!reg) {
        qWarning("registration failed: %s", reg.error().message.c_str());
        return nullptr;
    }
    d->user = reg->user();
    d->device = reg->device();
    return d;
}

std::unique_ptr<Device> Harness::enrollStaff(const std::string& user, proto::Role role) {
    if (!m_service->createUser(user, role, user, "test")) return nullptr;
    return addDevice(user);
}

std::unique_ptr<Device> Harness::addDevice(const std::string& user, Device* approver) {
    auto token = m_service->createEnrollmentToken(user, 3600 * 1000, "test");
    if (!token) return nullptr;
    auto d = registerWith(*token, user);
    if (d && approver)
        if (auto r = approve(*approver, *d); !r) {
            qWarning("approval failed: %s", r.error().message.c_str());
            return nullptr;
        }
    return d;
}

Result<void> Harness::approve(Device& approver, const Device& device) {
    auto approval = journal::DeviceApproval::make(
        device.user, device.device, device.identityKey, approver.device, 1764300000000ULL,
        [&](ByteView m) { return approver.sessions->sign(m); });
    if (!approval) return tl::unexpected(approval.error());
    proto::Request req;
    req.mutable_approve_device()->set_approval(str(approval->serialize()));
    std::unique_ptr<client::RelayConnection> temporary;
    client::RelayConnection* via = approver.connection.get();
    if (!via || !via->isOpen()) {
        client::DeviceCredentials creds = approver.credentials;
        creds.user = approver.user;
        creds.device = approver.device;
        auto c = client::RelayConnection::connect(endpoint(), creds, [](const proto::Push&) {});
        if (!c) return tl::unexpected(c.error());
        temporary = std::move(*c);
        via = temporary.get();
    }
    auto resp = via->call(req);
    if (!resp) return tl::unexpected(resp.error());
    if (resp->status() != proto::STATUS_OK)
        return fail(ErrorCode::AuthFailed, "approval refused: " + resp->error());
    return {};
}

std::unique_ptr<Device> Harness::inviteClient(const std::string& lawyer, const std::string& matter,
                                              std::string* conversationId) {
    auto link = m_service->inviteToMatter(lawyer, matter, 3600 * 1000);
    if (!link) return nullptr;
    auto d = std::make_unique<Device>();
    d->m_ctx = m_ctx;
    auto reg = client::RelayConnection::registerDevice(endpoint(),
                                                       d->registration(tokenOf(*link), "Client"));
    if (!reg) {
        qWarning("client registration failed: %s", reg.error().message.c_str());
        return nullptr;
    }
    d->user = reg->user();
    d->device = reg->device();
    if (conversationId) *conversationId = reg->conversation_id();
    return d;
}

proto::SendMessage Harness::buildSend(Device& from, const std::string& conversationId,
                                      const std::string& text, proto::JournalRecord* recordOut) {
    return e2e::buildSend(from, conversationId, text, m_journalKey->publicKey(), recordOut);
}

Result<proto::JournalRecord> Harness::open(Device& to, const proto::Envelope& e) {
    return openEnvelope(to, e);
}

void ensureSessions(Device& from, const std::vector<proto::DeviceAddress>& devices) {
    std::set<std::string> fetched;
    for (const auto& d : devices) {
        if (from.sessions->hasSession({d.user(), std::int32_t(d.device())}) ||
            !fetched.insert(d.user()).second)
            continue;
        proto::Request fb;
        fb.mutable_fetch_bundles()->set_user(d.user());
        auto bundles = from.connection->call(fb);
        if (!bundles || !bundles->has_bundles()) continue;
        for (const auto& b : bundles->bundles().devices()) {
            signal::Address a{d.user(), std::int32_t(b.device())};
            if (from.sessions->hasSession(a)) continue;
            (void)from.sessions->processBundle(a, client::toPreKeyBundle(b));
        }
    }
}

std::unique_ptr<Device> registerAt(const client::Endpoint& endpoint,
                                   std::shared_ptr<signal::SignalContext> ctx,
                                   const std::string& token, const std::string& name,
                                   std::string* conversation) {
    auto d = Device::create(std::move(ctx));
    auto reg = client::RelayConnection::registerDevice(endpoint, d->registration(token, name));
    if (!reg) return nullptr;
    d->user = reg->user();
    d->device = reg->device();
    if (conversation) *conversation = reg->conversation_id();
    return d;
}

std::uint16_t freeLoopbackPort() {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
}

std::string linkToken(const std::string& link) {
    auto p = link.find("token=");
    return p == std::string::npos ? std::string() : link.substr(p + 6, 32);
}

std::string adminMetrics(std::uint16_t adminPort) {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket admin(ioc);
    boost::system::error_code ec;
    admin.connect({boost::asio::ip::make_address("127.0.0.1"), adminPort}, ec);
    if (ec) return {};
    const std::string request = "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n";
    boost::asio::write(admin, boost::asio::buffer(request), ec);
    std::string body;
    char buf[4096];
    while (!ec) // the listener closes the connection after its answer
        body.append(buf, admin.read_some(boost::asio::buffer(buf), ec));
    return body;
}

long long metric(std::uint16_t adminPort, const std::string& name) {
    const auto body = adminMetrics(adminPort);
    const auto at = body.find("\n" + name + " ");
    return at == std::string::npos ? -1 : std::stoll(body.substr(at + name.size() + 2));
}

bool connectMatter(Harness& h, const std::string& lawyer, const std::string& matter,
                   ConnectedMatter& out) {
    out.lawyer = h.enrollStaff(lawyer, proto::ROLE_LAWYER);
    out.client = h.inviteClient(lawyer, matter, &out.conv);
    return out.lawyer && out.client && out.lawyer->connect(h.endpoint()) &&
           out.client->connect(h.endpoint());
}

bool sendNumbered(Harness& h, Device& from, const std::string& conv, const std::string& prefix,
                  int count) {
    for (int i = 0; i < count; ++i) {
        proto::Request req;
        *req.mutable_send() = h.buildSend(from, conv, prefix + std::to_string(i));
        auto res = from.connection->call(req);
        if (!res || res->status() != proto::STATUS_OK) return false;
    }
    return true;
}

Result<PulledChain> pullJournalChain(Device& officer) {
    PulledChain out;
    std::uint64_t after = 0;
    while (true) {
        proto::Request pull;
        pull.mutable_pull_journal()->set_after_sequence(after);
        pull.mutable_pull_journal()->set_limit(1000);
        auto page = officer.connection->call(pull);
        if (!page || page->status() != proto::STATUS_OK)
            return fail(ErrorCode::Storage, "journal pull failed");
        for (const auto& c : page->journal_page().checkpoints()) {
            auto cp = journal::Checkpoint::parse(view(c));
            if (!cp) return tl::unexpected(cp.error());
            out.checkpoints.push_back(*cp);
        }
        if (page->journal_page().rows_size() == 0) break;
        for (const auto& r : page->journal_page().rows()) {
            journal::ChainHash ch{};
            if (r.chain_hash().size() != ch.size())
                return fail(ErrorCode::Malformed, "chain hash size");
            std::copy(r.chain_hash().begin(), r.chain_hash().end(), ch.begin());
            out.items.push_back({r.sequence(), toBytes(view(r.entry())), ch});
            after = r.sequence();
        }
    }
    auto bySeq = [](const auto& a, const auto& b) { return a.sequence < b.sequence; };
    std::sort(out.checkpoints.begin(), out.checkpoints.end(), bySeq);
    out.checkpoints.erase(
        std::unique(out.checkpoints.begin(), out.checkpoints.end(),
                    [](const auto& a, const auto& b) { return a.sequence == b.sequence; }),
        out.checkpoints.end());
    return out;
}

Result<std::vector<journal::SealedEntry>> pullJournalEntries(Device& officer) {
    VERBATIM_TRY_LET(chain, pullJournalChain(officer));
    std::vector<journal::SealedEntry> out;
    for (const auto& item : chain->items) {
        VERBATIM_TRY_LET(sealed, journal::SealedEntry::parse(item.entry));
        out.push_back(std::move(*sealed));
    }
    return out;
}

proto::SendMessage buildSend(Device& from, const std::string& conversationId,
                             const std::string& text, ByteView journalPublicKey,
                             proto::JournalRecord* recordOut,
                             const std::function<void(proto::JournalRecord&)>& shape,
                             const std::function<void(proto::JournalRecord&)>& journaled) {
    proto::Request list;
    list.mutable_list_member_devices()->set_conversation_id(conversationId);
    auto members = from.connection->call(list);
    proto::SendMessage send;
    proto::JournalRecord rec;
    rec.set_version(1);
    Bytes mid = crypto::randomBytes(16), k = crypto::randomBytes(32);
    rec.set_message_id(str(mid));
    rec.set_conversation_id(conversationId);
    rec.mutable_sender()->set_user(from.user);
    rec.mutable_sender()->set_device(from.device);
    rec.set_client_time_ms(1764300000000ULL);
    rec.set_type(proto::TEXT);
    rec.set_body(text);
    rec.set_commit_key(str(k));
    if (shape) shape(rec);
    std::vector<proto::DeviceAddress> devices;
    if (members && members->has_member_devices())
        for (const auto& d : members->member_devices().devices())
            if (!(d.user() == from.user && d.device() == from.device)) devices.push_back(d);
    for (const auto& d : devices)
        *rec.add_recipients() = d;
    // Sealed first: the end-to-end copy carries the entry's ephemeral secret (journal copy check).
    auto signer = [&](ByteView m) { return from.sessions->sign(m); };
    SecureBytes ephemeral;
    Result<journal::SealedEntry> sealed = fail(ErrorCode::Internal, "not sealed");
    if (journaled) {
        // ES-06: the journal gets another record under the commitment of the one shown.
        auto shown =
            journal::computeCommitment(view(rec.commit_key()), journal::commitContentOf(rec));
        proto::JournalRecord lie = rec;
        journaled(lie);
        if (shown)
            sealed = journal::sealRecordWithCommitment(lie, *shown, journalPublicKey, signer, {},
                                                       &ephemeral);
    } else {
        sealed = journal::sealRecord(rec, journalPublicKey, signer, {}, &ephemeral);
    }
    proto::JournalRecord e2e = rec;
    e2e.set_journal_ephemeral(str(ephemeral));
    const std::string payload = e2e.SerializeAsString();
    ensureSessions(from, devices);
    for (const auto& d : devices) {
        auto ct = from.sessions->encrypt({d.user(), std::int32_t(d.device())}, view(payload));
        if (!ct) continue;
        auto* e = send.add_envelopes();
        e->set_user(d.user());
        e->set_device(d.device());
        e->set_type(std::uint32_t(ct->type));
        e->set_body(str(ct->body));
    }
    send.set_message_id(rec.message_id());
    send.set_conversation_id(conversationId);
    if (sealed) send.set_journal_entry(str(sealed->serialize()));
    if (recordOut) *recordOut = rec;
    return send;
}

Result<proto::JournalRecord> openEnvelope(Device& to, const proto::Envelope& e) {
    signal::CipherMessage msg{signal::CipherMessage::Type(e.type()), toBytes(view(e.body()))};
    auto plain = to.sessions->decrypt({e.sender().user(), std::int32_t(e.sender().device())}, msg);
    if (!plain) return tl::unexpected(plain.error());
    proto::JournalRecord rec;
    if (!rec.ParseFromArray(plain->data(), int(plain->size())))
        return fail(ErrorCode::Malformed, "payload is not a record");
    if (!journal::commitmentOpens(view(e.commitment()), view(rec.commit_key()),
                                  journal::commitContentOf(rec)))
        return fail(ErrorCode::AuthFailed, "commitment mismatch");
    return rec;
}

Result<JournalByAuthor> splitJournal(const std::vector<journal::ChainItem>& items,
                                     const crypto::X25519Key& journalKey, ByteView relayIdentity) {
    JournalByAuthor out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        auto entry = journal::SealedEntry::parse(items[i].entry);
        if (!entry) return tl::unexpected(entry.error());
        if (entry->header.senderUser != "relay" || entry->header.senderDevice != 0) {
            out.messagePositions.push_back(i);
            continue;
        }
        auto opened = journal::openEntry(*entry, journalKey, relayIdentity);
        if (!opened) return tl::unexpected(opened.error());
        if (opened->record.type() != proto::ADMIN_ACTION)
            return fail(ErrorCode::Malformed, "relay entry is not an ADMIN_ACTION");
        const auto body = QJsonDocument::fromJson(QByteArray::fromStdString(opened->record.body()));
        if (!body.isObject() || !body.object().value("action").isString())
            return fail(ErrorCode::Malformed,
                        "admin action body is not a JSON object with an action");
        out.adminActions.push_back(body.object().value("action").toString().toStdString());
        out.adminPositions.push_back(i);
    }
    return out;
}

} // namespace verbatim::e2e

// Over 600 lines on purpose: the one fixture every relay core test links (RelayFixture.h); its
// devices, sends and invites build on each other.

#include "RelayFixture.h"

#include "journal/DeviceApproval.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <algorithm>
#include <future>
#include <map>

#include "PgCluster.h"
#include "crypto/Random.h"
#include "relay/core/PgStore.h"

namespace verbatim::relay {

// ---- FakeSink ---------------------------------------------------------------------------------

bool FakeSink::push(const proto::Frame& frame) {
    std::lock_guard lock(m_mutex);
    ++m_attempts;
    if (m_refuse || m_closeCode) return false;
    m_frames.push_back(frame);
    m_cv.notify_all();
    return true;
}

void FakeSink::close(std::uint16_t code, const char*) {
    std::lock_guard lock(m_mutex);
    if (!m_closeCode) m_closeCode = code;
    m_cv.notify_all();
}

void FakeSink::setRefuse(bool refuse) {
    std::lock_guard lock(m_mutex);
    m_refuse = refuse;
}

std::vector<proto::Frame> FakeSink::frames() const {
    std::lock_guard lock(m_mutex);
    return m_frames;
}

std::vector<proto::Envelope> FakeSink::envelopes() const {
    std::lock_guard lock(m_mutex);
    std::vector<proto::Envelope> out;
    for (const auto& f : m_frames)
        if (f.has_push() && f.push().has_envelope()) out.push_back(f.push().envelope());
    return out;
}

std::vector<std::uint32_t> FakeSink::preKeysLow() const {
    std::lock_guard lock(m_mutex);
    std::vector<std::uint32_t> out;
    for (const auto& f : m_frames)
        if (f.has_push() && f.push().has_pre_keys_low())
            out.push_back(f.push().pre_keys_low().remaining());
    return out;
}

std::size_t FakeSink::pushAttempts() const {
    std::lock_guard lock(m_mutex);
    return m_attempts;
}

std::optional<std::uint16_t> FakeSink::closeCode() const {
    std::lock_guard lock(m_mutex);
    return m_closeCode;
}

bool FakeSink::waitForEnvelopes(std::size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(m_mutex);
    return m_cv.wait_for(lock, timeout, [&] {
        return std::size_t(
                   std::count_if(m_frames.begin(), m_frames.end(), [](const proto::Frame& f) {
                       return f.has_push() && f.push().has_envelope();
                   })) >= count;
    });
}

bool FakeSink::waitForFrames(std::size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(m_mutex);
    return m_cv.wait_for(lock, timeout, [&] { return m_frames.size() >= count; });
}

bool FakeSink::waitForClose(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(m_mutex);
    return m_cv.wait_for(lock, timeout, [&] { return m_closeCode.has_value(); });
}

// ---- TestDevice -------------------------------------------------------------------------------

proto::DeviceAddress TestDevice::deviceAddress() const {
    proto::DeviceAddress a;
    a.set_user(id.user);
    a.set_device(id.device);
    return a;
}

journal::Signer TestDevice::signer() {
    return [this](ByteView message) { return sessions->sign(message); };
}

// ---- helpers ----------------------------------------------------------------------------------

std::string tokenFromLink(const std::string& link) {
    auto at = link.find("token=");
    if (at == std::string::npos) return {};
    auto end = link.find('&', at);
    return link.substr(at + 6, end == std::string::npos ? std::string::npos : end - at - 6);
}

bool containsBytes(ByteView haystack, ByteView needle) {
    if (needle.empty()) return false;
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) !=
           haystack.end();
}

std::vector<std::string> filesContaining(const QString& folder, ByteView needle) {
    std::vector<std::string> hits;
    QDirIterator it(folder, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QString path = it.next();
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) {
            hits.push_back("unreadable: " + path.toStdString());
            continue;
        }
        QByteArray data = f.readAll();
        ByteView bytes(reinterpret_cast<const std::uint8_t*>(data.constData()),
                       std::size_t(data.size()));
        if (containsBytes(bytes, needle)) hits.push_back(path.toStdString());
    }
    return hits;
}

// ---- RelayFixture: lifecycle ------------------------------------------------------------------

Result<std::unique_ptr<RelayFixture>> RelayFixture::create(ConfigTweak tweak) {
    std::unique_ptr<RelayFixture> f(new RelayFixture());
    if (!f->m_dir.isValid()) return fail(ErrorCode::Storage, "cannot create a temporary folder");
    // The database gets a folder of its own so that scans of it see only the relay's files.
    if (!QDir(f->m_dir.path()).mkpath("relay"))
        return fail(ErrorCode::Storage, "cannot create the db folder");
    f->m_dbPath = QDir(f->m_dir.path()).filePath("relay/relay.db").toStdString();
    f->m_dbKey = crypto::randomSecret(32);
    if (postgresRequested()) {
        auto cluster = PgCluster::shared();
        if (!cluster)
            return fail(cluster.error().code,
                        "the PostgreSQL store's tests cannot run: " + cluster.error().message);
        auto url = (*cluster)->createDatabase();
        if (!url)
            return fail(url.error().code, "cannot create a PostgreSQL database for the relay: " +
                                              url.error().message);
        f->m_pgUrl = *url;
        f->m_config.postgresUrl = *url; // listens for other nodes' sends, as serve does
    }

    auto journalKey = crypto::X25519Key::generate();
    if (!journalKey) return tl::unexpected(journalKey.error());
    f->m_journalKey.emplace(std::move(*journalKey));
    auto relayKey = crypto::ed25519Generate();
    if (!relayKey) return tl::unexpected(relayKey.error());

    auto ctx = signal::SignalContext::create();
    if (!ctx) return tl::unexpected(ctx.error());
    f->m_signal = std::move(*ctx);
    // The relay's journal identity (signs its ADMIN_ACTION entries) is chosen here, not left to
    // RelayService::open(), so that config() names it and restart() keeps it.
    auto relayIdentity = signal::SessionManager::generateIdentity(*f->m_signal);
    if (!relayIdentity) return tl::unexpected(relayIdentity.error());

    f->m_config.journalPublicKey = f->m_journalKey->publicKey();
    f->m_config.relayKey = std::move(*relayKey);
    f->m_config.relayIdentityPublic = relayIdentity->publicKey;
    f->m_config.relayIdentityPrivate = std::move(relayIdentity->privateKey);
    f->m_config.firmFingerprint = "0011223344556677";
    f->m_config.firmManifest = Bytes{'m', 'a', 'n', 'i', 'f', 'e', 's', 't'};
    // Relay-core tests send raw from invited clients without a notice acceptance; consent is
    // tested over TLS in tests/e2e/tst_consent.cpp.
    f->m_config.requireNoticeAcceptance = false;
    if (tweak) tweak(f->m_config);
    if (auto r = f->openService(); !r) return tl::unexpected(r.error());
    return f;
}

RelayFixture::~RelayFixture() {
    // The service first: its storage thread finishes queued work, whose callbacks may still
    // touch this fixture.
    m_service.reset();
}

bool RelayFixture::postgresRequested() {
    const char* store = std::getenv("VERBATIM_TEST_STORE");
    return store && std::string(store) == "postgresql";
}

Result<void> RelayFixture::openService() {
    auto db = m_pgUrl.empty() ? storage::Database::open(m_dbPath, m_dbKey) : openPostgres(m_pgUrl);
    if (!db) return tl::unexpected(db.error());
    auto service = RelayService::open(std::move(*db), m_config);
    if (!service) return tl::unexpected(service.error());
    m_service = std::move(*service);
    return {};
}

Result<void> RelayFixture::writeAsAnotherProcess(const std::string& sql) {
    auto db = m_pgUrl.empty() ? storage::Database::open(m_dbPath, m_dbKey) : openPostgres(m_pgUrl);
    if (!db) return tl::unexpected(db.error());
    return (*db)->exec(sql);
}

void RelayFixture::useBackgroundCheckpoint(std::chrono::milliseconds interval) {
    if (onPostgres()) return; // a WAL checkpoint is SQLite's; PostgreSQL checkpoints itself
    m_config.checkpointInterval = interval;
    m_config.openCheckpointConnection = [path = m_dbPath, key = m_dbKey]() {
        return storage::Database::open(path, key);
    };
}

Result<void> RelayFixture::restart() {
    m_service.reset();
    return openService();
}

QString RelayFixture::databaseFolder() const {
    return QDir(m_dir.path()).filePath("relay");
}

// ---- administration ---------------------------------------------------------------------------

Result<void> RelayFixture::createUser(const std::string& user, proto::Role role) {
    return m_service->createUser(user, role, "Test " + user, "admin");
}

Result<std::string> RelayFixture::enrollmentToken(const std::string& user, std::uint64_t ttlMs) {
    return m_service->createEnrollmentToken(user, ttlMs, "admin");
}

// ---- devices ----------------------------------------------------------------------------------

Result<TestDevice*> RelayFixture::newDevice(unsigned preKeyCount) {
    auto d = std::make_unique<TestDevice>();
    auto identity = signal::SessionManager::generateIdentity(*m_signal);
    if (!identity) return tl::unexpected(identity.error());
    auto registrationId = signal::SessionManager::generateRegistrationId(*m_signal);
    if (!registrationId) return tl::unexpected(registrationId.error());
    d->identityKey = identity->publicKey;
    d->registrationId = *registrationId;
    d->store =
        std::make_unique<signal::InMemoryProtocolStore>(std::move(*identity), *registrationId);
    auto sessions = signal::SessionManager::create(m_signal, *d->store);
    if (!sessions) return tl::unexpected(sessions.error());
    d->sessions = std::move(*sessions);
    auto spk = d->sessions->generateSignedPreKey(1);
    if (!spk) return tl::unexpected(spk.error());
    d->signedPreKey = std::move(*spk);
    if (preKeyCount > 0) {
        auto pks = d->sessions->generatePreKeys(1, preKeyCount);
        if (!pks) return tl::unexpected(pks.error());
        d->preKeys = std::move(*pks);
    }
    d->secret = crypto::randomBytes(32);
    std::lock_guard lock(m_devicesMutex);
    m_devices.push_back(std::move(d));
    return m_devices.back().get();
}

proto::RegisterDevice RelayFixture::registerRequest(const TestDevice& device,
                                                    const std::string& token) const {
    proto::RegisterDevice r;
    r.set_token(token);
    r.set_device_secret(stringOf(device.secret));
    r.set_registration_id(device.registrationId);
    r.set_identity_key(stringOf(device.identityKey));
    auto* spk = r.mutable_signed_pre_key();
    spk->set_id(device.signedPreKey.id);
    spk->set_public_key(stringOf(device.signedPreKey.publicKey));
    spk->set_signature(stringOf(device.signedPreKey.signature));
    for (const auto& pk : device.preKeys) {
        auto* p = r.add_pre_keys();
        p->set_id(pk.id);
        p->set_public_key(stringOf(pk.publicKey));
    }
    r.set_platform("linux");
    r.set_app_version("0.1.0-test");
    return r;
}

std::string RelayFixture::freshAddress() {
    unsigned n = ++m_addressCounter;
    return "198.51." + std::to_string(n / 256) + "." + std::to_string(n % 256);
}

Registration RelayFixture::registerRaw(const proto::RegisterDevice& request,
                                       const std::string& address) {
    using Answer = std::pair<Result<proto::Registered>, std::uint64_t>;
    auto promise = std::make_shared<std::promise<Answer>>();
    auto future = promise->get_future();
    m_service->registerDevice(request, address,
                              [promise](Result<proto::Registered> r, std::uint64_t retry) {
                                  promise->set_value({std::move(r), retry});
                              });
    Registration out;
    if (future.wait_for(kTimeout) != std::future_status::ready) {
        m_timedOut = true;
        return out;
    }
    auto answer = future.get();
    out.answered = true;
    out.result = std::move(answer.first);
    out.retryAfterMs = answer.second;
    return out;
}

Result<DeviceId> RelayFixture::authenticate(const std::string& user, std::uint32_t device,
                                            ByteView secret) {
    auto promise = std::make_shared<std::promise<Result<DeviceId>>>();
    auto future = promise->get_future();
    m_service->authenticate(user, device, secret,
                            [promise](Result<DeviceId> r) { promise->set_value(std::move(r)); });
    if (future.wait_for(kTimeout) != std::future_status::ready) {
        m_timedOut = true;
        return fail(ErrorCode::Internal, "test: authenticate timed out");
    }
    return future.get();
}

Result<void> RelayFixture::registerAndAuthenticate(TestDevice& device, const std::string& token) {
    auto reg = registerRaw(registerRequest(device, token), freshAddress());
    if (!reg.answered) return fail(ErrorCode::Internal, "test: registration timed out");
    if (!reg.result) return tl::unexpected(reg.result.error());
    device.id.user = reg.result->user();
    device.id.device = reg.result->device();
    device.id.role = reg.result->role();
    // A further device of a user waits for one of the user's devices to approve it (issue 15
    // break 2): the user's first device here approves it, as the app does for its own links.
    if (reg.result->awaiting_approval()) {
        TestDevice* approver = nullptr;
        {
            std::lock_guard lock(m_devicesMutex);
            for (auto& d : m_devices)
                if (d.get() != &device && d->user() == device.user() && d->device() != 0 &&
                    (!approver || d->device() < approver->device()))
                    approver = d.get();
        }
        if (!approver) return fail(ErrorCode::Internal, "test: no device to approve the new one");
        auto approval =
            journal::DeviceApproval::make(device.user(), device.device(), device.identityKey,
                                          approver->device(), 1764300000000ULL, approver->signer());
        if (!approval) return tl::unexpected(approval.error());
        proto::Request req;
        auto bytes = approval->serialize();
        req.mutable_approve_device()->set_approval(std::string(bytes.begin(), bytes.end()));
        auto resp = call(*approver, req);
        if (resp.status() != proto::STATUS_OK)
            return fail(ErrorCode::AuthFailed, "test: approval refused: " + resp.error());
    }
    auto auth = authenticate(device.id.user, device.id.device, device.secret);
    if (!auth) return tl::unexpected(auth.error());
    device.id = *auth;
    return {};
}

Result<TestDevice*> RelayFixture::enroll(const std::string& user, proto::Role role,
                                         unsigned preKeyCount) {
    if (auto r = createUser(user, role); !r) return tl::unexpected(r.error());
    return addDevice(user, preKeyCount);
}

Result<TestDevice*> RelayFixture::addDevice(const std::string& user, unsigned preKeyCount) {
    auto token = enrollmentToken(user);
    if (!token) return tl::unexpected(token.error());
    auto device = newDevice(preKeyCount);
    if (!device) return device;
    if (auto r = registerAndAuthenticate(**device, *token); !r) return tl::unexpected(r.error());
    return device;
}

Result<TestDevice*> RelayFixture::joinByInvite(TestDevice& inviter,
                                               const std::string& conversation) {
    proto::Request req;
    req.mutable_create_invite()->set_conversation_id(conversation);
    auto resp = call(inviter, req);
    if (resp.status() != proto::STATUS_OK)
        return fail(ErrorCode::InvalidArgument, "invite refused: " + resp.error(), resp.status());
    std::string token = tokenFromLink(resp.invite().link());
    if (token.empty()) return fail(ErrorCode::Malformed, "invite link has no token");
    auto device = newDevice();
    if (!device) return device;
    if (auto r = registerAndAuthenticate(**device, token); !r) return tl::unexpected(r.error());
    return device;
}

TestDevice* RelayFixture::find(const std::string& user, std::uint32_t device) const {
    std::lock_guard lock(m_devicesMutex);
    for (const auto& d : m_devices)
        if (d->id.user == user && d->id.device == device) return d.get();
    return nullptr;
}

// ---- requests ---------------------------------------------------------------------------------

proto::Response callService(RelayService& service, const DeviceId& from, proto::Request request,
                            bool* timedOut) {
    auto promise = std::make_shared<std::promise<proto::Response>>();
    auto answered = std::make_shared<std::atomic<int>>(0);
    auto future = promise->get_future();
    service.handle(from, std::move(request), [promise, answered](proto::Response r) {
        // handle() promises one answer; a second one would be a relay bug, and a second
        // set_value would throw on the storage thread, so it is only counted.
        if (answered->fetch_add(1) == 0) promise->set_value(std::move(r));
    });
    if (future.wait_for(kTimeout) != std::future_status::ready) {
        if (timedOut) *timedOut = true;
        proto::Response r;
        r.set_status(proto::STATUS_INTERNAL);
        r.set_error("test: timed out waiting for the relay");
        return r;
    }
    return future.get();
}

proto::Response RelayFixture::call(const DeviceId& from, proto::Request request) {
    bool timedOut = false;
    auto answer = callService(*m_service, from, std::move(request), &timedOut);
    if (timedOut) m_timedOut = true;
    return answer;
}

Result<std::string> RelayFixture::createConversation(TestDevice& creator, const std::string& title,
                                                     const std::vector<std::string>& members,
                                                     bool matter) {
    proto::Request req;
    auto* c = req.mutable_create_conversation();
    c->set_title(title);
    c->set_is_matter(matter);
    for (const auto& m : members)
        c->add_members(m);
    auto resp = call(creator, req);
    if (resp.status() != proto::STATUS_OK)
        return fail(ErrorCode::InvalidArgument, "create conversation: " + resp.error(),
                    resp.status());
    return resp.conversation().id();
}

std::shared_ptr<FakeSink> RelayFixture::connect(const TestDevice& device) {
    auto sink = std::make_shared<FakeSink>();
    m_service->connect(device.id, sink);
    settle();
    return sink;
}

void RelayFixture::settle() {
    // Each runSync waits for one turn of the storage loop, so every job posted before it has
    // committed and run its completion; a drain that posts its next page is followed one turn
    // later. 16 turns cover every drain the tests make.
    for (int i = 0; i < 16; ++i)
        m_service->storage().runSync([](storage::Database&) {});
}

// ---- sending ----------------------------------------------------------------------------------

Result<void> RelayFixture::ensureSessions(TestDevice& from, const std::vector<TestDevice*>& to) {
    std::map<std::string, std::vector<TestDevice*>> needed;
    for (auto* d : to)
        if (!from.sessions->hasSession(d->address())) needed[d->user()].push_back(d);
    for (const auto& [user, devices] : needed) {
        proto::Request req;
        req.mutable_fetch_bundles()->set_user(user);
        auto resp = call(from, req);
        if (resp.status() != proto::STATUS_OK)
            return fail(ErrorCode::InvalidArgument, "fetch bundles: " + resp.error(),
                        resp.status());
        for (auto* d : devices) {
            const proto::DeviceBundle* found = nullptr;
            for (const auto& b : resp.bundles().devices())
                if (b.device() == d->device()) found = &b;
            if (!found)
                return fail(ErrorCode::NotFound,
                            "relay has no bundle for " + user + "/" + std::to_string(d->device()));
            signal::PreKeyBundle bundle;
            bundle.registrationId = found->registration_id();
            bundle.deviceId = std::int32_t(found->device());
            if (found->has_pre_key()) {
                bundle.preKeyId = found->pre_key().id();
                bundle.preKeyPublic = bytesOf(found->pre_key().public_key());
            }
            bundle.signedPreKeyId = found->signed_pre_key().id();
            bundle.signedPreKeyPublic = bytesOf(found->signed_pre_key().public_key());
            bundle.signedPreKeySignature = bytesOf(found->signed_pre_key().signature());
            bundle.identityKey = bytesOf(found->identity_key());
            if (auto r = from.sessions->processBundle(d->address(), bundle); !r) return r;
        }
    }
    return {};
}

proto::JournalRecord RelayFixture::makeRecord(const TestDevice& sender,
                                              const std::string& conversation,
                                              const std::string& body,
                                              const std::vector<TestDevice*>& to) const {
    proto::JournalRecord r;
    r.set_version(1);
    r.set_message_id(stringOf(crypto::randomBytes(16)));
    r.set_conversation_id(conversation);
    r.mutable_sender()->set_user(sender.user());
    r.mutable_sender()->set_device(sender.device());
    for (auto* d : to)
        *r.add_recipients() = d->deviceAddress();
    r.set_client_time_ms(wallClockMs());
    r.set_type(proto::TEXT);
    r.set_body(body);
    r.set_commit_key(stringOf(crypto::randomBytes(32)));
    return r;
}

Result<OutgoingMessage> RelayFixture::buildSend(TestDevice& sender, const std::string& conversation,
                                                const std::string& body,
                                                const std::vector<TestDevice*>& to) {
    if (auto r = ensureSessions(sender, to); !r) return tl::unexpected(r.error());
    OutgoingMessage out;
    out.record = makeRecord(sender, conversation, body, to);
    // The end-to-end payload carries the content and the commitment key, as the journal does.
    const std::string payload = out.record.SerializeAsString();
    out.send.set_message_id(out.record.message_id());
    out.send.set_conversation_id(conversation);
    for (auto* d : to) {
        auto message = sender.sessions->encrypt(d->address(), view(payload));
        if (!message) return tl::unexpected(message.error());
        auto* e = out.send.add_envelopes();
        e->set_user(d->user());
        e->set_device(d->device());
        e->set_type(std::uint32_t(message->type));
        e->set_body(stringOf(message->body));
    }
    auto entry = journal::sealRecord(out.record, m_config.journalPublicKey, sender.signer());
    if (!entry) return tl::unexpected(entry.error());
    out.entry = std::move(*entry);
    out.send.set_journal_entry(stringOf(out.entry.serialize()));
    return out;
}

Result<std::vector<TestDevice*>> RelayFixture::currentRecipients(TestDevice& sender,
                                                                 const std::string& conversation) {
    proto::Request req;
    req.mutable_list_member_devices()->set_conversation_id(conversation);
    auto resp = call(sender, req);
    if (resp.status() != proto::STATUS_OK)
        return fail(ErrorCode::InvalidArgument, "list member devices: " + resp.error(),
                    resp.status());
    std::vector<TestDevice*> out;
    for (const auto& a : resp.member_devices().devices()) {
        if (a.user() == sender.user() && a.device() == sender.device()) continue;
        auto* d = find(a.user(), a.device());
        if (!d)
            return fail(ErrorCode::NotFound, "member device unknown to the fixture: " + a.user());
        out.push_back(d);
    }
    return out;
}

Result<OutgoingMessage> RelayFixture::buildSendToMembers(TestDevice& sender,
                                                         const std::string& conversation,
                                                         const std::string& body) {
    auto to = currentRecipients(sender, conversation);
    if (!to) return tl::unexpected(to.error());
    return buildSend(sender, conversation, body, *to);
}

Result<proto::JournalRecord> RelayFixture::open(TestDevice& recipient,
                                                const proto::Envelope& envelope) {
    signal::CipherMessage message;
    message.type = signal::CipherMessage::Type(envelope.type());
    message.body = bytesOf(envelope.body());
    signal::Address from{envelope.sender().user(), std::int32_t(envelope.sender().device())};
    auto plain = recipient.sessions->decrypt(from, message);
    if (!plain) return tl::unexpected(plain.error());
    proto::JournalRecord record;
    if (!record.ParseFromArray(plain->data(), int(plain->size())))
        return fail(ErrorCode::Malformed, "end-to-end payload does not parse");
    return record;
}

proto::Request RelayFixture::sendRequest(const proto::SendMessage& send) {
    proto::Request req;
    *req.mutable_send() = send;
    return req;
}

// ---- database inspection ----------------------------------------------------------------------

void RelayFixture::onStorage(const std::function<void(storage::Database&)>& fn) {
    m_service->storage().runSync(fn);
}

std::int64_t RelayFixture::scalar(const std::string& sql) {
    std::int64_t out = -1;
    onStorage([&](storage::Database& db) {
        auto st = db.prepare(sql);
        if (!st) return;
        auto row = st->step();
        if (row && *row) out = st->columnInt(0);
    });
    return out;
}

std::int64_t RelayFixture::scalarInCheckpointedFile(const std::string& sql) {
    const QString copy = QDir(m_dir.path()).filePath("checkpointed-copy.db");
    QFile::remove(copy);
    QFile::remove(copy + "-wal");
    QFile::remove(copy + "-shm");
    if (!QFile::copy(QString::fromStdString(m_dbPath), copy)) return -1;
    auto db = storage::Database::open(copy.toStdString(), m_dbKey);
    if (!db) return -1;
    auto st = (*db)->prepare(sql);
    if (!st) return -1;
    auto row = st->step();
    return row && *row ? st->columnInt(0) : -1;
}

std::vector<Bytes> RelayFixture::allCells() {
    std::vector<Bytes> cells;
    if (onPostgres()) {
        // Every column of every table of the store, as bytes (text and numbers as UTF-8).
        settle();
        auto db = openPostgres(m_pgUrl);
        if (!db) return cells;
        auto cols = (*db)->prepare(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position");
        if (!cols) return cells;
        std::vector<std::string> queries;
        (void)cols->forEachRow([&] {
            const std::string column = "\"" + cols->columnText(1) + "\"";
            queries.push_back("SELECT " +
                              (cols->columnText(2) == "bytea"
                                   ? column
                                   : "convert_to(" + column + "::text, 'UTF8')") +
                              " FROM \"" + cols->columnText(0) + "\"");
        });
        for (const auto& q : queries) {
            auto st = (*db)->prepare(q);
            if (!st) continue;
            (void)st->forEachRow([&] { cells.push_back(st->columnBlob(0)); });
        }
        return cells;
    }
    onStorage([&](storage::Database& db) {
        std::vector<std::string> tables;
        auto t = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'");
        if (!t) return;
        while (true) {
            auto row = t->step();
            if (!row || !*row) break;
            tables.push_back(t->columnText(0));
        }
        for (const auto& table : tables) {
            std::vector<std::string> columns;
            auto info = db.prepare("PRAGMA table_info(\"" + table + "\")");
            if (!info) continue;
            while (true) {
                auto row = info->step();
                if (!row || !*row) break;
                columns.push_back(info->columnText(1));
            }
            for (const auto& column : columns) {
                auto st =
                    db.prepare("SELECT CAST(\"" + column + "\" AS BLOB) FROM \"" + table + "\"");
                if (!st) continue;
                while (true) {
                    auto row = st->step();
                    if (!row || !*row) break;
                    cells.push_back(st->columnBlob(0));
                }
            }
        }
    });
    return cells;
}

} // namespace verbatim::relay

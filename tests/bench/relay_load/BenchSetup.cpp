/// @file BenchSetup.cpp
/// The throw-away relay (init, enrol, invite, register every device) and the
/// sends prepared before a timed section.
#include "Bench.h"

namespace verbatim::relayload {

void Bench::cleanup() {
    m_relay.stop();
    if (!m_dir.empty() && !m_opt.keep) {
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
}

void Bench::setup() {
    char tmpl[] = "/tmp/verbatim-relay-load-XXXXXX";
    if (!mkdtemp(tmpl)) die("mkdtemp failed");
    m_dir = tmpl;
    fs::path data = m_dir / "data";
    for (int i = 0; i < 2; ++i)
        m_ctx.push_back(must(signal::SignalContext::create(), "signal context"));

    // The firm's journal key: only its public half goes to the relay.
    m_journal = must(crypto::x25519Generate(), "journal key");
    {
        std::ofstream f(m_dir / "journal.pub");
        f << toHex(m_journal.publicKey) << "\n";
    }
    setenv("VERBATIM_PASSPHRASE", toHex(crypto::randomBytes(16)).c_str(), 1);
    // The relay's keys are sealed under an unlock secret kept outside its data
    // directory.
    const std::string unlock = (m_dir / "relay.unlock").string();
    // --store: every relay command on the same PostgreSQL database.
    auto withStore = [&](std::vector<std::string> args) {
        if (!m_opt.store.empty()) {
            args.insert(args.begin() + 2, m_opt.store);
            args.insert(args.begin() + 2, "--store");
        }
        return args;
    };
    must(run(withStore({m_opt.relay, "init", "--data", data.string(), "--firm", "Load Test LLP",
                        "--journal-key", (m_dir / "journal.pub").string(), "--root-key-out",
                        (m_dir / "root.key").string(), "--unlock-file", unlock})),
         "relay init");
    m_pin = must(relay::certificateFingerprint((data / "tls.crt").string()), "certificate pin");

    // Enrollment and invites through the admin CLI, before the relay serves (no
    // lock contention with it). One process at a time: concurrent writers meet
    // SQLITE_BUSY, whose busy handler sleeps for milliseconds, so parallel calls
    // were slower than serial ones (~16 ms each).
    int pairs = m_opt.devices / 2;
    m_devices.resize(std::size_t(m_opt.devices));
    std::vector<std::string> lawyerTokens(static_cast<std::size_t>(pairs)),
        clientTokens(static_cast<std::size_t>(pairs));
    auto t0 = nowNs();
    std::atomic<int> nextPair{0};
    std::mutex errMutex;
    std::string error;
    std::atomic<bool> failed{false};
    auto worker = [&] {
        while (true) {
            int p = nextPair++;
            if (p >= pairs || failed) return;
            char user[32];
            std::snprintf(user, sizeof user, "lawyer-%05d", p);
            auto enroll = run(withStore(
                {m_opt.relay, "admin", "--data", data.string(), "--unlock-file", unlock, "enroll",
                 user, "--role", "lawyer", "--name", std::string("Lawyer ") + std::to_string(p)}));
            auto invite = enroll ? run(withStore({m_opt.relay, "admin", "--data", data.string(),
                                                  "--unlock-file", unlock, "invite", "--from", user,
                                                  "--matter", "matter-" + std::to_string(p)}))
                                 : Result<std::string>(tl::unexpected(enroll.error()));
            if (!enroll || !invite) {
                std::lock_guard lock(errMutex);
                error = (!enroll ? enroll.error() : invite.error()).message;
                failed = true;
                return;
            }
            lawyerTokens[std::size_t(p)] = tokenOf(*enroll);
            clientTokens[std::size_t(p)] = tokenOf(*invite);
            m_devices[std::size_t(2 * p)].user = user;
        }
    };
    {
        std::vector<std::thread> workers;
        workers.emplace_back(worker);
        for (auto& w : workers)
            w.join();
    }
    if (failed) die("admin CLI: " + error);
    note("enrolled %d lawyers and invited %d clients with the admin CLI in %.1f s", pairs, pairs,
         seconds(nowNs() - t0));

    std::vector<std::string> relayArgs;
    if (m_pinned) relayArgs = {"taskset", "-c", m_opt.relayCores};
    for (auto s :
         {m_opt.relay, std::string("serve"), std::string("--data"), data.string(),
          std::string("--unlock-file"), unlock, std::string("--listen"), std::string("127.0.0.1:0"),
          std::string("--admin-listen"), std::string("127.0.0.1:0"), std::string("--bench-limits")})
        relayArgs.push_back(s);
    for (const auto& s : m_opt.serveArgs)
        relayArgs.push_back(s);
    if (!m_opt.store.empty()) {
        relayArgs.push_back("--store");
        relayArgs.push_back(m_opt.store);
    }
    m_relay.start(relayArgs, (m_dir / "relay.log").string());
    m_endpoint = tcp::endpoint(net::ip::make_address("127.0.0.1"), m_relay.port);
    note("relay pid %d listening on 127.0.0.1:%u (pinned to cores %s)", int(m_relay.pid()),
         unsigned(m_relay.port), m_pinned ? m_opt.relayCores.c_str() : "none");

    // Registration over HTTPS with the client transport (one blocking connection
    // per call).
    t0 = nowNs();
    std::atomic<int> next{0};
    client::Endpoint endpoint{"127.0.0.1", m_relay.port, m_pin};
    auto registrar = [&] {
        while (true) {
            int i = next++;
            if (i >= m_opt.devices || failed) return;
            int p = i / 2;
            bool lawyer = i % 2 == 0;
            Device& d = m_devices[std::size_t(i)];
            d.ctx = i % 2;
            d.partner = lawyer ? i + 1 : i - 1;
            auto& ctx = m_ctx[std::size_t(d.ctx)];
            auto id = must(signal::SessionManager::generateIdentity(*ctx), "identity");
            Bytes identityKey = id.publicKey;
            auto regId =
                must(signal::SessionManager::generateRegistrationId(*ctx), "registration id");
            d.store = std::make_unique<signal::InMemoryProtocolStore>(std::move(id), regId);
            d.sessions = must(signal::SessionManager::create(ctx, *d.store), "session manager");
            auto spk = must(d.sessions->generateSignedPreKey(1), "signed pre-key");
            SecureBytes secret = crypto::randomSecret(32);
            d.secretHex = toHex(secret);
            // No one-time pre-keys: nobody fetches bundles here (envelopes are opaque
            // bytes).
            proto::RegisterDevice r;
            r.set_token(lawyer ? lawyerTokens[std::size_t(p)] : clientTokens[std::size_t(p)]);
            r.set_device_secret(std::string(secret.begin(), secret.end()));
            r.set_registration_id(regId);
            r.set_identity_key(str(identityKey));
            r.mutable_signed_pre_key()->set_id(spk.id);
            r.mutable_signed_pre_key()->set_public_key(str(spk.publicKey));
            r.mutable_signed_pre_key()->set_signature(str(spk.signature));
            r.set_platform("load");
            r.set_app_version("0.1.0");
            r.set_display_name(lawyer ? "" : "Client " + std::to_string(p));
            auto reg = client::RelayConnection::registerDevice(endpoint, r);
            if (!reg) {
                std::lock_guard lock(errMutex);
                error = "registration of device " + std::to_string(i) + ": " + reg.error().message;
                failed = true;
                return;
            }
            d.user = reg->user();
            d.device = reg->device();
            if (!lawyer) d.conversation = reg->conversation_id();
        }
    };
    {
        std::vector<std::thread> workers;
        for (int i = 0; i < 4; ++i)
            workers.emplace_back(registrar);
        for (auto& w : workers)
            w.join();
    }
    if (failed) die(error);
    for (int p = 0; p < pairs; ++p) {
        auto& c = m_devices[std::size_t(2 * p + 1)];
        if (c.conversation.empty()) die("client " + std::to_string(p) + " joined no matter");
        m_devices[std::size_t(2 * p)].conversation = c.conversation;
    }
    note("registered %d devices over HTTPS in %.1f s", m_opt.devices, seconds(nowNs() - t0));
}

// Seals one journal entry per message on two threads (one Signal context each,
// devices split by context), outside any timed section. Frame ids are message
// index + 1; the message id carries the index so that a push names its message.
void Bench::preparePool(const std::vector<std::pair<int, int>>& perSender) {
    std::size_t base = m_msgs.size(), total = 0;
    for (auto& [s, n] : perSender)
        total += std::size_t(n);
    m_msgs.resize(base + total);
    std::vector<std::pair<int, std::uint64_t>> jobs; // (sender, message index)
    jobs.reserve(total);
    // Clients begin a message id with the time (journal::newMessageId). Ids are
    // sealed before the timed run, so a device's i-th message stands in for the
    // clock: it goes out at about the time every other device sends its i-th.
    std::vector<std::uint64_t> idTime(total);
    const auto startMs = std::uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
    std::size_t k = base;
    for (auto& [s, n] : perSender) {
        auto& d = m_devices[std::size_t(s)];
        d.pool.clear();
        d.next = 0;
        for (int i = 0; i < n; ++i) {
            d.pool.push_back(k);
            m_msgs[k].sender = s;
            idTime[k - base] = startMs + std::uint64_t(i);
            jobs.push_back({s, k++});
        }
    }
    const std::string text(120, 'x');
    std::atomic<bool> sealFailed{false};
    auto worker = [&](int ctx) {
        pinThreadTo({0, 1}); // both cores: the relay is idle while pools are built
        for (auto& [s, k] : jobs) {
            Device& from = m_devices[std::size_t(s)];
            if (from.ctx != ctx) continue;
            const Device& to = m_devices[std::size_t(from.partner)];
            // time (6 bytes), then the message index (8), then 2 random bytes
            Bytes mid = crypto::randomBytes(16);
            const std::uint64_t t = idTime[k - base];
            for (int b = 0; b < 6; ++b)
                mid[std::size_t(b)] = std::uint8_t(t >> (40 - 8 * b));
            for (int b = 0; b < 8; ++b)
                mid[std::size_t(6 + b)] = std::uint8_t(k >> (56 - 8 * b));
            proto::JournalRecord rec;
            rec.set_version(1);
            rec.set_message_id(str(mid));
            rec.set_conversation_id(from.conversation);
            rec.mutable_sender()->set_user(from.user);
            rec.mutable_sender()->set_device(from.device);
            auto* rcpt = rec.add_recipients();
            rcpt->set_user(to.user);
            rcpt->set_device(to.device);
            rec.set_client_time_ms(1764300000000ULL + k);
            // Consent (issue 17): a client's first message of each pool is its notice
            // acceptance (the relay refuses anything else before one is journaled;
            // later ones are no-ops).
            const bool accepts = s % 2 == 1 && k == from.pool.front();
            rec.set_type(accepts ? proto::NOTICE_ACCEPTED : proto::TEXT);
            rec.set_body(accepts ? journal::noticeAcceptanceBody("Bench firm") : text);
            rec.set_commit_key(str(crypto::randomBytes(32)));
            auto sealed = journal::sealRecord(rec, m_journal.publicKey,
                                              [&](ByteView m) { return from.sessions->sign(m); });
            if (!sealed) {
                sealFailed = true;
                return;
            }
            proto::Frame f;
            f.set_id(k + 1);
            auto* send = f.mutable_request()->mutable_send();
            send->set_message_id(rec.message_id());
            send->set_conversation_id(from.conversation);
            auto* e = send->add_envelopes();
            e->set_user(to.user);
            e->set_device(to.device);
            e->set_type(2);
            e->set_body(str(crypto::randomBytes(300))); // the size of a short Signal message
            send->set_journal_entry(str(sealed->serialize()));
            // A text a person wrote, marked as the client marks it: the relay records its
            // matter's activity for supervising partners (issue 21). Relays before that ignore it.
            send->set_is_message(!accepts);
            if (accepts) {
                send->mutable_notice_acceptance()->set_version(journal::kRecordingNoticeVersion);
                const auto h = *journal::recordingNoticeHash();
                send->mutable_notice_acceptance()->set_text_sha256(std::string(h.begin(), h.end()));
            }
            m_msgs[k].frame = std::make_shared<const std::string>(f.SerializeAsString());
        }
    };
    std::thread t0(worker, 0), t1(worker, 1);
    t0.join();
    t1.join();
    if (sealFailed) die("sealing a journal entry failed");
}

std::size_t Bench::prepareEvenly(const std::vector<int>& senders, std::size_t total) {
    std::size_t per = (total + senders.size() - 1) / senders.size();
    std::vector<std::pair<int, int>> plan;
    for (int s : senders)
        plan.push_back({s, int(per)});
    std::size_t firstMsg = m_msgs.size();
    preparePool(plan);

    m_senders = senders;
    m_rr = 0;
    m_inFlight = 0;
    return firstMsg;
}

void Bench::dropPool(const std::vector<int>& senders) {
    for (int s : senders) {
        auto& d = m_devices[std::size_t(s)];
        for (auto k : d.pool)
            m_msgs[k].frame.reset();
        d.pool.clear();
        d.next = 0;
    }
}

bool Bench::sendNext(int s) {
    auto& d = m_devices[std::size_t(s)];
    if (d.next >= d.pool.size() || !d.conn || !d.conn->isOpen()) return false;
    auto k = d.pool[d.next++];
    auto& m = m_msgs[k];
    m.sentNs = nowNs();
    ++m_sent;
    ++m_inFlight;
    d.conn->send(m.frame);
    return true;
}

bool Bench::sendRoundRobin() {
    for (std::size_t tries = 0; tries < m_senders.size(); ++tries) {
        int s = m_senders[m_rr++ % m_senders.size()];
        if (sendNext(s)) return true;
    }
    return false;
}

} // namespace verbatim::relayload

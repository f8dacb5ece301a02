// Over 600 lines on purpose: one binary, verbatim-conformance, that runs against any relay; every
// test shares the devices, matter and invite initTestCase enrols once on the relay under test.
//
// verbatim-conformance: the relay's wire behaviour checked from outside (issue 17). Every test
// talks to the relay over TLS, HTTPS and the WebSocket exactly as a second implementation of a
// client would, from docs/protocol.md and shared/protocol/*.proto; README.md in this folder lists
// what each test checks and the rule of the specification it checks.
//
//   verbatim-conformance                         start our own relay and test it
//   verbatim-conformance --relay HOST:PORT --provision 'CMD' [--tls-pin HEX] [--journal-secret
//   FILE]
//                        [Qt Test options and test function names]

#include <QtTest>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "ConformanceParty.h"
#include "ConformanceTarget.h"
#include "ConformanceWire.h"
#include "common/Json.h"
#include "crypto/Digest.h"
#include "crypto/Ed25519.h"
#include "crypto/Random.h"
#include "journal/FirmManifest.h"
#include "journal/HashChain.h"
#include "journal/JournalCrypto.h"
#include "journal/RecordingNotice.h"
#include "signal/SignalContext.h"

using namespace verbatim;
using namespace verbatim::conformance;

namespace {

TargetOptions g_options;

/// Fails the test with the error's text when `expr` (a Result) holds an error; else `var` holds it.
#define REQUIRE_OK(var, expr)                                                                      \
    auto var = (expr);                                                                             \
    QVERIFY2(bool(var), bool(var) ? "" : var.error().message.c_str())

/// expectRefused() in a test: a failure inside it ends the test.
#define EXPECT_REFUSED(...)                                                                        \
    do {                                                                                           \
        expectRefused(__VA_ARGS__);                                                                \
        if (QTest::currentTestFailed()) return;                                                    \
    } while (false)

/// The hash docs/protocol.md gives for version 1 of the recording notice.
constexpr const char* kNoticeV1Sha256 =
    "41ff7fbbe303c4b965f3cccadfc18f4f1a06a05098838fbe45689d16088d4a49";

Bytes u64be(std::uint64_t v) {
    Bytes b(8);
    for (int i = 7; i >= 0; --i, v >>= 8)
        b[std::size_t(i)] = std::uint8_t(v);
    return b;
}

Bytes concat(std::initializer_list<ByteView> parts) {
    Bytes out;
    for (auto p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

std::uint64_t nowMs() {
    return std::uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count());
}

bool isLowerHex(const std::string& s, std::size_t size) {
    return s.size() == size && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

proto::Request ping() {
    proto::Request r;
    r.mutable_ping();
    return r;
}

/// Reads field(x) = u32(len) || x from `data` at `at`.
std::optional<Bytes> readField(ByteView data, std::size_t& at) {
    if (data.size() - at < 4 || at > data.size()) return std::nullopt;
    std::uint32_t n = (std::uint32_t(data[at]) << 24) | (std::uint32_t(data[at + 1]) << 16) |
                      (std::uint32_t(data[at + 2]) << 8) | std::uint32_t(data[at + 3]);
    at += 4;
    if (data.size() - at < n) return std::nullopt;
    Bytes out(data.begin() + std::ptrdiff_t(at), data.begin() + std::ptrdiff_t(at + n));
    at += n;
    return out;
}

std::uint64_t readU64(ByteView data, std::size_t at) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < 8; ++i)
        v = (v << 8) | data[at + i];
    return v;
}

std::string addressText(const proto::DeviceAddress& a) {
    return a.user() + "/" + std::to_string(a.device());
}

} // namespace

class TestConformance : public QObject {
    Q_OBJECT

    std::unique_ptr<RelayUnderTest> m_relay;
    std::shared_ptr<signal::SignalContext> m_ctx;
    Link m_firstLink;
    Bytes m_manifestBytes;
    journal::FirmManifest m_manifest;
    /// Lawyer A and lawyer B share the matter with the client; the officer pulls the journal.
    std::unique_ptr<Device> m_lawyer, m_lawyer2, m_officer, m_client;
    /// A lawyer in no conversation of the others: frame and upgrade tests open sessions as it.
    std::unique_ptr<Device> m_scratch;
    std::string m_matter;
    std::string m_clientInviteId;

    const Endpoint& endpoint() const { return m_relay->endpoint(); }
    Bytes journalPublic() const { return m_manifest.currentJournalKey()->publicKey; }

    // ---- HTTPS ---------------------------------------------------------------------------------

    std::string hostHeader() const {
        return endpoint().host + ":" + std::to_string(endpoint().port);
    }

    Result<HttpReply> postRegister(const std::string& body) {
        return httpsExchange(endpoint(), httpRequest("POST", "/v1/register", hostHeader(), body,
                                                     {"Content-Type: application/x-protobuf"}));
    }

    /// Registers a new device with `token`; the device's user, number and role come from the
    /// answer. An error (detail: the HTTP status) when the relay refused.
    Result<std::unique_ptr<Device>> registerDevice(const std::string& token, unsigned preKeys = 20,
                                                   const std::string& name = {},
                                                   proto::Registered* answer = nullptr) {
        auto device = Device::create(m_ctx, preKeys);
        if (!device) return tl::unexpected(device.error());
        auto reply = postRegister((*device)->registration(token, name).SerializeAsString());
        if (!reply) return tl::unexpected(reply.error());
        if (reply->status != 200)
            return fail(ErrorCode::AuthFailed,
                        "registration answered " + std::to_string(reply->status) + ": " +
                            reply->body,
                        reply->status);
        proto::Registered registered;
        if (!registered.ParseFromString(reply->body))
            return fail(ErrorCode::Malformed, "200 without a Registered body");
        (*device)->user = registered.user();
        (*device)->device = registered.device();
        (*device)->role = registered.role();
        (*device)->conversation = registered.conversation_id();
        if (answer) *answer = registered;
        return device;
    }

    /// A new user `base` with `role`, its first device registered and connected (queue drained).
    Result<std::unique_ptr<Device>> enroll(const std::string& base, const std::string& role,
                                           unsigned preKeys = 20, bool connect = true) {
        auto link = m_relay->enroll(base, role);
        if (!link) return tl::unexpected(link.error());
        auto device = registerDevice(link->token, preKeys);
        if (!device) return device;
        if (connect) {
            if (auto c = (*device)->connect(endpoint()); !c) return tl::unexpected(c.error());
            std::uint64_t delivered = 0;
            if (auto d = (*device)->drain(delivered); !d) return tl::unexpected(d.error());
        }
        return device;
    }

    // ---- requests ----------------------------------------------------------------------------

    Result<std::string> createConversation(Device& creator, const std::string& title,
                                           const std::vector<std::string>& members) {
        proto::Request req;
        auto* c = req.mutable_create_conversation();
        c->set_title(title);
        c->set_is_matter(true);
        for (const auto& m : members)
            c->add_members(m);
        auto resp = creator.ws->call(req);
        if (!resp) return tl::unexpected(resp.error());
        if (resp->status() != proto::STATUS_OK)
            return fail(ErrorCode::InvalidArgument, "create conversation: " + resp->error(),
                        resp->status());
        return resp->conversation().id();
    }

    Result<proto::Invite> createInvite(Device& lawyer, const std::string& conversation) {
        proto::Request req;
        req.mutable_create_invite()->set_conversation_id(conversation);
        auto resp = lawyer.ws->call(req);
        if (!resp) return tl::unexpected(resp.error());
        if (resp->status() != proto::STATUS_OK)
            return fail(ErrorCode::InvalidArgument, "create invite: " + resp->error(),
                        resp->status());
        return resp->invite();
    }

    /// A client that joined `conversation` by an invite of `lawyer`, connected and drained.
    Result<std::unique_ptr<Device>> joinByInvite(Device& lawyer, const std::string& conversation,
                                                 std::string* inviteId = nullptr) {
        auto invite = createInvite(lawyer, conversation);
        if (!invite) return tl::unexpected(invite.error());
        if (inviteId) *inviteId = invite->id();
        auto link = Link::parse(invite->link());
        if (!link) return fail(ErrorCode::Malformed, "the invite's link does not parse");
        auto client = registerDevice(link->token, 20, "Conformance Client");
        if (!client) return client;
        if (auto c = (*client)->connect(endpoint()); !c) return tl::unexpected(c.error());
        std::uint64_t delivered = 0;
        if (auto d = (*client)->drain(delivered); !d) return tl::unexpected(d.error());
        return client;
    }

    proto::NoticeDeclaration noticeDeclaration() const {
        proto::NoticeDeclaration d;
        d.set_version(1);
        d.set_text_sha256(stringOf(*fromHex(kNoticeV1Sha256)));
        return d;
    }

    /// The client's NOTICE_ACCEPTED send into its conversation, declared (docs/protocol.md,
    /// "Recording notice").
    Result<proto::Response> acceptNotice(Device& client) {
        auto to = otherMemberDevices(client, client.conversation);
        if (!to) return tl::unexpected(to.error());
        auto out = buildSend(client, client.conversation, "", *to, journalPublic(),
                             [&](proto::JournalRecord& r) {
                                 r.set_type(proto::NOTICE_ACCEPTED);
                                 r.set_body(journal::noticeAcceptanceBody(m_manifest.firmName));
                             });
        if (!out) return tl::unexpected(out.error());
        *out->send.mutable_notice_acceptance() = noticeDeclaration();
        return send(client, out->send);
    }

    /// A send whose envelopes carry opaque bytes instead of Signal messages (the relay cannot tell
    /// the difference) and whose entry is honest for `to`; tests break one thing of it and expect
    /// the relay to refuse.
    Result<Outgoing> unencryptedSend(Device& from, const std::string& conversation,
                                     const std::vector<proto::DeviceAddress>& to,
                                     const RecordShape& shape = {}, ByteView journalKey = {}) {
        Outgoing out;
        out.record = makeRecord(from, conversation, "refused", to);
        if (shape) shape(out.record);
        out.send.set_message_id(out.record.message_id());
        out.send.set_conversation_id(conversation);
        for (const auto& a : to) {
            auto* e = out.send.add_envelopes();
            e->set_user(a.user());
            e->set_device(a.device());
            e->set_type(2);
            e->set_body("opaque bytes the relay never reads");
        }
        auto entry = journal::sealRecord(
            out.record, journalKey.empty() ? ByteView(journalPublic()) : journalKey, from.signer(),
            from.chain);
        if (!entry) return tl::unexpected(entry.error());
        out.entry = std::move(*entry);
        out.send.set_journal_entry(stringOf(out.entry.serialize()));
        return out;
    }

    /// The journal's head sequence, as the compliance account sees it.
    Result<std::uint64_t> journalHead() {
        proto::Request req;
        req.mutable_pull_journal()->set_after_sequence(std::uint64_t(1) << 62);
        req.mutable_pull_journal()->set_limit(1);
        auto resp = m_officer->ws->call(req);
        if (!resp) return tl::unexpected(resp.error());
        if (resp->status() != proto::STATUS_OK)
            return fail(ErrorCode::InvalidArgument, "pull: " + resp->error(), resp->status());
        return resp->journal_page().head_sequence();
    }

    /// Every row from sequence 1 on, in pages of `limit`, and every checkpoint the pages carried.
    Result<std::vector<proto::JournalRow>> pullAll(std::vector<std::string>* checkpoints = nullptr,
                                                   std::uint64_t* head = nullptr,
                                                   std::uint32_t limit = 40) {
        std::vector<proto::JournalRow> rows;
        std::uint64_t after = 0;
        for (int page = 0; page < 10000; ++page) {
            proto::Request req;
            req.mutable_pull_journal()->set_after_sequence(after);
            req.mutable_pull_journal()->set_limit(limit);
            auto resp = m_officer->ws->call(req);
            if (!resp) return tl::unexpected(resp.error());
            if (resp->status() != proto::STATUS_OK)
                return fail(ErrorCode::InvalidArgument, "pull: " + resp->error(), resp->status());
            const auto& p = resp->journal_page();
            if (checkpoints)
                for (const auto& c : p.checkpoints())
                    checkpoints->push_back(c);
            if (head) *head = p.head_sequence();
            if (p.rows_size() == 0) return rows;
            for (const auto& r : p.rows())
                rows.push_back(r);
            after = p.rows(p.rows_size() - 1).sequence();
            if (after >= p.head_sequence()) return rows;
        }
        return fail(ErrorCode::Internal, "the journal never ended");
    }

    /// Reads `device`'s pushes until an envelope of `messageId` arrives.
    std::optional<proto::Envelope> waitForEnvelope(Device& device, const std::string& messageId,
                                                   std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            auto push = device.ws->nextPush(left);
            if (!push) return std::nullopt;
            if (push->has_envelope() && push->envelope().message_id() == messageId)
                return push->envelope();
        }
        return std::nullopt;
    }

    /// The device's pre-key count, asked with an upload carrying nothing.
    Result<proto::PreKeyCount> preKeyCount(Device& device) {
        proto::Request req;
        req.mutable_upload_pre_keys();
        auto resp = device.ws->call(req);
        if (!resp) return tl::unexpected(resp.error());
        if (resp->status() != proto::STATUS_OK)
            return fail(ErrorCode::InvalidArgument, "pre-key count: " + resp->error(),
                        resp->status());
        return resp->pre_key_count();
    }

    /// The members' devices of the shared matter, but `from`'s.
    std::vector<proto::DeviceAddress> matterRecipients(Device& from) {
        auto to = otherMemberDevices(from, m_matter);
        return to ? *to : std::vector<proto::DeviceAddress>{};
    }

    /// A session of the spare lawyer, read up to its queue_drained push: what the relay pushes
    /// on connect is out, so nothing of it is still being written when a test starts.
    Result<std::unique_ptr<WsSession>> openScratch() {
        auto s = WsSession::openDevice(endpoint(), m_scratch->user, m_scratch->device,
                                       m_scratch->secret);
        if (!s) return s;
        while (true) {
            auto push = (*s)->nextPush(10s);
            if (!push) return fail(ErrorCode::Internal, "no queue_drained push");
            if (push->has_queue_drained()) return s;
        }
    }

    /// Reads until the relay closes `s`: a 400 response must come first, then close code 1008.
    void expectAnswered400ThenClosed1008(WsSession& s) {
        bool answered = false;
        std::string seen;
        while (true) {
            auto frame = s.nextFrame(5s);
            if (!frame) {
                seen += " end (" + frame.error().message + ")";
                break;
            }
            seen += frame->has_response()
                        ? " response " + std::to_string(frame->response().status())
                        : " push";
            if (frame->has_response() && frame->response().status() == proto::STATUS_BAD_REQUEST)
                answered = true;
        }
        auto code = s.waitForClose(1s);
        QVERIFY2(code,
                 ("the relay did not close the session with a close frame; got" + seen).c_str());
        QCOMPARE(int(*code), 1008);
        QVERIFY2(answered,
                 ("the malformed frame was not answered 400 before the close; got" + seen).c_str());
    }

    /// Sends `out` as `from` and checks it was refused with `status` and journaled nothing. Use
    /// through EXPECT_REFUSED, which ends the calling test when it failed.
    void expectRefused(Device& from, const proto::SendMessage& message, proto::Status status) {
        REQUIRE_OK(before, journalHead());
        REQUIRE_OK(resp, send(from, message));
        QVERIFY2(resp->status() == status,
                 qPrintable(QString("expected %1, got %2 (%3)")
                                .arg(int(status))
                                .arg(int(resp->status()))
                                .arg(QString::fromStdString(resp->error()))));
        QVERIFY(!resp->has_send_result());
        REQUIRE_OK(after, journalHead());
        QCOMPARE(*after, *before);
    }

private slots:
    void initTestCase() {
        REQUIRE_OK(relay, RelayUnderTest::start(g_options));
        m_relay = std::move(*relay);
        REQUIRE_OK(ctx, signal::SignalContext::create());
        m_ctx = *ctx;
        // The first link fixes the endpoint (unless given) and the firm fingerprint.
        REQUIRE_OK(link, m_relay->enroll("lawyer-a", "lawyer"));
        m_firstLink = *link;
        REQUIRE_OK(manifest,
                   httpsExchange(endpoint(), httpRequest("GET", "/v1/manifest", hostHeader(), "")));
        QCOMPARE(manifest->status, 200);
        m_manifestBytes = bytesOf(manifest->body);
        REQUIRE_OK(parsed, journal::FirmManifest::parse(m_manifestBytes));
        // Its signature and fingerprint are manifest_verifiesUnderLinkFingerprint's to judge.
        m_manifest = *parsed;
        QVERIFY(m_manifest.currentJournalKey());

        REQUIRE_OK(lawyer, registerDevice(m_firstLink.token));
        m_lawyer = std::move(*lawyer);
        QVERIFY(m_lawyer->connect(endpoint()));
        std::uint64_t delivered = 0;
        QVERIFY(m_lawyer->drain(delivered));
        REQUIRE_OK(lawyer2, enroll("lawyer-b", "lawyer"));
        m_lawyer2 = std::move(*lawyer2);
        REQUIRE_OK(officer, enroll("officer", "compliance"));
        m_officer = std::move(*officer);
        REQUIRE_OK(scratch, enroll("scratch", "lawyer", 5, false));
        m_scratch = std::move(*scratch);
        REQUIRE_OK(matter, createConversation(*m_lawyer, "Conformance matter", {m_lawyer2->user}));
        m_matter = *matter;
        REQUIRE_OK(client, joinByInvite(*m_lawyer, m_matter, &m_clientInviteId));
        m_client = std::move(*client);
        QCOMPARE(m_client->conversation, m_matter);
        REQUIRE_OK(accepted, acceptNotice(*m_client));
        QVERIFY2(accepted->status() == proto::STATUS_OK, accepted->error().c_str());
    }

    void cleanupTestCase() {
        m_lawyer.reset();
        m_lawyer2.reset();
        m_officer.reset();
        m_client.reset();
        m_scratch.reset();
        m_relay.reset();
    }

    // ---- TLS ---------------------------------------------------------------------------------

    void tls_certificateMatchesLinkPin() {
        QVERIFY2(isLowerHex(m_firstLink.tls, 64) || !g_options.tlsPin.empty(),
                 "an enrollment link of a relay with its own certificate carries &tls= (64 "
                 "lower-case hex)");
        REQUIRE_OK(facts, probeTls(endpoint()));
        // tls = hex(SHA-256(leaf certificate, DER)), of the certificate the relay serves.
        if (!m_firstLink.tls.empty()) QCOMPARE(toHex(facts->certificateSha256), m_firstLink.tls);
        QCOMPARE(toHex(facts->certificateSha256), toHex(endpoint().certificatePin));
        // Every link the relay hands out names the same certificate.
        REQUIRE_OK(other, m_relay->enroll("pin-check", "lawyer"));
        QCOMPARE(other->tls, m_firstLink.tls);
        REQUIRE_OK(invite, createInvite(*m_lawyer, m_matter));
        auto inviteLink = Link::parse(invite->link());
        QVERIFY(inviteLink);
        QCOMPARE(inviteLink->tls, m_firstLink.tls);
        // When the manifest pins TLS keys, the certificate's key is one of them.
        if (!m_manifest.tlsKeyPins.empty()) {
            bool listed = false;
            for (const auto& pin : m_manifest.tlsKeyPins)
                listed = listed || pin == facts->publicKeySha256;
            QVERIFY2(listed, "the manifest pins TLS keys, but not the one the relay presents");
        }
    }

    void tls_handshakeAsksNoClientCredential() {
        REQUIRE_OK(facts, probeTls(endpoint()));
        QVERIFY2(!facts->clientCertificateRequested, "the relay asked for a client certificate");
        QVERIFY2(facts->protocol == "TLSv1.3" || facts->protocol == "TLSv1.2",
                 facts->protocol.c_str());
    }

    void tls_plaintextGetsNoHttpAnswer() {
        REQUIRE_OK(got,
                   plainExchange(endpoint(), httpRequest("GET", "/v1/manifest", hostHeader(), "")));
        QVERIFY2(got->find("HTTP/") == std::string::npos, "the relay answered HTTP without TLS");
    }

    void tls_wrongPinSendsNoToken() {
        REQUIRE_OK(link, m_relay->enroll("wrong-pin", "lawyer"));
        REQUIRE_OK(device, Device::create(m_ctx, 5));
        Endpoint forged = endpoint();
        forged.certificatePin[0] ^= 0x01;
        const std::string body = (*device)->registration(link->token).SerializeAsString();
        auto refused =
            httpsExchange(forged, httpRequest("POST", "/v1/register", hostHeader(), body));
        QVERIFY2(!refused, "a certificate that does not hash to the pin was accepted");
        QVERIFY2(refused.error().message.find("TLS handshake") == 0,
                 refused.error().message.c_str());
        // The token never left: it still registers.
        REQUIRE_OK(reply, postRegister(body));
        QCOMPARE(reply->status, 200);
    }

    // ---- registration ------------------------------------------------------------------------

    void register_enrollmentAnswersRegistered() {
        REQUIRE_OK(link, m_relay->enroll("registered", "lawyer"));
        QCOMPARE(link->kind, std::string("enroll"));
        QVERIFY2(isLowerHex(link->token, 32), "a token is 32 lower-case hex digits");
        QVERIFY2(isLowerHex(link->firm, 32), "a firm fingerprint is 32 lower-case hex digits");
        proto::Registered registered;
        REQUIRE_OK(device, registerDevice(link->token, 20, {}, &registered));
        QCOMPARE((*device)->user, m_relay->userId("registered"));
        QVERIFY((*device)->device >= 1);
        QCOMPARE(int(registered.role()), int(proto::ROLE_LAWYER));
        QVERIFY(!registered.awaiting_approval());
        REQUIRE_OK(manifest, journal::FirmManifest::parse(bytesOf(registered.firm_manifest())));
        QVERIFY2(manifest->verify(link->firm),
                 "Registered.firm_manifest does not verify under the link's firm");
        // The device connects with its secret at once.
        QVERIFY((*device)->connect(endpoint()));
    }

    void register_answerIsProtobuf() {
        REQUIRE_OK(link, m_relay->enroll("content-type", "lawyer"));
        REQUIRE_OK(device, Device::create(m_ctx, 5));
        REQUIRE_OK(reply, postRegister((*device)->registration(link->token).SerializeAsString()));
        QCOMPARE(reply->status, 200);
        QCOMPARE(reply->contentType, std::string("application/x-protobuf"));
        proto::Registered registered;
        QVERIFY(registered.ParseFromString(reply->body));
    }

    void http_unknownTargetsNotFound404() {
        REQUIRE_OK(get,
                   httpsExchange(endpoint(), httpRequest("GET", "/v1/nothing", hostHeader(), "")));
        QCOMPARE(get->status, 404);
        REQUIRE_OK(post, httpsExchange(endpoint(),
                                       httpRequest("POST", "/v1/manifest", hostHeader(), "x")));
        QCOMPARE(post->status, 404);
        // A WebSocket upgrade to another target than /v1/ws, with valid credentials.
        const std::string upgrade =
            "GET /v1/other HTTP/1.1\r\nHost: " + hostHeader() +
            "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Verbatim-Device: " +
            m_scratch->user + "/" + std::to_string(m_scratch->device) +
            "\r\nAuthorization: Bearer " + toHex(m_scratch->secret) + "\r\n\r\n";
        REQUIRE_OK(ws, httpsExchange(endpoint(), upgrade));
        QCOMPARE(ws->status, 404);
    }

    void http_malformedAndOversizeHeadersRefused() {
        REQUIRE_OK(garbage, httpsExchange(endpoint(), "NOT HTTP AT ALL\r\n\r\n"));
        QCOMPARE(garbage->status, 400);
        QVERIFY2(garbage->contentType.rfind("text/plain", 0) == 0, garbage->contentType.c_str());
        const std::string big = "GET /v1/manifest HTTP/1.1\r\nHost: " + hostHeader() +
                                "\r\nX-Padding: " + std::string(9000, 'a') + "\r\n\r\n";
        REQUIRE_OK(header, httpsExchange(endpoint(), big));
        QCOMPARE(header->status, 431);
    }

    void register_reusedTokenGone410() {
        REQUIRE_OK(link, m_relay->enroll("reused", "lawyer"));
        REQUIRE_OK(first, registerDevice(link->token, 5));
        auto second = registerDevice(link->token, 5);
        QVERIFY(!second);
        QCOMPARE(second.error().detail, 410);
    }

    void register_unknownTokenUnauthorized401() {
        auto device = registerDevice(toHex(crypto::randomBytes(16)), 5);
        QVERIFY(!device);
        QCOMPARE(device.error().detail, 401);
    }

    void register_malformedProtobuf400() {
        REQUIRE_OK(reply, postRegister(std::string("\xff\xff\xff\xff\x0f not a protobuf", 20)));
        QCOMPARE(reply->status, 400);
    }

    void register_nonUtf8String400() {
        REQUIRE_OK(link, m_relay->enroll("utf8", "lawyer"));
        REQUIRE_OK(device, Device::create(m_ctx, 5));
        const std::string good = (*device)->registration(link->token).SerializeAsString();
        // Field 1 (token) comes first: 0x0a, 32, then its 32 bytes, here made 0xff (not UTF-8).
        QCOMPARE(good.substr(0, 2), std::string("\x0a\x20", 2));
        std::string bad = good;
        std::fill(bad.begin() + 2, bad.begin() + 34, '\xff');
        REQUIRE_OK(reply, postRegister(bad));
        QCOMPARE(reply->status, 400);
        REQUIRE_OK(again, postRegister(good));
        QCOMPARE(again->status, 200);
    }

    void register_malformedFields400() {
        REQUIRE_OK(link, m_relay->enroll("fields", "lawyer"));
        REQUIRE_OK(device, Device::create(m_ctx, 5));
        const auto good = (*device)->registration(link->token);
        std::vector<std::pair<const char*, proto::RegisterDevice>> cases;
        auto add = [&](const char* what, auto change) {
            proto::RegisterDevice r = good;
            change(r);
            cases.emplace_back(what, r);
        };
        add("token of 31 characters", [](auto& r) { r.set_token(r.token().substr(1)); });
        add("device secret of 31 bytes",
            [](auto& r) { r.set_device_secret(r.device_secret().substr(1)); });
        add("identity key of 32 bytes",
            [](auto& r) { r.set_identity_key(r.identity_key().substr(1)); });
        add("no signed pre-key", [](auto& r) { r.clear_signed_pre_key(); });
        add("registration id 0", [](auto& r) { r.set_registration_id(0); });
        add("registration id 16381", [](auto& r) { r.set_registration_id(16381); });
        for (const auto& [what, request] : cases) {
            REQUIRE_OK(reply, postRegister(request.SerializeAsString()));
            QVERIFY2(reply->status == 400,
                     qPrintable(QString("%1: %2").arg(what).arg(reply->status)));
        }
        // Refusing them consumed nothing.
        REQUIRE_OK(reply, postRegister(good.SerializeAsString()));
        QCOMPARE(reply->status, 200);
    }

    void register_tooManyPreKeys413() {
        REQUIRE_OK(link, m_relay->enroll("prekeys-201", "lawyer"));
        REQUIRE_OK(device, Device::create(m_ctx, 201));
        REQUIRE_OK(reply, postRegister((*device)->registration(link->token).SerializeAsString()));
        QCOMPARE(reply->status, 413);
        (*device)->preKeys.resize(200);
        REQUIRE_OK(again, postRegister((*device)->registration(link->token).SerializeAsString()));
        QCOMPARE(again->status, 200);
    }

    void register_oversizeContentLength413BeforeBody() {
        // Only the header goes out: a relay that waited for the 300 KB body would time out.
        const std::string header =
            "POST /v1/register HTTP/1.1\r\nHost: " + hostHeader() +
            "\r\nContent-Type: application/x-protobuf\r\nContent-Length: 300000\r\n\r\n";
        REQUIRE_OK(reply, httpsExchange(endpoint(), header, AfterSend::ReadReply, 5s));
        QCOMPARE(reply->status, 413);
    }

    void register_chunkedBody411() {
        REQUIRE_OK(link, m_relay->enroll("chunked", "lawyer"));
        REQUIRE_OK(device, Device::create(m_ctx, 5));
        const std::string body = (*device)->registration(link->token).SerializeAsString();
        char size[16];
        std::snprintf(size, sizeof size, "%zx", body.size());
        const std::string request = "POST /v1/register HTTP/1.1\r\nHost: " + hostHeader() +
                                    "\r\nTransfer-Encoding: chunked\r\n\r\n" + size + "\r\n" +
                                    body + "\r\n0\r\n\r\n";
        REQUIRE_OK(reply, httpsExchange(endpoint(), request));
        QCOMPARE(reply->status, 411);
        REQUIRE_OK(again, postRegister(body));
        QCOMPARE(again->status, 200);
    }

    void register_wrongContentLengthRegistersNothing() {
        REQUIRE_OK(link, m_relay->enroll("length", "lawyer"));
        REQUIRE_OK(device, Device::create(m_ctx, 5));
        const std::string body = (*device)->registration(link->token).SerializeAsString();
        // Longer than what is sent, then the stream ends: no registration.
        const std::string longer = "POST /v1/register HTTP/1.1\r\nHost: " + hostHeader() +
                                   "\r\nContent-Length: " + std::to_string(body.size() + 50) +
                                   "\r\n\r\n" + body;
        auto cut = httpsExchange(endpoint(), longer, AfterSend::CloseThenRead, 5s);
        QVERIFY2(!cut || cut->status != 200,
                 "a body shorter than its Content-Length was registered");
        // Shorter than the body, ending inside the token: the body the relay reads is malformed.
        const std::string shorter = "POST /v1/register HTTP/1.1\r\nHost: " + hostHeader() +
                                    "\r\nContent-Length: 10\r\n\r\n" + body;
        REQUIRE_OK(reply, httpsExchange(endpoint(), shorter));
        QCOMPARE(reply->status, 400);
        // Neither used the token.
        REQUIRE_OK(again, postRegister(body));
        QCOMPARE(again->status, 200);
    }

    // ---- WebSocket upgrade -------------------------------------------------------------------

    void ws_badCredentialsUnauthorized401() {
        auto wrongSecret = WsSession::openDevice(endpoint(), m_scratch->user, m_scratch->device,
                                                 crypto::randomBytes(32));
        QVERIFY(!wrongSecret);
        QCOMPARE(wrongSecret.error().detail, 401);
        auto wrongDevice = WsSession::openDevice(endpoint(), m_scratch->user,
                                                 m_scratch->device + 100, m_scratch->secret);
        QVERIFY(!wrongDevice);
        QCOMPARE(wrongDevice.error().detail, 401);
        auto unknownUser =
            WsSession::openDevice(endpoint(), m_relay->userId("nobody"), 1, m_scratch->secret);
        QVERIFY(!unknownUser);
        QCOMPARE(unknownUser.error().detail, 401);
        // The right ones still work.
        REQUIRE_OK(ok, WsSession::openDevice(endpoint(), m_scratch->user, m_scratch->device,
                                             m_scratch->secret));
    }

    void ws_upperCaseHexTokenAccepted() {
        const std::string upper =
            QString::fromStdString(toHex(m_scratch->secret)).toUpper().toStdString();
        REQUIRE_OK(s, WsSession::open(endpoint(),
                                      {{"X-Verbatim-Device",
                                        m_scratch->user + "/" + std::to_string(m_scratch->device)},
                                       {"Authorization", "Bearer " + upper}}));
    }

    void ws_missingOrMalformedHeadersUnauthorized401() {
        const std::string who = m_scratch->user + "/" + std::to_string(m_scratch->device);
        const std::string bearer = "Bearer " + toHex(m_scratch->secret);
        const std::vector<std::pair<const char*, std::vector<std::pair<std::string, std::string>>>>
            cases = {
                {"no headers", {}},
                {"no Authorization", {{"X-Verbatim-Device", who}}},
                {"no X-Verbatim-Device", {{"Authorization", bearer}}},
                {"device without a number",
                 {{"X-Verbatim-Device", m_scratch->user}, {"Authorization", bearer}}},
                {"token not 64 hex digits",
                 {{"X-Verbatim-Device", who},
                  {"Authorization", bearer.substr(0, bearer.size() - 2)}}},
                {"not a bearer token",
                 {{"X-Verbatim-Device", who},
                  {"Authorization", "Basic " + toHex(m_scratch->secret)}}},
            };
        for (const auto& [what, headers] : cases) {
            auto s = WsSession::open(endpoint(), headers);
            QVERIFY2(!s, what);
            QVERIFY2(s.error().detail == 401,
                     qPrintable(QString("%1: %2").arg(what).arg(s.error().detail)));
        }
    }

    // R-LINK-1: a device link lasts at most 15 minutes; asking for longer is refused, not cut.
    void deviceLink_longerThan15MinutesRefused400() {
        REQUIRE_OK(owner, enroll("link-ttl", "lawyer", 5));
        proto::Request req;
        req.mutable_create_device_link()->set_ttl_seconds(901);
        REQUIRE_OK(resp, (*owner)->ws->call(req));
        QCOMPARE(int(resp->status()), int(proto::STATUS_BAD_REQUEST));
        QVERIFY(resp->invite().link().empty());
        req.mutable_create_device_link()->set_ttl_seconds(0); // the default: 15 minutes
        REQUIRE_OK(ok, (*owner)->ws->call(req));
        QVERIFY2(ok->status() == proto::STATUS_OK, ok->error().c_str());
        QVERIFY(ok->invite().expires_ms() > 0);
    }

    void ws_pendingDeviceLocked423() {
        REQUIRE_OK(owner, enroll("pending-owner", "lawyer", 5));
        proto::Request req;
        req.mutable_create_device_link();
        REQUIRE_OK(resp, (*owner)->ws->call(req));
        QVERIFY2(resp->status() == proto::STATUS_OK, resp->error().c_str());
        auto link = Link::parse(resp->invite().link());
        QVERIFY(link);
        proto::Registered registered;
        REQUIRE_OK(second, registerDevice(link->token, 5, {}, &registered));
        QCOMPARE((*second)->user, (*owner)->user);
        QVERIFY2(registered.awaiting_approval(),
                 "a second device of a user with an active device waits for approval");
        auto s = WsSession::openDevice(endpoint(), (*second)->user, (*second)->device,
                                       (*second)->secret);
        QVERIFY(!s);
        QCOMPARE(s.error().detail, 423);
    }

    // ---- frames ------------------------------------------------------------------------------

    void frame_malformedClosesWith1008() {
        REQUIRE_OK(s, openScratch());
        QVERIFY((*s)->sendBytes(std::string("\x08\xff\xff garbage that is no Frame", 27)));
        expectAnswered400ThenClosed1008(**s);
    }

    // The same while the relay is still writing the session's first pushes (queue_drained):
    // the 400 answer is queued behind them and must still go out before the close frame.
    void frame_malformedWhilePushesAreWrittenStillAnswered400() {
        for (int i = 0; i < 20; ++i) {
            REQUIRE_OK(s, WsSession::openDevice(endpoint(), m_scratch->user, m_scratch->device,
                                                m_scratch->secret));
            QVERIFY((*s)->sendBytes(std::string("\x08\xff\xff garbage that is no Frame", 27)));
            expectAnswered400ThenClosed1008(**s);
            if (QTest::currentTestFailed()) return;
        }
    }

    void frame_nonUtf8StringClosesWith1008() {
        REQUIRE_OK(s, openScratch());
        // Frame{id 5, request{fetch_bundles{user "\xff\xfe"}}}, written by hand: FetchBundles.user
        // is a proto3 string, and these bytes are not UTF-8.
        const std::string fetch = std::string("\x0a\x02\xff\xfe", 4);
        const std::string request = std::string("\x1a", 1) + char(fetch.size()) + fetch;
        const std::string frame = std::string("\x08\x05\x12", 3) + char(request.size()) + request;
        QVERIFY((*s)->sendBytes(frame));
        expectAnswered400ThenClosed1008(**s);
    }

    void frame_requestWithoutOperation400() {
        REQUIRE_OK(s, openScratch());
        proto::Request empty;
        QVERIFY((*s)->sendRequest(9, empty));
        while (true) {
            REQUIRE_OK(frame, (*s)->nextFrame(10s));
            if (!frame->has_response()) continue;
            QCOMPARE(frame->id(), std::uint64_t(9));
            QCOMPARE(int(frame->response().status()), int(proto::STATUS_BAD_REQUEST));
            break;
        }
        // The session goes on.
        REQUIRE_OK(pong, (*s)->call(ping()));
        QCOMPARE(int(pong->status()), int(proto::STATUS_OK));
    }

    void frame_oversizeClosesWith1009() {
        REQUIRE_OK(s, WsSession::openDevice(endpoint(), m_scratch->user, m_scratch->device,
                                            m_scratch->secret));
        // 5 MiB: over the relay's 4 MiB frame limit.
        proto::Request req;
        req.mutable_fetch_bundles()->set_user(std::string(5 * 1024 * 1024, 'x'));
        proto::Frame frame;
        frame.set_id(1);
        *frame.mutable_request() = req;
        auto sent = (*s)->sendBytes(frame.SerializeAsString());
        Q_UNUSED(sent); // the relay may stop reading before the whole message is written
        auto code = (*s)->waitForClose();
        QVERIFY2(code, "the relay did not close the session with a close frame");
        QCOMPARE(int(*code), 1009);
    }

    void frame_responseEchoesRequestId() {
        REQUIRE_OK(s, WsSession::openDevice(endpoint(), m_scratch->user, m_scratch->device,
                                            m_scratch->secret));
        const std::vector<std::uint64_t> ids = {1, 42, (std::uint64_t(1) << 53) + 7,
                                                ~std::uint64_t(0)};
        for (auto id : ids)
            QVERIFY((*s)->sendRequest(id, ping()));
        std::multiset<std::uint64_t> answered;
        while (answered.size() < ids.size()) {
            REQUIRE_OK(frame, (*s)->nextFrame(10s));
            if (frame->has_response()) {
                QCOMPARE(int(frame->response().status()), int(proto::STATUS_OK));
                answered.insert(frame->id());
            }
        }
        QCOMPARE(answered, std::multiset<std::uint64_t>(ids.begin(), ids.end()));
        // Id 0 is one-way: a ping that succeeds is not answered, so the next response is 77's.
        QVERIFY((*s)->sendRequest(0, ping()));
        QVERIFY((*s)->sendRequest(77, ping()));
        while (true) {
            REQUIRE_OK(frame, (*s)->nextFrame(10s));
            if (!frame->has_response()) continue;
            QCOMPARE(frame->id(), std::uint64_t(77));
            break;
        }
        // A one-way request that fails is answered, with id 0 (a lawyer may not pull the journal).
        proto::Request pull;
        pull.mutable_pull_journal()->set_limit(1);
        QVERIFY((*s)->sendRequest(0, pull));
        while (true) {
            REQUIRE_OK(frame, (*s)->nextFrame(10s));
            if (!frame->has_response()) continue;
            QCOMPARE(frame->id(), std::uint64_t(0));
            QCOMPARE(int(frame->response().status()), int(proto::STATUS_FORBIDDEN));
            break;
        }
    }

    // ---- requests ----------------------------------------------------------------------------

    void requests_membersDevicesSortedWithCaller() {
        proto::Request req;
        req.mutable_list_member_devices()->set_conversation_id(m_matter);
        REQUIRE_OK(resp, m_client->ws->call(req));
        QCOMPARE(int(resp->status()), int(proto::STATUS_OK));
        std::vector<std::pair<std::string, std::uint32_t>> got;
        for (const auto& a : resp->member_devices().devices())
            got.emplace_back(a.user(), a.device());
        auto sorted = got;
        std::sort(sorted.begin(), sorted.end());
        QVERIFY2(got == sorted, "member devices are not sorted by user, then device");
        std::set<std::pair<std::string, std::uint32_t>> expected = {
            {m_lawyer->user, m_lawyer->device},
            {m_lawyer2->user, m_lawyer2->device},
            {m_client->user, m_client->device}};
        for (const auto& d : expected)
            QVERIFY2(std::count(got.begin(), got.end(), d) == 1, d.first.c_str());
        // Someone outside the matter may not list it.
        REQUIRE_OK(outside, m_officer->ws->call(req));
        QCOMPARE(int(outside->status()), int(proto::STATUS_FORBIDDEN));
    }

    void requests_roleAndInputChecks() {
        // Clients open no conversations and invite nobody.
        proto::Request create;
        create.mutable_create_conversation()->set_title("by a client");
        REQUIRE_OK(byClient, m_client->ws->call(create));
        QCOMPARE(int(byClient->status()), int(proto::STATUS_FORBIDDEN));
        proto::Request invite;
        invite.mutable_create_invite()->set_conversation_id(m_matter);
        REQUIRE_OK(inviteByClient, m_client->ws->call(invite));
        QCOMPARE(int(inviteByClient->status()), int(proto::STATUS_FORBIDDEN));
        // An unknown member is 404; an empty title 400.
        create.mutable_create_conversation()->add_members(m_relay->userId("nobody-at-all"));
        REQUIRE_OK(unknown, m_lawyer->ws->call(create));
        QCOMPARE(int(unknown->status()), int(proto::STATUS_NOT_FOUND));
        proto::Request untitled;
        untitled.mutable_create_conversation();
        REQUIRE_OK(noTitle, m_lawyer->ws->call(untitled));
        QCOMPARE(int(noTitle->status()), int(proto::STATUS_BAD_REQUEST));
        // Invites last at most 30 days; only into matters the lawyer is a member of.
        invite.mutable_create_invite()->set_ttl_seconds(31 * 24 * 3600);
        REQUIRE_OK(tooLong, m_lawyer->ws->call(invite));
        QCOMPARE(int(tooLong->status()), int(proto::STATUS_BAD_REQUEST));
        REQUIRE_OK(notMine, createConversation(*m_lawyer2, "Lawyer B alone", {}));
        proto::Request foreign;
        foreign.mutable_create_invite()->set_conversation_id(*notMine);
        REQUIRE_OK(notMember, m_lawyer->ws->call(foreign));
        QCOMPARE(int(notMember->status()), int(proto::STATUS_FORBIDDEN));
        // At most 1000 acknowledgements per request.
        proto::Request ack;
        for (std::uint64_t i = 1; i <= 1001; ++i)
            ack.mutable_acknowledge()->add_queue_ids(i + (std::uint64_t(1) << 40));
        REQUIRE_OK(tooMany, m_lawyer->ws->call(ack));
        QCOMPARE(int(tooMany->status()), int(proto::STATUS_TOO_LARGE));
    }

    // ---- send --------------------------------------------------------------------------------

    void send_validMessageAcknowledged() {
        auto to = matterRecipients(*m_lawyer);
        QVERIFY(!to.empty());
        REQUIRE_OK(before, journalHead());
        REQUIRE_OK(out, buildSend(*m_lawyer, m_matter, "hello", to, journalPublic()));
        REQUIRE_OK(resp, send(*m_lawyer, out->send));
        QVERIFY2(resp->status() == proto::STATUS_OK, resp->error().c_str());
        const auto& r = resp->send_result();
        QVERIFY(!r.duplicate());
        QVERIFY(r.journal_sequence() > *before);
        QCOMPARE(r.chain_hash().size(), std::size_t(32));
        const std::uint64_t now = nowMs();
        QVERIFY2(r.server_time_ms() + 300000 > now && r.server_time_ms() < now + 300000,
                 "server time is not ms since 1970");
    }

    void send_entryHeaderVersion1Refused400() {
        auto to = matterRecipients(*m_lawyer);
        REQUIRE_OK(out, unencryptedSend(*m_lawyer, m_matter, to));
        out->entry.header.version = 1;
        QVERIFY(resign(*m_lawyer, out->entry));
        out->send.set_journal_entry(stringOf(out->entry.serialize()));
        EXPECT_REFUSED(*m_lawyer, out->send, proto::STATUS_BAD_REQUEST);
    }

    void send_entryForAnotherMessageRefused400() {
        auto to = matterRecipients(*m_lawyer);
        REQUIRE_OK(out, unencryptedSend(*m_lawyer, m_matter, to));
        out->send.set_message_id(journal::newMessageId(nowMs()));
        EXPECT_REFUSED(*m_lawyer, out->send, proto::STATUS_BAD_REQUEST);
    }

    void send_entryNamingAnotherDeviceRefused400() {
        auto to = matterRecipients(*m_lawyer);
        REQUIRE_OK(out, unencryptedSend(*m_lawyer, m_matter, to, [&](proto::JournalRecord& r) {
                       r.mutable_sender()->set_device(m_lawyer->device + 1);
                   }));
        EXPECT_REFUSED(*m_lawyer, out->send, proto::STATUS_BAD_REQUEST);
        // Another user's name, signed by this device, is refused the same way.
        REQUIRE_OK(other, unencryptedSend(*m_lawyer, m_matter, to, [&](proto::JournalRecord& r) {
                       r.mutable_sender()->set_user(m_lawyer2->user);
                       r.mutable_sender()->set_device(m_lawyer2->device);
                   }));
        EXPECT_REFUSED(*m_lawyer, other->send, proto::STATUS_BAD_REQUEST);
    }

    void send_entryNamingRelayRefused400() {
        // relay/0 is the relay's own sender: no device may journal under it.
        auto to = matterRecipients(*m_lawyer);
        REQUIRE_OK(out, unencryptedSend(*m_lawyer, m_matter, to, [](proto::JournalRecord& r) {
                       r.mutable_sender()->set_user("relay");
                       r.mutable_sender()->set_device(0);
                       r.set_type(proto::ADMIN_ACTION);
                   }));
        EXPECT_REFUSED(*m_lawyer, out->send, proto::STATUS_BAD_REQUEST);
    }

    void send_malformedRequestRefused() {
        auto to = matterRecipients(*m_lawyer);
        REQUIRE_OK(base, unencryptedSend(*m_lawyer, m_matter, to));
        struct Case {
            const char* what;
            std::function<void(proto::SendMessage&)> change;
            proto::Status status;
        };
        const std::vector<Case> cases = {
            {"message id of 15 bytes", [](auto& s) { s.set_message_id(s.message_id().substr(1)); },
             proto::STATUS_BAD_REQUEST},
            // None is allowed only to a conversation's only active device (row 3 and 20).
            {"no envelope while others are members", [](auto& s) { s.clear_envelopes(); },
             proto::STATUS_CONFLICT},
            {"empty envelope body", [](auto& s) { s.mutable_envelopes(0)->clear_body(); },
             proto::STATUS_TOO_LARGE},
            {"envelope type 1", [](auto& s) { s.mutable_envelopes(0)->set_type(1); },
             proto::STATUS_BAD_REQUEST},
            {"blob id of 31 bytes", [](auto& s) { s.add_blob_ids(std::string(31, 'b')); },
             proto::STATUS_BAD_REQUEST},
            {"no journal entry", [](auto& s) { s.clear_journal_entry(); },
             proto::STATUS_BAD_REQUEST},
            {"entry with a trailing byte",
             [](auto& s) { s.mutable_journal_entry()->push_back('\0'); },
             proto::STATUS_BAD_REQUEST},
            {"entry cut short",
             [](auto& s) { s.mutable_journal_entry()->resize(s.journal_entry().size() - 1); },
             proto::STATUS_BAD_REQUEST},
        };
        for (const auto& c : cases) {
            proto::SendMessage m = base->send;
            c.change(m);
            REQUIRE_OK(resp, send(*m_lawyer, m));
            QVERIFY2(resp->status() == c.status,
                     qPrintable(QString("%1: %2 (%3)")
                                    .arg(c.what)
                                    .arg(int(resp->status()))
                                    .arg(QString::fromStdString(resp->error()))));
        }
        // None of them was stored: the honest send is not a duplicate.
        REQUIRE_OK(resp, send(*m_lawyer, base->send));
        QVERIFY2(resp->status() == proto::STATUS_OK, resp->error().c_str());
        QVERIFY(!resp->send_result().duplicate());
    }

    void send_nonMemberForbidden403() {
        // The compliance officer is no member of the matter.
        auto to = matterRecipients(*m_lawyer);
        to.push_back(m_lawyer->deviceAddress());
        REQUIRE_OK(out, unencryptedSend(*m_officer, m_matter, to));
        EXPECT_REFUSED(*m_officer, out->send, proto::STATUS_FORBIDDEN);
        // An unknown conversation is the same.
        REQUIRE_OK(nowhere, unencryptedSend(*m_lawyer, "no-such-conversation",
                                            {m_lawyer2->deviceAddress()}));
        EXPECT_REFUSED(*m_lawyer, nowhere->send, proto::STATUS_FORBIDDEN);
    }

    void send_twoEnvelopesForOneDeviceRefused400() {
        auto to = matterRecipients(*m_lawyer);
        REQUIRE_OK(out, unencryptedSend(*m_lawyer, m_matter, to));
        *out->send.add_envelopes() = out->send.envelopes(0);
        EXPECT_REFUSED(*m_lawyer, out->send, proto::STATUS_BAD_REQUEST);
    }

    void send_entryForAnotherConversationRefused400() {
        REQUIRE_OK(other, createConversation(*m_lawyer, "Another matter", {m_lawyer2->user}));
        auto to = matterRecipients(*m_lawyer);
        REQUIRE_OK(out, unencryptedSend(*m_lawyer, m_matter, to, [&](proto::JournalRecord& r) {
                       r.set_conversation_id(*other);
                   }));
        EXPECT_REFUSED(*m_lawyer, out->send, proto::STATUS_BAD_REQUEST);
    }

    void send_entrySealedToOtherKeyRefused412() {
        auto to = matterRecipients(*m_lawyer);
        REQUIRE_OK(other, crypto::X25519Key::generate());
        REQUIRE_OK(out, unencryptedSend(*m_lawyer, m_matter, to, {}, other->publicKey()));
        EXPECT_REFUSED(*m_lawyer, out->send, proto::STATUS_JOURNAL_KEY_CHANGED);
    }

    void send_entryBadSignatureRefused400() {
        auto to = matterRecipients(*m_lawyer);
        REQUIRE_OK(out, unencryptedSend(*m_lawyer, m_matter, to));
        out->entry.signature[10] ^= 0x40;
        out->send.set_journal_entry(stringOf(out->entry.serialize()));
        EXPECT_REFUSED(*m_lawyer, out->send, proto::STATUS_BAD_REQUEST);
        // Signed by another device's identity key (lawyer B's), naming lawyer A: refused too.
        REQUIRE_OK(foreign, unencryptedSend(*m_lawyer, m_matter, to));
        QVERIFY(resign(*m_lawyer2, foreign->entry));
        foreign->send.set_journal_entry(stringOf(foreign->entry.serialize()));
        EXPECT_REFUSED(*m_lawyer, foreign->send, proto::STATUS_BAD_REQUEST);
    }

    void send_recipientsDigestMismatchRefused400() {
        auto to = matterRecipients(*m_lawyer);
        QVERIFY(to.size() >= 2);
        // The envelopes go to every member device; the journal names one fewer.
        REQUIRE_OK(out, unencryptedSend(*m_lawyer, m_matter, to, [](proto::JournalRecord& r) {
                       r.mutable_recipients()->RemoveLast();
                   }));
        EXPECT_REFUSED(*m_lawyer, out->send, proto::STATUS_BAD_REQUEST);
    }

    void send_deviceListMismatchAnswers409WithMissingAndExtra() {
        auto to = matterRecipients(*m_lawyer);
        auto it = std::find_if(to.begin(), to.end(),
                               [&](const auto& a) { return a.user() == m_client->user; });
        QVERIFY(it != to.end());
        const proto::DeviceAddress missing = *it;
        to.erase(it);
        const proto::DeviceAddress extra = m_officer->deviceAddress(); // not a member
        to.push_back(extra);
        REQUIRE_OK(out, unencryptedSend(*m_lawyer, m_matter, to));
        REQUIRE_OK(before, journalHead());
        REQUIRE_OK(resp, send(*m_lawyer, out->send));
        QCOMPARE(int(resp->status()), int(proto::STATUS_CONFLICT));
        QVERIFY(resp->has_device_mismatch());
        const auto& mm = resp->device_mismatch();
        QCOMPARE(mm.missing_size(), 1);
        QCOMPARE(addressText(mm.missing(0)), addressText(missing));
        QCOMPARE(mm.extra_size(), 1);
        QCOMPARE(addressText(mm.extra(0)), addressText(extra));
        REQUIRE_OK(after, journalHead());
        QCOMPARE(*after, *before);
    }

    void send_refusalsFollowSpecOrder() {
        auto to = matterRecipients(*m_lawyer);
        REQUIRE_OK(otherKey, crypto::X25519Key::generate());
        // Journal key before signature: sealed to another key and badly signed is 412.
        {
            REQUIRE_OK(out, unencryptedSend(*m_lawyer, m_matter, to, {}, otherKey->publicKey()));
            out->entry.signature[0] ^= 1;
            out->send.set_journal_entry(stringOf(out->entry.serialize()));
            EXPECT_REFUSED(*m_lawyer, out->send, proto::STATUS_JOURNAL_KEY_CHANGED);
        }
        // Conversation before journal key: another conversation sealed to another key is 400.
        {
            REQUIRE_OK(out, unencryptedSend(
                                *m_lawyer, m_matter, to,
                                [](auto& r) { r.set_conversation_id("elsewhere"); },
                                otherKey->publicKey()));
            EXPECT_REFUSED(*m_lawyer, out->send, proto::STATUS_BAD_REQUEST);
        }
        // Device list before recipients digest: a missing device with a digest over other devices
        // is 409.
        {
            auto fewer = to;
            fewer.pop_back();
            REQUIRE_OK(out, unencryptedSend(*m_lawyer, m_matter, fewer,
                                            [](auto& r) { r.mutable_recipients()->Clear(); }));
            EXPECT_REFUSED(*m_lawyer, out->send, proto::STATUS_CONFLICT);
        }
        // Notice before device list: a client without an acceptance and a wrong device list is 428.
        {
            REQUIRE_OK(client, joinByInvite(*m_lawyer, m_matter));
            REQUIRE_OK(out, unencryptedSend(**client, m_matter, {m_lawyer->deviceAddress()}));
            EXPECT_REFUSED(**client, out->send, proto::STATUS_NOTICE_REQUIRED);
        }
    }

    void send_duplicateAnsweredFromStoredRow() {
        auto to = matterRecipients(*m_lawyer);
        REQUIRE_OK(out, buildSend(*m_lawyer, m_matter, "said once", to, journalPublic()));
        REQUIRE_OK(first, send(*m_lawyer, out->send));
        QVERIFY2(first->status() == proto::STATUS_OK, first->error().c_str());
        QVERIFY(!first->send_result().duplicate());
        REQUIRE_OK(head, journalHead());
        REQUIRE_OK(second, send(*m_lawyer, out->send));
        QVERIFY2(second->status() == proto::STATUS_OK, second->error().c_str());
        const auto &a = first->send_result(), &b = second->send_result();
        QVERIFY2(b.duplicate(),
                 "a repeated (device, message id) is answered with duplicate = true");
        QCOMPARE(b.journal_sequence(), a.journal_sequence());
        QCOMPARE(toHex(bytesOf(b.chain_hash())), toHex(bytesOf(a.chain_hash())));
        QCOMPARE(b.server_time_ms(), a.server_time_ms());
        // A repeat carrying other content under the same message id is answered the same way.
        REQUIRE_OK(changed, buildSend(*m_lawyer, m_matter, "said differently", to, journalPublic(),
                                      [&](proto::JournalRecord& r) {
                                          r.set_message_id(out->send.message_id());
                                      }));
        REQUIRE_OK(third, send(*m_lawyer, changed->send));
        QVERIFY2(third->status() == proto::STATUS_OK, third->error().c_str());
        QVERIFY(third->send_result().duplicate());
        QCOMPARE(third->send_result().journal_sequence(), a.journal_sequence());
        REQUIRE_OK(after, journalHead());
        QCOMPARE(*after, *head);
        // The recipient got it once.
        QVERIFY(waitForEnvelope(*m_lawyer2, out->send.message_id()));
        QVERIFY2(!waitForEnvelope(*m_lawyer2, out->send.message_id(), 700ms),
                 "a duplicate was delivered again");
    }

    // R-SEND-4: a message id already stored in one conversation is refused in another (409),
    // instead of being answered "duplicate" and going nowhere.
    void send_sameIdInAnotherConversationConflict409() {
        auto to = matterRecipients(*m_lawyer);
        REQUIRE_OK(out, buildSend(*m_lawyer, m_matter, "first use of the id", to, journalPublic()));
        REQUIRE_OK(first, send(*m_lawyer, out->send));
        QVERIFY2(first->status() == proto::STATUS_OK, first->error().c_str());
        // A second conversation of the same two lawyers.
        REQUIRE_OK(other, createConversation(*m_lawyer, "cf second matter", {m_lawyer2->user}));
        auto toOther = otherMemberDevices(*m_lawyer, *other);
        QVERIFY(toOther);
        REQUIRE_OK(reused, buildSend(*m_lawyer, *other, "reusing the id", *toOther, journalPublic(),
                                     [&](proto::JournalRecord& r) {
                                         r.set_message_id(out->send.message_id());
                                     }));
        REQUIRE_OK(head, journalHead());
        REQUIRE_OK(resp, send(*m_lawyer, reused->send));
        QCOMPARE(int(resp->status()), int(proto::STATUS_CONFLICT));
        QVERIFY(!resp->has_send_result());
        REQUIRE_OK(after, journalHead());
        QCOMPARE(*after, *head);
        // The honest retry in its own conversation is still answered from the stored row.
        REQUIRE_OK(retry, send(*m_lawyer, out->send));
        QVERIFY(retry->status() == proto::STATUS_OK && retry->send_result().duplicate());
    }

    void send_noticeRequiredForClient428() {
        REQUIRE_OK(client, joinByInvite(*m_lawyer, m_matter));
        auto to = otherMemberDevices(**client, m_matter);
        QVERIFY(to);
        REQUIRE_OK(before, journalHead());
        REQUIRE_OK(out, buildSend(**client, m_matter, "before accepting", *to, journalPublic()));
        REQUIRE_OK(resp, send(**client, out->send));
        QCOMPARE(int(resp->status()), int(proto::STATUS_NOTICE_REQUIRED));
        QCOMPARE(resp->error(), std::string("accept the recording notice first"));
        REQUIRE_OK(after, journalHead());
        QCOMPARE(*after, *before);
        // Staff are not asked: lawyer A sends into the same matter.
        REQUIRE_OK(staff, buildSend(*m_lawyer, m_matter, "staff", matterRecipients(*m_lawyer),
                                    journalPublic()));
        REQUIRE_OK(ok, send(*m_lawyer, staff->send));
        QVERIFY2(ok->status() == proto::STATUS_OK, ok->error().c_str());
    }

    void send_noticeAcceptedAfterDeclaredAcceptance() {
        QCOMPARE(toHex(*journal::recordingNoticeHash(1)), std::string(kNoticeV1Sha256));
        REQUIRE_OK(client, joinByInvite(*m_lawyer, m_matter));
        auto to = otherMemberDevices(**client, m_matter);
        QVERIFY(to);
        // A declaration naming an unknown notice is 400.
        {
            REQUIRE_OK(out, unencryptedSend(**client, m_matter, *to));
            auto d = noticeDeclaration();
            d.set_text_sha256(std::string(32, '\x01'));
            *out->send.mutable_notice_acceptance() = d;
            EXPECT_REFUSED(**client, out->send, proto::STATUS_BAD_REQUEST);
            d = noticeDeclaration();
            d.set_version(999);
            *out->send.mutable_notice_acceptance() = d;
            EXPECT_REFUSED(**client, out->send, proto::STATUS_BAD_REQUEST);
        }
        REQUIRE_OK(accepted, acceptNotice(**client));
        QVERIFY2(accepted->status() == proto::STATUS_OK, accepted->error().c_str());
        REQUIRE_OK(out, buildSend(**client, m_matter, "after accepting", *to, journalPublic()));
        REQUIRE_OK(resp, send(**client, out->send));
        QVERIFY2(resp->status() == proto::STATUS_OK, resp->error().c_str());
        // Per conversation: the same client in another matter is asked again.
        REQUIRE_OK(other, createConversation(*m_lawyer, "Second matter", {(*client)->user}));
        REQUIRE_OK(there, buildSend(**client, *other, "elsewhere", {m_lawyer->deviceAddress()},
                                    journalPublic()));
        REQUIRE_OK(refused, send(**client, there->send));
        QCOMPARE(int(refused->status()), int(proto::STATUS_NOTICE_REQUIRED));
    }

    // ---- delivery ----------------------------------------------------------------------------

    void delivery_envelopePushedLive() {
        auto to = matterRecipients(*m_lawyer);
        REQUIRE_OK(out, buildSend(*m_lawyer, m_matter, "live", to, journalPublic()));
        REQUIRE_OK(resp, send(*m_lawyer, out->send));
        QVERIFY2(resp->status() == proto::STATUS_OK, resp->error().c_str());
        auto env = waitForEnvelope(*m_lawyer2, out->send.message_id());
        QVERIFY2(env, "no envelope pushed to a connected recipient");
        QCOMPARE(env->conversation_id(), m_matter);
        QCOMPARE(addressText(env->sender()), addressText(m_lawyer->deviceAddress()));
        QCOMPARE(env->journal_sequence(), resp->send_result().journal_sequence());
        QCOMPARE(env->server_time_ms(), resp->send_result().server_time_ms());
        QCOMPARE(toHex(bytesOf(env->commitment())), toHex(out->entry.header.commitment));
        QVERIFY2(env->journal_entry() == out->send.journal_entry(),
                 "the envelope does not carry the sealed entry as stored");
        QVERIFY(env->queue_id() > 0);
        auto sent = std::find_if(out->send.envelopes().begin(), out->send.envelopes().end(),
                                 [&](const auto& e) { return e.user() == m_lawyer2->user; });
        QVERIFY(sent != out->send.envelopes().end());
        QCOMPARE(env->type(), sent->type());
        QCOMPARE(env->body(), sent->body());
        REQUIRE_OK(record, openEnvelope(*m_lawyer2, *env));
        QCOMPARE(record->body(), std::string("live"));
        QVERIFY(journal::commitmentOpens(bytesOf(env->commitment()), bytesOf(record->commit_key()),
                                         journal::commitContentOf(*record)));
    }

    void delivery_queuedThenQueueDrainedCountsThem() {
        REQUIRE_OK(offline, enroll("offline", "lawyer", 10, false));
        auto& d = **offline;
        REQUIRE_OK(conv, createConversation(*m_lawyer, "Queued", {d.user}));
        std::vector<std::string> ids, entries;
        for (int i = 0; i < 3; ++i) {
            REQUIRE_OK(out, buildSend(*m_lawyer, *conv, "queued " + std::to_string(i),
                                      {d.deviceAddress()}, journalPublic()));
            REQUIRE_OK(resp, send(*m_lawyer, out->send));
            QVERIFY2(resp->status() == proto::STATUS_OK, resp->error().c_str());
            ids.push_back(out->send.message_id());
            entries.push_back(out->send.journal_entry());
        }
        QVERIFY(d.connect(endpoint()));
        std::uint64_t delivered = 99;
        REQUIRE_OK(envelopes, d.drain(delivered));
        QCOMPARE(envelopes->size(), std::size_t(3));
        for (std::size_t i = 0; i < 3; ++i) {
            QCOMPARE((*envelopes)[i].message_id(), ids[i]);
            QVERIFY2((*envelopes)[i].journal_entry() == entries[i],
                     "a queued envelope does not carry its sealed entry");
            if (i > 0) QVERIFY((*envelopes)[i].queue_id() > (*envelopes)[i - 1].queue_id());
            REQUIRE_OK(record, openEnvelope(d, (*envelopes)[i]));
            QCOMPARE(record->body(), "queued " + std::to_string(i));
        }
        QVERIFY2(
            delivered == 3,
            qPrintable(QString("queue_drained.delivered is %1 after 3 envelopes").arg(delivered)));
        // After queue_drained, envelopes come live.
        REQUIRE_OK(live,
                   buildSend(*m_lawyer, *conv, "live now", {d.deviceAddress()}, journalPublic()));
        REQUIRE_OK(resp, send(*m_lawyer, live->send));
        QVERIFY(waitForEnvelope(d, live->send.message_id()));
    }

    void delivery_acknowledgedEnvelopesAreNotDeliveredAgain() {
        REQUIRE_OK(offline, enroll("acker", "lawyer", 10, false));
        auto& d = **offline;
        REQUIRE_OK(conv, createConversation(*m_lawyer, "Acknowledged", {d.user}));
        for (int i = 0; i < 3; ++i) {
            REQUIRE_OK(out, buildSend(*m_lawyer, *conv, "ack " + std::to_string(i),
                                      {d.deviceAddress()}, journalPublic()));
            REQUIRE_OK(resp, send(*m_lawyer, out->send));
            QVERIFY2(resp->status() == proto::STATUS_OK, resp->error().c_str());
        }
        QVERIFY(d.connect(endpoint()));
        std::uint64_t delivered = 0;
        REQUIRE_OK(first, d.drain(delivered));
        QCOMPARE(first->size(), std::size_t(3));
        proto::Request ack;
        ack.mutable_acknowledge()->add_queue_ids((*first)[0].queue_id());
        REQUIRE_OK(acked, d.ws->call(ack));
        QCOMPARE(int(acked->status()), int(proto::STATUS_OK));
        // Acknowledging another device's queue id deletes nothing of it.
        proto::Request foreign;
        foreign.mutable_acknowledge()->add_queue_ids((*first)[1].queue_id());
        REQUIRE_OK(ignored, m_lawyer2->ws->call(foreign));

        QVERIFY(d.connect(endpoint()));
        REQUIRE_OK(second, d.drain(delivered));
        QCOMPARE(second->size(), std::size_t(2));
        QCOMPARE((*second)[0].queue_id(), (*first)[1].queue_id());
        QCOMPARE((*second)[1].queue_id(), (*first)[2].queue_id());
        // One-way acknowledgement (id 0), then a request with an id to know it was read.
        proto::Request rest;
        for (const auto& e : *second)
            rest.mutable_acknowledge()->add_queue_ids(e.queue_id());
        QVERIFY(d.ws->sendRequest(0, rest));
        REQUIRE_OK(pong, d.ws->call(ping()));
        QVERIFY(d.connect(endpoint()));
        REQUIRE_OK(third, d.drain(delivered));
        QCOMPARE(third->size(), std::size_t(0));
        QCOMPARE(delivered, std::uint64_t(0));
    }

    // ---- pre-keys ----------------------------------------------------------------------------

    void prekeys_uploadAnswersPreKeyCount() {
        REQUIRE_OK(device, enroll("upload", "lawyer", 10));
        auto& d = **device;
        REQUIRE_OK(count, preKeyCount(d));
        QCOMPARE(count->remaining(), 10u);
        REQUIRE_OK(fresh, d.sessions->generatePreKeys(11, 5));
        proto::Request req;
        for (const auto& k : *fresh) {
            auto* p = req.mutable_upload_pre_keys()->add_pre_keys();
            p->set_id(k.id);
            p->set_public_key(stringOf(k.publicKey));
        }
        REQUIRE_OK(resp, d.ws->call(req));
        QVERIFY2(resp->status() == proto::STATUS_OK, resp->error().c_str());
        QVERIFY(resp->has_pre_key_count());
        QCOMPARE(resp->pre_key_count().remaining(), 15u);
        QCOMPARE(resp->pre_key_count().refused(), 0u);
    }

    void prekeys_moreThan200PerUploadRefused413() {
        REQUIRE_OK(device, enroll("upload-201", "lawyer", 10));
        auto& d = **device;
        REQUIRE_OK(fresh, d.sessions->generatePreKeys(11, 201));
        proto::Request req;
        for (const auto& k : *fresh) {
            auto* p = req.mutable_upload_pre_keys()->add_pre_keys();
            p->set_id(k.id);
            p->set_public_key(stringOf(k.publicKey));
        }
        REQUIRE_OK(resp, d.ws->call(req));
        QCOMPARE(int(resp->status()), int(proto::STATUS_TOO_LARGE));
        REQUIRE_OK(count, preKeyCount(d));
        QCOMPARE(count->remaining(), 10u);
    }

    void prekeys_storedCapIs200() {
        REQUIRE_OK(device, enroll("cap", "lawyer", 150));
        auto& d = **device;
        REQUIRE_OK(fresh, d.sessions->generatePreKeys(151, 100));
        proto::Request req;
        for (const auto& k : *fresh) {
            auto* p = req.mutable_upload_pre_keys()->add_pre_keys();
            p->set_id(k.id);
            p->set_public_key(stringOf(k.publicKey));
        }
        REQUIRE_OK(resp, d.ws->call(req));
        QVERIFY2(resp->status() == proto::STATUS_OK, resp->error().c_str());
        QCOMPARE(resp->pre_key_count().remaining(), 200u);
        QCOMPARE(resp->pre_key_count().refused(), 50u);
        QVERIFY2(!resp->error().empty(), "a partly refused upload says so in error");
    }

    void prekeys_oneTimeKeyNeverHandedOutTwice() {
        REQUIRE_OK(target, enroll("target", "lawyer", 3));
        std::vector<std::optional<std::uint32_t>> handedOut;
        for (Device* fetcher : {m_lawyer.get(), m_lawyer2.get(), m_lawyer.get(), m_lawyer2.get()}) {
            proto::Request req;
            req.mutable_fetch_bundles()->set_user((*target)->user);
            REQUIRE_OK(resp, fetcher->ws->call(req));
            QVERIFY2(resp->status() == proto::STATUS_OK, resp->error().c_str());
            QCOMPARE(resp->bundles().devices_size(), 1);
            const auto& b = resp->bundles().devices(0);
            QCOMPARE(b.device(), (*target)->device);
            QCOMPARE(toHex(bytesOf(b.identity_key())), toHex((*target)->identityKey));
            handedOut.push_back(b.has_pre_key() ? std::optional(b.pre_key().id()) : std::nullopt);
        }
        std::set<std::uint32_t> distinct;
        int absent = 0;
        for (const auto& id : handedOut)
            id ? (void)distinct.insert(*id) : (void)++absent;
        QCOMPARE(distinct.size(), std::size_t(3));
        QCOMPARE(absent, 1);
        REQUIRE_OK(count, preKeyCount(**target));
        QCOMPARE(count->remaining(), 0u);
    }

    void prekeys_strangerFetchForbidden403() {
        REQUIRE_OK(stranger, enroll("stranger", "lawyer", 5, false));
        for (const std::string& user : {(*stranger)->user, m_relay->userId("no-such-user")}) {
            proto::Request req;
            req.mutable_fetch_bundles()->set_user(user);
            REQUIRE_OK(resp, m_client->ws->call(req));
            QVERIFY2(resp->status() == proto::STATUS_FORBIDDEN,
                     qPrintable(QString::fromStdString(user)));
            QCOMPARE(resp->bundles().devices_size(), 0);
        }
        // A lawyer of the client's matter is not a stranger.
        proto::Request req;
        req.mutable_fetch_bundles()->set_user(m_lawyer->user);
        REQUIRE_OK(resp, m_client->ws->call(req));
        QCOMPARE(int(resp->status()), int(proto::STATUS_OK));
    }

    // ---- journal -----------------------------------------------------------------------------

    void journal_rowsInOrderAndChainRecomputes() {
        std::uint64_t head = 0;
        REQUIRE_OK(rows, pullAll(nullptr, &head));
        QVERIFY(!rows->empty());
        Bytes chain(32, 0); // chain[0]
        for (std::size_t i = 0; i < rows->size(); ++i) {
            const auto& row = (*rows)[i];
            QCOMPARE(row.sequence(), std::uint64_t(i + 1));
            // chain[n] = SHA-256(chain[n-1] || u64(n) || SHA-256(entry_n))
            const auto entryHash = crypto::sha256(view(row.entry()));
            const auto next = crypto::sha256(concat({chain, u64be(row.sequence()), entryHash}));
            chain.assign(next.begin(), next.end());
            QVERIFY2(
                toHex(bytesOf(row.chain_hash())) == toHex(chain),
                qPrintable(QString("chain hash of row %1 does not recompute").arg(row.sequence())));
        }
        QCOMPARE(rows->back().sequence(), head);
    }

    void journal_checkpointsVerifyUnderManifestRelayKey() {
        std::vector<std::string> checkpoints;
        std::uint64_t head = 0;
        REQUIRE_OK(rows, pullAll(&checkpoints, &head));
        std::map<std::uint64_t, Bytes> chainAt;
        for (const auto& r : *rows)
            chainAt[r.sequence()] = bytesOf(r.chain_hash());
        QVERIFY(!checkpoints.empty());
        bool coversHead = false;
        for (const auto& c : checkpoints) {
            // u8(1) || u64(n) || chain[n] || u64(time_ms) || field(signature[64])
            const Bytes b = bytesOf(c);
            QCOMPARE(b.size(), std::size_t(1 + 8 + 32 + 8 + 4 + 64));
            QCOMPARE(int(b[0]), 1);
            const std::uint64_t n = readU64(b, 1);
            const Bytes hash(b.begin() + 9, b.begin() + 41);
            const std::uint64_t time = readU64(b, 41);
            std::size_t at = 49;
            auto signature = readField(b, at);
            QVERIFY(signature && signature->size() == 64);
            const std::string label = "verbatim-checkpoint-v1";
            const Bytes signedBytes = concat({view(label), u64be(n), hash, u64be(time)});
            QVERIFY2(
                crypto::ed25519Verify(m_manifest.relayPublicKey, signedBytes, *signature),
                qPrintable(QString("checkpoint %1 does not verify under the manifest's relay key")
                               .arg(n)));
            QVERIFY2(chainAt.count(n), "a checkpoint names a sequence the pull did not return");
            QCOMPARE(toHex(hash), toHex(chainAt[n]));
            coversHead = coversHead || n == head;
        }
        QVERIFY2(coversHead, "no checkpoint covers the head");
    }

    void journal_sentEntryStoredVerbatim() {
        REQUIRE_OK(out, buildSend(*m_lawyer, m_matter, "journaled", matterRecipients(*m_lawyer),
                                  journalPublic()));
        REQUIRE_OK(resp, send(*m_lawyer, out->send));
        QVERIFY2(resp->status() == proto::STATUS_OK, resp->error().c_str());
        proto::Request req;
        req.mutable_pull_journal()->set_after_sequence(resp->send_result().journal_sequence() - 1);
        req.mutable_pull_journal()->set_limit(1);
        REQUIRE_OK(page, m_officer->ws->call(req));
        QCOMPARE(int(page->status()), int(proto::STATUS_OK));
        QCOMPARE(page->journal_page().rows_size(), 1);
        const auto& row = page->journal_page().rows(0);
        QCOMPARE(row.sequence(), resp->send_result().journal_sequence());
        QVERIFY2(row.entry() == out->send.journal_entry(),
                 "the stored entry differs from the one sent");
        QCOMPARE(toHex(bytesOf(row.chain_hash())),
                 toHex(bytesOf(resp->send_result().chain_hash())));
        if (m_relay->journalKey()) {
            REQUIRE_OK(entry, journal::SealedEntry::parse(view(row.entry())));
            REQUIRE_OK(opened,
                       journal::openEntry(*entry, *m_relay->journalKey(), m_lawyer->identityKey));
            QCOMPARE(opened->record.body(), std::string("journaled"));
        }
    }

    void journal_adminActionsRecorded() {
        QVERIFY2(m_relay->journalKey(),
                 "opening the relay's ADMIN_ACTION entries needs the journal private key: "
                 "pass --journal-secret FILE");
        REQUIRE_OK(rows, pullAll());
        std::vector<std::map<std::string, std::string>> actions;
        for (const auto& row : *rows) {
            REQUIRE_OK(entry, journal::SealedEntry::parse(view(row.entry())));
            if (entry->header.senderUser != "relay") continue;
            QCOMPARE(entry->header.senderDevice, 0u);
            QVERIFY2(
                journal::verifyEntrySignature(*entry, m_manifest.relayIdentityKey),
                qPrintable(
                    QString("relay entry %1 is not signed by the manifest's relay identity key")
                        .arg(row.sequence())));
            REQUIRE_OK(opened, journal::openEntry(*entry, *m_relay->journalKey(),
                                                  m_manifest.relayIdentityKey));
            QCOMPARE(int(opened->record.type()), int(proto::ADMIN_ACTION));
            auto body = parseFlatJsonObject(opened->record.body());
            QVERIFY2(body && body->count("action") && body->count("actor") && body->count("target"),
                     "an ADMIN_ACTION body is a flat JSON object with actor, action, target");
            actions.push_back(*body);
        }
        auto find = [&](const std::string& action, const std::string& key,
                        const std::string& value) {
            return std::find_if(actions.begin(), actions.end(), [&](const auto& a) {
                auto at = a.find("action"), v = a.find(key);
                return at != a.end() && at->second == action && v != a.end() && v->second == value;
            });
        };
        for (Device* d : {m_lawyer.get(), m_lawyer2.get(), m_officer.get()}) {
            auto enrolled = find("enroll-user", "target", d->user);
            QVERIFY2(enrolled != actions.end(),
                     qPrintable(QString::fromStdString("no enroll-user for " + d->user)));
            QVERIFY(enrolled->count("role"));
        }
        for (Device* d : {m_lawyer.get(), m_lawyer2.get(), m_officer.get(), m_client.get()}) {
            auto registered = std::find_if(actions.begin(), actions.end(), [&](const auto& a) {
                auto at = a.find("action"), u = a.find("user"), dev = a.find("device");
                return at != a.end() && at->second == "device-registered" && u != a.end() &&
                       u->second == d->user && dev != a.end() &&
                       dev->second == std::to_string(d->device);
            });
            QVERIFY2(registered != actions.end(),
                     qPrintable(QString::fromStdString("no device-registered for " + d->user)));
            QCOMPARE(registered->count("identity_key"), std::size_t(1));
            QCOMPARE(registered->at("identity_key"), toHex(d->identityKey));
        }
        auto created = find("conversation-created", "target", m_matter);
        QVERIFY2(created != actions.end(), "no conversation-created for the matter");
        QVERIFY(created->count("members"));
        const std::string members = " " + created->at("members") + " ";
        QVERIFY(members.find(" " + m_lawyer->user + " ") != std::string::npos);
        QVERIFY(members.find(" " + m_lawyer2->user + " ") != std::string::npos);
        auto invited = find("invite-created", "invite", m_clientInviteId);
        QVERIFY2(invited != actions.end(), "no invite-created for the client's invite");
        QCOMPARE(invited->at("target"), m_matter);
        auto redeemed = find("invite-redeemed", "target", m_client->user);
        QVERIFY2(redeemed != actions.end(), "no invite-redeemed for the client");
        QCOMPARE(redeemed->count("conversation"), std::size_t(1));
        QCOMPARE(redeemed->at("conversation"), m_matter);
        // Body version 2: `actor` is who caused the act; the users compliance needs are named.
        const std::string lawyerDevice = m_lawyer->user + "/" + std::to_string(m_lawyer->device);
        auto field = [](const std::map<std::string, std::string>& a, const char* name) {
            auto it = a.find(name);
            return it == a.end() ? std::string("(absent)") : it->second;
        };
        for (const auto* a : {&*created, &*invited, &*redeemed})
            QCOMPARE(field(*a, "version"), std::string("2"));
        QCOMPARE(field(*created, "actor"), lawyerDevice);
        QCOMPARE(field(*created, "creator"), m_lawyer->user);
        QCOMPARE(field(*invited, "actor"), lawyerDevice);
        QCOMPARE(field(*invited, "inviter"), m_lawyer->user);
        QCOMPARE(field(*redeemed, "actor"), std::string("token"));
        QCOMPARE(field(*redeemed, "inviter"), m_lawyer->user);
        for (const auto& a : actions)
            if (field(a, "action") == "device-registered")
                QCOMPARE(field(a, "actor"), std::string("token"));
    }

    void journal_pullHoldsOnlyRowsAfterTheSequence() {
        REQUIRE_OK(head, journalHead());
        QVERIFY(*head > 2);
        for (std::uint64_t after :
             {*head - 2, *head, *head + 1, std::uint64_t(1) << 63, ~std::uint64_t(0)}) {
            proto::Request req;
            req.mutable_pull_journal()->set_after_sequence(after);
            req.mutable_pull_journal()->set_limit(1000);
            REQUIRE_OK(resp, m_officer->ws->call(req));
            QCOMPARE(int(resp->status()), int(proto::STATUS_OK));
            const auto& rows = resp->journal_page().rows();
            for (const auto& r : rows)
                QVERIFY2(
                    r.sequence() > after,
                    qPrintable(
                        QString("after_sequence %1 gave row %2").arg(after).arg(r.sequence())));
            if (after >= *head) QCOMPARE(rows.size(), 0);
        }
    }

    // R-PULL-3: an unset limit (0) asks for the largest page (1000 rows), not one row.
    void journal_pullWithoutLimitGivesAFullPage() {
        REQUIRE_OK(head, journalHead());
        QVERIFY(*head > 3);
        proto::Request req;
        req.mutable_pull_journal()->set_after_sequence(0);
        REQUIRE_OK(resp, m_officer->ws->call(req));
        QCOMPARE(int(resp->status()), int(proto::STATUS_OK));
        QCOMPARE(std::uint64_t(resp->journal_page().rows_size()),
                 std::min<std::uint64_t>(*head, 1000));
    }

    void journal_pullForbiddenToOthers403() {
        for (Device* d : {m_lawyer.get(), m_client.get()}) {
            proto::Request req;
            req.mutable_pull_journal()->set_limit(10);
            REQUIRE_OK(resp, d->ws->call(req));
            QCOMPARE(int(resp->status()), int(proto::STATUS_FORBIDDEN));
            QCOMPARE(resp->journal_page().rows_size(), 0);
        }
    }

    // ---- manifest ----------------------------------------------------------------------------

    void manifest_verifiesUnderLinkFingerprint() {
        REQUIRE_OK(reply,
                   httpsExchange(endpoint(), httpRequest("GET", "/v1/manifest", hostHeader(), "")));
        QCOMPARE(reply->status, 200);
        // Not protobuf: its own layout (R-HTTP-2).
        QCOMPARE(reply->contentType, std::string("application/octet-stream"));
        // manifest = u8(4) || field(root[32]) || field(body) || field(signature[64])
        const Bytes m = bytesOf(reply->body);
        QVERIFY(!m.empty());
        QCOMPARE(int(m[0]), 4);
        std::size_t at = 1;
        auto root = readField(m, at);
        auto body = readField(m, at);
        auto signature = readField(m, at);
        QVERIFY(root && body && signature);
        QCOMPARE(at, m.size());
        QCOMPARE(root->size(), std::size_t(32));
        // fingerprint = hex(SHA-256("verbatim-firm-root-v1" || root)[0..16))
        const std::string rootLabel = "verbatim-firm-root-v1";
        const auto fp = crypto::sha256(concat({view(rootLabel), *root}));
        QCOMPARE(toHex(ByteView(fp.data(), 16)), m_firstLink.firm);
        // signature = Ed25519(root, "verbatim-manifest-v4" || body)
        const std::string label = "verbatim-manifest-v4";
        QVERIFY2(crypto::ed25519Verify(*root, concat({view(label), *body}), *signature),
                 "the manifest's signature does not verify under its root key");
        REQUIRE_OK(parsed, journal::FirmManifest::parse(m));
        QVERIFY2(parsed->namesRelay(m_firstLink.relay),
                 "the manifest does not name the link's relay");
        if (!m_firstLink.mv.empty()) QVERIFY(parsed->issuedMs >= std::stoull(m_firstLink.mv));
        QCOMPARE(parsed->relayPublicKey.size(), std::size_t(32));
        QCOMPARE(parsed->relayIdentityKey.size(), std::size_t(33));
        QVERIFY(parsed->currentJournalKey() && parsed->currentJournalKey()->publicKey.size() == 32);
        if (m_relay->journalKey())
            QCOMPARE(toHex(journalPublic()), toHex(m_relay->journalKey()->publicKey()));
    }

    // ---- invites -----------------------------------------------------------------------------

    void invite_singleUse() {
        REQUIRE_OK(invite, createInvite(*m_lawyer, m_matter));
        auto link = Link::parse(invite->link());
        QVERIFY(link);
        QCOMPARE(link->kind, std::string("join"));
        QVERIFY2(isLowerHex(link->token, 32), "a token is 32 lower-case hex digits");
        QCOMPARE(invite->id(), link->token.substr(0, 8));
        QCOMPARE(link->firm, m_firstLink.firm);
        QVERIFY(invite->expires_ms() > nowMs());
        proto::Registered registered;
        REQUIRE_OK(client, registerDevice(link->token, 5, "Single Use", &registered));
        QCOMPARE(int(registered.role()), int(proto::ROLE_CLIENT));
        QCOMPARE(registered.conversation_id(), m_matter);
        QVERIFY2(registered.user().rfind("client-", 0) == 0 &&
                     isLowerHex(registered.user().substr(7), 12),
                 "an invited client's user id is client- and 12 lower-case hex digits");
        auto again = registerDevice(link->token, 5, "Second Use");
        QVERIFY(!again);
        QCOMPARE(again.error().detail, 410);
    }

    void invite_revokedGone410() {
        REQUIRE_OK(invite, createInvite(*m_lawyer, m_matter));
        proto::Request req;
        req.mutable_revoke_invite()->set_id(invite->id());
        REQUIRE_OK(resp, m_lawyer->ws->call(req));
        QVERIFY2(resp->status() == proto::STATUS_OK, resp->error().c_str());
        QCOMPARE(resp->invite_list().invites_size(), 1);
        QCOMPARE(int(resp->invite_list().invites(0).state()), int(proto::INVITE_REVOKED));
        auto link = Link::parse(invite->link());
        QVERIFY(link);
        auto client = registerDevice(link->token, 5, "Too Late");
        QVERIFY(!client);
        QCOMPARE(client.error().detail, 410);
    }
};

namespace {

int usage() {
    std::fputs(
        "usage: verbatim-conformance [--relay HOST:PORT --provision 'CMD' [--tls-pin HEX]\n"
        "                            [--journal-secret FILE]] [Qt Test options] [test functions]\n"
        "Without --relay and --provision it starts its own verbatim-relay. See "
        "tests/conformance/README.md.\n",
        stderr);
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    g_options.relayBinary = VERBATIM_RELAY_BIN;
    g_options.provisionScript = VERBATIM_PROVISION_SCRIPT;
    if (const char* bin = std::getenv("VERBATIM_CONFORMANCE_RELAY_BIN"))
        g_options.relayBinary = bin;
    // Our options are taken out; the rest goes to Qt Test (-v2, function names, -o …).
    std::vector<char*> rest{argv[0]};
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= argc) return false;
            out = argv[++i];
            return true;
        };
        bool ok = true;
        if (a == "--relay")
            ok = value(g_options.relay);
        else if (a == "--tls-pin")
            ok = value(g_options.tlsPin);
        else if (a == "--provision")
            ok = value(g_options.provision);
        else if (a == "--journal-secret")
            ok = value(g_options.journalSecret);
        else if (a == "--help" || a == "-h")
            return usage();
        else
            rest.push_back(argv[i]);
        if (!ok) return usage();
    }
    TestConformance tests;
    return QTest::qExec(&tests, int(rest.size()), rest.data());
}

#include "tst_conformance.moc"

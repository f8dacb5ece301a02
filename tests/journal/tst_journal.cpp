// Over 600 lines on purpose: one Qt Test class for the journal library (one test per library);
// its functions share the devices and keys that initTestCase makes.
//
// Journal crypto: seal/open, signature, commitment, and the hash chain (ES-05, ES-08, ES-09,
// ES-11, JT-03 chain part, JT-05).

#include <QtTest>

#include <set>

#include "common/Json.h"
#include "crypto/Digest.h"
#include "crypto/Ed25519.h"
#include "crypto/Random.h"
#include "crypto/X25519.h"
#include "journal/DeviceApproval.h"
#include "journal/FirmManifest.h"
#include "journal/HashChain.h"
#include "journal/JournalCrypto.h"
#include "signal/InMemoryProtocolStore.h"
#include "signal/SessionManager.h"

using namespace verbatim;
using namespace verbatim::journal;

namespace {

struct Device {
    std::unique_ptr<signal::InMemoryProtocolStore> store;
    std::unique_ptr<signal::SessionManager> sessions;
    Bytes identityKey;
    Signer signer() {
        return [this](ByteView m) { return sessions->sign(m); };
    }
};

Device makeDevice(const std::shared_ptr<signal::SignalContext>& ctx) {
    Device d;
    auto id = signal::SessionManager::generateIdentity(*ctx);
    d.identityKey = id->publicKey;
    d.store = std::make_unique<signal::InMemoryProtocolStore>(std::move(*id), 1234);
    d.sessions = std::move(*signal::SessionManager::create(ctx, *d.store));
    return d;
}

proto::JournalRecord makeRecord(const std::string& body) {
    proto::JournalRecord r;
    r.set_version(1);
    Bytes id = crypto::randomBytes(16);
    r.set_message_id(std::string(id.begin(), id.end()));
    r.set_conversation_id("matter-42");
    r.mutable_sender()->set_user("lawyer@firm");
    r.mutable_sender()->set_device(1);
    auto* rcpt = r.add_recipients();
    rcpt->set_user("client-7");
    rcpt->set_device(1);
    r.set_client_time_ms(1764300000000ULL);
    r.set_type(proto::TEXT);
    r.set_body(body);
    Bytes k = crypto::randomBytes(32);
    r.set_commit_key(std::string(k.begin(), k.end()));
    return r;
}

} // namespace

class TestJournal : public QObject {
    Q_OBJECT
    std::shared_ptr<signal::SignalContext> m_ctx;
    std::optional<crypto::X25519Key> m_journalKey;
    Device m_sender;

private slots:
    // The audit bodies compliance reads back: what jsonQuote writes parses back exactly, and
    // anything else (nesting, duplicates, bad escapes, trailing bytes) is refused.
    void flatJsonRoundTripsAndRefusesTheRest() {
        const std::string hostile = "x\",\"action\":\"wipe-device\"}\n\u0001\\ \xE2\x9C\x93";
        std::string body = "{\"action\":" + jsonQuote("enroll-user") +
                           ",\"detail\":" + jsonQuote(hostile) +
                           ",\"n\":42,\"ok\":true,\"none\":null}";
        auto parsed = parseFlatJsonObject(body);
        QVERIFY(parsed);
        QCOMPARE(parsed->size(), std::size_t(5));
        QCOMPARE(parsed->at("action"), std::string("enroll-user"));
        QCOMPARE(parsed->at("detail"), hostile);
        QCOMPARE(parsed->at("n"), std::string("42"));
        QCOMPARE(parsed->at("ok"), std::string("true"));
        QCOMPARE(parsed->at("none"), std::string());
        auto unicode = parseFlatJsonObject(R"({"a":"\u00e9\ud83d\ude00"})");
        QVERIFY(unicode);
        QCOMPARE(unicode->at("a"), std::string("\xC3\xA9\xF0\x9F\x98\x80"));
        QVERIFY(parseFlatJsonObject("{}"));
        for (const char* bad :
             {"", "{", "}", "[]", "{\"a\":{}}", "{\"a\":[1]}", "{\"a\":1,\"a\":2}",
              "{\"a\":\"\\x\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}", "{\"a\":1} x",
              "{\"a\" 1}", "{a:1}", "{\"a\":\"unterminated}", "{\"a\":\"tab\tinside\"}",
              "{\"a\":12345678901234567890}", "{\"a\":1,}"})
            QVERIFY2(!parseFlatJsonObject(bad), bad);
        QVERIFY(!parseFlatJsonObject(std::string(2u << 20, ' ')));
    }

    // Message ids: the time in ms (48 bits, big-endian), then 80 random bits.
    void messageIdsBeginWithTheTimeAndSortByIt() {
        const std::uint64_t t = 0x0123456789ABull;
        const std::string a = newMessageId(t), b = newMessageId(t), later = newMessageId(t + 1);
        QCOMPARE(a.size(), kMessageIdSize);
        QCOMPARE(toHex(ByteView(reinterpret_cast<const std::uint8_t*>(a.data()), 6)),
                 std::string("0123456789ab"));
        QVERIFY(a != b); // the random tail
        QVERIFY(a < later && b < later);
        std::set<std::string> sameMillisecond;
        for (int i = 0; i < 10000; ++i)
            sameMillisecond.insert(newMessageId(t));
        QCOMPARE(sameMillisecond.size(), std::size_t(10000));
    }

    void initTestCase() {
        m_ctx = *signal::SignalContext::create();
        m_journalKey.emplace(std::move(*crypto::X25519Key::generate()));
        m_sender = makeDevice(m_ctx);
    }

    // Issue 15: the new formats refuse every truncation and trailing byte, and bind what they
    // say. Header version 2 round-trips its conversation, recipients digest and device chain,
    // and the record must agree with it.
    void headerVersion2BindsConversationRecipientsAndChain() {
        auto rec = makeRecord("hello");
        journal::DeviceChain chain;
        chain = chain.next(view(std::string(16, 'a'))).next(view(std::string(16, 'b')));
        QCOMPARE(chain.acked, std::uint64_t(2));
        auto sealed = journal::sealRecord(
            rec, m_journalKey->publicKey(), [&](ByteView m) { return m_sender.sessions->sign(m); },
            chain);
        QVERIFY(sealed);
        auto bytes = sealed->serialize();
        auto parsed = journal::SealedEntry::parse(bytes);
        QVERIFY(parsed);
        QCOMPARE(int(parsed->header.version), 2);
        QCOMPARE(parsed->header.conversationId, rec.conversation_id());
        QCOMPARE(parsed->header.deviceAcked, std::uint64_t(2));
        QVERIFY(constantTimeEqual(parsed->header.deviceHead, chain.head));
        QVERIFY(constantTimeEqual(parsed->header.recipientsDigest,
                                  journal::recipientsDigest(rec.recipients())));
        QVERIFY(journal::openEntry(*parsed, *m_journalKey, m_sender.identityKey));
        // The digest does not depend on the order of the recipients, but on each of them.
        auto swapped = rec;
        auto* extra = swapped.add_recipients();
        extra->set_user("aaa");
        extra->set_device(2);
        auto reordered = swapped;
        reordered.mutable_recipients()->SwapElements(0, 1);
        QVERIFY(constantTimeEqual(journal::recipientsDigest(swapped.recipients()),
                                  journal::recipientsDigest(reordered.recipients())));
        QVERIFY(!constantTimeEqual(journal::recipientsDigest(swapped.recipients()),
                                   journal::recipientsDigest(rec.recipients())));
        // Every truncation and a trailing byte are refused, never a crash.
        for (std::size_t n = 0; n < bytes.size(); ++n)
            QVERIFY(!journal::SealedEntry::parse(ByteView(bytes.data(), n)));
        Bytes longer = bytes;
        longer.push_back(0);
        QVERIFY(!journal::SealedEntry::parse(longer));
        // A record whose conversation differs from its header does not open.
        auto lying = rec;
        lying.set_conversation_id("matter-43");
        auto c =
            journal::computeCommitment(view(lying.commit_key()), journal::commitContentOf(lying));
        auto forged = journal::sealRecordWithCommitment(
            lying, *c, m_journalKey->publicKey(),
            [&](ByteView m) { return m_sender.sessions->sign(m); });
        QVERIFY(forged);
        forged->header.conversationId = rec.conversation_id();
        forged->signature = *m_sender.sessions->sign(forged->signedBytes());
        auto opened = journal::openEntry(*forged, *m_journalKey, m_sender.identityKey);
        QVERIFY(!opened); // the header is the associated data: it no longer authenticates
    }

    // Commitment version 2 binds an attachment's key and file; version 1 bound only the blob.
    void commitmentVersion2BindsAttachmentKeyAndFile() {
        auto rec = makeRecord("caption");
        rec.set_type(proto::ATTACHMENT);
        auto* a = rec.add_attachments();
        a->set_digest(std::string(32, 'd'));
        a->set_key(std::string(32, 'k'));
        a->set_plaintext_digest(std::string(32, 'p'));
        a->set_size(10);
        a->set_file_name("will.pdf");
        a->set_mime_type("application/pdf");
        const auto k = view(rec.commit_key());
        auto c2 = journal::computeCommitment(k, journal::commitContentOf(rec));
        auto c1 = journal::computeCommitment(k, journal::commitContentOf(rec, 1));
        QVERIFY(c2 && c1 && !constantTimeEqual(*c1, *c2));
        for (int field = 0; field < 5; ++field) {
            auto other = rec;
            auto* o = other.mutable_attachments(0);
            if (field == 0) o->set_key(std::string(32, 'K'));
            if (field == 1) o->set_plaintext_digest(std::string(32, 'P'));
            if (field == 2) o->set_size(11);
            if (field == 3) o->set_file_name("will.exe");
            if (field == 4) o->set_mime_type("text/html");
            QVERIFY(!journal::commitmentOpens(*c2, k, journal::commitContentOf(other)));
            QVERIFY(journal::commitmentOpens(*c1, k,
                                             journal::commitContentOf(other, 1))); // the old hole
        }
        QVERIFY(!journal::computeCommitment(k, [&] {
            auto c = journal::commitContentOf(rec);
            c.version = 3;
            return c;
        }()));
    }

    // A device approval verifies only for the device, key and approver it names; the link
    // binding names the device's link maker; parsing refuses damage.
    void deviceApprovalsBindTheirDeviceAndApprover() {
        auto approver = makeDevice(m_ctx);
        auto subject = makeDevice(m_ctx);
        auto other = makeDevice(m_ctx);
        auto a =
            journal::DeviceApproval::make("alice", 2, subject.identityKey, 1, 1764300000000ULL,
                                          [&](ByteView m) { return approver.sessions->sign(m); });
        QVERIFY(a);
        auto bytes = a->serialize();
        auto parsed = journal::DeviceApproval::parse(bytes);
        QVERIFY(parsed);
        QVERIFY(parsed->verifies("alice", 2, subject.identityKey, approver.identityKey));
        QVERIFY(!parsed->verifies("bob", 2, subject.identityKey, approver.identityKey));
        QVERIFY(!parsed->verifies("alice", 3, subject.identityKey, approver.identityKey));
        QVERIFY(!parsed->verifies("alice", 2, other.identityKey, approver.identityKey));
        QVERIFY(!parsed->verifies("alice", 2, subject.identityKey, other.identityKey));
        for (std::size_t n = 0; n < bytes.size(); ++n)
            QVERIFY(!journal::DeviceApproval::parse(ByteView(bytes.data(), n)));
        Bytes longer = bytes;
        longer.push_back(1);
        QVERIFY(!journal::DeviceApproval::parse(longer));
        QVERIFY(
            !journal::DeviceApproval::make("alice", 1, subject.identityKey, 1, 0, [&](ByteView m) {
                return approver.sessions->sign(m);
            })); // itself
        auto makerHash = crypto::sha256(approver.identityKey);
        auto binding =
            subject.sessions->sign(journal::deviceLinkBindingBytes(subject.identityKey, makerHash));
        QVERIFY(binding);
        QVERIFY(
            journal::deviceLinkBindingNames(*binding, subject.identityKey, approver.identityKey));
        QVERIFY(!journal::deviceLinkBindingNames(*binding, subject.identityKey, other.identityKey));
        QVERIFY(
            !journal::deviceLinkBindingNames(*binding, other.identityKey, approver.identityKey));
        QVERIFY(!journal::deviceLinkBindingNames(ByteView(binding->data(), 63), subject.identityKey,
                                                 approver.identityKey));
        auto proof = journal::deviceLinkProof(view(std::string(32, 's')), subject.identityKey);
        QCOMPARE(proof.size(), std::size_t(32));
        QVERIFY(!constantTimeEqual(
            proof, journal::deviceLinkProof(view(std::string(32, 't')), subject.identityKey)));
    }

    // Manifest version 2 round-trips its addresses and pins; version 1 still parses; counts and
    // sizes out of range and every truncation are refused.
    void manifestVersion2NamesRelaysAndPins() {
        auto root = crypto::ed25519Generate();
        QVERIFY(root);
        journal::FirmManifest m;
        m.firmName = "Doe & Partners LLP";
        m.relayAddresses = {"relay.doe.example:443", "Relay2.Doe.Example:8443"};
        m.relayAddress = m.relayAddresses.front();
        m.tlsKeyPins = {Bytes(32, 1), Bytes(32, 2)};
        m.issuedMs = 1764300000000ULL;
        m.relayPublicKey = Bytes(32, 3);
        m.relayIdentityKey = Bytes(33, 5);
        m.journalKeys.push_back({Bytes(32, 4), m.issuedMs});
        m.version = 2;
        QVERIFY(m.sign(root->privateKey));
        auto bytes = m.serialize();
        auto parsed = journal::FirmManifest::parse(bytes);
        QVERIFY(parsed);
        QVERIFY(parsed->verify(journal::firmFingerprint(root->publicKey)));
        QCOMPARE(int(parsed->version), 2);
        QCOMPARE(parsed->relayAddresses.size(), std::size_t(2));
        QCOMPARE(parsed->tlsKeyPins.size(), std::size_t(2));
        QVERIFY(parsed->namesRelay("relay2.doe.example:8443"));
        QVERIFY(!parsed->namesRelay("relay2.doe.example:443"));
        QVERIFY(!parsed->namesRelay("evil.example:443"));
        for (std::size_t n = 0; n < bytes.size(); ++n)
            QVERIFY(!journal::FirmManifest::parse(ByteView(bytes.data(), n)));
        // Signed as version 1 (one address, no pins): still read, with that one address.
        journal::FirmManifest old = m;
        old.version = 1;
        old.tlsKeyPins.clear();
        QVERIFY(old.sign(root->privateKey));
        auto oldParsed = journal::FirmManifest::parse(old.serialize());
        QVERIFY(oldParsed && oldParsed->verify(journal::firmFingerprint(root->publicKey)));
        QVERIFY(oldParsed->namesRelay("relay.doe.example:443") && oldParsed->tlsKeyPins.empty());
        // A version 2 body relabelled as version 1 does not verify (the label is signed).
        Bytes relabelled = bytes;
        relabelled[0] = 1;
        auto wrong = journal::FirmManifest::parse(relabelled);
        QVERIFY(!wrong || !wrong->verify(journal::firmFingerprint(root->publicKey)));
        // Seventeen addresses are refused.
        journal::FirmManifest many = m;
        many.relayAddresses.assign(17, "a.example:1");
        QVERIFY(many.sign(root->privateKey));
        QVERIFY(!journal::FirmManifest::parse(many.serialize()));
        // The firm name is UTF-8 text, never empty (R-MAN-1); journal keys go forward in time.
        for (std::string bad : {std::string("Doe \xff\xfe LLP"), std::string()}) {
            journal::FirmManifest named = m;
            named.firmName = bad;
            QVERIFY(named.sign(root->privateKey));
            QVERIFY(!journal::FirmManifest::parse(named.serialize()));
        }
        journal::FirmManifest rotated = m;
        rotated.journalKeys.push_back({Bytes(32, 9), m.journalKeys.back().validFromMs + 1});
        QVERIFY(rotated.sign(root->privateKey));
        QVERIFY(journal::FirmManifest::parse(rotated.serialize()));
        rotated.journalKeys.back().validFromMs = m.journalKeys.back().validFromMs - 1;
        QVERIFY(rotated.sign(root->privateKey));
        auto backwards = journal::FirmManifest::parse(rotated.serialize());
        QVERIFY(!backwards);
        QVERIFY(backwards.error().message.find("valid-from order") != std::string::npos);
    }

    // Version 3 carries the firm policy: it round-trips; versions 1 and 2 read with its
    // defaults; values out of range, unknown flags, a privacy notice that is not an https://
    // link, trailing bytes and every truncation are refused; a version 3 body cannot be passed
    // off as version 2 (the label is signed).
    void manifestVersion3CarriesTheFirmPolicy() {
        auto root = crypto::ed25519Generate();
        QVERIFY(root);
        journal::FirmManifest m;
        m.firmName = "Doe & Partners LLP";
        m.relayAddresses = {"relay.doe.example:443"};
        m.relayAddress = m.relayAddresses.front();
        m.issuedMs = 1764300000000ULL;
        m.relayPublicKey = Bytes(32, 3);
        m.relayIdentityKey = Bytes(33, 5);
        m.journalKeys.push_back({Bytes(32, 4), m.issuedMs});
        m.version = 3; // signed as the firm policy's first version (version 4 adds one field)
        m.policy.maxOfflineDays = 30;
        m.policy.messageDays = 90;
        m.policy.clientsMaySave = false;
        m.policy.staffMayCopy = false;
        m.policy.mayWipeClientDevices = true;
        m.retention = {6, 2};
        m.privacyNoticeUrl = "https://doe.example/privacy#clients";
        QVERIFY(m.sign(root->privateKey));
        const auto bytes = m.serialize();
        auto parsed = journal::FirmManifest::parse(bytes);
        QVERIFY2(parsed, parsed ? "" : parsed.error().message.c_str());
        QVERIFY(parsed->verify(journal::firmFingerprint(root->publicKey)));
        QCOMPARE(int(parsed->version), 3);
        QCOMPARE(parsed->policy.maxOfflineDays, 30u);
        QCOMPARE(parsed->policy.messageDays, 90u);
        QVERIFY(parsed->policy.staffMaySave && !parsed->policy.clientsMaySave);
        QVERIFY(!parsed->policy.staffMayCopy && parsed->policy.clientsMayCopy);
        QVERIFY(parsed->policy.mayWipeClientDevices);
        QCOMPARE(parsed->retention.yearsAfterClose, 6u);
        QCOMPARE(parsed->retention.yearsDirect, 2u);
        QCOMPARE(parsed->privacyNoticeUrl, m.privacyNoticeUrl);
        for (std::size_t n = 0; n < bytes.size(); ++n)
            QVERIFY(!journal::FirmManifest::parse(ByteView(bytes.data(), n)));

        // Older versions: the policy's defaults (keep, save and copy allowed, no wipe of
        // clients' devices, no retention period, no privacy notice).
        journal::FirmManifest v2 = m;
        v2.version = 2;
        QVERIFY(v2.sign(root->privateKey));
        auto v2Parsed = journal::FirmManifest::parse(v2.serialize());
        QVERIFY(v2Parsed && v2Parsed->verify(journal::firmFingerprint(root->publicKey)));
        QCOMPARE(v2Parsed->policy.maxOfflineDays, 30u);
        QCOMPARE(v2Parsed->policy.messageDays, 0u);
        QVERIFY(v2Parsed->policy.clientsMaySave && v2Parsed->policy.staffMayCopy);
        QVERIFY(!v2Parsed->policy.mayWipeClientDevices);
        QCOMPARE(v2Parsed->retention.yearsAfterClose, 0u);
        QVERIFY(v2Parsed->privacyNoticeUrl.empty());
        // A version 3 manifest relabelled as version 2: it no longer parses or verifies.
        Bytes relabelled = bytes;
        relabelled[0] = 2;
        auto wrong = journal::FirmManifest::parse(relabelled);
        QVERIFY(!wrong || !wrong->verify(journal::firmFingerprint(root->publicKey)));
        // A version this reader does not know is refused with a plain reason.
        Bytes future = bytes;
        future[0] = 5;
        auto unknown = journal::FirmManifest::parse(future);
        QVERIFY(!unknown &&
                unknown.error().message.find("unsupported manifest version") != std::string::npos);

        const auto refused = [&](journal::FirmManifest bad, std::string_view why) {
            if (!bad.sign(root->privateKey)) return false;
            auto r = journal::FirmManifest::parse(bad.serialize());
            return !r && r.error().message.find(why) != std::string::npos;
        };
        auto tooLong = m;
        tooLong.retention.yearsAfterClose = 101;
        QVERIFY(refused(tooLong, "retention years"));
        auto days = m;
        days.policy.messageDays = 36501;
        QVERIFY(refused(days, "message days"));
        for (std::string url :
             {std::string("http://doe.example/privacy"), std::string("javascript:alert(1)"),
              std::string("https://doe.example/a b"), std::string("https://doe.example/\n"),
              std::string("https://"), "https://doe.example/" + std::string(500, 'p')}) {
            auto badUrl = m;
            badUrl.privacyNoticeUrl = url;
            QVERIFY2(refused(badUrl, "privacy notice") || refused(badUrl, "field"), url.c_str());
            QVERIFY(!journal::validPrivacyNoticeUrl(url));
        }
        QVERIFY(journal::validPrivacyNoticeUrl("HTTPS://doe.example/privacy?x=1"));
        // An unknown flag bit: the body's flags byte is the one after the device message days.
        Bytes body = m.body();
        Bytes tail;
        appendU32(tail, 90);
        const auto at = std::search(body.begin(), body.end(), tail.begin(), tail.end());
        QVERIFY(at != body.end());
        const auto flagsAt = std::size_t(at - body.begin()) + 4;
        for (std::uint8_t extra : {std::uint8_t(32), std::uint8_t(128)}) {
            Bytes forged = body;
            forged[flagsAt] |= extra;
            Bytes manifest;
            appendU8(manifest, 3);
            appendField(manifest, m.rootPublicKey);
            appendField(manifest, forged);
            appendField(manifest, m.signature);
            auto r = journal::FirmManifest::parse(manifest);
            QVERIFY(!r && r.error().message.find("flags") != std::string::npos);
        }
        Bytes longer = body;
        longer.push_back(0);
        Bytes manifest;
        appendU8(manifest, 3);
        appendField(manifest, m.rootPublicKey);
        appendField(manifest, longer);
        appendField(manifest, m.signature);
        QVERIFY(!journal::FirmManifest::parse(manifest));
    }

    // Version 4 adds the firm's maximum idle lock (H6, issue 22): it round-trips under the label
    // "verbatim-manifest-v4"; versions 1 to 3 read with no maximum; 1441 and more minutes,
    // trailing bytes and every truncation are refused; a version 4 body passed off as version 3
    // (or the reverse) does not verify, since the label is signed.
    void manifestVersion4CarriesTheIdleLockMaximum() {
        auto root = crypto::ed25519Generate();
        QVERIFY(root);
        journal::FirmManifest m;
        m.firmName = "Doe & Partners LLP";
        m.relayAddresses = {"relay.doe.example:443"};
        m.relayAddress = m.relayAddresses.front();
        m.issuedMs = 1764300000000ULL;
        m.relayPublicKey = Bytes(32, 3);
        m.relayIdentityKey = Bytes(33, 5);
        m.journalKeys.push_back({Bytes(32, 4), m.issuedMs});
        QCOMPARE(int(m.version), 4); // what is written
        m.policy.messageDays = 90;
        m.policy.maxIdleLockMinutes = 15;
        QVERIFY(m.sign(root->privateKey));
        const auto bytes = m.serialize();
        auto parsed = journal::FirmManifest::parse(bytes);
        QVERIFY2(parsed, parsed ? "" : parsed.error().message.c_str());
        QVERIFY(parsed->verify(journal::firmFingerprint(root->publicKey)));
        QCOMPARE(int(parsed->version), 4);
        QCOMPARE(parsed->policy.maxIdleLockMinutes, 15u);
        QCOMPARE(parsed->policy.messageDays, 90u);
        QVERIFY(parsed->serialize() == bytes);
        // The label: Ed25519(root, "verbatim-manifest-v4" || body).
        Bytes signedText;
        appendRaw(signedText, view(std::string_view("verbatim-manifest-v4")));
        appendRaw(signedText, m.body());
        QVERIFY(crypto::ed25519Verify(root->publicKey, signedText, m.signature));
        // The body ends with u32(max_idle_lock_minutes).
        const Bytes body = m.body();
        Bytes last;
        appendU32(last, 15);
        QVERIFY(std::equal(last.begin(), last.end(), body.end() - 4));
        for (std::size_t n = 0; n < bytes.size(); ++n)
            QVERIFY(!journal::FirmManifest::parse(ByteView(bytes.data(), n)));

        // Every value from 0 (no maximum) to a day round-trips; beyond a day is refused.
        for (std::uint32_t minutes : {0u, 1u, 60u, 1440u}) {
            auto ok = m;
            ok.policy.maxIdleLockMinutes = minutes;
            QVERIFY(ok.sign(root->privateKey));
            auto r = journal::FirmManifest::parse(ok.serialize());
            QVERIFY(r && r->policy.maxIdleLockMinutes == minutes);
        }
        for (std::uint32_t minutes : {1441u, 100000u, 0xffffffffu}) {
            auto bad = m;
            bad.policy.maxIdleLockMinutes = minutes;
            QVERIFY(bad.sign(root->privateKey));
            auto r = journal::FirmManifest::parse(bad.serialize());
            QVERIFY2(!r && r.error().message.find("idle lock minutes out of range") !=
                               std::string::npos,
                     std::to_string(minutes).c_str());
        }
        // Bytes after the last field.
        Bytes longer = body;
        longer.push_back(0);
        Bytes manifest;
        appendU8(manifest, 4);
        appendField(manifest, m.rootPublicKey);
        appendField(manifest, longer);
        appendField(manifest, m.signature);
        QVERIFY(!journal::FirmManifest::parse(manifest));

        // Versions 1 to 3: no firm maximum, whatever the writer's struct held.
        for (std::uint8_t version : {std::uint8_t(1), std::uint8_t(2), std::uint8_t(3)}) {
            auto old = m;
            old.version = version;
            QVERIFY(old.sign(root->privateKey));
            auto r = journal::FirmManifest::parse(old.serialize());
            QVERIFY2(r, r ? "" : r.error().message.c_str());
            QVERIFY(r->verify(journal::firmFingerprint(root->publicKey)));
            QCOMPARE(int(r->version), int(version));
            QCOMPARE(r->policy.maxIdleLockMinutes, 0u);
        }
        // A version 4 manifest relabelled as version 3 no longer parses (its body is four bytes
        // longer) or verifies; a version 3 one relabelled as 4 is cut short.
        Bytes relabelled = bytes;
        relabelled[0] = 3;
        auto wrong = journal::FirmManifest::parse(relabelled);
        QVERIFY(!wrong || !wrong->verify(journal::firmFingerprint(root->publicKey)));
        auto v3 = m;
        v3.version = 3;
        QVERIFY(v3.sign(root->privateKey));
        Bytes up = v3.serialize();
        up[0] = 4;
        QVERIFY(!journal::FirmManifest::parse(up));
    }

    void sealOpenRoundTripPreservesRecord() {
        auto rec = makeRecord("Please sign the engagement letter by Friday.");
        auto* a = rec.add_attachments();
        a->set_digest(std::string(32, '\x11'));
        a->set_key(std::string(32, '\x22'));
        a->set_file_name("letter.pdf");
        auto sealed = sealRecord(rec, m_journalKey->publicKey(), m_sender.signer());
        QVERIFY(sealed);
        auto bytes = sealed->serialize();
        auto parsed = SealedEntry::parse(bytes);
        QVERIFY(parsed);
        QCOMPARE(parsed->serialize(), bytes);
        auto opened = openEntry(*parsed, *m_journalKey, m_sender.identityKey);
        QVERIFY2(opened, opened ? "" : opened.error().message.c_str());
        QCOMPARE(opened->record.SerializeAsString(), rec.SerializeAsString());
        QCOMPARE(opened->header.senderUser, std::string("lawyer@firm"));
        QVERIFY(verifyEntrySignature(*parsed, m_sender.identityKey));
    }

    void ciphertextHoldsNoPlaintext() {
        const std::string canary = "CANARY-7f3a-privileged-advice";
        auto sealed = sealRecord(makeRecord(canary), m_journalKey->publicKey(), m_sender.signer());
        QVERIFY(sealed);
        auto bytes = sealed->serialize();
        std::string s(bytes.begin(), bytes.end());
        QVERIFY(s.find(canary) == std::string::npos);
    }

    void wrongJournalKeyIsRejected() {
        auto sealed = sealRecord(makeRecord("x"), m_journalKey->publicKey(), m_sender.signer());
        auto other = crypto::X25519Key::generate();
        auto opened = openEntry(*sealed, *other, m_sender.identityKey);
        QVERIFY(!opened);
        QCOMPARE(opened.error().detail, int(Fault::WrongJournalKey));
        // Same key id but a different private key (an attacker relabelling): the GCM tag fails.
        SealedEntry forged = *sealed;
        forged.header.journalKeyId = journalKeyId(other->publicKey());
        auto o2 = openEntry(forged, *other, m_sender.identityKey);
        QVERIFY(!o2);
        QVERIFY(o2.error().detail == int(Fault::BadSignature) ||
                o2.error().detail == int(Fault::Decrypt));
    }

    void everyFlippedBitIsRejected() {
        auto sealed =
            sealRecord(makeRecord("flip me"), m_journalKey->publicKey(), m_sender.signer());
        Bytes bytes = sealed->serialize();
        int rejected = 0, total = 0;
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            for (int bit = 0; bit < 8; ++bit) {
                Bytes t = bytes;
                t[i] ^= std::uint8_t(1 << bit);
                ++total;
                auto parsed = SealedEntry::parse(t);
                if (!parsed) {
                    ++rejected;
                    continue;
                }
                auto opened = openEntry(*parsed, *m_journalKey, m_sender.identityKey);
                if (!opened) ++rejected;
            }
        }
        QCOMPARE(rejected, total);
    }

    void flippedBitInBodyIsDecryptFailureWhenResigned() {
        // A sender who re-signs an altered ciphertext still fails: GCM authenticates it.
        auto sealed = sealRecord(makeRecord("body"), m_journalKey->publicKey(), m_sender.signer());
        SealedEntry t = *sealed;
        t.ciphertext[3] ^= 1;
        t.signature = *m_sender.sessions->sign(t.signedBytes());
        auto opened = openEntry(t, *m_journalKey, m_sender.identityKey);
        QVERIFY(!opened);
        QCOMPARE(opened.error().detail, int(Fault::Decrypt));
        // Altering the clear header and re-signing also fails (header is GCM associated data).
        SealedEntry h = *sealed;
        h.header.timeMs += 1;
        h.signature = *m_sender.sessions->sign(h.signedBytes());
        auto o2 = openEntry(h, *m_journalKey, m_sender.identityKey);
        QVERIFY(!o2);
        QCOMPARE(o2.error().detail, int(Fault::Decrypt));
    }

    void signatureByAnotherDeviceIsRejectedNamingTheDevice() {
        Device mallory = makeDevice(m_ctx);
        auto sealed = sealRecord(makeRecord("forged"), m_journalKey->publicKey(), mallory.signer());
        QVERIFY(sealed);
        auto opened = openEntry(*sealed, *m_journalKey, m_sender.identityKey);
        QVERIFY(!opened);
        QCOMPARE(opened.error().detail, int(Fault::BadSignature));
        QVERIFY(opened.error().message.find("lawyer@firm/1") != std::string::npos);
        QVERIFY(!verifyEntrySignature(*sealed, m_sender.identityKey));
    }

    void commitmentOverOtherContentDoesNotMatch() {
        auto rec = makeRecord("what was sent");
        auto c = computeCommitment(view(rec.commit_key()), commitContentOf(rec));
        QVERIFY(c);
        QVERIFY(commitmentOpens(*c, view(rec.commit_key()), commitContentOf(rec)));
        auto other = rec;
        other.set_body("what was journaled");
        QVERIFY(!commitmentOpens(*c, view(rec.commit_key()), commitContentOf(other)));
        auto otherConv = rec;
        otherConv.set_conversation_id("matter-43");
        QVERIFY(!commitmentOpens(*c, view(rec.commit_key()), commitContentOf(otherConv)));
        Bytes otherK = crypto::randomBytes(32);
        QVERIFY(!commitmentOpens(*c, otherK, commitContentOf(rec)));
        // Field boundaries are unambiguous: moving a byte between fields changes C.
        auto a = rec, b = rec;
        a.set_conversation_id("ab");
        a.set_body("c");
        b.set_conversation_id("a");
        b.set_body("bc");
        QVERIFY(*computeCommitment(view(a.commit_key()), commitContentOf(a)) !=
                *computeCommitment(view(b.commit_key()), commitContentOf(b)));
    }

    void divergentEscrowIsDetectedAtOpen() {
        // ES-06: a patched sender shows A (and commits to A, so recipients accept it) but
        // journals B under A's commitment. The seal and signature are valid; compliance's
        // commitment check names the fault.
        auto shown = makeRecord("A: settle for 1M");
        auto journaled = shown;
        journaled.set_body("B: do not settle");
        auto cShown = *computeCommitment(view(shown.commit_key()), commitContentOf(shown));
        auto bad = sealRecordWithCommitment(journaled, cShown, m_journalKey->publicKey(),
                                            m_sender.signer());
        QVERIFY(bad);
        QVERIFY(verifyEntrySignature(*bad, m_sender.identityKey));
        auto opened = openEntry(*bad, *m_journalKey, m_sender.identityKey);
        QVERIFY(!opened);
        QCOMPARE(opened.error().detail, int(Fault::CommitmentMismatch));
        // The recipient side (ES-08): what was shown opens C, what was journaled does not.
        QVERIFY(commitmentOpens(bad->header.commitment, view(shown.commit_key()),
                                commitContentOf(shown)));
        QVERIFY(!commitmentOpens(bad->header.commitment, view(journaled.commit_key()),
                                 commitContentOf(journaled)));
    }

    // Issue 17: every recipient can check the journal's copy. The sender gives the entry's
    // ephemeral secret e inside the end-to-end record; the relay delivers the entry it stored;
    // the recipient opens it as compliance will. ES-06's divergent copy is caught at once.
    void journalCopyCheckCatchesADivergentCopyAtOnce() {
        const std::vector<Bytes> keys{
            Bytes(m_journalKey->publicKey().begin(), m_journalKey->publicKey().end())};
        auto withE = [](proto::JournalRecord r, const SecureBytes& e) {
            r.set_journal_ephemeral(std::string(e.begin(), e.end()));
            return r;
        };
        auto faultOf = [](const Result<void>& r) {
            return r ? int(Fault::None) : r.error().detail;
        };

        // Honest: passes, and the secret opens that entry as the journal key does.
        auto rec = makeRecord("Please sign the engagement letter by Friday.");
        SecureBytes e;
        auto honest = sealRecord(rec, m_journalKey->publicKey(), m_sender.signer(), {}, &e);
        QVERIFY(honest);
        QCOMPARE(e.size(), std::size_t(32));
        const Bytes honestBytes = honest->serialize();
        const ByteView c(honest->header.commitment.data(), 32);
        auto ok = checkJournalCopy(honestBytes, withE(rec, e), c, keys);
        QVERIFY2(ok, ok ? "" : ok.error().message.c_str());
        auto opened = openEntryWithEphemeral(*honest, e, m_journalKey->publicKey());
        QVERIFY(opened);
        QCOMPARE(opened->record.SerializeAsString(), rec.SerializeAsString());

        // ES-06 as a recipient sees it: shown A (opens C), journaled B under A's commitment.
        auto shown = makeRecord("A: settle for 1M");
        auto journaled = shown;
        journaled.set_body("B: do not settle");
        auto cShown = *computeCommitment(view(shown.commit_key()), commitContentOf(shown));
        SecureBytes eBad;
        auto bad = sealRecordWithCommitment(journaled, cShown, m_journalKey->publicKey(),
                                            m_sender.signer(), {}, &eBad);
        QVERIFY(bad);
        QCOMPARE(faultOf(checkJournalCopy(bad->serialize(), withE(shown, eBad), cShown, keys)),
                 int(Fault::CommitmentMismatch));

        // A key that is not the header's ephemeral (AES-GCM is not key-committing: a sender could
        // look for one that opens the ciphertext to A): refused before any decryption.
        SecureBytes other;
        QVERIFY(sealRecord(shown, m_journalKey->publicKey(), m_sender.signer(), {}, &other));
        QCOMPARE(faultOf(checkJournalCopy(bad->serialize(), withE(shown, other), cShown, keys)),
                 int(Fault::Decrypt));

        // No secret, no entry, another message's entry, an unknown journal key, altered bytes.
        QCOMPARE(faultOf(checkJournalCopy(honestBytes, rec, c, keys)), int(Fault::Decrypt));
        QCOMPARE(faultOf(checkJournalCopy({}, withE(rec, e), c, keys)), int(Fault::Malformed));
        auto rec2 = makeRecord("another message");
        QCOMPARE(faultOf(checkJournalCopy(honestBytes, withE(rec2, e), c, keys)),
                 int(Fault::HeaderMismatch));
        auto otherKey = crypto::X25519Key::generate();
        QCOMPARE(faultOf(checkJournalCopy(
                     honestBytes, withE(rec, e), c,
                     {Bytes(otherKey->publicKey().begin(), otherKey->publicKey().end())})),
                 int(Fault::WrongJournalKey));
        Bytes altered = honestBytes;
        altered[altered.size() - 64 - 4 - 20] ^= 1; // inside the ciphertext
        QCOMPARE(faultOf(checkJournalCopy(altered, withE(rec, e), c, keys)), int(Fault::Decrypt));
        Bytes otherC(32, 7);
        QCOMPARE(faultOf(checkJournalCopy(honestBytes, withE(rec, e), otherC, keys)),
                 int(Fault::CommitmentMismatch));
    }

    void replayUnderNewMessageIdIsRefused() {
        // The record inside claims another message id than the header: replaying a JE's content
        // under a new message id is refused (ES-05 replay).
        auto rec = makeRecord("m");
        auto c = *computeCommitment(view(rec.commit_key()), commitContentOf(rec));
        auto sealed =
            sealRecordWithCommitment(rec, c, m_journalKey->publicKey(), m_sender.signer());
        QVERIFY(sealed);
        SealedEntry replay = *sealed;
        replay.header.messageId[0] ^= 0xFF;
        replay.signature = *m_sender.sessions->sign(replay.signedBytes());
        auto opened = openEntry(replay, *m_journalKey, m_sender.identityKey);
        QVERIFY(!opened); // header is AAD: GCM refuses before the mismatch check
        QCOMPARE(opened.error().detail, int(Fault::Decrypt));
    }

    void everyEntryUsesAFreshEphemeral() {
        std::set<std::string> ephemerals;
        for (int i = 0; i < 200; ++i) {
            auto s = sealRecord(makeRecord("m"), m_journalKey->publicKey(), m_sender.signer());
            QVERIFY(s);
            ephemerals.insert(
                std::string(s->header.ephemeralPublic.begin(), s->header.ephemeralPublic.end()));
        }
        QCOMPARE(ephemerals.size(), std::size_t(200));
    }

    void malformedEntriesAreRejectedCleanly() {
        auto sealed = sealRecord(makeRecord("m"), m_journalKey->publicKey(), m_sender.signer());
        Bytes bytes = sealed->serialize();
        for (std::size_t n = 0; n < bytes.size(); ++n)
            QVERIFY(!SealedEntry::parse(ByteView(bytes.data(), n)));
        Bytes trailing = bytes;
        trailing.push_back(0);
        QVERIFY(!SealedEntry::parse(trailing));
        Bytes huge;
        appendU8(huge, 1);
        appendU32(huge, 0xFFFFFFFF);
        QVERIFY(!SealedEntry::parse(huge));
        QVERIFY(!SealedEntry::parse({}));
    }

    void sealRejectsBadRecords() {
        auto rec = makeRecord("m");
        rec.set_commit_key("short");
        QVERIFY(!sealRecord(rec, m_journalKey->publicKey(), m_sender.signer()));
        rec = makeRecord("m");
        rec.set_message_id("short");
        QVERIFY(!sealRecord(rec, m_journalKey->publicKey(), m_sender.signer()));
        rec = makeRecord("m");
        Bytes lowOrder(32, 0);
        QVERIFY(!sealRecord(rec, lowOrder, m_sender.signer()));
    }

    // ---- hash chain ------------------------------------------------------------------------

    void chainVerifiesIntactLogWithCheckpoints() {
        auto relay = *crypto::ed25519Generate();
        auto [items, cps] = buildLog(50, relay, 10);
        auto report = verifyChain(items, cps, relay.publicKey);
        QVERIFY(report.ok());
        QCOMPARE(report.entriesChecked, std::uint64_t(50));
        QCOMPARE(report.checkpointsChecked, std::uint64_t(5));
    }

    void chainNamesRemovedEntry() {
        auto relay = *crypto::ed25519Generate();
        auto [items, cps] = buildLog(30, relay, 10);
        items.erase(items.begin() + 16); // sequence 17
        auto report = verifyChain(items, cps, relay.publicKey);
        QVERIFY(!report.ok());
        QCOMPARE(*report.firstBad(), std::uint64_t(17));
        QCOMPARE(report.problems.front().fault, ChainFault::Missing);
    }

    void chainNamesAlteredEntry() {
        auto relay = *crypto::ed25519Generate();
        auto [items, cps] = buildLog(30, relay, 10);
        items[11].entry[5] ^= 0x40; // sequence 12
        auto report = verifyChain(items, cps, relay.publicKey);
        QVERIFY(!report.ok());
        QCOMPARE(*report.firstBad(), std::uint64_t(12));
        QCOMPARE(report.problems.front().fault, ChainFault::Altered);
    }

    void chainAlteredWithRecomputedHashesFailsAtCheckpoint() {
        // An attacker who rewrites the stored chain hashes after altering entry 12 is caught by
        // the next signed checkpoint (20).
        auto relay = *crypto::ed25519Generate();
        auto [items, cps] = buildLog(30, relay, 10);
        items[11].entry[5] ^= 0x40;
        ChainHash h = items[10].chainHash.value();
        for (std::size_t i = 11; i < items.size(); ++i) {
            h = nextChainHash(h, items[i].sequence, items[i].entry);
            items[i].chainHash = h;
        }
        auto report = verifyChain(items, cps, relay.publicKey);
        QVERIFY(!report.ok());
        QCOMPARE(*report.firstBad(), std::uint64_t(20));
        QCOMPARE(report.problems.front().fault, ChainFault::CheckpointMismatch);
    }

    void chainNamesReorderedEntries() {
        auto relay = *crypto::ed25519Generate();
        auto [items, cps] = buildLog(30, relay, 10);
        std::swap(items[6], items[7]); // sequences 7 and 8 stored swapped
        auto report = verifyChain(items, cps, relay.publicKey);
        QVERIFY(!report.ok());
        QCOMPARE(*report.firstBad(), std::uint64_t(7));
        QCOMPARE(report.problems.front().fault, ChainFault::Reordered);
    }

    void chainNamesSwappedContents() {
        auto relay = *crypto::ed25519Generate();
        auto [items, cps] = buildLog(30, relay, 10);
        std::swap(items[6].entry, items[7].entry); // numbers in place, contents swapped
        auto report = verifyChain(items, cps, relay.publicKey);
        QVERIFY(!report.ok());
        QCOMPARE(*report.firstBad(), std::uint64_t(7));
    }

    void chainDetectsDuplicateAndTruncation() {
        auto relay = *crypto::ed25519Generate();
        auto [items, cps] = buildLog(30, relay, 10);
        auto dup = items;
        dup.insert(dup.begin() + 5, dup[4]);
        auto r1 = verifyChain(dup, cps, relay.publicKey);
        QVERIFY(!r1.ok());
        QCOMPARE(*r1.firstBad(), std::uint64_t(5));
        QCOMPARE(r1.problems.front().fault, ChainFault::Duplicate);

        auto truncated = items;
        truncated.resize(25); // checkpoint 30 still signed
        auto r2 = verifyChain(truncated, cps, relay.publicKey);
        QVERIFY(!r2.ok());
        QCOMPARE(*r2.firstBad(), std::uint64_t(26));
        QCOMPARE(r2.problems.front().fault, ChainFault::Truncated);
    }

    void checkpointForgeriesAreRejected() {
        auto relay = *crypto::ed25519Generate();
        auto other = *crypto::ed25519Generate();
        auto [items, cps] = buildLog(20, relay, 10);
        // Unknown key.
        auto r1 = verifyChain(items, cps, other.publicKey);
        QVERIFY(!r1.ok());
        QCOMPARE(r1.problems.front().fault, ChainFault::BadCheckpointSignature);
        // Malformed note.
        Bytes ser = cps[0].serialize();
        QVERIFY(!Checkpoint::parse(ByteView(ser.data(), ser.size() - 1)));
        ser.push_back(0);
        QVERIFY(!Checkpoint::parse(ser));
        QVERIFY(Checkpoint::parse(cps[0].serialize()));
        // Time going backwards.
        auto back = cps;
        back[1] = *signCheckpoint(back[1].sequence, back[1].chainHash, back[0].timeMs - 1,
                                  relay.privateKey);
        auto r3 = verifyChain(items, back, relay.publicKey);
        QVERIFY(!r3.ok());
        QCOMPARE(r3.problems.front().fault, ChainFault::CheckpointTimeBackwards);
        // A flipped bit anywhere in a checkpoint's signed fields.
        auto flipped = cps;
        flipped[0].chainHash[0] ^= 1;
        QVERIFY(!verifyCheckpoint(flipped[0], relay.publicKey));
    }

    void chainResumesFromTrustedCheckpoint() {
        auto relay = *crypto::ed25519Generate();
        auto [items, cps] = buildLog(30, relay, 10);
        std::vector<ChainItem> tail(items.begin() + 10, items.end());
        auto report = verifyChain(tail, cps, relay.publicKey, 10, cps[0].chainHash);
        QVERIFY(report.ok());
        QCOMPARE(report.head, items.back().chainHash.value());
    }

private:
    static std::pair<std::vector<ChainItem>, std::vector<Checkpoint>>
    buildLog(int n, const crypto::Ed25519KeyPair& relay, int every) {
        ChainBuilder b;
        std::vector<ChainItem> items;
        std::vector<Checkpoint> cps;
        for (int i = 0; i < n; ++i) {
            Bytes e = crypto::randomBytes(100 + i);
            auto seq = b.append(e);
            items.push_back({seq, e, b.head()});
            if (seq % every == 0)
                cps.push_back(*signCheckpoint(seq, b.head(), 1000 + seq, relay.privateKey));
        }
        return {items, cps};
    }
};

QTEST_GUILESS_MAIN(TestJournal)
#include "tst_journal.moc"

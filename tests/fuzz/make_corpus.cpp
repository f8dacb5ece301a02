// Over 600 lines on purpose: one small program that writes the seeds of every fuzz target; each
// target is one function, and they share the fixed keys and write helpers at the top.
//
// verbatim-fuzz-corpus OUT_DIR: writes the seed corpus of every fuzz target, OUT_DIR/<target>/
// <name>, made with the fixed keys of FuzzKeys.h so that the seeds verify and open. Small valid
// examples of each format and a few malformed ones; the fuzzer finds the rest. Sealing draws
// fresh randomness (ephemeral keys, IVs), so each run writes different bytes for the same
// seeds: regenerate only when a format changes, and commit the result (tests/fuzz/corpus).

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "FuzzKeys.h"
#include "client/media/VoiceNote.h"
#include "common/Json.h"
#include "crypto/Digest.h"
#include "crypto/Ed25519.h"
#include "crypto/X25519.h"
#include "journal/AttachmentBlob.h"
#include "journal/BoundarySnapshot.h"
#include "journal/DeviceApproval.h"
#include "journal/FirmManifest.h"
#include "journal/HashChain.h"
#include "journal/HistoryTransfer.h"
#include "journal/JournalCrypto.h"
#include "journal/WipeCommand.h"
#include "signal/SessionManager.h"
#include "wire.pb.h"

using namespace verbatim;
namespace fs = std::filesystem;

namespace {

fs::path g_out;
int g_written = 0;

void write(const std::string& target, const std::string& name, std::string_view bytes) {
    fs::create_directories(g_out / target);
    std::ofstream(g_out / target / name, std::ios::binary)
        .write(bytes.data(), std::streamsize(bytes.size()));
    ++g_written;
}
void write(const std::string& target, const std::string& name, const Bytes& bytes) {
    write(target, name,
          std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}
void write(const std::string& target, const std::string& name, const google::protobuf::Message& m) {
    write(target, name, m.SerializeAsString());
}
Bytes truncated(Bytes b, std::size_t cut) {
    b.resize(b.size() > cut ? b.size() - cut : 0);
    return b;
}

template <class T> T need(Result<T> r, const char* what) {
    if (!r) {
        std::fprintf(stderr, "%s: %s\n", what, r.error().message.c_str());
        std::exit(1);
    }
    return std::move(*r);
}
void needOk(Result<void> r, const char* what) {
    if (!r) {
        std::fprintf(stderr, "%s: %s\n", what, r.error().message.c_str());
        std::exit(1);
    }
}

std::string str(const Bytes& b) {
    return std::string(b.begin(), b.end());
}
std::string hex(std::size_t n, char c) {
    return std::string(n, c);
}

// ---- text formats ---------------------------------------------------------------------------

void links() {
    const std::string token = "0123456789abcdef0123456789abcdef",
                      firm = "fedcba9876543210fedcba9876543210";
    write("link", "enroll",
          "verbatim://enroll?relay=relay.example.com:8443&token=" + token + "&firm=" + firm);
    write("link", "join-tls",
          "verbatim://join?relay=127.0.0.1:8443&token=" + token + "&firm=" + firm +
              "&tls=" + hex(64, 'a'));
    write("link", "device-link",
          "verbatim://enroll?relay=relay.example.com:443&token=" + token + "&firm=" + firm +
              "&ls=" + hex(64, 'b') + "&lk=" + hex(64, 'c') + "&mv=1764300000000");
    write("link", "web-join",
          "https://relay.example.com/join#relay=relay.example.com:443&token=" + token +
              "&firm=" + firm + "\n");
    write("link", "bad-port",
          "verbatim://join?relay=relay.example.com:99999&token=" + token + "&firm=" + firm);
    write("link", "no-params", "verbatim://join");
    // `alt` (issue 20): the firm's other nodes; one repeated and one the link's own relay (both
    // dropped), and lists that are refused (a bad port, an empty entry, 16 entries).
    const std::string join = "verbatim://join?relay=a.example:443&token=" + token + "&firm=" + firm;
    write("link", "alt", join + "&alt=b.example:443_10.0.0.2:8443_b.example:443_a.example:443");
    write("link", "alt-bad-port", join + "&alt=b.example:0");
    write("link", "alt-empty-entry", join + "&alt=b.example:443__c.example:443");
    std::string many = join + "&alt=";
    for (int i = 0; i < 16; ++i)
        many += (i ? "_n" : "n") + std::to_string(i) + ".example:443";
    write("link", "alt-sixteen", many);
    write("link", "bad-kind", "https://relay.example.com/steal#relay=a:1&token=" + token);
}

void json() {
    write(
        "json", "admin-action",
        R"({"actor":"admin","action":"device-approved","target":"lawyer/2","detail":"","user":"lawyer","device":"2",)"
        R"("identity_key":"05aa","approver":"1"})");
    write(
        "json", "escapes",
        R"({"a":"line\nbreak \"quoted\" \\ \/ \u00e9 \ud83d\ude00","n":-12,"t":true,"f":false,"z":null})");
    write("json", "safety-number",
          R"( { "user" : "client-0a1b2c" , "safety_number" : "12345 67890" } )");
    write("json", "empty", "{}");
    write("json", "nested", R"({"a":{"b":1}})");
    write("json", "lone-surrogate", R"({"a":"\udc00"})");
    write("json", "duplicate", R"({"a":"1","a":"2"})");
}

// ---- signed journal formats -----------------------------------------------------------------

journal::FirmManifest manifest(std::uint8_t version) {
    const auto& k = fuzz::fuzzKeys();
    journal::FirmManifest m;
    m.version = version;
    m.firmName = "Doe & Partners LLP";
    m.relayAddress = "relay.example.com:8443";
    if (version >= 2) {
        m.relayAddresses = {"relay.example.com:8443", "10.0.0.5:8443"};
        m.tlsKeyPins = {Bytes(32, 0xab)};
    }
    m.issuedMs = 1764300000000ULL;
    m.relayPublicKey = k.relayPublic;
    m.relayIdentityKey = k.relayIdentityPublic;
    m.journalKeys = {{Bytes(32, 0x01), 1700000000000ULL},
                     {k.journal->publicKey(), 1764300000000ULL}};
    m.policy = {5, 30};
    return m;
}

void manifests() {
    const auto& k = fuzz::fuzzKeys();
    auto v2 = manifest(2);
    needOk(v2.sign(k.rootPrivate), "manifest v2");
    write("firm_manifest", "v2", v2.serialize());
    write("firm_manifest", "v2-truncated", truncated(v2.serialize(), 7));
    auto v1 = manifest(1);
    needOk(v1.sign(k.rootPrivate), "manifest v1");
    write("firm_manifest", "v1-policy", v1.serialize());
    v1.policy = {};
    needOk(v1.sign(k.rootPrivate), "manifest v1 without policy");
    write("firm_manifest", "v1", v1.serialize());
    auto forged = v2;
    forged.firmName = "Someone Else";
    write("firm_manifest", "v2-bad-signature", forged.serialize());
    // Version 3 (the firm policy) and version 4 (its maximum idle lock), and a version 4 one
    // whose idle lock is out of range (refused).
    auto v3 = manifest(3);
    v3.policy.messageDays = 90;
    v3.policy.clientsMaySave = false;
    v3.retention = {6, 2};
    v3.privacyNoticeUrl = "https://doe.example/privacy";
    needOk(v3.sign(k.rootPrivate), "manifest v3");
    write("firm_manifest", "v3-policy", v3.serialize());
    auto v4 = v3;
    v4.version = 4;
    v4.policy.maxIdleLockMinutes = 15;
    needOk(v4.sign(k.rootPrivate), "manifest v4");
    write("firm_manifest", "v4-idle-lock", v4.serialize());
    v4.policy.maxIdleLockMinutes = 1441;
    needOk(v4.sign(k.rootPrivate), "manifest v4 out of range");
    write("firm_manifest", "v4-idle-lock-out-of-range", v4.serialize());
}

void wipes() {
    const auto& k = fuzz::fuzzKeys();
    auto w =
        need(journal::WipeCommand::sign("lawyer", 2, 1764300000000ULL, k.relayPrivate), "wipe");
    write("wipe_command", "signed", w.serialize());
    auto other = w;
    other.device = 3;
    write("wipe_command", "other-device", other.serialize());
    write("wipe_command", "truncated", truncated(w.serialize(), 1));
}

void approvals() {
    const auto& k = fuzz::fuzzKeys();
    auto a = need(journal::DeviceApproval::make("lawyer", 2, k.senderPublic, 1, 1764300000000ULL,
                                                k.approverSigner()),
                  "approval");
    write("device_approval", "signed", a.serialize());
    auto self = a;
    self.approver = self.device;
    write("device_approval", "self-approval", self.serialize());
    write("device_approval", "truncated", truncated(a.serialize(), 10));
}

proto::JournalRecord record(proto::MessageType type, const std::string& body) {
    proto::JournalRecord r;
    r.set_version(1);
    r.set_message_id(std::string(16, '\x01'));
    r.set_conversation_id("0123456789abcdef0123456789abcdef");
    r.mutable_sender()->set_user("lawyer");
    r.mutable_sender()->set_device(1);
    auto* to = r.add_recipients();
    to->set_user("client-0a1b2c");
    to->set_device(1);
    r.set_client_time_ms(1764300000000ULL);
    r.set_type(type);
    r.set_body(body);
    r.set_commit_key(std::string(32, '\x07'));
    return r;
}

proto::AttachmentRef attachmentRef(const journal::SealedBlob& blob, const std::string& plaintext) {
    proto::AttachmentRef a;
    a.set_blob_id(hex(64, 'd'));
    a.set_key(std::string(blob.key.begin(), blob.key.end()));
    a.set_digest(std::string(blob.digest.begin(), blob.digest.end()));
    a.set_size(plaintext.size());
    a.set_file_name("will-2019.pdf");
    a.set_mime_type("application/pdf");
    auto pd = crypto::sha256(view(plaintext));
    a.set_plaintext_digest(std::string(pd.begin(), pd.end()));
    return a;
}

void records() {
    const auto& k = fuzz::fuzzKeys();
    const std::string plaintext = "Draft: will of J. Doe, 2019";
    auto blob = need(journal::sealAttachment(view(plaintext)), "attachment");
    auto withFile = record(proto::ATTACHMENT, "Here is the scan.");
    *withFile.add_attachments() = attachmentRef(blob, plaintext);
    auto edit = record(proto::EDIT, "The meeting is on Tuesday at 10.");
    edit.set_ref_message_id(std::string(16, '\x02'));
    auto admin = record(proto::ADMIN_ACTION,
                        R"({"actor":"admin","action":"device-revoked","target":"lawyer/2"})");
    admin.mutable_sender()->set_user("relay");
    admin.mutable_sender()->set_device(0);
    const std::pair<const char*, proto::JournalRecord> all[] = {
        {"text", record(proto::TEXT, "Hello Carol, thank you for instructing us.")},
        {"attachment", withFile},
        {"edit", edit},
        {"reaction", record(proto::REACTION, "\xf0\x9f\x91\x8d")},
        {"admin-action", admin},
        {"safety-number", record(proto::SAFETY_NUMBER_ACCEPTED,
                                 R"({"user":"client-0a1b2c","safety_number":"1234"})")},
    };
    for (const auto& [name, r] : all) {
        write("journal_record", name, r);
        auto entry = need(journal::sealRecord(r, k.journal->publicKey(), k.senderSigner()), "seal");
        write("sealed_entry", name, entry.serialize());
    }
    auto entry =
        need(journal::sealRecord(all[0].second, k.journal->publicKey(), k.senderSigner()), "seal");
    write("sealed_entry", "header-only", entry.header.serialize());
    write("sealed_entry", "truncated", truncated(entry.serialize(), 30));
    auto forged = entry;
    forged.header.senderDevice = 2;
    write("sealed_entry", "forged-sender", forged.serialize());
    auto wrongCommit =
        need(journal::sealRecordWithCommitment(all[0].second, journal::ChainHash{},
                                               k.journal->publicKey(), k.senderSigner()),
             "seal with a false commitment");
    write("sealed_entry", "commitment-mismatch", wrongCommit.serialize());
    write("journal_record", "no-commit-key", [] {
        auto r = record(proto::TEXT, "no key");
        r.clear_commit_key();
        return r;
    }());

    // Attachments: u16 length || reference || blob.
    auto attachmentInput = [](const proto::AttachmentRef& ref, const Bytes& blob) {
        std::string r = ref.SerializeAsString();
        std::string out{char(r.size() >> 8), char(r.size() & 0xff)};
        return out + r + std::string(blob.begin(), blob.end());
    };
    auto ref = attachmentRef(blob, plaintext);
    write("attachment", "valid", attachmentInput(ref, blob.blob));
    auto undigested = ref;
    undigested.clear_digest();
    write("attachment", "digest-from-blob", attachmentInput(undigested, blob.blob));
    auto lying = undigested;
    lying.set_size(lying.size() + 1);
    write("attachment", "size-differs", attachmentInput(lying, blob.blob));
    write("attachment", "short-blob",
          attachmentInput(undigested, Bytes(blob.blob.begin(), blob.blob.begin() + 20)));
}

void pages() {
    const auto& k = fuzz::fuzzKeys();
    journal::ChainBuilder chain;
    proto::JournalPage page;
    for (int i = 0; i < 3; ++i) {
        auto entry = need(journal::sealRecord(record(proto::TEXT, "entry " + std::to_string(i)),
                                              k.journal->publicKey(), k.senderSigner()),
                          "seal");
        auto bytes = entry.serialize();
        chain.append(bytes);
        auto* row = page.add_rows();
        row->set_sequence(chain.sequence());
        row->set_entry(str(bytes));
        row->set_chain_hash(std::string(chain.head().begin(), chain.head().end()));
        row->set_server_time_ms(1764300000000ULL + std::uint64_t(i));
        if (i == 1) {
            auto cp = need(journal::signCheckpoint(chain.sequence(), chain.head(), 1764300000001ULL,
                                                   k.relayPrivate),
                           "checkpoint");
            page.add_checkpoints(str(cp.serialize()));
        }
    }
    page.set_head_sequence(chain.sequence());
    write("journal_page", "three-rows", page);
    auto reordered = page;
    reordered.mutable_rows()->SwapElements(0, 2);
    write("journal_page", "reordered", reordered);
    auto altered = page;
    altered.mutable_rows(1)->set_entry("altered");
    write("journal_page", "altered", altered);
}

// ---- compliance archive -------------------------------------------------------------------------

// A small firm's log as the relay journals it: the relay's audit records (sealed and signed by
// its journal identity), messages of two devices in a matter with an edit, a reaction, a receipt
// and a retraction, chained, with signed checkpoints.
struct Log {
    journal::ChainBuilder chain;
    proto::JournalPage page;
    std::map<std::string, journal::DeviceChain> deviceChains;
    int nextId = 1;

    void append(const Bytes& entry) {
        auto seq = chain.append(entry);
        auto* row = page.add_rows();
        row->set_sequence(seq);
        row->set_entry(str(entry));
        row->set_chain_hash(std::string(chain.head().begin(), chain.head().end()));
        row->set_server_time_ms(1764300000000ULL + seq * 1000);
        if (seq % 4 == 0) {
            auto cp = need(journal::signCheckpoint(seq, chain.head(), 1764300000000ULL + seq * 1000,
                                                   fuzz::fuzzKeys().relayPrivate),
                           "checkpoint");
            page.add_checkpoints(str(cp.serialize()));
        }
        page.set_head_sequence(seq);
    }
    proto::JournalRecord record(const std::string& user, std::uint32_t device,
                                proto::MessageType type, const std::string& conversation,
                                const std::string& body) {
        auto r = ::record(type, body);
        r.set_message_id(std::string(15, '\x40') + char(nextId++));
        r.set_conversation_id(conversation);
        r.mutable_sender()->set_user(user);
        r.mutable_sender()->set_device(device);
        r.clear_recipients();
        r.set_client_time_ms(1764300000000ULL + std::uint64_t(nextId) * 1000);
        return r;
    }
    void audit(const std::string& actor, const std::string& action, const std::string& target,
               const std::string& detail,
               const std::vector<std::pair<std::string, std::string>>& extra) {
        std::string body = "{\"actor\":" + jsonQuote(actor) + ",\"action\":" + jsonQuote(action) +
                           ",\"target\":" + jsonQuote(target) + ",\"detail\":" + jsonQuote(detail);
        for (const auto& [name, value] : extra)
            body += "," + jsonQuote(name) + ":" + jsonQuote(value);
        body += "}";
        const auto& k = fuzz::fuzzKeys();
        append(need(journal::sealRecord(record("relay", 0, proto::ADMIN_ACTION, "firm-audit", body),
                                        k.journal->publicKey(), k.relaySigner()),
                    "seal audit")
                   .serialize());
    }
    std::string send(const std::string& user, const journal::Signer& signer,
                     proto::MessageType type, const std::string& body, const std::string& to,
                     const std::string& ref = {}) {
        auto r = record(user, 1, type, "matter-1", body);
        auto* rcpt = r.add_recipients();
        rcpt->set_user(to);
        rcpt->set_device(1);
        if (!ref.empty()) r.set_ref_message_id(ref);
        auto& chainOf = deviceChains[user];
        append(need(journal::sealRecord(r, fuzz::fuzzKeys().journal->publicKey(), signer, chainOf),
                    "seal")
                   .serialize());
        chainOf = chainOf.next(view(r.message_id()));
        return r.message_id();
    }
};

void archive() {
    const auto& k = fuzz::fuzzKeys();
    Log log;
    const std::string client = "client-0a1b2c";
    log.audit("admin", "enroll-user", "lawyer", "ROLE_LAWYER",
              {{"user", "lawyer"}, {"name", "Alice Adams"}});
    log.audit("lawyer", "device-registered", "lawyer/1", "linux",
              {{"user", "lawyer"},
               {"device", "1"},
               {"identity_key", toHex(k.senderPublic)},
               {"platform", "linux"},
               {"app_version", "0.1.0"},
               {"pending", "0"}});
    log.audit("lawyer", "conversation-created", "matter-1", "Estate of Doe",
              {{"title", "Estate of Doe"}, {"matter", "true"}, {"members", "lawyer"}});
    log.audit("lawyer", "invite-redeemed", client, "matter-1",
              {{"conversation", "matter-1"},
               {"name", "Carol Smith"},
               {"role", "ROLE_CLIENT"},
               {"invite", "0123abcd"}});
    log.audit(client, "device-registered", client + "/1", "linux",
              {{"user", client},
               {"device", "1"},
               {"identity_key", toHex(k.approverPublic)},
               {"platform", "linux"},
               {"app_version", "0.1.0"},
               {"pending", "0"}});
    // The acceptance body clients wrote before notice versions, which compliance still counts.
    log.send(client, k.approverSigner(), proto::NOTICE_ACCEPTED,
             "I understand that this conversation is recorded and journaled by the firm.",
             "lawyer");
    auto hello = log.send("lawyer", k.senderSigner(), proto::TEXT,
                          "Hello Carol, about the will of 2019.", client);
    log.send(client, k.approverSigner(), proto::TEXT, "My account is 12-34-56 87654321.", "lawyer");
    log.send("lawyer", k.senderSigner(), proto::EDIT, "Hello Carol, about the will of 2019 (fuzz).",
             client, hello);
    log.send(client, k.approverSigner(), proto::REACTION, "\xf0\x9f\x91\x8d", "lawyer", hello);
    log.send(client, k.approverSigner(), proto::RECEIPT, "read", "lawyer", hello);
    log.send("lawyer", k.senderSigner(), proto::RETRACT, "", client, hello);
    log.audit("admin", "revoke-device", client + "/1", "", {{"user", client}, {"device", "1"}});
    write("archive_pull", "matter", log.page);
    auto forged = log.page;
    forged.mutable_rows(7)->set_entry(forged.rows(8).entry());
    write("archive_pull", "altered-entry", forged);
    auto cut = log.page;
    cut.mutable_rows()->DeleteSubrange(3, 2);
    write("archive_pull", "missing-rows", cut);
    auto ahead = log.page;
    ahead.set_head_sequence(ahead.head_sequence() + 5);
    write("archive_pull", "head-beyond-rows", ahead);
    write("archive_pull", "garbage", std::string("\xff\xff\xff\x07junk", 8));
}

// ---- relay --------------------------------------------------------------------------------------

std::string frame(std::uint64_t id, const proto::Request& request) {
    proto::Frame f;
    f.set_id(id);
    *f.mutable_request() = request;
    return f.SerializeAsString();
}
// Frame ids pick the sender (FuzzRelay::device): 4n lawyer, 4n+1 client, 4n+2 admin, 4n+3
// compliance.
constexpr std::uint64_t kLawyer = 4, kClient = 5, kAdmin = 6, kCompliance = 7;

Bytes signalPublic(std::uint8_t fill) {
    SecureBytes priv(32, fill);
    priv[0] &= 248;
    priv[31] &= 127;
    priv[31] |= 64;
    Bytes out{0x05};
    auto u = need(crypto::x25519PublicKey(priv), "pre-key");
    out.insert(out.end(), u.begin(), u.end());
    return out;
}

void frames() {
    const auto& k = fuzz::fuzzKeys();
    const std::string t = "relay_frame";
    proto::Request r;
    r.mutable_ping();
    write(t, "ping", frame(kLawyer, r));
    r.Clear();
    r.mutable_list_conversations();
    write(t, "list-conversations", frame(kClient, r));
    r.Clear();
    r.mutable_list_member_devices()->set_conversation_id("$conv");
    write(t, "list-member-devices", frame(kClient, r));
    r.Clear();
    r.mutable_fetch_bundles()->set_user("$client");
    write(t, "fetch-bundles", frame(kLawyer, r));
    r.Clear();
    auto* c = r.mutable_create_conversation();
    c->set_title("Estate of Roe");
    c->set_is_matter(true);
    c->add_members("$admin");
    write(t, "create-conversation", frame(kLawyer, r));
    r.Clear();
    r.mutable_create_invite()->set_conversation_id("$conv");
    r.mutable_create_invite()->set_ttl_seconds(3600);
    write(t, "create-invite", frame(kLawyer, r));
    write(t, "create-invite-as-client", frame(kClient, r));
    r.Clear();
    r.mutable_create_device_link()->set_ttl_seconds(60);
    write(t, "create-device-link", frame(kLawyer, r));
    r.Clear();
    r.mutable_list_devices();
    write(t, "list-devices", frame(kLawyer, r));
    r.Clear();
    r.mutable_pull_journal()->set_after_sequence(0);
    r.mutable_pull_journal()->set_limit(10);
    write(t, "pull-journal", frame(kCompliance, r));
    write(t, "pull-journal-as-admin", frame(kAdmin, r));
    r.Clear();
    r.mutable_acknowledge()->add_queue_ids(1);
    r.mutable_acknowledge()->add_queue_ids(2);
    write(t, "acknowledge", frame(kClient, r));
    r.Clear();
    auto* up = r.mutable_upload_pre_keys();
    for (std::uint32_t i = 0; i < 3; ++i) {
        auto* pk = up->add_pre_keys();
        pk->set_id(1000 + i);
        pk->set_public_key(str(signalPublic(std::uint8_t(0x60 + i))));
    }
    write(t, "upload-pre-keys", frame(kClient, r));
    auto* spk = up->mutable_signed_pre_key();
    spk->set_id(7);
    spk->set_public_key(str(signalPublic(0x70)));
    spk->set_signature(std::string(64, '\0'));
    write(t, "upload-bad-signed-pre-key", frame(kClient, r));
    r.Clear();
    r.mutable_admin_list_devices()->set_user("");
    write(t, "admin-list-devices", frame(kAdmin, r));
    r.Clear();
    auto* act = r.mutable_admin_device_action();
    act->set_user("$victim");
    act->set_device(1);
    act->set_action(proto::AdminDeviceAction::REVOKE);
    write(t, "admin-revoke", frame(kAdmin, r));
    act->set_action(proto::AdminDeviceAction::WIPE);
    write(t, "admin-wipe", frame(kAdmin, r));
    write(t, "admin-wipe-as-lawyer", frame(kLawyer, r));
    r.Clear();
    r.mutable_confirm_wipe();
    write(t, "confirm-wipe", frame(kClient, r));
    r.Clear();
    auto approval = need(journal::DeviceApproval::make("lawyer", 2, k.senderPublic, 1,
                                                       1764300000000ULL, k.approverSigner()),
                         "approval");
    r.mutable_approve_device()->set_approval(str(approval.serialize()));
    write(t, "approve-device", frame(kLawyer, r));

    // Sends: "$seal" asks the harness for the entry an honest sender seals for the send.
    // Each its own message id: a repeated id is a retry, answered from the first.
    char nextId = 0x10;
    auto sendTo = [&nextId](const std::string& user, std::uint32_t device) {
        proto::Request s;
        auto* send = s.mutable_send();
        send->set_message_id(std::string(16, nextId++));
        send->set_conversation_id("$conv");
        auto* e = send->add_envelopes();
        e->set_user(user);
        e->set_device(device);
        e->set_type(3);
        e->set_body("signal ciphertext");
        send->set_journal_entry("$seal");
        return s;
    };
    write(t, "send", frame(kLawyer, sendTo("$client", 1)));
    write(t, "send-from-client", frame(kClient, sendTo("$lawyer", 1)));
    write(t, "send-missing-device", frame(kLawyer, sendTo("$admin", 1)));
    auto real = sendTo("$client", 1);
    real.mutable_send()->set_journal_entry(
        str(need(journal::sealRecord(record(proto::TEXT, "hi"), k.journal->publicKey(),
                                     k.senderSigner()),
                 "seal")
                .serialize()));
    write(t, "send-foreign-entry", frame(kLawyer, real));
    r.Clear();
    write(t, "empty-request", frame(kLawyer, r));
    write(t, "not-a-frame", std::string("\x12\xff\xff\xff\x0f", 5));
}

proto::RegisterDevice registration(const std::string& token) {
    const auto& k = fuzz::fuzzKeys();
    proto::RegisterDevice r;
    r.set_token(token);
    r.set_device_secret(std::string(32, 's'));
    r.set_registration_id(4242);
    r.set_identity_key(str(k.senderPublic));
    auto* spk = r.mutable_signed_pre_key();
    spk->set_id(1);
    spk->set_public_key(str(signalPublic(0x71)));
    spk->set_signature(str(need(k.senderSigner()(view(spk->public_key())), "signed pre-key")));
    for (std::uint32_t i = 1; i <= 3; ++i) {
        auto* pk = r.add_pre_keys();
        pk->set_id(i);
        pk->set_public_key(str(signalPublic(std::uint8_t(0x80 + i))));
    }
    r.set_platform("linux");
    r.set_app_version("0.1.0");
    r.set_display_name("Carol Smith");
    return r;
}

void registrations() {
    const std::string t = "relay_register";
    write(t, "invite", registration("$invite"));
    auto enroll = registration("$enroll");
    enroll.clear_display_name();
    write(t, "enroll", enroll);
    auto linked = registration("$enroll");
    linked.set_link_proof(std::string(32, 'p'));
    linked.set_link_binding(std::string(64, 'b'));
    write(t, "device-link", linked);
    write(t, "unknown-token", registration(hex(32, 'e')));
    auto badKey = registration("$invite");
    badKey.set_identity_key(std::string(33, '\0'));
    write(t, "bad-identity-key", badKey);
}

void http() {
    const std::string t = "relay_http";
    const std::string creds =
        "X-Verbatim-Device: lawyer/1\r\nAuthorization: Bearer " + hex(64, 'a') + "\r\n";
    std::string body = registration("$invite").SerializeAsString();
    write(t, "register",
          "POST /v1/register HTTP/1.1\r\nHost: relay.example.com\r\nContent-Type: "
          "application/x-protobuf\r\n"
          "Content-Length: " +
              std::to_string(body.size()) + "\r\n\r\n" + body);
    write(t, "manifest", "GET /v1/manifest HTTP/1.1\r\nHost: relay.example.com\r\n\r\n");
    write(t, "upgrade",
          "GET /v1/ws HTTP/1.1\r\nHost: relay.example.com\r\nConnection: Upgrade\r\nUpgrade: "
          "websocket\r\n"
          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          "X-Verbatim-Frames: batch\r\n" +
              creds + "\r\n");
    write(t, "blob-upload",
          "POST /v1/blobs HTTP/1.1\r\nHost: relay.example.com\r\nContent-Length: 5\r\n" + creds +
              "\r\nabcde");
    write(t, "blob-download",
          "GET /v1/blobs/" + hex(64, 'f') + " HTTP/1.1\r\nHost: relay.example.com\r\n" + creds +
              "\r\n");
    write(t, "blob-traversal",
          "GET /v1/blobs/../../etc/passwd HTTP/1.1\r\nHost: x\r\n" + creds + "\r\n");
    write(t, "chunked",
          "POST /v1/register HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
          "chunked\r\n\r\n5;ext=1\r\nabcde\r\n0\r\n\r\n");
    write(t, "too-large",
          "POST /v1/register HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n");
    write(t, "bad-credentials",
          "GET /v1/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
          "X-Verbatim-Device: /4294967296\r\nAuthorization: Bearer zz\r\n\r\n");
}

// Voice notes (issue 23): Ogg Opus files of a tone, whole and damaged.
void voiceNotes() {
    const std::string t = "voice_note";
    auto note = [](int ms) {
        auto enc = need(media::VoiceEncoder::create(), "voice encoder");
        std::vector<std::int16_t> pcm(std::size_t(ms) * 48);
        for (std::size_t i = 0; i < pcm.size(); ++i)
            pcm[i] = std::int16_t((i % 109) * 300 - 16000); // a buzz: cheap, and not silence
        needOk(enc.push(pcm), "voice push");
        return need(enc.finish(), "voice finish");
    };
    const Bytes shortNote = note(60), longer = note(1300);
    write(t, "short", shortNote);
    write(t, "one-second", longer);
    write(t, "truncated", truncated(longer, 40));
    Bytes flipped = longer;
    flipped[flipped.size() / 2] ^= 1;
    write(t, "bad-crc", flipped);
}

// History transfer (issue 23): u8 selector (even: a document, odd: a blob) || bytes.
void histories() {
    const std::string t = "history";
    journal::HistoryDocument doc;
    doc.user = "lawyer";
    doc.sourceDevice = 1;
    doc.createdMs = 1764300000000ULL;
    proto::HistoryConversation c;
    c.set_id(hex(32, 'c'));
    c.set_title("Estate of Doe");
    c.add_members("lawyer");
    c.add_receipts()->set_user("lawyer");
    doc.conversations.push_back(c);
    for (int i = 0; i < 3; ++i) {
        proto::HistoryMessage m;
        m.set_id(std::string(15, 'm') + char('0' + i));
        m.set_conversation_id(c.id());
        m.mutable_sender()->set_user("lawyer");
        m.mutable_sender()->set_device(1);
        m.set_body("message " + std::to_string(i));
        if (i == 1) m.add_reactions()->set_emoji("\xe2\x9c\x94");
        if (i == 2) m.add_attachments()->set_file_name("will.pdf");
        doc.messages.push_back(std::move(m));
    }
    auto bytes = need(journal::encodeHistory(doc), "history");
    auto as = [](char selector, const Bytes& b) {
        return std::string(1, selector) + std::string(b.begin(), b.end());
    };
    write(t, "document", as(0, bytes));
    write(t, "document-truncated", as(0, Bytes(bytes.begin(), bytes.end() - 3)));
    auto empty = doc;
    empty.messages.clear();
    write(t, "document-no-messages", as(0, need(journal::encodeHistory(empty), "history")));
    auto sealed = need(journal::sealHistory(bytes, 1024), "sealed history");
    write(t, "blob", as(1, sealed.blob));
    write(t, "blob-cut", as(1, Bytes(sealed.blob.begin(), sealed.blob.begin() + 9 + 16)));
}

// Issue 22: the relay's boundary snapshot at seq 3 (the second row given in full), signed by
// the relay key; the same with a row's hash changed, truncated, and a header alone.
void boundarySnapshots() {
    const auto& k = fuzz::fuzzKeys();
    const std::string t = "boundary_snapshot";
    std::vector<journal::PrunedRow> rows;
    journal::ChainHash chain = journal::genesisChainHash();
    for (std::uint64_t seq = 1; seq <= 3; ++seq) {
        journal::PrunedRow r;
        r.sequence = seq;
        const std::string entry = "entry " + std::to_string(seq);
        r.entryHash = crypto::sha256(view(entry));
        r.serverTimeMs = 1764300000000ULL + seq;
        if (seq == 2) r.entry = toBytes(view(entry));
        chain = journal::nextChainHash(chain, seq, view(entry));
        rows.push_back(std::move(r));
    }
    auto snap =
        need(journal::signBoundarySnapshot(3, chain, 1764300001000ULL, k.relayPrivate), "snapshot");
    snap.rows = rows;
    write(t, "signed", snap.serialize());
    write(t, "header", snap.serializeHeader());
    write(t, "truncated", truncated(snap.serialize(), 7));
    auto other = snap;
    other.rows[0].entryHash[0] ^= 1;
    write(t, "other-hash", other.serialize());
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUT_DIR (e.g. tests/fuzz/corpus)\n", argv[0]);
        return 2;
    }
    g_out = argv[1];
    links();
    json();
    manifests();
    wipes();
    approvals();
    records();
    pages();
    archive();
    frames();
    registrations();
    http();
    voiceNotes();
    boundarySnapshots();
    histories();
    std::printf("%d seeds written to %s\n", g_written, g_out.string().c_str());
    return 0;
}

// Over 600 lines on purpose: one Qt Test class for the archive against hostile page sources;
// every function serves a log built by the sealing, chain and checkpoint helpers at the top.
//
// The compliance archive against a hostile or broken page source, without a relay: a log built
// here with real sealing, registrations, chain hashes and signed checkpoints is served page by
// page, or garbled, duplicated, reordered, cut short or signed by the wrong keys. Every case
// ends in a clear error or a named problem, and nothing already stored is lost (pulls resume).

#include <QTemporaryDir>
#include <QtTest>

#include <set>

#include "common/Json.h"
#include "compliance/Archive.h"
#include "crypto/Ed25519.h"
#include "crypto/Hkdf.h"
#include "crypto/Random.h"
#include "journal/DeviceApproval.h"
#include "journal/FirmManifest.h"
#include "journal/HashChain.h"
#include "journal/JournalCrypto.h"
#include "signal/SessionManager.h"
#include "storage/Database.h"
#include "wire.pb.h"

using namespace verbatim;

namespace {

std::string str(const Bytes& b) {
    return std::string(b.begin(), b.end());
}

/// A firm's journal as a relay would hold it.
struct Log {
    std::shared_ptr<signal::SignalContext> ctx = *signal::SignalContext::create();
    crypto::X25519Key journal = std::move(*crypto::X25519Key::generate());
    crypto::Ed25519KeyPair relayKey = *crypto::ed25519Generate();
    crypto::Ed25519KeyPair root = *crypto::ed25519Generate();
    signal::IdentityKeyPair relayIdentity = *signal::SessionManager::generateIdentity(*ctx);
    std::map<std::string, signal::IdentityKeyPair> devices; // "user/device" -> identity
    journal::ChainBuilder chain;
    proto::JournalPage all; // every row, with a checkpoint every 4 entries

    Bytes manifest() {
        journal::FirmManifest m;
        m.firmName = "Archive Test LLP";
        m.relayAddress = "127.0.0.1:1";
        m.issuedMs = 1764300000000ULL;
        m.relayPublicKey = relayKey.publicKey;
        m.relayIdentityKey = relayIdentity.publicKey;
        m.journalKeys.push_back({journal.publicKey(), m.issuedMs});
        (void)m.sign(root.privateKey);
        return m.serialize();
    }
    std::string fingerprint() const { return journal::firmFingerprint(root.publicKey); }

    void append(const Bytes& entry) {
        auto seq = chain.append(entry);
        auto* row = all.add_rows();
        row->set_sequence(seq);
        row->set_entry(str(entry));
        row->set_chain_hash(std::string(chain.head().begin(), chain.head().end()));
        row->set_server_time_ms(1764300000000ULL + seq);
        if (seq % 4 == 0) {
            auto cp = journal::signCheckpoint(seq, chain.head(), 1764300000000ULL + seq,
                                              relayKey.privateKey);
            all.add_checkpoints(str(cp->serialize()));
        }
    }
    proto::JournalRecord record(const std::string& user, std::uint32_t device,
                                proto::MessageType type, const std::string& conversation,
                                const std::string& body) {
        proto::JournalRecord r;
        r.set_version(1);
        r.set_message_id(str(crypto::randomBytes(16)));
        r.set_conversation_id(conversation);
        r.mutable_sender()->set_user(user);
        r.mutable_sender()->set_device(device);
        r.set_client_time_ms(1764300000000ULL);
        r.set_type(type);
        r.set_body(body);
        r.set_commit_key(str(crypto::randomBytes(32)));
        return r;
    }
    Bytes seal(const proto::JournalRecord& r, ByteView privateKey) {
        return journal::sealRecord(r, journal.publicKey(),
                                   [&](ByteView m) {
                                       return signal::SessionManager::signWith(*ctx, privateKey, m);
                                   })
            ->serialize();
    }
    /// The relay's registration entry for a new device (`pending`: "1" waits for approval, "0"
    /// active at once, "" a log written before approvals).
    void registerDevice(const std::string& user, std::uint32_t device,
                        const std::string& pending = "") {
        auto id = *signal::SessionManager::generateIdentity(*ctx);
        std::string body =
            "{\"actor\":" + jsonQuote(user) + ",\"action\":\"device-registered\",\"target\":" +
            jsonQuote(user + "/" + std::to_string(device)) +
            ",\"detail\":\"test\",\"user\":" + jsonQuote(user) + ",\"device\":\"" +
            std::to_string(device) + "\",\"identity_key\":\"" + toHex(id.publicKey) + "\"" +
            (pending.empty() ? "" : ",\"pending\":" + jsonQuote(pending)) + "}";
        append(seal(record("relay", 0, proto::ADMIN_ACTION, "firm-audit", body),
                    relayIdentity.privateKey));
        devices[user + "/" + std::to_string(device)] = std::move(id);
    }
    /// A relay record about `user/device` with no more fields (revoke-device, wipe-device).
    void admin(const std::string& action, const std::string& user, std::uint32_t device) {
        std::string body = "{\"actor\":\"admin\",\"action\":" + jsonQuote(action) +
                           ",\"target\":" + jsonQuote(user + "/" + std::to_string(device)) +
                           ",\"detail\":\"\",\"user\":" + jsonQuote(user) + ",\"device\":\"" +
                           std::to_string(device) + "\"}";
        append(seal(record("relay", 0, proto::ADMIN_ACTION, "firm-audit", body),
                    relayIdentity.privateKey));
    }
    /// The relay's `device-approved` record: `approver` (of the same user) signs `device`, with
    /// `signer`'s key (the approver's own, unless a test forges it).
    void approve(const std::string& user, std::uint32_t device, std::uint32_t approver,
                 const std::string& signer) {
        const auto& key = devices[user + "/" + std::to_string(device)].publicKey;
        auto approval = journal::DeviceApproval::make(
            user, device, key, approver, 1764300000000ULL, [&](ByteView m) {
                return signal::SessionManager::signWith(*ctx, devices[signer].privateKey, m);
            });
        std::string body = "{\"actor\":" + jsonQuote(user + "/" + std::to_string(approver)) +
                           ",\"action\":\"device-approved\",\"target\":" +
                           jsonQuote(user + "/" + std::to_string(device)) +
                           ",\"detail\":\"\",\"user\":" + jsonQuote(user) + ",\"device\":\"" +
                           std::to_string(device) + "\",\"identity_key\":\"" + toHex(key) +
                           "\",\"approver\":\"" + std::to_string(approver) + "\",\"approval\":\"" +
                           toHex(approval->serialize()) + "\"}";
        append(seal(record("relay", 0, proto::ADMIN_ACTION, "firm-audit", body),
                    relayIdentity.privateKey));
    }
    void message(const std::string& user, std::uint32_t device, const std::string& text) {
        append(seal(record(user, device, proto::TEXT, "matter-1", text),
                    devices[user + "/" + std::to_string(device)].privateKey));
    }
    /// A message sealed with the device's chain as its client keeps it: `chain` covers the
    /// entries the relay acknowledged so far. Returns the sealed entry (not appended) and its id.
    std::pair<Bytes, std::string> chained(const std::string& user, std::uint32_t device,
                                          const std::string& text,
                                          const journal::DeviceChain& chain,
                                          proto::MessageType type = proto::TEXT,
                                          const std::string& ref = {}) {
        auto r = record(user, device, type, "matter-1", text);
        if (!ref.empty()) r.set_ref_message_id(ref);
        auto sealed = journal::sealRecord(
            r, journal.publicKey(),
            [&](ByteView m) {
                return signal::SessionManager::signWith(
                    *ctx, devices[user + "/" + std::to_string(device)].privateKey, m);
            },
            chain);
        return {sealed->serialize(), r.message_id()};
    }
    /// Pages of at most `n` rows after `after`, with the checkpoints in range (as the relay does).
    proto::JournalPage page(std::uint64_t after, std::uint32_t n) const {
        proto::JournalPage p;
        std::uint64_t last = after;
        for (const auto& r : all.rows())
            if (r.sequence() > after && std::uint32_t(p.rows_size()) < n) {
                *p.add_rows() = r;
                last = r.sequence();
            }
        for (const auto& c : all.checkpoints()) {
            auto cp = journal::Checkpoint::parse(view(c));
            if (cp && cp->sequence > after && cp->sequence <= last) p.add_checkpoints(c);
        }
        p.set_head_sequence(chain.sequence());
        return p;
    }
};

std::vector<crypto::X25519Key> keysOf(Log& log) {
    std::vector<crypto::X25519Key> k;
    k.push_back(std::move(*crypto::X25519Key::fromPrivate(*log.journal.privateKey())));
    return k;
}

compliance::PageSource serve(const Log& log, std::uint32_t pageSize = 3) {
    return [&log, pageSize](std::uint64_t after, std::uint32_t) -> Result<std::string> {
        return log.page(after, pageSize).SerializeAsString();
    };
}

std::unique_ptr<compliance::Archive> openArchive(Log& log, const QTemporaryDir& dir,
                                                 const char* name = "a.archive") {
    auto a = compliance::Archive::open((dir.path() + "/" + name).toStdString(), keysOf(log), true);
    if (!a || !(*a)->setManifest(log.manifest(), log.fingerprint())) return nullptr;
    return std::move(*a);
}

bool has(const std::vector<compliance::Problem>& ps, std::uint64_t seq, const std::string& fault) {
    for (auto& p : ps)
        if (p.sequence == seq && p.fault == fault) return true;
    return false;
}

std::string text(const std::vector<compliance::Problem>& ps) {
    std::string out;
    for (auto& p : ps)
        out += std::to_string(p.sequence) + " " + p.fault + ": " + p.detail + "\n";
    return out;
}

/// Pages of at most `n` rows of `all` after `after`, with the checkpoints in range and the head.
compliance::PageSource servePages(const proto::JournalPage& all, std::uint32_t n = 3) {
    return [&all, n](std::uint64_t after, std::uint32_t) -> Result<std::string> {
        proto::JournalPage p;
        std::uint64_t last = after;
        for (const auto& r : all.rows())
            if (r.sequence() > after && std::uint32_t(p.rows_size()) < n) {
                *p.add_rows() = r;
                last = r.sequence();
            }
        for (const auto& c : all.checkpoints()) {
            auto cp = journal::Checkpoint::parse(view(c));
            if (cp && cp->sequence > after && cp->sequence <= last) p.add_checkpoints(c);
        }
        p.set_head_sequence(all.rows_size() ? all.rows(all.rows_size() - 1).sequence() : 0);
        return p.SerializeAsString();
    };
}

/// `entries` as a relay with the log's checkpoint key serves them: chained from the genesis and
/// signed every 4 entries (a rewritten history is as consistent as the original).
proto::JournalPage chainedPage(const Log& log, const std::vector<std::string>& entries) {
    proto::JournalPage p;
    journal::ChainBuilder chain;
    for (const auto& e : entries) {
        auto seq = chain.append(view(e));
        auto* row = p.add_rows();
        row->set_sequence(seq);
        row->set_entry(e);
        row->set_chain_hash(std::string(chain.head().begin(), chain.head().end()));
        row->set_server_time_ms(1764300000000ULL + seq);
        if (seq % 4 == 0) {
            auto cp = journal::signCheckpoint(seq, chain.head(), 1764300000000ULL + seq,
                                              log.relayKey.privateKey);
            p.add_checkpoints(str(cp->serialize()));
        }
    }
    p.set_head_sequence(chain.sequence());
    return p;
}

std::set<std::pair<std::uint64_t, std::string>> faults(const std::vector<compliance::Problem>& ps) {
    std::set<std::pair<std::uint64_t, std::string>> out;
    for (auto& p : ps)
        out.insert({p.sequence, p.fault});
    return out;
}

/// A small honest log: alice/1 registered, then messages.
void fill(Log& log, int messages) {
    log.registerDevice("alice", 1);
    for (int i = 0; i < messages; ++i)
        log.message("alice", 1, "message " + std::to_string(i));
}

} // namespace

class TestArchive : public QObject {
    Q_OBJECT

private slots:
    void honestLogVerifiesAndPullsResume() {
        Log log;
        fill(log, 10); // 11 entries
        QTemporaryDir dir;
        auto a = openArchive(log, dir);
        QVERIFY(a);
        // The source breaks after two pages: what was stored stays, and the next pull resumes.
        int calls = 0;
        auto flaky = [&](std::uint64_t after, std::uint32_t) -> Result<std::string> {
            if (++calls > 2) return fail(ErrorCode::AuthFailed, "relay refused");
            return log.page(after, 3).SerializeAsString();
        };
        auto first = a->pull(flaky, {});
        QVERIFY(!first);
        QVERIFY(first.error().message.find("refused") != std::string::npos);
        QCOMPARE(a->size()->first, std::uint64_t(6));
        auto second = a->pull(serve(log), {});
        QVERIFY2(second, second ? "" : second.error().message.c_str());
        QCOMPARE(second->entries, std::uint64_t(5));
        auto report = a->verify();
        QVERIFY(report);
        QVERIFY2(report->ok(), report->text().c_str());
        QCOMPARE(report->entries, std::uint64_t(11));
        QCOMPARE(report->opened, std::uint64_t(11));
        compliance::SearchQuery q;
        q.text = "message";
        QCOMPARE(a->search(q)->size(), std::size_t(10));
    }

    void garbagePagesAreRefusedAndNothingIsLost() {
        Log log;
        fill(log, 4);
        QTemporaryDir dir;
        auto a = openArchive(log, dir);
        QVERIFY(a);
        QVERIFY(a->pull(serve(log), {}));
        const auto before = *a->size();
        // Bytes that are not a page.
        auto garbage = a->pull(
            [](std::uint64_t, std::uint32_t) -> Result<std::string> {
                return std::string("\xff\xff\xff\x07junk", 8);
            },
            {});
        QVERIFY(!garbage);
        QCOMPARE(garbage.error().code, ErrorCode::Malformed);
        // A page that goes backwards.
        auto backwards = a->pull(
            [&](std::uint64_t, std::uint32_t) -> Result<std::string> {
                auto p = log.page(0, 2);
                p.set_head_sequence(99);
                return p.SerializeAsString();
            },
            {});
        QVERIFY(!backwards);
        QVERIFY(backwards.error().message.find("backwards") != std::string::npos);
        QCOMPARE(a->size()->first, before.first);
        QVERIFY(a->verify()->ok());
    }

    void servedTwiceReorderedOrBadlySigned() {
        Log log;
        fill(log, 7); // 8 entries, checkpoints at 4 and 8
        QTemporaryDir dir;
        // Rows 3 and 4 swapped in the page: reported by position.
        {
            auto a = openArchive(log, dir, "swap.archive");
            auto swapped = [&](std::uint64_t after, std::uint32_t) -> Result<std::string> {
                auto p = log.page(after, 100);
                if (p.rows_size() > 4) p.mutable_rows()->SwapElements(2, 3);
                return p.SerializeAsString();
            };
            auto r = a->pull(swapped, {});
            QVERIFY(r);
            auto ps = *a->problems();
            QVERIFY2(has(ps, 3, "reordered") || has(ps, 3, "missing"), text(ps).c_str());
        }
        // A row served twice is stored once and reported.
        {
            auto a = openArchive(log, dir, "dup.archive");
            auto twice = [&](std::uint64_t after, std::uint32_t) -> Result<std::string> {
                auto p = log.page(after, 100);
                if (p.rows_size() > 2) *p.mutable_rows()->Add() = p.rows(1);
                return p.SerializeAsString();
            };
            QVERIFY(a->pull(twice, {}));
            QCOMPARE(a->size()->first, std::uint64_t(8));
            QVERIFY2(has(*a->problems(), 2, "duplicate"), text(*a->problems()).c_str());
        }
        // A checkpoint signed by another key.
        {
            Log other;
            auto forged = journal::signCheckpoint(4, log.chain.head(), 1764300000000ULL,
                                                  other.relayKey.privateKey);
            auto a = openArchive(log, dir, "cp.archive");
            auto bad = [&](std::uint64_t after, std::uint32_t) -> Result<std::string> {
                auto p = log.page(after, 100);
                p.clear_checkpoints();
                p.add_checkpoints(str(forged->serialize()));
                return p.SerializeAsString();
            };
            QVERIFY(a->pull(bad, {}));
            QVERIFY2(has(*a->problems(), 4, "bad-checkpoint-signature"),
                     text(*a->problems()).c_str());
        }
    }

    // J-ADMIN-2: entries written by older relays carry fewer fields; a reader takes a missing
    // field as absent, never as an error (pull, verify and the audit trail all read them).
    void olderAdminBodiesWithFewerFieldsAreRead() {
        Log log;
        log.registerDevice("alice", 1); // no `pending`: written before approvals
        const auto old = [&](const std::string& body) {
            log.append(log.seal(log.record("relay", 0, proto::ADMIN_ACTION, "firm-audit", body),
                                log.relayIdentity.privateKey));
        };
        // Bodies missing fields: no role or name; no conversation or detail; no user or device;
        // no target or device; only the action.
        old("{\"actor\":\"admin\",\"action\":\"enroll-user\",\"target\":\"bob\",\"detail\":\"\"}");
        old("{\"actor\":\"alice\",\"action\":\"invite-redeemed\",\"target\":\"client-1\"}");
        old("{\"actor\":\"admin\",\"action\":\"revoke-device\",\"target\":\"bob/1\"}");
        old("{\"actor\":\"admin\",\"action\":\"wipe-device\",\"user\":\"bob\"}");
        old("{\"action\":\"enroll-user\"}");
        log.message("alice", 1, "after the old entries");
        QTemporaryDir dir;
        auto a = openArchive(log, dir);
        QVERIFY(a);
        auto pulled = a->pull(serve(log), {});
        QVERIFY2(pulled, pulled ? "" : pulled.error().message.c_str());
        QCOMPARE(pulled->entries, std::uint64_t(7));
        auto report = a->verify();
        QVERIFY(report);
        QVERIFY2(report->ok(), report->text().c_str());
        QCOMPARE(report->opened, std::uint64_t(7));
        auto trail = a->auditTrail();
        QVERIFY(trail);
        std::set<std::string> actions;
        for (const auto& line : *trail)
            actions.insert(line.action);
        for (const char* want : {"enroll-user", "invite-redeemed", "revoke-device", "wipe-device"})
            QVERIFY2(actions.count(want), want);
    }

    // Issue 17, ADMIN_ACTION body version 2: `actor` is who caused the act (a device,
    // `admin-cli`, `token`), and the user a creation or an invite makes a member is named apart
    // (`creator`, `inviter`). Compliance reads both versions: in a version 1 body (no `version`)
    // the actor is that user. The creations list no `members`, so the named fields alone decide.
    void adminBodiesOfBothVersionsGiveMembership() {
        Log log;
        log.registerDevice("alice", 1);
        log.registerDevice("bob", 1);
        log.registerDevice("carol", 1);
        const auto relay = [&](const std::string& body) {
            log.append(log.seal(log.record("relay", 0, proto::ADMIN_ACTION, "firm-audit", body),
                                log.relayIdentity.privateKey));
        };
        const auto say = [&](const std::string& user, const std::string& conversation) {
            log.append(log.seal(log.record(user, 1, proto::TEXT, conversation, "hello"),
                                log.devices[user + "/1"].privateKey));
        };
        relay(R"({"actor":"alice","action":"conversation-created","target":"old-matter",)"
              R"("detail":"Old","title":"Old","matter":"true"})"); // 4: version 1
        relay(R"({"version":"2","actor":"admin-cli","action":"conversation-created",)"
              R"("target":"new-matter","detail":"New","title":"New","matter":"true",)"
              R"("creator":"bob"})"); // 5
        relay(R"({"version":"2","actor":"admin-cli","action":"invite-created",)"
              R"("target":"new-matter","detail":"","invite":"0a0b0c0d","inviter":"carol"})"); // 6
        say("alice", "old-matter"); // 7: the version 1 creator
        say("bob", "new-matter");   // 8: the version 2 creator
        say("carol", "new-matter"); // 9: the version 2 inviter
        say("alice", "new-matter"); // 10: no member
        QTemporaryDir dir;
        auto a = openArchive(log, dir);
        QVERIFY(a);
        auto pulled = a->pull(serve(log), {});
        QVERIFY2(pulled, pulled ? "" : pulled.error().message.c_str());
        auto stored = a->problems();
        QVERIFY(stored);
        auto report = a->verify();
        QVERIFY(report);
        for (const auto* ps : {&*stored, &report->problems}) {
            QVERIFY2(has(*ps, 10, "not-a-member"), text(*ps).c_str());
            QCOMPARE(int(ps->size()), 1);
        }
        // The audit trail shows who acted.
        auto trail = a->auditTrail();
        QVERIFY(trail);
        bool byAdmin = false;
        for (const auto& line : *trail)
            byAdmin |= line.action == "invite-created" && line.actor == "admin-cli";
        QVERIFY(byAdmin);
    }

    void unregisteredRevokedAndForgedSigners() {
        Log log;
        fill(log, 1); // 1 registration + 1 message
        // A device nobody registered, and an admin record not written by the relay.
        auto stranger = *signal::SessionManager::generateIdentity(*log.ctx);
        log.append(log.seal(log.record("bob", 1, proto::TEXT, "matter-1", "who am I"),
                            stranger.privateKey)); // 3
        log.append(log.seal(
            log.record(
                "alice", 1, proto::ADMIN_ACTION, "firm-audit",
                "{\"actor\":\"x\",\"action\":\"revoke-device\",\"target\":\"y\",\"detail\":\"\"}"),
            log.devices["alice/1"].privateKey)); // 4
        // Alice's device signs as the relay.
        log.append(log.seal(log.record("relay", 0, proto::ADMIN_ACTION, "firm-audit", "{}"),
                            log.devices["alice/1"].privateKey)); // 5
        QTemporaryDir dir;
        auto a = openArchive(log, dir);
        QVERIFY(a->pull(serve(log), {}));
        auto report = a->verify();
        QVERIFY(report && !report->ok());
        const auto& ps = report->problems;
        QVERIFY2(has(ps, 3, "unknown-device"), report->text().c_str());
        QVERIFY2(has(ps, 4, "forged-admin-action"), report->text().c_str());
        QVERIFY2(has(ps, 5, "bad-signature"), report->text().c_str());
        QVERIFY2(!has(ps, 2, "bad-signature") && !has(ps, 1, "bad-signature"),
                 report->text().c_str());
        // The JSON report names them too.
        QVERIFY(report->json().find("\"sequence\":3,\"fault\":\"unknown-device\"") !=
                std::string::npos);
    }

    // Issue 15 break 2: a device of a user who has an active device counts only with an approval
    // from one of that user's active devices, which the archive checks itself. Pull (in pages,
    // over two archive sessions) and verify agree.
    void devicesNeedTheirUsersApproval() {
        Log log;
        log.registerDevice("alice", 1, "0");   // 1: her first device
        log.message("alice", 1, "first");      // 2
        log.registerDevice("alice", 2, "1");   // 3: pending
        log.approve("alice", 2, 1, "alice/1"); // 4: approved by alice/1
        log.message("alice", 2, "laptop");     // 5: clean
        log.registerDevice("alice", 3, "0");   // 6: recorded active at once: unapproved
        log.message("alice", 3, "forged");     // 7: unapproved
        log.registerDevice("alice", 4, "1");   // 8: approved below by alice/3 only: unapproved
        log.approve("alice", 4, 3, "alice/3"); // 9: an approval that does not hold
        log.message("alice", 4, "forged too"); // 10: unapproved
        log.registerDevice("alice", 5, "1");   // 11: an approval in alice/1's name it signed itself
        log.approve("alice", 5, 1, "alice/5"); // 12: does not verify
        log.registerDevice("alice", 6, "1");   // 13: pending, never approved, never writes: nothing
        log.registerDevice("bob", 1, "0");     // 14
        log.admin("revoke-device", "bob", 1);  // 15
        log.registerDevice("bob", 2, "0");     // 16: identity reset
        log.message("bob", 2, "new phone");    // 17: clean
        log.registerDevice("carl", 1, "0");    // 18
        log.admin("wipe-device", "carl", 1);   // 19
        log.registerDevice("carl", 2, "0");    // 20: identity reset
        log.registerDevice("alice", 7, "1");   // 21: writes before its approval
        log.message("alice", 7, "too early");  // 22: unapproved
        log.approve("alice", 7, 2, "alice/2"); // 23
        log.message("alice", 7, "approved now"); // 24: clean
        const std::set<std::pair<std::uint64_t, std::string>> expected = {
            {6, "unapproved-device"},  {7, "unapproved-device"},  {8, "unapproved-device"},
            {9, "unapproved-device"},  {10, "unapproved-device"}, {11, "unapproved-device"},
            {12, "unapproved-device"}, {16, "identity-reset"},    {20, "identity-reset"},
            {21, "unapproved-device"}, {22, "unapproved-device"}};
        QTemporaryDir dir;
        auto a = openArchive(log, dir);
        QVERIFY(a && a->pull(serve(log), {}));
        QVERIFY2(faults(*a->problems()) == expected, text(*a->problems()).c_str());
        auto report = a->verify();
        QVERIFY(report);
        QVERIFY2(faults(report->problems) == expected, report->text().c_str());
        for (auto& p : report->problems)
            if (p.sequence == 7)
                QVERIFY2(p.detail == "signed by alice/3, a device no device of the user approved",
                         p.detail.c_str());
        // The same in two pulls, the archive closed and opened again in between.
        {
            auto b = openArchive(log, dir, "b.archive");
            int calls = 0;
            auto part = [&](std::uint64_t after, std::uint32_t n) -> Result<std::string> {
                if (++calls > 3) return fail(ErrorCode::AuthFailed, "relay refused");
                return serve(log)(after, n);
            };
            QVERIFY(!b->pull(part, {}));
        }
        auto b = compliance::Archive::open((dir.path() + "/b.archive").toStdString(), keysOf(log),
                                           false);
        QVERIFY(b);
        QVERIFY((*b)->pull(serve(log), {}));
        QVERIFY2(faults(*(*b)->problems()) == expected, text(*(*b)->problems()).c_str());
        auto again = (*b)->verify();
        QVERIFY(again && again->text() == report->text());
    }

    // Issue 15 break 3: every entry carries its device's chain over the entries the relay had
    // acknowledged; a removed or reordered entry shows at the device's next entry, and a receipt
    // names a message the journal must hold. Honest in-flight windows stay clean, across pages
    // and pulls.
    void deviceChainsShowRemovedAndReorderedEntries() {
        Log log;
        log.registerDevice("alice", 1, "0");
        log.registerDevice("bob", 1, "0");
        // Alice sends in windows of up to three: each window sealed with the chain as it stood.
        struct Sent {
            std::string entry, id;
            std::uint64_t acked;
        };
        std::vector<Sent> sent;
        journal::DeviceChain chain;
        for (int w = 0; w < 4; ++w) {
            std::vector<std::string> window;
            for (int i = 0; i <= w % 3; ++i) {
                auto [entry, id] =
                    log.chained("alice", 1, "message " + std::to_string(sent.size()), chain);
                sent.push_back({str(entry), id, chain.acked});
                window.push_back(id);
            }
            for (auto& id : window)
                chain = chain.next(view(id));
        }
        auto [last, lastId] = log.chained("alice", 1, "the last", chain);
        sent.push_back({str(last), lastId, chain.acked});
        QVERIFY(sent.size() >= 8);
        // Bob's receipt for alice's fourth message.
        auto [receipt, receiptId] =
            log.chained("bob", 1, "delivered", {}, proto::RECEIPT, sent[3].id);
        auto build = [&](const std::vector<std::size_t>& order) {
            std::vector<std::string> entries;
            for (const auto& r : log.all.rows())
                entries.push_back(r.entry()); // the registrations
            for (auto i : order)
                entries.push_back(sent[i].entry);
            entries.push_back(str(receipt));
            return chainedPage(log, entries);
        };
        QTemporaryDir dir;
        std::vector<std::size_t> honest(sent.size());
        for (std::size_t i = 0; i < honest.size(); ++i)
            honest[i] = i;
        {
            auto page = build(honest);
            auto a = openArchive(log, dir, "honest.archive");
            QVERIFY(a);
            // Two pulls in pages of two, the archive opened again in between.
            int calls = 0;
            auto part = [&](std::uint64_t after, std::uint32_t n) -> Result<std::string> {
                if (++calls > 3) return fail(ErrorCode::AuthFailed, "relay refused");
                return servePages(page, 2)(after, n);
            };
            QVERIFY(!a->pull(part, {}));
            a.reset();
            auto again = compliance::Archive::open((dir.path() + "/honest.archive").toStdString(),
                                                   keysOf(log), false);
            QVERIFY(again);
            QVERIFY((*again)->pull(servePages(page, 2), {}));
            QVERIFY2((*again)->problems()->empty(), text(*(*again)->problems()).c_str());
            auto report = (*again)->verify();
            QVERIFY2(report && report->ok(), report->text().c_str());
        }
        // Removed: alice's fourth message (index 3). The first later entry that covers it says
        // so; so does Bob's receipt.
        {
            std::vector<std::size_t> order;
            for (auto i : honest)
                if (i != 3) order.push_back(i);
            auto page = build(order);
            std::uint64_t covering = 0, receiptSeq = 0;
            for (const auto& r : page.rows()) {
                if (r.entry() == str(receipt)) receiptSeq = r.sequence();
                for (std::size_t i = 4; i < sent.size(); ++i)
                    if (!covering && r.entry() == sent[i].entry && sent[i].acked >= 4)
                        covering = r.sequence();
            }
            QVERIFY(covering && receiptSeq);
            auto a = openArchive(log, dir, "removed.archive");
            QVERIFY(a->pull(servePages(page, 2), {}));
            const std::set<std::pair<std::uint64_t, std::string>> expected = {
                {covering, "device-entry-missing"}, {receiptSeq, "missing-entry"}};
            QVERIFY2(faults(*a->problems()) == expected, text(*a->problems()).c_str());
            auto report = a->verify();
            QVERIFY2(report && faults(report->problems) == expected, report->text().c_str());
        }
        // Reordered: two acknowledged entries swapped in the log.
        {
            std::vector<std::size_t> order = honest;
            std::swap(order[3], order[4]);
            auto page = build(order);
            std::uint64_t covering = 0;
            for (const auto& r : page.rows())
                for (std::size_t i = 5; i < sent.size(); ++i)
                    if (!covering && r.entry() == sent[i].entry && sent[i].acked >= 5)
                        covering = r.sequence();
            QVERIFY(covering);
            auto a = openArchive(log, dir, "swapped.archive");
            QVERIFY(a->pull(servePages(page, 2), {}));
            auto report = a->verify();
            QVERIFY(report);
            QVERIFY2(faults(report->problems) == (std::set<std::pair<std::uint64_t, std::string>>{
                                                     {covering, "device-chain-mismatch"}}),
                     report->text().c_str());
        }
    }

    // Issue 15 break 3: the archive accepts only a continuation of the chain it holds. A relay
    // that serves another history up to the archive's head, consistently chained and signed with
    // its key, is reported at the first sequence that differs, and nothing is pulled from it.
    void rewrittenHistoryIsRefused() {
        Log log;
        fill(log, 9); // 10 entries
        std::vector<std::string> entries;
        for (const auto& r : log.all.rows())
            entries.push_back(r.entry());
        QTemporaryDir dir;
        auto a = openArchive(log, dir);
        QVERIFY(a && a->pull(serve(log), {}));
        QVERIFY(a->verify()->ok());
        // Continued honestly: accepted.
        log.message("alice", 1, "later");
        auto more = a->pull(serve(log), {});
        QVERIFY(more && more->entries == 1 && more->rewrittenAt == 0);
        entries.push_back(log.all.rows(log.all.rows_size() - 1).entry());
        // Entry 4 removed, everything after moved up, chained and signed again; one more entry.
        auto rewritten = entries;
        rewritten.erase(rewritten.begin() + 3);
        rewritten.push_back(str(log.seal(log.record("alice", 1, proto::TEXT, "matter-1", "after"),
                                         log.devices["alice/1"].privateKey)));
        auto page = chainedPage(log, rewritten);
        const auto before = *a->size();
        auto r = a->pull(servePages(page), {});
        QVERIFY2(r, r ? "" : r.error().message.c_str());
        QCOMPARE(r->rewrittenAt, std::uint64_t(4));
        QCOMPARE(r->entries, std::uint64_t(0));
        QCOMPARE(a->size()->first, before.first);
        QVERIFY2(has(*a->problems(), 4, "history-rewritten"), text(*a->problems()).c_str());
        // A relay whose log now ends before the archive's head.
        auto b = openArchive(log, dir, "b.archive");
        QVERIFY(b->pull(serve(log), {}));
        std::vector<std::string> shorter(entries.begin(), entries.begin() + 7);
        auto cut = chainedPage(log, shorter);
        auto c = b->pull(servePages(cut), {});
        QVERIFY(c);
        QCOMPARE(c->rewrittenAt, std::uint64_t(8));
        auto report = b->verify();
        QVERIFY(report && has(report->problems, 8, "history-rewritten"));
    }

    // J-RESTORE-1 (issue 19): the relay was restored from a backup that ended at seq 6 after the
    // archive pulled to seq 10. It announces its restore epoch; its log matches the archive's up
    // to 6 and then holds the devices' resends (same message ids, sealed afresh) and a new
    // message. The archive keeps 7-10 as superseded, follows the new history, verifies clean and
    // shows each message once. The same new history without the announcement, with a restored
    // sequence the log contradicts, or with an epoch already followed, is `history-rewritten`.
    void announcedRestoreIsFollowedAndSilentRewriteIsNot() {
        Log log;
        log.registerDevice("alice", 1);
        std::vector<proto::JournalRecord> sent;
        auto send = [&](const std::string& text) {
            sent.push_back(log.record("alice", 1, proto::TEXT, "matter-1", text));
            log.append(log.seal(sent.back(), log.devices["alice/1"].privateKey));
        };
        for (int i = 1; i <= 5; ++i)
            send("word" + std::to_string(i));
        constexpr std::uint64_t kBackup = 6;
        log.registerDevice("bob", 1); // seq 7: after the backup, lost with it
        for (int i = 6; i <= 8; ++i)
            send("word" + std::to_string(i));
        QCOMPARE(log.chain.sequence(), std::uint64_t(10));
        QTemporaryDir dir;
        auto a = openArchive(log, dir);
        auto b = openArchive(log, dir, "b.archive");
        QVERIFY(a && b && a->pull(serve(log), {}) && b->pull(serve(log), {}));
        QVERIFY(a->verify()->ok());

        // The restored relay: the first 6 rows as they were, then alice's resends of words 6-8
        // (same ids, new seals) and a new message.
        std::vector<std::string> restored;
        for (int i = 0; i < int(kBackup); ++i)
            restored.push_back(log.all.rows(i).entry());
        for (std::size_t i = 5; i < sent.size(); ++i)
            restored.push_back(str(log.seal(sent[i], log.devices["alice/1"].privateKey)));
        auto fresh = log.record("alice", 1, proto::TEXT, "matter-1", "word9");
        restored.push_back(str(log.seal(fresh, log.devices["alice/1"].privateKey)));
        const auto page = chainedPage(log, restored);
        compliance::RelayRestore restore;
        restore.epoch = str(crypto::randomBytes(16));
        restore.restoredSequence = kBackup;

        // Not announced: a rewrite, nothing pulled.
        auto silent = b->pull(servePages(page), {}, {}, 0, {});
        QVERIFY(silent);
        QCOMPARE(silent->rewrittenAt, std::uint64_t(7));
        QVERIFY(has(*b->problems(), 7, "history-rewritten"));
        // Announced, but the log differs at or before the sequence the relay says it restored.
        auto c = openArchive(log, dir, "c.archive");
        QVERIFY(c && c->pull(serve(log), {}));
        compliance::RelayRestore late = restore;
        late.restoredSequence = 8;
        auto lie = c->pull(servePages(page), {}, {}, 0, late);
        QVERIFY(lie);
        QCOMPARE(lie->rewrittenAt, std::uint64_t(7));
        QCOMPARE(lie->superseded, std::uint64_t(0));
        QVERIFY(has(*c->problems(), 7, "history-rewritten"));

        // Announced and consistent, but not accepted by the officer (J-RESTORE-3): nothing is
        // pulled or moved, the pull names what would be superseded, verify reports it pending.
        auto pending = a->pull(servePages(page), {}, {}, 0, restore);
        QVERIFY2(pending, pending ? "" : pending.error().message.c_str());
        QCOMPARE(pending->pendingEpoch, toHex(view(restore.epoch)));
        QCOMPARE(pending->pendingRestoredSequence, kBackup);
        QCOMPARE(pending->pendingSuperseded.size(), std::size_t(4));
        QCOMPARE(pending->pendingSuperseded[1].messageId, toHex(view(sent[5].message_id())));
        QCOMPARE(pending->pendingSuperseded[1].user, std::string("alice"));
        QCOMPARE(pending->entries, std::uint64_t(0));
        QCOMPARE(pending->superseded, std::uint64_t(0));
        QCOMPARE(pending->rewrittenAt, std::uint64_t(0));
        QVERIFY(a->superseded()->empty());
        auto waiting = a->verify();
        QVERIFY(waiting && !waiting->ok());
        QVERIFY2(has(waiting->problems, kBackup + 1, "restore-pending"), waiting->text().c_str());
        QCOMPARE(waiting->entries, std::uint64_t(10));
        // Another epoch accepted is not this one.
        compliance::RelayRestore other = restore;
        other.accepted = str(crypto::randomBytes(16));
        auto stillPending = a->pull(servePages(page), {}, {}, 0, other);
        QVERIFY(stillPending && !stillPending->pendingEpoch.empty() &&
                stillPending->superseded == 0);

        // Announced, consistent and accepted: followed.
        restore.accepted = restore.epoch;
        restore.acceptedBy = "olga/1";
        auto r = a->pull(servePages(page), {}, {}, 0, restore);
        QVERIFY2(r, r ? "" : r.error().message.c_str());
        QCOMPARE(r->rewrittenAt, std::uint64_t(0));
        QCOMPARE(r->supersededFrom, kBackup + 1);
        QCOMPARE(r->superseded, std::uint64_t(4));
        QCOMPARE(r->entries, std::uint64_t(4));
        auto report = a->verify();
        QVERIFY(report);
        QVERIFY2(report->ok(), report->text().c_str());
        QCOMPARE(report->entries, std::uint64_t(10));
        QCOMPARE(report->superseded, std::uint64_t(4));
        QCOMPARE(report->restores.size(), std::size_t(1));
        QVERIFY2(report->restores[0].find("3 of their 4 messages were sent again") !=
                     std::string::npos,
                 report->restores[0].c_str());
        QVERIFY(report->text().find("superseded:") != std::string::npos);
        auto kept = a->superseded();
        QVERIFY(kept && kept->size() == 4);
        QCOMPARE((*kept)[0].sequence, std::uint64_t(7));
        QCOMPARE((*kept)[0].user, std::string("relay")); // bob's registration, lost
        QCOMPARE((*kept)[0].resentAt, std::uint64_t(0));
        for (std::size_t i = 1; i < 4; ++i) {
            QCOMPARE((*kept)[i].messageId, toHex(view(sent[i + 4].message_id())));
            QCOMPARE((*kept)[i].resentAt, std::uint64_t(i + 6)); // resent at 7, 8, 9
        }
        // Each message once in search: the superseded copies left the index.
        for (int i = 1; i <= 9; ++i) {
            compliance::SearchQuery q;
            q.text = "word" + std::to_string(i);
            auto hits = a->search(q);
            QVERIFY(hits);
            QVERIFY2(hits->size() == 1,
                     qPrintable(QString("word%1: %2 hits").arg(i).arg(hits->size())));
        }
        // Pulled again under the same announcement: nothing new, nothing superseded again.
        auto again = a->pull(servePages(page), {}, {}, 0, restore);
        QVERIFY(again && again->entries == 0 && again->superseded == 0 && again->rewrittenAt == 0);
        // A later rewrite under the epoch already followed is not a restore.
        auto rewritten = restored;
        rewritten[7] = str(log.seal(log.record("alice", 1, proto::TEXT, "matter-1", "forged"),
                                    log.devices["alice/1"].privateKey));
        auto forgedPage = chainedPage(log, rewritten);
        auto reused = a->pull(servePages(forgedPage), {}, {}, 0, restore);
        QVERIFY(reused);
        QCOMPARE(reused->rewrittenAt, std::uint64_t(8));
        QVERIFY(has(*a->problems(), 8, "history-rewritten"));
        QCOMPARE(a->verify()->problems.size(), std::size_t(1)); // that report only
        // Superseded entries are rechecked from their raw rows: one altered in the archive file
        // (through its database key) is reported.
        {
            auto key = crypto::hkdfSha256(*log.journal.privateKey(),
                                          view(std::string_view("verbatim-archive-v1")),
                                          view(std::string_view("archive database key")), 32);
            QVERIFY(key);
            auto db =
                storage::Database::open((dir.path() + "/a.archive").toStdString(), *key, {false});
            QVERIFY(db);
            QVERIFY((*db)->exec("UPDATE superseded_entries SET entry = x'00' || entry WHERE seq = "
                                "9"));
        }
        auto altered = a->verify();
        QVERIFY(altered);
        QVERIFY2(has(altered->problems, 9, "superseded-altered"), altered->text().c_str());
    }

    // J-RESTORE-3 (issue 19 A1): a relay caught serving a rewrite that then announces a restore
    // to before it cannot wipe the record of the rewrite; the fault stays in verify.
    void aDetectedRewriteSurvivesALaterRestore() {
        Log log;
        log.registerDevice("alice", 1);
        std::vector<proto::JournalRecord> sent;
        for (int i = 1; i <= 8; ++i) {
            sent.push_back(
                log.record("alice", 1, proto::TEXT, "matter-1", "word" + std::to_string(i)));
            log.append(log.seal(sent.back(), log.devices["alice/1"].privateKey));
        }
        constexpr std::uint64_t kBackup = 5;
        QTemporaryDir dir;
        auto a = openArchive(log, dir);
        QVERIFY(a && a->pull(serve(log), {}));
        // The silent rewrite: seq 7 altered, served without any announcement.
        std::vector<std::string> forged;
        for (int i = 0; i < log.all.rows_size(); ++i)
            forged.push_back(log.all.rows(i).entry());
        forged[6] = str(log.seal(log.record("alice", 1, proto::TEXT, "matter-1", "forged"),
                                 log.devices["alice/1"].privateKey));
        auto silent = a->pull(servePages(chainedPage(log, forged)), {}, {}, 0, {});
        QVERIFY(silent);
        QCOMPARE(silent->rewrittenAt, std::uint64_t(7));
        QVERIFY(has(*a->problems(), 7, "history-rewritten"));
        // Then a backup from before seq 7 is "restored" and served, announced and accepted.
        std::vector<std::string> restored;
        for (int i = 0; i < int(kBackup); ++i)
            restored.push_back(log.all.rows(i).entry());
        for (std::size_t i = kBackup - 1; i < sent.size(); ++i)
            restored.push_back(str(log.seal(sent[i], log.devices["alice/1"].privateKey)));
        compliance::RelayRestore restore;
        restore.epoch = str(crypto::randomBytes(16));
        restore.restoredSequence = kBackup;
        restore.accepted = restore.epoch;
        auto r = a->pull(servePages(chainedPage(log, restored)), {}, {}, 0, restore);
        QVERIFY2(r, r ? "" : r.error().message.c_str());
        QCOMPARE(r->supersededFrom, kBackup + 1);
        QVERIFY(has(*a->problems(), 7, "history-rewritten"));
        auto report = a->verify();
        QVERIFY(report);
        QVERIFY2(!report->ok(), report->text().c_str());
        QVERIFY2(has(report->problems, 7, "history-rewritten"), report->text().c_str());
        QVERIFY(report->json().find("history-rewritten") != std::string::npos);
        // And it stays after another pull and verify.
        QVERIFY(a->pull(servePages(chainedPage(log, restored)), {}, {}, 0, restore));
        QVERIFY(has(a->verify()->problems, 7, "history-rewritten"));
    }

    // Issue 19 A5: after a second honest restore to an earlier point, once the new history grows
    // past the first restore's sequence, the first restore's superseded rows are still checked
    // against the entry they continued (its anchor), not the new history's: no false alarm.
    void twoRestoresVerifyCleanAndAChangedResendIsCaught() {
        Log log;
        log.registerDevice("alice", 1);
        std::vector<proto::JournalRecord> sent;
        for (int i = 1; i <= 8; ++i) {
            sent.push_back(
                log.record("alice", 1, proto::TEXT, "matter-1", "word" + std::to_string(i)));
            log.append(log.seal(sent.back(), log.devices["alice/1"].privateKey));
        }
        QTemporaryDir dir;
        auto a = openArchive(log, dir);
        QVERIFY(a && a->pull(serve(log), {}));
        auto reseal = [&](std::size_t i) {
            return str(log.seal(sent[i], log.devices["alice/1"].privateKey));
        };
        auto follow = [&](std::uint64_t backup, const std::vector<std::string>& rows) {
            compliance::RelayRestore r;
            r.epoch = str(crypto::randomBytes(16));
            r.restoredSequence = backup;
            r.accepted = r.epoch;
            return a->pull(servePages(chainedPage(log, rows)), {}, {}, 0, r);
        };
        // First restore: a backup at seq 6; the rest sent again (seq 7-9).
        std::vector<std::string> first;
        for (int i = 0; i < 6; ++i)
            first.push_back(log.all.rows(i).entry());
        for (std::size_t i = 5; i < sent.size(); ++i)
            first.push_back(reseal(i));
        auto r1 = follow(6, first);
        QVERIFY2(r1, r1 ? "" : r1.error().message.c_str());
        QCOMPARE(r1->superseded, std::uint64_t(3));
        QVERIFY2(a->verify()->ok(), a->verify()->text().c_str());
        // Second restore: a backup at seq 3; everything after sent again, past seq 6.
        std::vector<std::string> second;
        for (int i = 0; i < 3; ++i)
            second.push_back(log.all.rows(i).entry());
        for (std::size_t i = 2; i < sent.size(); ++i)
            second.push_back(reseal(i));
        auto r2 = follow(3, second);
        QVERIFY2(r2, r2 ? "" : r2.error().message.c_str());
        QCOMPARE(r2->superseded, std::uint64_t(6));
        auto report = a->verify();
        QVERIFY(report);
        QVERIFY2(report->ok(), report->text().c_str());
        QCOMPARE(report->restores.size(), std::size_t(2));
        QCOMPARE(report->superseded, std::uint64_t(9));

        // A4: a third restore where a modified client resends word8 under its id with other
        // content (recipients drop it as a duplicate): resend-differs names both sequences.
        std::vector<std::string> third = second;
        third.pop_back();
        auto changed = sent.back();
        changed.set_body("word8 changed");
        third.push_back(str(log.seal(changed, log.devices["alice/1"].privateKey)));
        auto r3 = follow(8, third);
        QVERIFY2(r3, r3 ? "" : r3.error().message.c_str());
        QCOMPARE(r3->superseded, std::uint64_t(1));
        auto differs = a->verify();
        QVERIFY(differs && !differs->ok());
        QVERIFY2(has(differs->problems, 9, "resend-differs"), differs->text().c_str());
        QVERIFY(differs->text().find("original at seq 9") != std::string::npos);
    }

    void anotherFirmsManifestIsRefused() {
        Log log, other;
        fill(log, 1);
        QTemporaryDir dir;
        auto a = openArchive(log, dir);
        QVERIFY(a);
        auto r = a->setManifest(other.manifest(), other.fingerprint());
        QVERIFY(!r);
        QCOMPARE(r.error().code, ErrorCode::AuthFailed);
        QVERIFY(
            !a->setManifest(other.manifest(), log.fingerprint())); // not signed by the pinned root
    }
};

QTEST_GUILESS_MAIN(TestArchive)
#include "tst_archive.moc"

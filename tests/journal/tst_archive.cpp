// The compliance archive against a hostile or broken page source, without a relay: a log built
// here with real sealing, registrations, chain hashes and signed checkpoints is served page by
// page, or garbled, duplicated, reordered, cut short or signed by the wrong keys. Every case
// ends in a clear error or a named problem, and nothing already stored is lost (pulls resume).

#include <QTemporaryDir>
#include <QtTest>

#include "common/Json.h"
#include "compliance/Archive.h"
#include "crypto/Ed25519.h"
#include "crypto/Random.h"
#include "journal/FirmManifest.h"
#include "journal/HashChain.h"
#include "journal/JournalCrypto.h"
#include "signal/SessionManager.h"
#include "wire.pb.h"

using namespace verbatim;

namespace {

std::string str(const Bytes& b) { return std::string(b.begin(), b.end()); }

/// A firm's journal as a relay would hold it.
struct Log {
    std::shared_ptr<signal::SignalContext> ctx = *signal::SignalContext::create();
    crypto::X25519Key journal = std::move(*crypto::X25519Key::generate());
    crypto::Ed25519KeyPair relayKey = *crypto::ed25519Generate();
    crypto::Ed25519KeyPair root = *crypto::ed25519Generate();
    signal::IdentityKeyPair relayIdentity = *signal::SessionManager::generateIdentity(*ctx);
    std::map<std::string, signal::IdentityKeyPair> devices;  // "user/device" -> identity
    journal::ChainBuilder chain;
    proto::JournalPage all;  // every row, with a checkpoint every 4 entries

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
            auto cp = journal::signCheckpoint(seq, chain.head(), 1764300000000ULL + seq, relayKey.privateKey);
            all.add_checkpoints(str(cp->serialize()));
        }
    }
    proto::JournalRecord record(const std::string& user, std::uint32_t device, proto::MessageType type,
                                const std::string& conversation, const std::string& body) {
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
        return journal::sealRecord(r, journal.publicKey(), [&](ByteView m) {
                   return signal::SessionManager::signWith(*ctx, privateKey, m);
               })->serialize();
    }
    /// The relay's registration entry for a new device.
    void registerDevice(const std::string& user, std::uint32_t device) {
        auto id = *signal::SessionManager::generateIdentity(*ctx);
        std::string body = "{\"actor\":" + jsonQuote(user) + ",\"action\":\"device-registered\",\"target\":" +
                           jsonQuote(user + "/" + std::to_string(device)) + ",\"detail\":\"test\",\"user\":" +
                           jsonQuote(user) + ",\"device\":\"" + std::to_string(device) + "\",\"identity_key\":\"" +
                           toHex(id.publicKey) + "\"}";
        append(seal(record("relay", 0, proto::ADMIN_ACTION, "firm-audit", body), relayIdentity.privateKey));
        devices[user + "/" + std::to_string(device)] = std::move(id);
    }
    void message(const std::string& user, std::uint32_t device, const std::string& text) {
        append(seal(record(user, device, proto::TEXT, "matter-1", text), devices[user + "/" + std::to_string(device)].privateKey));
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

std::unique_ptr<compliance::Archive> openArchive(Log& log, const QTemporaryDir& dir, const char* name = "a.archive") {
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
    for (auto& p : ps) out += std::to_string(p.sequence) + " " + p.fault + ": " + p.detail + "\n";
    return out;
}

/// A small honest log: alice/1 registered, then messages.
void fill(Log& log, int messages) {
    log.registerDevice("alice", 1);
    for (int i = 0; i < messages; ++i) log.message("alice", 1, "message " + std::to_string(i));
}

}  // namespace

class TestArchive : public QObject {
    Q_OBJECT

private slots:
    void honestLogVerifiesAndPullsResume() {
        Log log;
        fill(log, 10);  // 11 entries
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
        auto garbage = a->pull([](std::uint64_t, std::uint32_t) -> Result<std::string> { return std::string("\xff\xff\xff\x07junk", 8); }, {});
        QVERIFY(!garbage);
        QCOMPARE(garbage.error().code, ErrorCode::Malformed);
        // A page that goes backwards.
        auto backwards = a->pull([&](std::uint64_t, std::uint32_t) -> Result<std::string> {
            auto p = log.page(0, 2);
            p.set_head_sequence(99);
            return p.SerializeAsString();
        }, {});
        QVERIFY(!backwards);
        QVERIFY(backwards.error().message.find("backwards") != std::string::npos);
        QCOMPARE(a->size()->first, before.first);
        QVERIFY(a->verify()->ok());
    }

    void servedTwiceReorderedOrBadlySigned() {
        Log log;
        fill(log, 7);  // 8 entries, checkpoints at 4 and 8
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
            auto forged = journal::signCheckpoint(4, log.chain.head(), 1764300000000ULL, other.relayKey.privateKey);
            auto a = openArchive(log, dir, "cp.archive");
            auto bad = [&](std::uint64_t after, std::uint32_t) -> Result<std::string> {
                auto p = log.page(after, 100);
                p.clear_checkpoints();
                p.add_checkpoints(str(forged->serialize()));
                return p.SerializeAsString();
            };
            QVERIFY(a->pull(bad, {}));
            QVERIFY2(has(*a->problems(), 4, "bad-checkpoint-signature"), text(*a->problems()).c_str());
        }
    }

    void unregisteredRevokedAndForgedSigners() {
        Log log;
        fill(log, 1);  // 1 registration + 1 message
        // A device nobody registered, and an admin record not written by the relay.
        auto stranger = *signal::SessionManager::generateIdentity(*log.ctx);
        log.append(log.seal(log.record("bob", 1, proto::TEXT, "matter-1", "who am I"), stranger.privateKey));  // 3
        log.append(log.seal(log.record("alice", 1, proto::ADMIN_ACTION, "firm-audit",
                                       "{\"actor\":\"x\",\"action\":\"revoke-device\",\"target\":\"y\",\"detail\":\"\"}"),
                            log.devices["alice/1"].privateKey));  // 4
        // Alice's device signs as the relay.
        log.append(log.seal(log.record("relay", 0, proto::ADMIN_ACTION, "firm-audit", "{}"),
                            log.devices["alice/1"].privateKey));  // 5
        QTemporaryDir dir;
        auto a = openArchive(log, dir);
        QVERIFY(a->pull(serve(log), {}));
        auto report = a->verify();
        QVERIFY(report && !report->ok());
        const auto& ps = report->problems;
        QVERIFY2(has(ps, 3, "unknown-device"), report->text().c_str());
        QVERIFY2(has(ps, 4, "forged-admin-action"), report->text().c_str());
        QVERIFY2(has(ps, 5, "bad-signature"), report->text().c_str());
        QVERIFY2(!has(ps, 2, "bad-signature") && !has(ps, 1, "bad-signature"), report->text().c_str());
        // The JSON report names them too.
        QVERIFY(report->json().find("\"sequence\":3,\"fault\":\"unknown-device\"") != std::string::npos);
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
        QVERIFY(!a->setManifest(other.manifest(), log.fingerprint()));  // not signed by the pinned root
    }
};

QTEST_GUILESS_MAIN(TestArchive)
#include "tst_archive.moc"

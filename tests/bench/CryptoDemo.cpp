// The crypto demo behind `packaging/dev.sh demo` until the relay and apps exist: a lawyer and
// an invited client on encrypted SQLCipher stores exchange Signal messages, every message is
// sealed to the firm's journal key and chained, and compliance opens and verifies the journal,
// including a retraction and a tampered copy.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "crypto/Ed25519.h"
#include "crypto/Random.h"
#include "crypto/X25519.h"
#include "journal/HashChain.h"
#include "journal/JournalCrypto.h"
#include "signal/SessionManager.h"
#include "signal/SqlProtocolStore.h"
#include "storage/Database.h"

using namespace verbatim;
namespace fs = std::filesystem;

namespace {

template <class T> T need(Result<T> r, const char* what) {
    if (!r) {
        std::fprintf(stderr, "demo: %s failed: %s\n", what, r.error().message.c_str());
        std::exit(1);
    }
    return std::move(*r);
}
void need(Result<void> r, const char* what) {
    if (!r) {
        std::fprintf(stderr, "demo: %s failed: %s\n", what, r.error().message.c_str());
        std::exit(1);
    }
}

struct Device {
    std::string user;
    std::unique_ptr<storage::Database> db;
    std::unique_ptr<signal::SqlProtocolStore> store;
    std::unique_ptr<signal::SessionManager> sm;
    Bytes identity;
};

Device makeDevice(const std::shared_ptr<signal::SignalContext>& ctx, const fs::path& dir,
                  const std::string& user) {
    Device d;
    d.user = user;
    SecureBytes key = crypto::randomSecret(32);
    d.db = need(storage::Database::open((dir / (user + ".db")).string(), key), "open database");
    auto id = need(signal::SessionManager::generateIdentity(*ctx), "identity");
    auto reg = need(signal::SessionManager::generateRegistrationId(*ctx), "registration id");
    d.identity = id.publicKey;
    d.store = need(signal::SqlProtocolStore::open(*d.db, &id, reg), "protocol store");
    d.sm = need(signal::SessionManager::create(ctx, *d.store), "session manager");
    return d;
}

std::string str(ByteView b) {
    return std::string(b.begin(), b.end());
}

} // namespace

int runCryptoDemo() {
    fs::path dir = fs::temp_directory_path() / ("verbatim-demo-" + toHex(crypto::randomBytes(4)));
    fs::create_directories(dir);
    std::printf("Verbatim crypto demo (working folder %s)\n\n", dir.c_str());

    auto ctx = need(signal::SignalContext::create(), "signal context");
    auto journalKey = need(crypto::X25519Key::generate(), "journal key");
    auto relayKey = need(crypto::ed25519Generate(), "relay key");
    auto keyId = journal::journalKeyId(journalKey.publicKey());
    std::printf(
        "1. Compliance made the journal key (id %s); the relay holds only its public half.\n",
        toHex(keyId).c_str());

    Device lawyer = makeDevice(ctx, dir, "lawyer");
    Device client = makeDevice(ctx, dir, "client");
    std::printf("2. Lawyer and client devices have Signal identities on SQLCipher databases.\n");

    auto spk = need(client.sm->generateSignedPreKey(1), "signed pre-key");
    auto pks = need(client.sm->generatePreKeys(1, 10), "pre-keys");
    signal::PreKeyBundle bundle{need(client.store->localRegistrationId(), "reg"),
                                1,
                                pks[0].id,
                                pks[0].publicKey,
                                spk.id,
                                spk.publicKey,
                                spk.signature,
                                client.identity};
    signal::Address clientAddr{"client", 1}, lawyerAddr{"lawyer", 1};
    need(lawyer.sm->processBundle(clientAddr, bundle), "session setup");
    std::printf("3. The lawyer started a session from the client's pre-key bundle (X3DH).\n\n");

    journal::ChainBuilder chain;
    std::vector<journal::ChainItem> log;
    std::vector<Bytes> sentIds;
    auto send = [&](proto::MessageType type, const std::string& body, const Bytes& ref) {
        proto::JournalRecord rec;
        rec.set_version(1);
        Bytes id = crypto::randomBytes(16), k = crypto::randomBytes(32);
        rec.set_message_id(str(id));
        rec.set_conversation_id("matter-2026-017");
        rec.mutable_sender()->set_user("lawyer");
        rec.mutable_sender()->set_device(1);
        auto* r = rec.add_recipients();
        r->set_user("client");
        r->set_device(1);
        rec.set_client_time_ms(1764300000000ULL + log.size() * 60000);
        rec.set_type(type);
        rec.set_body(body);
        rec.set_ref_message_id(str(ref));
        rec.set_commit_key(str(k));
        // The same record travels end to end (to the client) and sealed (to the journal).
        auto sealed = need(journal::sealRecord(rec, journalKey.publicKey(),
                                               [&](ByteView m) { return lawyer.sm->sign(m); }),
                           "seal");
        auto msg = need(lawyer.sm->encrypt(clientAddr, view(rec.SerializeAsString())), "encrypt");
        Bytes entry = sealed.serialize();
        auto seq = chain.append(entry);
        log.push_back({seq, entry, chain.head()});

        auto plain = need(client.sm->decrypt(lawyerAddr, msg), "decrypt");
        proto::JournalRecord got;
        got.ParseFromArray(plain.data(), int(plain.size()));
        bool opens = journal::commitmentOpens(sealed.header.commitment, view(got.commit_key()),
                                              journal::commitContentOf(got));
        std::printf("   #%llu %-8s \"%s\"  -> client decrypted it; commitment %s\n",
                    (unsigned long long)seq, type == proto::RETRACT ? "RETRACT" : "TEXT",
                    got.body().c_str(), opens ? "matches the journal" : "MISMATCH");
        sentIds.push_back(id);
    };
    std::printf("4. Lawyer -> client, each message also sealed to the journal and chained:\n");
    send(proto::TEXT, "Thank you for instructing us on the lease dispute.", {});
    send(proto::TEXT, "Our fee estimate is GBP 12,000; please confirm.", {});
    send(proto::RETRACT, "", sentIds[1]);
    send(proto::TEXT, "Revised estimate to follow tomorrow.", {});
    auto checkpoint = need(journal::signCheckpoint(chain.sequence(), chain.head(), 1764300300000ULL,
                                                   relayKey.privateKey),
                           "checkpoint");
    std::printf("   relay signed checkpoint #%llu, chain head %s...\n\n",
                (unsigned long long)checkpoint.sequence,
                toHex(checkpoint.chainHash).substr(0, 16).c_str());

    std::printf("5. Compliance verifies the chain and opens every entry:\n");
    auto report = journal::verifyChain(log, {checkpoint}, relayKey.publicKey);
    std::printf("   chain: %s (%llu entries, %llu checkpoint)\n", report.ok() ? "intact" : "BROKEN",
                (unsigned long long)report.entriesChecked,
                (unsigned long long)report.checkpointsChecked);
    for (const auto& item : log) {
        auto sealed = need(journal::SealedEntry::parse(item.entry), "parse");
        auto opened = need(journal::openEntry(sealed, journalKey, lawyer.identity), "open");
        const auto& r = opened.record;
        if (r.type() == proto::RETRACT)
            std::printf(
                "   #%llu lawyer/1 retracted message %s (the original stays in the journal)\n",
                (unsigned long long)item.sequence,
                toHex(view(r.ref_message_id())).substr(0, 8).c_str());
        else
            std::printf("   #%llu lawyer/1 [%s] \"%s\"\n", (unsigned long long)item.sequence,
                        toHex(view(r.message_id())).substr(0, 8).c_str(), r.body().c_str());
    }

    std::printf("\n6. Someone edits entry #2 in the relay's store:\n");
    auto tampered = log;
    tampered[1].entry[40] ^= 0x01;
    auto bad = journal::verifyChain(tampered, {checkpoint}, relayKey.publicKey);
    for (const auto& p : bad.problems)
        std::printf("   verify: entry #%llu %s (%s)\n", (unsigned long long)p.sequence,
                    journal::chainFaultName(p.fault), p.detail.c_str());

    std::ifstream f(dir / "lawyer.db", std::ios::binary);
    char header[16] = {};
    f.read(header, 16);
    std::printf("\n7. The lawyer's database starts with %s bytes, not \"SQLite format 3\".\n",
                std::string(header, 15) == "SQLite format 3" ? "PLAINTEXT" : "random-looking");
    lawyer = {};
    client = {};
    fs::remove_all(dir);
    bool ok = report.ok() && !bad.ok() && bad.firstBad() == 2u;
    std::printf("\nDemo %s.\n", ok ? "complete" : "FAILED");
    return ok ? 0 : 1;
}

// verbatim-bench: micro-benchmarks of the crypto core (and the crypto demo).
//
//   verbatim-bench crypto [--quick]   per 300-byte message: session encrypt/decrypt, ratchet
//                                     step, journal seal, journal open+verify, and the raw
//                                     primitives they are built from, measured in one run.
//   verbatim-bench demo               the crypto demo (see CryptoDemo.cpp)
//
// Each figure is the median over batches (the machine is shared and noisy); ratios are taken
// within one run.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "crypto/Aes.h"
#include "crypto/Hkdf.h"
#include "crypto/Random.h"
#include "crypto/X25519.h"
#include "journal/JournalCrypto.h"
#include "signal/InMemoryProtocolStore.h"
#include "signal/SessionManager.h"

int runCryptoDemo();

using namespace verbatim;
using Clock = std::chrono::steady_clock;

namespace {

int g_batches = 9;
int g_perBatch = 400;

struct Figure {
    std::string name;
    double usPerOp = 0;
};

// Median µs/op of `op` over g_batches batches of g_perBatch calls.
double measure(const std::function<void()>& op, int perBatch = 0) {
    int n = perBatch ? perBatch : g_perBatch;
    std::vector<double> samples;
    for (int i = 0; i < n / 10 + 1; ++i)
        op(); // warm-up
    for (int b = 0; b < g_batches; ++b) {
        auto t0 = Clock::now();
        for (int i = 0; i < n; ++i)
            op();
        auto dt = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
        samples.push_back(dt / n);
    }
    std::sort(samples.begin(), samples.end());
    return samples[samples.size() / 2];
}

template <class T> T must(Result<T> r, const char* what) {
    if (!r) {
        std::fprintf(stderr, "bench: %s failed: %s\n", what, r.error().message.c_str());
        std::exit(1);
    }
    return std::move(*r);
}
void must(Result<void> r, const char* what) {
    if (!r) {
        std::fprintf(stderr, "bench: %s failed: %s\n", what, r.error().message.c_str());
        std::exit(1);
    }
}

struct Party {
    std::unique_ptr<signal::InMemoryProtocolStore> store;
    std::unique_ptr<signal::SessionManager> sm;
    Bytes identity;
};

Party makeParty(const std::shared_ptr<signal::SignalContext>& ctx) {
    Party p;
    auto id = must(signal::SessionManager::generateIdentity(*ctx), "identity");
    p.identity = id.publicKey;
    p.store = std::make_unique<signal::InMemoryProtocolStore>(std::move(id), 4242);
    p.sm = must(signal::SessionManager::create(ctx, *p.store), "session manager");
    return p;
}

signal::PreKeyBundle bundleOf(Party& p, std::uint32_t preKeyId) {
    auto spk = must(p.sm->generateSignedPreKey(1), "signed pre-key");
    auto pks = must(p.sm->generatePreKeys(preKeyId, 1), "pre-keys");
    signal::PreKeyBundle b;
    b.registrationId = 4242;
    b.deviceId = 1;
    b.preKeyId = pks[0].id;
    b.preKeyPublic = pks[0].publicKey;
    b.signedPreKeyId = spk.id;
    b.signedPreKeyPublic = spk.publicKey;
    b.signedPreKeySignature = spk.signature;
    b.identityKey = p.identity;
    return b;
}

int benchCrypto(bool quick) {
    if (quick) {
        g_batches = 3;
        g_perBatch = 20;
    }
    auto ctx = must(signal::SignalContext::create(), "context");
    Party alice = makeParty(ctx), bob = makeParty(ctx);
    signal::Address aliceAddr{"alice", 1}, bobAddr{"bob", 1};
    must(alice.sm->processBundle(bobAddr, bundleOf(bob, 1)), "bundle");
    const Bytes message = crypto::randomBytes(300);

    // Establish both directions so every later message is a plain SignalMessage.
    auto first = must(alice.sm->encrypt(bobAddr, message), "encrypt");
    must(bob.sm->decrypt(aliceAddr, first), "decrypt");
    auto reply = must(bob.sm->encrypt(aliceAddr, message), "encrypt");
    must(alice.sm->decrypt(bobAddr, reply), "decrypt");

    std::vector<Figure> figs;
    // Encrypt alone: a chain step per message (symmetric ratchet only).
    std::vector<signal::CipherMessage> queue;
    double enc =
        measure([&] { queue.push_back(must(alice.sm->encrypt(bobAddr, message), "encrypt")); });
    std::size_t next = 0;
    double dec = measure([&] {
        if (next >= queue.size())
            queue.push_back(must(alice.sm->encrypt(bobAddr, message), "encrypt"));
        must(bob.sm->decrypt(aliceAddr, queue[next++]), "decrypt");
    });
    // Drain what is left so that the sessions agree before the ratchet benchmark.
    while (next < queue.size())
        must(bob.sm->decrypt(aliceAddr, queue[next++]), "decrypt");
    // Ratchet step: the direction alternates every message, so every message carries a new
    // ratchet key and each decrypt performs a DH ratchet step (2 X25519 + KDFs).
    bool turn = false;
    double ratchet = measure([&] {
        Party& from = turn ? bob : alice;
        Party& to = turn ? alice : bob;
        const signal::Address& toAddr = turn ? aliceAddr : bobAddr;
        const signal::Address& fromAddr = turn ? bobAddr : aliceAddr;
        auto m = must(from.sm->encrypt(toAddr, message), "encrypt");
        must(to.sm->decrypt(fromAddr, m), "decrypt");
        turn = !turn;
    });
    figs.push_back({"session encrypt (300 B)", enc});
    figs.push_back({"session decrypt (300 B)", dec});
    figs.push_back({"encrypt+decrypt with DH ratchet step", ratchet});

    // Journal.
    auto journalKey = must(crypto::X25519Key::generate(), "journal key");
    proto::JournalRecord rec;
    rec.set_version(1);
    Bytes mid = crypto::randomBytes(16), k = crypto::randomBytes(32);
    rec.set_message_id(std::string(mid.begin(), mid.end()));
    rec.set_conversation_id("matter-0001");
    rec.mutable_sender()->set_user("alice");
    rec.mutable_sender()->set_device(1);
    auto* r = rec.add_recipients();
    r->set_user("bob");
    r->set_device(1);
    rec.set_client_time_ms(1764300000000ULL);
    rec.set_type(proto::TEXT);
    rec.set_body(std::string(message.begin(), message.end()));
    rec.set_commit_key(std::string(k.begin(), k.end()));
    journal::Signer signer = [&](ByteView m) { return alice.sm->sign(m); };

    double seal =
        measure([&] { must(journal::sealRecord(rec, journalKey.publicKey(), signer), "seal"); });
    auto sealed = must(journal::sealRecord(rec, journalKey.publicKey(), signer), "seal");
    double open =
        measure([&] { must(journal::openEntry(sealed, journalKey, alice.identity), "open"); });
    figs.push_back({"journal seal (300 B body)", seal});
    figs.push_back({"journal open + verify", open});
    // The recipient's journal copy check: the delivered entry opened from the sender's ephemeral
    // secret (parse included, since the recipient receives bytes), and what it adds on the wire.
    SecureBytes e;
    auto checked = must(journal::sealRecord(rec, journalKey.publicKey(), signer, {}, &e), "seal");
    const Bytes entryBytes = checked.serialize();
    double copyCheck = measure([&] {
        auto parsed = must(journal::SealedEntry::parse(entryBytes), "parse");
        must(journal::openEntryWithEphemeral(parsed, e, journalKey.publicKey()), "check");
    });
    figs.push_back({"recipient journal copy check (parse + open from e)", copyCheck});
    proto::JournalRecord e2e = rec;
    e2e.set_journal_ephemeral(std::string(e.begin(), e.end()));
    std::printf(
        "journal copy check on the wire: the entry %zu B per delivered envelope, e %zu B in the "
        "end-to-end record (%zu B without it)\n\n",
        entryBytes.size(), e2e.ByteSizeLong() - rec.ByteSizeLong(), rec.ByteSizeLong());

    // The raw primitives the journal is built from, on the same sizes.
    const std::size_t recordSize = rec.ByteSizeLong();
    Bytes plaintext = crypto::randomBytes(recordSize), aad = crypto::randomBytes(110);
    Bytes key = crypto::randomBytes(32), nonce = crypto::randomBytes(12);
    Bytes sigMsg = crypto::randomBytes(recordSize + 16 + 110 + 31);
    const Bytes ephemeral(sealed.header.ephemeralPublic.begin(),
                          sealed.header.ephemeralPublic.end());
    double rawKeygen = measure([&] { must(crypto::X25519Key::generate(), "keygen"); });
    double rawDerive = measure([&] { must(journalKey.agree(ephemeral), "derive"); });
    double rawHkdf = measure([&] { must(crypto::hkdfSha256(key, key, aad, 44), "hkdf"); });
    Bytes ct = must(crypto::aesGcmSeal(key, nonce, aad, plaintext), "gcm");
    double rawGcmSeal =
        measure([&] { must(crypto::aesGcmSeal(key, nonce, aad, plaintext), "gcm"); });
    double rawGcmOpen = measure([&] { must(crypto::aesGcmOpen(key, nonce, aad, ct), "gcm"); });
    Bytes sig = must(alice.sm->sign(sigMsg), "sign");
    double rawSign = measure([&] { must(alice.sm->sign(sigMsg), "sign"); });
    double rawVerify = measure([&] {
        if (!signal::SessionManager::verify(alice.identity, sigMsg, sig)) std::exit(1);
    });
    double rawSeal = rawKeygen + rawDerive + rawHkdf + rawGcmSeal + rawSign;
    double rawOpen = rawDerive + rawHkdf + rawGcmOpen + rawVerify;
    figs.push_back({"raw: X25519 keygen", rawKeygen});
    figs.push_back({"raw: X25519 agreement", rawDerive});
    figs.push_back({"raw: HKDF-SHA256 (44 B)", rawHkdf});
    figs.push_back({"raw: AES-256-GCM seal (record)", rawGcmSeal});
    figs.push_back({"raw: AES-256-GCM open (record)", rawGcmOpen});
    figs.push_back({"raw: XEdDSA sign", rawSign});
    figs.push_back({"raw: XEdDSA verify", rawVerify});

    std::printf("| operation | µs/op (median) | ops/s |\n|---|---:|---:|\n");
    for (auto& f : figs)
        std::printf("| %s | %.1f | %.0f |\n", f.name.c_str(), f.usPerOp, 1e6 / f.usPerOp);
    std::printf("\njournal seal + open: %.1f µs; raw primitives (keygen + 2 agreements + 2 HKDF + "
                "GCM seal/open + sign + verify): %.1f µs; ratio %.3f (goal <= 1.2)\n",
                seal + open, rawSeal + rawOpen, (seal + open) / (rawSeal + rawOpen));
    std::printf("batches: %d x %d ops, median reported\n", g_batches, g_perBatch);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    std::string cmd = argc > 1 ? argv[1] : "";
    bool quick = argc > 2 && std::strcmp(argv[2], "--quick") == 0;
    if (cmd == "crypto") return benchCrypto(quick);
    if (cmd == "demo") return runCryptoDemo();
    std::fprintf(stderr, "usage: verbatim-bench crypto [--quick] | demo\n");
    return 2;
}

#include "FuzzKeys.h"

#include <cstdio>
#include <cstdlib>

#include "crypto/Ed25519.h"
#include "journal/FirmManifest.h"
#include "signal/SessionManager.h"

namespace verbatim::fuzz {

namespace {

template <class T> T need(Result<T> r, const char* what) {
    if (!r) {
        std::fprintf(stderr, "fuzz keys: %s failed: %s\n", what, r.error().message.c_str());
        std::abort();
    }
    return std::move(*r);
}

// A 32-byte private key whose every byte is `fill`, clamped as X25519 and Signal clamp.
SecureBytes fixedScalar(std::uint8_t fill) {
    SecureBytes k(32, fill);
    k[0] &= 248;
    k[31] &= 127;
    k[31] |= 64;
    return k;
}

Bytes signalPublic(const SecureBytes& privateKey) {
    Bytes pub{0x05};
    auto u = need(crypto::x25519PublicKey(privateKey), "identity public key");
    pub.insert(pub.end(), u.begin(), u.end());
    return pub;
}

FuzzKeys makeKeys() {
    FuzzKeys k;
    k.signal = need(signal::SignalContext::create(), "signal context");
    k.journal = std::make_unique<crypto::X25519Key>(
        need(crypto::X25519Key::fromPrivate(fixedScalar(0x11)), "journal key"));
    k.senderPrivate = fixedScalar(0x22);
    k.senderPublic = signalPublic(k.senderPrivate);
    k.approverPrivate = fixedScalar(0x33);
    k.approverPublic = signalPublic(k.approverPrivate);
    k.relayPrivate = SecureBytes(32, 0x44);
    k.relayPublic = need(crypto::ed25519PublicKey(k.relayPrivate), "relay key");
    k.rootPrivate = SecureBytes(32, 0x55);
    k.rootPublic = need(crypto::ed25519PublicKey(k.rootPrivate), "root key");
    k.rootFingerprint = journal::firmFingerprint(k.rootPublic);
    k.relayIdentityPrivate = fixedScalar(0x66);
    k.relayIdentityPublic = signalPublic(k.relayIdentityPrivate);
    journal::FirmManifest m;
    m.firmName = "Doe & Partners LLP";
    m.relayAddress = "relay.example.com:8443";
    m.relayAddresses = {m.relayAddress};
    m.issuedMs = 1764300000000ULL;
    m.relayPublicKey = k.relayPublic;
    m.relayIdentityKey = k.relayIdentityPublic;
    m.journalKeys = {{k.journal->publicKey(), 1700000000000ULL}};
    if (auto r = m.sign(k.rootPrivate); !r)
        need(Result<int>(tl::unexpected(r.error())), "manifest");
    k.manifest = m.serialize();
    return k;
}

} // namespace

journal::Signer FuzzKeys::senderSigner() const {
    return [this](ByteView message) {
        return signal::SessionManager::signWith(*signal, senderPrivate, message);
    };
}

journal::Signer FuzzKeys::approverSigner() const {
    return [this](ByteView message) {
        return signal::SessionManager::signWith(*signal, approverPrivate, message);
    };
}

journal::Signer FuzzKeys::relaySigner() const {
    return [this](ByteView message) {
        return signal::SessionManager::signWith(*signal, relayIdentityPrivate, message);
    };
}

const FuzzKeys& fuzzKeys() {
    static const FuzzKeys keys = makeKeys();
    return keys;
}

} // namespace verbatim::fuzz

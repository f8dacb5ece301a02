/// @file InitCommands.cpp
/// init (a new firm: store, keys, certificate, manifest), manifest (re-signing it with the offline root key) and seal-keys (sealing keys of an older data directory).
#include "relay/app/RelayApp.h"

namespace verbatim::relayapp {

namespace {
/// Sets the firm policy options given on the command line (init, manifest, policy); the ones
/// not given keep `m`'s values. Values were checked by the command line's declarations.
void applyPolicyOptions(const Args& a, journal::FirmManifest& m) {
    for (auto [name, field] : {std::pair{"wipe-after-failed-unlocks", &m.policy.maxFailedUnlocks},
                               std::pair{"wipe-after-offline-days", &m.policy.maxOfflineDays},
                               std::pair{"device-message-days", &m.policy.messageDays},
                               std::pair{"retention-years", &m.retention.yearsAfterClose},
                               std::pair{"retention-direct-years", &m.retention.yearsDirect},
                               std::pair{"max-idle-lock", &m.policy.maxIdleLockMinutes}})
        if (auto v = a.opt(name); !v.empty()) *field = std::uint32_t(std::stoul(v));
    for (auto [name, field] : {std::pair{"staff-may-save", &m.policy.staffMaySave},
                               std::pair{"clients-may-save", &m.policy.clientsMaySave},
                               std::pair{"staff-may-copy", &m.policy.staffMayCopy},
                               std::pair{"clients-may-copy", &m.policy.clientsMayCopy},
                               std::pair{"wipe-client-devices", &m.policy.mayWipeClientDevices}})
        if (auto v = a.opt(name); !v.empty()) *field = v == "yes";
    if (a.options.count("privacy-notice")) m.privacyNoticeUrl = a.opt("privacy-notice");
}

void printPolicy(const journal::FirmManifest& m) {
    const auto yes = [](bool b) { return b ? "yes" : "no"; };
    std::printf("retention-years\t%u\nretention-direct-years\t%u\ndevice-message-days\t%u\n"
                "staff-may-save\t%s\nclients-may-save\t%s\nstaff-may-copy\t%s\n"
                "clients-may-copy\t%s\nwipe-client-devices\t%s\nwipe-after-failed-unlocks\t%u\n"
                "wipe-after-offline-days\t%u\nprivacy-notice\t%s\nmax-idle-lock\t%u\n",
                m.retention.yearsAfterClose, m.retention.yearsDirect, m.policy.messageDays,
                yes(m.policy.staffMaySave), yes(m.policy.clientsMaySave),
                yes(m.policy.staffMayCopy), yes(m.policy.clientsMayCopy),
                yes(m.policy.mayWipeClientDevices), m.policy.maxFailedUnlocks,
                m.policy.maxOfflineDays, m.privacyNoticeUrl.c_str(), m.policy.maxIdleLockMinutes);
}
} // namespace

int cmdInit(const Args& a) {
    std::string dataDir = a.opt("data"), firm = a.opt("firm"), journalKey = a.opt("journal-key"),
                rootOut = a.opt("root-key-out"), address = a.opt("address", "127.0.0.1:8443");
    if (dataDir.empty() || firm.empty() || journalKey.empty() || rootOut.empty()) return usage();
    DataDir d{dataDir, a.opt("store")};
    if (fs::exists(d.db())) return die("refusing to overwrite an existing relay in " + dataDir);
    if (!d.store.empty()) {
        // The PostgreSQL store must be a database without a relay (one firm per database).
        auto db = openRelayDatabase(d, {});
        if (!db) return die(db.error().message);
        auto version = (*db)->userVersion();
        if (!version) return die(version.error().message);
        if (*version != 0)
            return die("refusing to overwrite an existing relay in the PostgreSQL database of "
                       "--store (schema version " +
                       std::to_string(*version) + "); init needs an empty database");
    }
    if (fs::path(rootOut).lexically_normal().parent_path() == d.dir.lexically_normal() ||
        fs::absolute(rootOut).parent_path() == fs::absolute(d.dir) || isInside(rootOut, d.dir))
        return die("the root key must not live in the relay's data directory");
    auto unlockFile = unlockPathFor(a, d);
    if (!unlockFile) return die(unlockFile.error().message);
    auto pass = passphrase(a);
    if (!pass) return die(pass.error().message);
    // The firm root key's passphrase meets the one rule of the app and the tools.
    if (auto ok = checkNewPassphrase(*pass); !ok) return die(ok.error().message);
    auto jpub = readJournalPublicKey(journalKey);
    if (!jpub) return die(jpub.error().message);
    // Every argument is checked before the data directory is made.
    auto addresses = splitList(address);
    if (addresses.empty() || addresses.size() > 16 ||
        !std::all_of(addresses.begin(), addresses.end(), validAddress))
        return die("--address takes 1 to 16 HOST:PORT, separated by commas");
    auto pins = tlsKeyPins(a);
    if (!pins) return die(pins.error().message);
    address = addresses.front();

    fs::create_directories(d.dir);
    fs::permissions(d.dir, fs::perms::owner_all, fs::perm_options::replace);
    SecureBytes dbKey = crypto::randomSecret(32);
    auto relayKey = crypto::ed25519Generate();
    auto rootKey = crypto::ed25519Generate();
    if (!relayKey || !rootKey) return die("key generation failed");

    auto signalContext = signal::SignalContext::create();
    if (!signalContext) return die(signalContext.error().message);
    auto relayIdentity = signal::SessionManager::generateIdentity(**signalContext);
    if (!relayIdentity) return die(relayIdentity.error().message);

    journal::FirmManifest m;
    m.firmName = firm;
    m.relayAddress = address;
    m.relayAddresses = addresses;
    m.tlsKeyPins = *pins;
    m.issuedMs = relay::wallClockMs();
    m.relayPublicKey = relayKey->publicKey;
    m.relayIdentityKey = relayIdentity->publicKey;
    m.journalKeys.push_back({*jpub, m.issuedMs});
    // The firm policy rides in the root-signed manifest: a breached relay cannot relax it.
    applyPolicyOptions(a, m);
    if (auto r = m.sign(rootKey->privateKey); !r) return die(r.error().message);

    auto box = crypto::passphraseSeal(rootKey->privateKey, view(*pass));
    if (!box) return die(box.error().message);
    // The relay's private keys are written only sealed under the unlock secret (kept elsewhere).
    bool createdUnlock = false;
    auto unlock = unlockSecret(a, d, true, &createdUnlock);
    if (!unlock) return die(unlock.error().message);
    auto sealedDb = sealKeyFile(dbKey, *unlock, "db.key");
    auto sealedRelay = sealKeyFile(relayKey->privateKey, *unlock, "relay.key");
    auto sealedIdentity = sealKeyFile(relayIdentity->privateKey, *unlock, "relay-identity.key");
    if (!sealedDb || !sealedRelay || !sealedIdentity) return die("cannot seal the relay keys");
    Result<void> w = writeFile(rootOut, *box, true);
    if (w) w = writeFile(d.dbKey(), *sealedDb, true);
    if (w) w = writeFile(d.relayKey(), *sealedRelay, true);
    if (w) w = writeFile(d.relayIdentity(), *sealedIdentity, true);
    if (w) w = writeFile(d.manifest(), m.serialize(), false);
    if (w) w = writeFile(d.address(), view(address), false);
    if (!w) return die(w.error().message);
    auto host = address.substr(0, address.rfind(':'));
    if (auto r = relay::generateSelfSignedCertificate(d.cert().string(), d.tlsKey().string(), host);
        !r)
        return die(r.error().message);
    if (d.store.empty()) {
        auto db =
            storage::Database::open(d.db().string(), dbKey, {true, storage::Durability::Full});
        if (!db) return die(db.error().message);
        db->reset();
    } // a PostgreSQL store gets its schema from openService() below
    // Opened the way serve opens it: from the sealed files.
    auto keys = unsealRelayKeys(d, *unlock);
    if (!keys) return die(keys.error().message);
    auto service = openService(d, std::move(*keys));
    if (!service) return die(service.error().message);
    std::printf("initialised relay for %s in %s\n", firm.c_str(), dataDir.c_str());
    std::printf("firm fingerprint: %s\n", journal::firmFingerprint(rootKey->publicKey).c_str());
    std::printf("root key (keep offline): %s\n", rootOut.c_str());
    std::printf("unlock secret (%s; serve and admin need it, keep it out of backups of %s): %s\n",
                createdUnlock ? "created" : "existing", dataDir.c_str(), unlockFile->c_str());
    return 0;
}

// Re-signs the firm manifest with the offline root key: new relay addresses or TLS key pins
// (a rotation), everything else kept, issued now (clients refuse an older manifest). The relay
// serves it after a restart.
int cmdManifest(const Args& a) {
    if (a.opt("data").empty()) return usage();
    DataDir d{a.opt("data")};
    auto bytes = readFile(d.manifest());
    if (!bytes) return die(bytes.error().message);
    auto m = journal::FirmManifest::parse(view(*bytes));
    if (!m) return die("manifest.bin: " + m.error().message);
    if (!a.opt("show").empty() || a.opt("root-key").empty()) {
        if (a.opt("show").empty()) return usage();
        std::printf("firm\t%s\nfingerprint\t%s\nversion\t%u\nissued_ms\t%llu\n",
                    m->firmName.c_str(), journal::firmFingerprint(m->rootPublicKey).c_str(),
                    unsigned(m->version), (unsigned long long)m->issuedMs);
        for (const auto& addr : m->relayAddresses)
            std::printf("address\t%s\n", addr.c_str());
        for (const auto& pin : m->tlsKeyPins)
            std::printf("tls-key-pin\t%s\n", toHex(pin).c_str());
        for (const auto& k : m->journalKeys) // oldest first; the last is current
            std::printf("journal-key\t%s\t%llu\n", toHex(k.publicKey).c_str(),
                        (unsigned long long)k.validFromMs);
        std::printf("relay-public-key\t%s\nrelay-identity-key\t%s\n",
                    toHex(m->relayPublicKey).c_str(), toHex(m->relayIdentityKey).c_str());
        printPolicy(*m);
        return 0;
    }
    auto pass = passphrase(a);
    if (!pass) return die(pass.error().message);
    auto box = readFile(a.opt("root-key"));
    if (!box) return die(box.error().message);
    auto root = crypto::passphraseOpen(view(*box), view(*pass));
    if (!root) return die("cannot open the root key (wrong passphrase?)");
    auto rootPublic = crypto::ed25519PublicKey(*root);
    if (!rootPublic || !constantTimeEqual(*rootPublic, m->rootPublicKey))
        return die("this root key did not sign the relay's manifest");
    if (!a.opt("address").empty()) {
        auto addresses = splitList(a.opt("address"));
        if (addresses.empty() || addresses.size() > 16 ||
            !std::all_of(addresses.begin(), addresses.end(), validAddress))
            return die("--address takes 1 to 16 HOST:PORT, separated by commas");
        m->relayAddresses = addresses;
        m->relayAddress = addresses.front();
    }
    if (!a.opt("tls-key-pins").empty() || !a.opt("pin-cert").empty()) {
        auto pins = tlsKeyPins(a);
        if (!pins) return die(pins.error().message);
        m->tlsKeyPins = *pins;
    } else if (a.opt("tls-key-pins", "unset").empty()) {
        m->tlsKeyPins.clear();
    }
    applyPolicyOptions(a, *m);
    m->version = journal::FirmManifest::kVersion;
    m->issuedMs = std::max(relay::wallClockMs(), m->issuedMs + 1);
    // Journal key rotation: compliance made a new pair (verbatim-journal keygen); devices seal to
    // it from this manifest on, and entries sealed before still open with the old private key.
    if (!a.opt("add-journal-key").empty()) {
        auto jpub = readJournalPublicKey(a.opt("add-journal-key"));
        if (!jpub) return die(jpub.error().message);
        for (const auto& k : m->journalKeys)
            if (constantTimeEqual(k.publicKey, *jpub))
                return die("this journal key is already in the manifest");
        if (m->journalKeys.size() >= 64)
            return die("the manifest holds 64 journal keys, the most it may");
        m->journalKeys.push_back({*jpub, std::max(m->issuedMs, m->journalKeys.back().validFromMs)});
    }
    if (auto r = m->sign(*root); !r) return die(r.error().message);
    auto tmp = d.manifest().string() + ".new";
    if (auto w = writeFile(tmp, m->serialize(), false); !w) return die(w.error().message);
    std::error_code ec;
    fs::rename(tmp, d.manifest(), ec);
    if (ec) return die("cannot replace " + d.manifest().string());
    if (auto w = writeFile(d.address(), view(m->relayAddress), false); !w)
        return die(w.error().message);
    std::printf("manifest re-signed (issued %llu): %zu address(es), %zu TLS key pin(s), %zu "
                "journal key(s); restart "
                "the relay to serve it\n",
                (unsigned long long)m->issuedMs, m->relayAddresses.size(), m->tlsKeyPins.size(),
                m->journalKeys.size());
    printPolicy(*m);
    return 0;
}

// Seals the clear-hex keys of a data directory written before keys were sealed at rest, in
// place. Each file: the clear one kept reachable as NAME.clear (a hard link), the sealed one
// written to NAME.new, fsynced and renamed over NAME, then NAME.clear overwritten and removed.
// NAME is always either the clear or the sealed key, so a crash at any point loses nothing, and a
// second run finishes the job (or, when everything is sealed, only checks it opens).
int cmdSealKeys(const Args& a) {
    if (a.opt("data").empty()) return usage();
    DataDir d{a.opt("data")};
    if (!fs::exists(d.db())) return die("no relay in " + d.dir.string());
    auto path = unlockPathFor(a, d);
    if (!path) return die(path.error().message);

    // Read and check all three before anything is written: every sealed file must open under
    // this secret, every clear one must be a key.
    struct Item {
        std::string_view name;
        fs::path file, clear, fresh;
        bool sealed = false;
        SecureBytes key; ///< a clear file's key
    };
    std::vector<Item> items;
    std::error_code ec;
    bool anyClear = false;
    for (auto name : kSealedKeyFiles) {
        Item it{name,
                d.dir / name,
                d.dir / (std::string(name) + ".clear"),
                d.dir / (std::string(name) + ".new"),
                false,
                {}};
        fs::remove(it.fresh, ec); // an unfinished write of an earlier run
        SecretText text;
        if (!readSecretFile(it.file, text)) return die("cannot read " + it.file.string());
        if (looksSealed(text.text)) {
            it.sealed = true;
        } else if (auto key = parseHexKey(text.text)) {
            it.key = std::move(*key);
            anyClear = true;
        } else {
            return die(it.file.string() + " is neither a clear nor a sealed relay key: damaged");
        }
        items.push_back(std::move(it));
    }
    bool anySealed =
        std::any_of(items.begin(), items.end(), [](const Item& it) { return it.sealed; });
    if (anySealed && !fs::exists(*path, ec))
        return die("some relay keys in " + d.dir.string() +
                   " are already sealed: give the unlock secret they were sealed with");
    bool created = false;
    auto unlock = unlockSecret(a, d, anyClear, &created);
    if (!unlock) return die(unlock.error().message);
    for (const auto& it : items) {
        if (!it.sealed) continue;
        auto file = readFile(it.file);
        if (!file || !unsealKeyFile(view(*file), *unlock, it.name)) return die(kUnsealFailed);
    }

    int sealedNow = 0;
    for (auto& it : items) {
        if (fs::exists(it.clear, ec)) {
            // Left by an interrupted run. While NAME is still clear it is the same file: only
            // the link goes. Once NAME is sealed it is the old clear key: overwritten first.
            if (!it.sealed && sameFile(it.clear, it.file)) {
                if (::unlink(it.clear.c_str()) != 0)
                    return die("cannot remove " + it.clear.string());
            } else if (auto r = shredAndRemove(it.clear); !r) {
                return die(r.error().message);
            }
        }
        if (it.sealed) continue;
        auto sealed = sealKeyFile(it.key, *unlock, it.name);
        if (!sealed) return die("cannot seal " + it.file.string());
        if (::link(it.file.c_str(), it.clear.c_str()) != 0)
            return die("cannot link " + it.clear.string());
        if (auto w = writeFile(it.fresh, *sealed, true); !w) return die(w.error().message);
        fs::rename(it.fresh, it.file, ec);
        if (ec) return die("cannot replace " + it.file.string());
        if (auto r = fsyncDirectory(d.dir); !r) return die(r.error().message);
        if (auto r = shredAndRemove(it.clear); !r) return die(r.error().message);
        if (auto r = fsyncDirectory(d.dir); !r) return die(r.error().message);
        ++sealedNow;
    }
    // The result must open exactly as serve opens it.
    auto keys = unsealRelayKeys(d, *unlock);
    if (!keys) return die(keys.error().message);
    if (created)
        std::printf("created the unlock secret %s (keep it outside %s and its backups)\n",
                    path->c_str(), d.dir.c_str());
    if (sealedNow)
        std::printf("sealed %d relay key file(s) in %s; copies of the directory from before still "
                    "hold the keys in clear\n",
                    sealedNow, d.dir.c_str());
    else
        std::printf("the relay keys in %s are already sealed under this unlock secret\n",
                    d.dir.c_str());
    return 0;
}

} // namespace verbatim::relayapp

/// @file KeyFiles.cpp
/// The relay's three keys sealed at rest under an unlock secret that never lives in the data directory (docs/protocol.md, "Relay keys at rest"), the data directory's checks, and opening the store and the service.
#include "relay/app/RelayApp.h"

namespace verbatim::relayapp {

// ---- The relay's private keys at rest (docs/protocol.md, "Relay keys at rest") --------------
//
// db.key, relay.key and relay-identity.key are sealed under an unlock secret that never lives
// in the data directory: a copy of the directory (a backup, a snapshot, a disk) alone gives no
// key that signs checkpoints, wipes or the relay's journal entries, nor the database key.

Result<SecureBytes> sealingKey(ByteView unlock, ByteView salt, std::string_view fileName) {
    Bytes info;
    appendRaw(info, view(kSealInfo));
    appendRaw(info, view(fileName));
    return crypto::hkdfSha256(unlock, salt, info, 32);
}

Bytes sealAad(ByteView header, std::string_view fileName) {
    Bytes aad = toBytes(header);
    appendField(aad, fileName);
    return aad;
}

bool looksSealed(std::string_view file) {
    return file.substr(0, kSealedMagic.size()) == kSealedMagic;
}

/// "VRK1" || salt[32] || nonce[12] || AES-256-GCM(HKDF(unlock, salt, info || name), nonce,
/// aad = header || field(name), key[32]) || tag[16].
Result<Bytes> sealKeyFile(ByteView key, ByteView unlock, std::string_view fileName) {
    if (key.size() != kSealedKeySize)
        return fail(ErrorCode::InvalidArgument, "relay keys are 32 bytes");
    Bytes out;
    appendRaw(out, view(kSealedMagic));
    appendRaw(out, crypto::randomBytes(kSealSaltSize));
    appendRaw(out, crypto::randomBytes(kSealNonceSize));
    ByteView header(out.data(), kSealHeaderSize);
    auto k = sealingKey(unlock, header.subspan(kSealedMagic.size(), kSealSaltSize), fileName);
    if (!k) return tl::unexpected(k.error());
    auto ct =
        crypto::aesGcmSeal(*k, header.subspan(kSealedMagic.size() + kSealSaltSize, kSealNonceSize),
                           sealAad(header, fileName), key);
    if (!ct) return tl::unexpected(ct.error());
    appendRaw(out, *ct);
    return out;
}

/// The key inside a sealed file, or kUnsealFailed (never which of secret or file is wrong, and
/// no byte of the key unless the tag verifies).
Result<SecureBytes> unsealKeyFile(ByteView file, ByteView unlock, std::string_view fileName) {
    if (file.size() != kSealedFileSize || !looksSealed(asString(file)))
        return fail(ErrorCode::WrongKey, kUnsealFailed);
    ByteView header = file.subspan(0, kSealHeaderSize);
    auto k = sealingKey(unlock, header.subspan(kSealedMagic.size(), kSealSaltSize), fileName);
    if (!k) return fail(ErrorCode::WrongKey, kUnsealFailed);
    auto key =
        crypto::aesGcmOpen(*k, header.subspan(kSealedMagic.size() + kSealSaltSize, kSealNonceSize),
                           sealAad(header, fileName), file.subspan(kSealHeaderSize));
    if (!key || key->size() != kSealedKeySize) return fail(ErrorCode::WrongKey, kUnsealFailed);
    return key;
}

/// 64 hex digits (surrounding white space ignored) as 32 bytes, without a non-wiping copy.
std::optional<SecureBytes> parseHexKey(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
        text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.remove_suffix(1);
    if (text.size() != 64) return std::nullopt;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    SecureBytes out(32);
    for (std::size_t i = 0; i < 32; ++i) {
        int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out[i] = std::uint8_t(hi << 4 | lo);
    }
    return out;
}

/// Reads a small file that holds a secret straight into `out` (no stream buffer, no reallocation
/// that would leave a copy behind). Such files are 64 hex digits; more than 4 KiB is refused.
bool readSecretFile(const fs::path& p, SecretText& out) {
    constexpr std::size_t kMax = 4096;
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    out.text.assign(kMax + 1, '\0');
    std::size_t got = 0;
    while (got < out.text.size()) {
        auto n = ::read(fd, out.text.data() + got, out.text.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += std::size_t(n);
    }
    ::close(fd);
    if (got > kMax) got = 0; // not one of ours: read as empty, which nothing accepts
    secureWipe(out.text.data() + got, out.text.size() - got);
    out.text.resize(got); // the bytes past `got` are wiped above, the rest when `out` goes
    return true;
}

/// True when `file` is `dir` or anywhere below it (symbolic links resolved as far as they exist).
bool isInside(const fs::path& file, const fs::path& dir) {
    std::error_code ec;
    auto norm = [&](const fs::path& p) {
        auto c = fs::weakly_canonical(fs::absolute(p, ec), ec);
        if (ec) c = fs::absolute(p).lexically_normal();
        while (!c.empty() && c.filename().empty() && c != c.root_path())
            c = c.parent_path();
        return c;
    };
    const fs::path f = norm(file), d = norm(dir);
    auto [di, fi] = std::mismatch(d.begin(), d.end(), f.begin(), f.end());
    return di == d.end();
}

/// Where the unlock secret is: --unlock-file, then systemd's credential, then the environment.
std::optional<fs::path> unlockPath(const Args& a) {
    if (auto p = a.opt("unlock-file"); !p.empty()) return fs::path(p);
    if (const char* dir = std::getenv("CREDENTIALS_DIRECTORY"); dir && *dir) {
        std::error_code ec;
        fs::path p = fs::path(dir) / kUnlockCredential;
        if (fs::exists(p, ec)) return p;
    }
    if (const char* env = std::getenv(kUnlockEnv); env && *env) return fs::path(env);
    return std::nullopt;
}

/// Creates a new unlock secret at `p` (32 random bytes as 64 hex, mode 0600; never overwrites).
Result<void> createUnlockFile(const fs::path& p) {
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return fail(ErrorCode::Storage, "cannot create the unlock secret " + p.string());
    SecureBytes secret = crypto::randomSecret(32);
    SecretText hex{toHex(secret)};
    bool ok = ::write(fd, hex.text.data(), hex.text.size()) == ssize_t(hex.text.size()) &&
              ::write(fd, "\n", 1) == 1 && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) {
        ::unlink(p.c_str());
        return fail(ErrorCode::Storage, "cannot write the unlock secret " + p.string());
    }
    return {};
}

/// The unlock secret (32 bytes). With `createIfMissing` (init, seal-keys) a missing file named by
/// --unlock-file or VERBATIM_RELAY_UNLOCK_FILE is created; `created` says so.
Result<SecureBytes> unlockSecret(const Args& a, const DataDir& d, bool createIfMissing,
                                 bool* created) {
    auto path = unlockPath(a);
    if (!path) return fail(ErrorCode::NotFound, kNoUnlockSecret);
    if (isInside(*path, d.dir))
        return fail(ErrorCode::InvalidArgument,
                    "the unlock secret must not live in the relay's data directory");
    std::error_code ec;
    if (createIfMissing && !fs::exists(*path, ec)) {
        if (auto r = createUnlockFile(*path); !r) return tl::unexpected(r.error());
        if (created) *created = true;
    }
    SecretText text;
    if (!readSecretFile(*path, text))
        return fail(ErrorCode::NotFound, "cannot read the unlock secret " + path->string());
    auto secret = parseHexKey(text.text);
    if (!secret)
        return fail(ErrorCode::Malformed,
                    "the unlock secret " + path->string() + " must hold 64 hex digits");
    return std::move(*secret);
}

/// The unlock secret's path, checked before init or seal-keys writes anything.
Result<fs::path> unlockPathFor(const Args& a, const DataDir& d) {
    auto path = unlockPath(a);
    if (!path) return fail(ErrorCode::NotFound, kNoUnlockSecret);
    if (isInside(*path, d.dir))
        return fail(ErrorCode::InvalidArgument,
                    "the unlock secret must not live in the relay's data directory");
    return *path;
}

/// A data directory from before keys were sealed (clear hex) is refused with what to do.
Result<void> refuseClearKeys(const DataDir& d, const Args& a) {
    for (auto name : kSealedKeyFiles) {
        SecretText text;
        if (!readSecretFile(d.dir / name, text))
            return fail(ErrorCode::NotFound, "cannot read " + (d.dir / name).string());
        if (looksSealed(text.text)) continue;
        if (parseHexKey(text.text))
            return fail(ErrorCode::Unsupported,
                        "the relay keys in " + d.dir.string() +
                            " are stored in clear (written before keys were sealed at rest); seal "
                            "them once with: "
                            "verbatim-relay seal-keys --data " +
                            a.opt("data") +
                            " --unlock-file PATH "
                            "(PATH outside the data directory; created when missing)");
        return fail(ErrorCode::WrongKey, kUnsealFailed);
    }
    return {};
}

/// All three keys, or an error and none of them.
Result<RelayKeys> unsealRelayKeys(const DataDir& d, ByteView unlock) {
    std::array<SecureBytes, 3> keys;
    for (std::size_t i = 0; i < kSealedKeyFiles.size(); ++i) {
        auto file = readFile(d.dir / kSealedKeyFiles[i]);
        if (!file) return tl::unexpected(file.error());
        auto key = unsealKeyFile(view(*file), unlock, kSealedKeyFiles[i]);
        if (!key) return tl::unexpected(key.error());
        keys[i] = std::move(*key);
    }
    return RelayKeys{std::move(keys[0]), std::move(keys[1]), std::move(keys[2])};
}

/// What serve and admin open the relay with: refuses clear keys, finds the unlock secret, unseals.
/// The data directory must belong to this user and be closed to everyone else (PostgreSQL
/// refuses its data directory the same way): its files are the firm's whole relay.
Result<void> checkDataDirectory(const DataDir& d) {
    struct stat st {};
    if (::stat(d.dir.c_str(), &st) != 0)
        return fail(ErrorCode::NotFound,
                    "the data directory " + d.dir.string() + " does not exist or cannot be read");
    if (!S_ISDIR(st.st_mode))
        return fail(ErrorCode::InvalidArgument, d.dir.string() + " is not a directory");
    if (st.st_uid != ::geteuid())
        return fail(ErrorCode::InvalidArgument,
                    "the data directory " + d.dir.string() + " is owned by uid " +
                        std::to_string(st.st_uid) + ", not by the user running the relay (uid " +
                        std::to_string(::geteuid()) + "); run as its owner");
    if (st.st_mode & 077) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", unsigned(st.st_mode & 07777));
        return fail(ErrorCode::InvalidArgument,
                    "the data directory " + d.dir.string() + " has mode " + mode +
                        ": group or others may enter it; restrict it with chmod 700 " +
                        d.dir.string());
    }
    return {};
}

Result<RelayKeys> relayKeys(const Args& a, const DataDir& d) {
    if (auto r = checkDataDirectory(d); !r) return tl::unexpected(r.error());
    if (auto r = refuseClearKeys(d, a); !r) return tl::unexpected(r.error());
    auto unlock = unlockSecret(a, d);
    if (!unlock) return tl::unexpected(unlock.error());
    return unsealRelayKeys(d, *unlock);
}

/// A connection to the relay database with its raw key.
Result<std::unique_ptr<storage::Database>> openRelayDatabase(const DataDir& d, ByteView dbKey,
                                                             std::uint32_t cacheKiB) {
    if (!d.store.empty()) {
        if (!relay::isPostgresUrl(d.store))
            return fail(ErrorCode::InvalidArgument,
                        "--store takes a postgresql:// URL (without it the store is relay.db in "
                        "the data directory)");
        return relay::openPostgres(d.store);
    }
    if (dbKey.size() != 32)
        return fail(ErrorCode::InvalidArgument, "the database key is not available");
    return storage::Database::open(d.db().string(), dbKey,
                                   {false, storage::Durability::Full, false, cacheKiB});
}

Result<std::unique_ptr<relay::RelayService>>
openService(const DataDir& d, RelayKeys keys, bool benchLimits,
            const std::function<void(relay::RelayConfig&)>& adjust, std::uint32_t cacheKiB) {
    auto manifestBytes = readFile(d.manifest());
    if (!manifestBytes) return tl::unexpected(manifestBytes.error());
    auto manifest = journal::FirmManifest::parse(view(*manifestBytes));
    if (!manifest) return tl::unexpected(manifest.error());
    // relay.key must be the key the manifest publishes (checkpoints and wipes are checked with it).
    auto relayPublic = crypto::ed25519PublicKey(keys.relay);
    if (!relayPublic || !constantTimeEqual(*relayPublic, manifest->relayPublicKey))
        return fail(ErrorCode::WrongKey,
                    "relay.key is not the relay key of this data directory's manifest");
    auto db = openRelayDatabase(d, keys.db, cacheKiB);
    if (!db) return tl::unexpected(db.error());
    relay::RelayConfig config;
    auto addr = readFile(d.address());
    config.publicAddress = addr ? *addr : manifest->relayAddress;
    config.journalPublicKey = manifest->currentJournalKey()->publicKey;
    config.relayKey.privateKey = std::move(keys.relay);
    config.relayKey.publicKey = manifest->relayPublicKey;
    config.firmManifest = toBytes(view(*manifestBytes));
    config.firmFingerprint = journal::firmFingerprint(manifest->rootPublicKey);
    config.relayIdentityPrivate = std::move(keys.identity);
    config.relayIdentityPublic = manifest->relayIdentityKey;
    if (benchLimits) config.limits = benchRateLimits();
    if (adjust) adjust(config);
    // Links carry the pin of the certificate the relay serves: the one `serve` recorded, else
    // the self-signed one made by init.
    if (auto pin = readFile(d.tlsPin())) {
        config.tlsPin = *pin;
    } else if (auto fp = relay::certificateFingerprint(d.cert().string())) {
        config.tlsPin = *fp;
    }
    return relay::RelayService::open(std::move(*db), std::move(config));
}

} // namespace verbatim::relayapp

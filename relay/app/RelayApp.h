#pragma once
/// @file RelayApp.h
/// The verbatim-relay program's inside, shared by its files (private to the program):
///   main.cpp            the dispatch to a command
///   CommandTable.cpp    every command's options and usage text, and the parsed line as Args
///   AppFiles.cpp        reading and writing files, passphrases, addresses, TLS key pins
///   KeyFiles.cpp        the relay's keys sealed at rest, the unlock secret, the data directory
///   InitCommands.cpp    init, manifest, seal-keys
///   ServeCommand.cpp    serve (with the config file, systemd notify and SIGHUP)
///   AdminCommand.cpp    admin
///   BackupCommands.cpp  backup, restore, check
#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/CommandLine.h"
#include "common/Log.h"
#include "common/Passphrase.h"
#include "crypto/Aes.h"
#include "crypto/Ed25519.h"
#include "crypto/Hkdf.h"
#include "crypto/PassphraseBox.h"
#include "crypto/Random.h"
#include "journal/FirmManifest.h"
#include "relay/app/SystemdNotify.h"
#include "relay/core/PgStore.h"
#include "relay/core/RelayBackup.h"
#include "relay/core/RelaySchema.h"
#include "relay/core/RelayService.h"
#include "relay/net/RelayServer.h"
#include "relay/net/TlsCert.h"
#include "signal/SessionManager.h"

namespace verbatim::relayapp {

namespace fs = std::filesystem;

struct Args {
    std::vector<std::string> positional;
    std::map<std::string, std::string> options;
    /// Every value of each option, in order (a repeatable option's; `options` keeps the last).
    std::map<std::string, std::vector<std::string>> lists;
    std::vector<std::string> all(const std::string& k) const {
        auto it = lists.find(k);
        return it == lists.end() ? std::vector<std::string>() : it->second;
    }
    std::string opt(const std::string& k, const std::string& def = "") const {
        auto it = options.find(k);
        return it == options.end() ? def : it->second;
    }
    /// --k as a whole number in [lo, hi] (`def` when absent); nullopt when malformed or out of range.
    std::optional<long> number(const std::string& k, long def, long lo, long hi) const {
        auto it = options.find(k);
        if (it == options.end()) return def;
        try {
            long v = std::stol(it->second);
            if (v >= lo && v <= hi) return v;
        } catch (...) {
        }
        return std::nullopt;
    }
};

struct DataDir {
    fs::path dir;
    /// --store: the PostgreSQL store's URL (relay/core/PgStore.h); empty for relay.db here.
    std::string store;
    fs::path db() const { return dir / "relay.db"; }
    fs::path dbKey() const { return dir / "db.key"; }
    fs::path relayKey() const { return dir / "relay.key"; }
    fs::path relayIdentity() const { return dir / "relay-identity.key"; }
    fs::path manifest() const { return dir / "manifest.bin"; }
    fs::path address() const { return dir / "address"; }
    fs::path cert() const { return dir / "tls.crt"; }
    fs::path tlsKey() const { return dir / "tls.key"; }
    fs::path tlsPin() const { return dir / "tls-pin"; } ///< written by serve: the pin links carry
    fs::path blobs() const { return dir / "blobs"; }
};

/// Text that holds a secret (an unlock secret, a clear key): wiped when it goes.
struct SecretText {
    std::string text;
    ~SecretText() { secureWipe(text.data(), text.size()); }
};

struct RelayKeys {
    SecureBytes db;       ///< SQLCipher raw key
    SecureBytes relay;    ///< Ed25519 seed: checkpoints, wipe commands
    SecureBytes identity; ///< Signal identity private key: the relay's own journal entries
};

inline constexpr std::string_view kSealedMagic = "VRK1";
inline constexpr std::size_t kSealSaltSize = 32, kSealNonceSize = 12, kSealTagSize = 16,
                             kSealedKeySize = 32;
inline constexpr std::size_t kSealHeaderSize = kSealedMagic.size() + kSealSaltSize + kSealNonceSize;
inline constexpr std::size_t kSealedFileSize = kSealHeaderSize + kSealedKeySize + kSealTagSize;
inline constexpr std::string_view kSealInfo = "verbatim-relay-key-v1";
inline constexpr const char* kUnlockCredential = "verbatim-relay-unlock";
inline constexpr const char* kUnlockEnv = "VERBATIM_RELAY_UNLOCK_FILE";
inline const std::string kUnsealFailed =
    "cannot unseal relay keys: wrong unlock secret or damaged key file";
inline const std::string kNoUnlockSecret =
    "no unlock secret for the relay keys: pass --unlock-file PATH, or give the systemd credential "
    "verbatim-relay-unlock (LoadCredential= or LoadCredentialEncrypted=, read from "
    "$CREDENTIALS_DIRECTORY/verbatim-relay-unlock), or set VERBATIM_RELAY_UNLOCK_FILE=PATH";

/// The three sealed key files, by name (the name is bound into each file's key and tag).
inline constexpr std::array<std::string_view, 3> kSealedKeyFiles = {"db.key", "relay.key",
                                                                    "relay-identity.key"};

// CommandTable.cpp
const cmdline::CommandLine& commandLine();
/// The whole usage on stderr, exit code 2.
int usage();
/// "verbatim-relay: MESSAGE" on stderr, exit code 1.
int die(const std::string& message);
Args toArgs(const cmdline::Parsed& p);

// AppFiles.cpp
Result<std::string> readFile(const fs::path& p);
Result<void> writeFile(const fs::path& p, ByteView data, bool secret);
Result<std::string> passphrase(const Args& a);
Result<Bytes> readJournalPublicKey(const fs::path& p);
std::vector<std::string> splitList(const std::string& s);
bool validAddress(const std::string& a);
Result<std::vector<Bytes>> tlsKeyPins(const Args& a);
relay::RateLimits benchRateLimits();
Result<void> fsyncDirectory(const fs::path& dir);
Result<void> shredAndRemove(const fs::path& p);
bool sameFile(const fs::path& a, const fs::path& b);

// KeyFiles.cpp
bool looksSealed(std::string_view file);
Result<Bytes> sealKeyFile(ByteView key, ByteView unlock, std::string_view fileName);
Result<SecureBytes> unsealKeyFile(ByteView file, ByteView unlock, std::string_view fileName);
std::optional<SecureBytes> parseHexKey(std::string_view text);
bool readSecretFile(const fs::path& p, SecretText& out);
bool isInside(const fs::path& file, const fs::path& dir);
std::optional<fs::path> unlockPath(const Args& a);
Result<void> createUnlockFile(const fs::path& p);
Result<SecureBytes> unlockSecret(const Args& a, const DataDir& d, bool createIfMissing = false,
                                 bool* created = nullptr);
Result<fs::path> unlockPathFor(const Args& a, const DataDir& d);
Result<void> refuseClearKeys(const DataDir& d, const Args& a);
Result<RelayKeys> unsealRelayKeys(const DataDir& d, ByteView unlock);
Result<void> checkDataDirectory(const DataDir& d);
Result<RelayKeys> relayKeys(const Args& a, const DataDir& d);
Result<std::unique_ptr<storage::Database>> openRelayDatabase(const DataDir& d, ByteView dbKey,
                                                             std::uint32_t cacheKiB = 0);
Result<std::unique_ptr<relay::RelayService>>
openService(const DataDir& d, RelayKeys keys, bool benchLimits = false,
            const std::function<void(relay::RelayConfig&)>& adjust = {},
            std::uint32_t cacheKiB = 0);
Result<journal::FirmManifest> readManifest(const DataDir& d);

// The commands.
int cmdInit(const Args& a);
int cmdManifest(const Args& a);
int cmdSealKeys(const Args& a);
int cmdServe(const Args& a);
int cmdAdmin(const Args& a);
int cmdBackup(const Args& a);
int cmdRestore(const Args& a);
int cmdCheck(const Args& a);

} // namespace verbatim::relayapp

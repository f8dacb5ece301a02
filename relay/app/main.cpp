// verbatim-relay: init | serve | admin | manifest | seal-keys. See README "Running the relay".

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <functional>
#include <map>
#include <optional>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>

#include "common/CommandLine.h"
#include "common/Log.h"
#include "common/Passphrase.h"
#include "crypto/Aes.h"
#include "crypto/Ed25519.h"
#include "crypto/Hkdf.h"
#include "crypto/PassphraseBox.h"
#include "crypto/Random.h"
#include "journal/FirmManifest.h"
#include "relay/core/RelayBackup.h"
#include "relay/core/RelaySchema.h"
#include "relay/core/RelayService.h"
#include "relay/net/RelayServer.h"
#include "relay/net/TlsCert.h"
#include "relay/app/SystemdNotify.h"
#include "signal/SessionManager.h"

using namespace verbatim;
namespace fs = std::filesystem;

namespace {

const cmdline::CommandLine& commandLine();

/// The whole usage on stderr, exit code 2 (a command line parse refused gets its own usage).
int usage() {
    std::fputs(commandLine().usage().c_str(), stderr);
    return cmdline::kExitUsage;
}

int die(const std::string& message) {
    std::fprintf(stderr, "verbatim-relay: %s\n", message.c_str());
    return 1;
}

struct Args {
    std::vector<std::string> positional;
    std::map<std::string, std::string> options;
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

bool validAddress(const std::string& a);

// --listen and --admin-listen: HOST or HOST:PORT, PORT 0..65535 (0: any free port).
std::string checkListen(const std::string& v) {
    auto colon = v.rfind(':');
    if (colon == 0) return "must be HOST or HOST:PORT, not '" + v + "'";
    if (colon == std::string::npos) return {};
    auto port = v.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos || std::stol(port) > 65535)
        return "must be HOST:PORT with a port in 0..65535, not '" + v + "'";
    return {};
}

std::vector<std::string> splitList(const std::string& s);

std::string checkAddresses(const std::string& v) {
    auto addresses = splitList(v);
    if (addresses.empty() || addresses.size() > 16 || !std::all_of(addresses.begin(), addresses.end(), validAddress))
        return "takes 1 to 16 HOST:PORT (port 1..65535), separated by commas, not '" + v + "'";
    return {};
}

std::string checkPins(const std::string& v) {
    auto pins = splitList(v);
    if (pins.size() > 16) return "at most 16 TLS key pins";
    for (const auto& hex : pins) {
        auto pin = fromHex(hex);
        if (!pin || pin->size() != 32) return "takes 64 hex digits each, separated by commas";
    }
    return {};
}

const char* const kUnlockNotes =
    "The relay's private keys (db.key, relay.key, relay-identity.key) are sealed in the data\n"
    "directory under an unlock secret (64 hex digits) that must live outside it. init creates\n"
    "the secret when PATH does not exist (mode 0600) and otherwise uses it. serve, admin and\n"
    "seal-keys find it in this order: --unlock-file PATH; systemd's credential\n"
    "$CREDENTIALS_DIRECTORY/verbatim-relay-unlock (LoadCredential= or LoadCredentialEncrypted=\n"
    "in the unit); the file named by VERBATIM_RELAY_UNLOCK_FILE. A data directory written\n"
    "before keys were sealed is refused until seal-keys has sealed it (once; it creates PATH\n"
    "when missing and does nothing when the keys are already sealed). manifest needs no secret.\n";
const char* const kRootKeyNotes = "The root key passphrase comes from VERBATIM_PASSPHRASE or --passphrase-file.\n";
const char* const kServeNotes =
    "--bench-limits is for load tests only: it lifts the per-device send, pre-key fetch,\n"
    "invite and per-address redemption rate limits. Never use it in production.\n"
    "--journal-signatures compliance leaves the check of each journal entry's device signature\n"
    "to compliance (verbatim-journal verify), which checks every one anyway; the relay still\n"
    "checks the entry's form, message, sender and journal key. The default, relay, refuses a\n"
    "send whose signature does not verify.\n"
    "--commit-window-us is the group-commit delay while sends keep arriving (0 disables it).\n"
    "--db-cache-mib is the database page cache (every page read from disk is decrypted again).\n"
    "--max-sessions-per-device: WebSocket sessions one device may hold; a new one closes the\n"
    "oldest with close code 4409. --max-requests-in-flight: requests of one connection waiting\n"
    "for an answer (also at most 8 MiB of them) before the relay stops reading it; it stops too\n"
    "while 1 MiB of answers wait for the device to read them, and closes the connection when\n"
    "nothing of that is read for --write-stall-timeout-s. --max-pending-requests: requests of\n"
    "all connections waiting (also at most 256 MiB); beyond it a request is answered 503\n"
    "\"relay busy\" with retry_after_ms 1000 instead of queued.\n";
const char* const kConfigNotes =
    "--config FILE: every serve option as `key = value` (the option's name without dashes: data,\n"
    "listen, admin-listen, cert, ...; a flag takes true or false), one per line, # for comments.\n"
    "An option on the command line overrides the file. An unknown key or a bad value stops the\n"
    "start (exit 2) with FILE:LINE and the key. SIGHUP re-reads --cert and --key: connections\n"
    "made afterwards get the new certificate, open ones keep theirs; a certificate that cannot\n"
    "be read or does not match its key is refused and the old one stays (the log says why).\n";
const char* const kBlobNotes =
    "Attachments (per uploading device; clients get the -client limits, staff the -staff ones):\n"
    "--blob-quota-*-mib: bytes of its uploads still stored, referenced or not (507 beyond it).\n"
    "--blob-rate-*-mib and --blob-uploads-*: bytes and uploads in any hour (429, Retry-After).\n"
    "Uploads are refused (507) while they would leave less free disk than --blob-reserve-mib or\n"
    "--blob-reserve-percent of the disk (the larger) where blobs or the database live; sends\n"
    "never are. An upload no message declared within --blob-grace-s is removed; the sweep\n"
    "runs every --blob-sweep-s. Declared attachments are kept: compliance fetches them.\n";
const char* const kManifestNotes =
    "The manifest names every address clients may reach the relay at (--address, the first is\n"
    "the one links carry) and may pin the SHA-256 of the relays' TLS public keys\n"
    "(--tls-key-pins, or --pin-cert to take them from certificates): clients then refuse any\n"
    "other relay or key, even with a CA-issued certificate. Rotate a TLS key by re-signing\n"
    "with both pins, restarting, waiting for devices to fetch it, then dropping the old pin.\n";
const char* const kBackupNotes =
    "backup writes one file (FILE.partial until it is whole and synced, then renamed) while the\n"
    "relay serves: a consistent snapshot of relay.db (still encrypted under its database key), the\n"
    "sealed key files, the manifest, the TLS certificate and key (wrapped under the unlock secret)\n"
    "and every attachment. The unlock secret is never in it: keep it apart from the backups.\n"
    "restore checks every record's checksum, refuses a truncated or damaged file and a NEWDIR\n"
    "that is not empty, and needs the same unlock secret; the restored relay tells devices that\n"
    "are ahead of the backup to send again what it lost. check runs SQLCipher's and SQLite's\n"
    "integrity checks and re-verifies the journal chain and its signed checkpoints; it exits 1\n"
    "naming the first bad row. The data directory must belong to the user running the relay and\n"
    "be closed to group and others (mode 0700), or every command but init refuses it.\n";
const char* const kSyntaxNotes =
    "An option's value is the next argument or follows '=' (--data=DIR); -- ends the options.\n"
    "An unknown option, a missing or malformed value or a stray argument is refused (exit 2)\n"
    "before anything is changed. COMMAND --help shows one command.\n";

/// Every command, its options and arguments (docs: README "Running the relay").
const cmdline::CommandLine& commandLine() {
    using cmdline::Option;
    using cmdline::Positional;
    static const auto device = cmdline::number(0, 4294967295LL);
    static const cmdline::CommandLine cl(
        "verbatim-relay",
        {
            {"init",
             "  verbatim-relay init --data DIR --unlock-file PATH --firm NAME --journal-key JOURNAL.pub\n"
             "                      --root-key-out FILE [--address HOST:PORT[,HOST:PORT...]] [--passphrase-file FILE]\n"
             "                      [--tls-key-pins HEX[,HEX...]] [--pin-cert CERT.pem[,CERT.pem...]]\n"
             "                      [--wipe-after-failed-unlocks N] [--wipe-after-offline-days D]\n",
             {Option::value("data", "DIR").required(), Option::value("unlock-file", "PATH"),
              Option::value("firm", "NAME").required(), Option::value("journal-key", "JOURNAL.pub").required(),
              Option::value("root-key-out", "FILE").required(),
              Option::value("address", "HOST:PORT[,HOST:PORT...]").checked(checkAddresses),
              Option::value("passphrase-file", "FILE"), Option::value("tls-key-pins", "HEX[,HEX...]").checked(checkPins),
              Option::value("pin-cert", "CERT.pem[,CERT.pem...]"),
              Option::value("wipe-after-failed-unlocks", "N").checked(cmdline::number(0, 99999)),
              Option::value("wipe-after-offline-days", "D").checked(cmdline::number(0, 99999))},
             {},
             true,
             {},
             std::string(kUnlockNotes) + kRootKeyNotes + kManifestNotes},
            {"serve",
             "  verbatim-relay serve --data DIR [--config FILE] [--unlock-file PATH] [--listen 127.0.0.1:8443]\n"
             "                      [--admin-listen 127.0.0.1:9443] [--cert FILE --key FILE]\n"
             "                      [--journal-signatures relay|compliance] [--commit-window-us 1000]\n"
             "                      [--db-cache-mib 64] [--bench-limits]\n"
             "                      [--max-sessions-per-device 1] [--max-requests-in-flight 128]\n"
             "                      [--max-pending-requests 16384] [--write-stall-timeout-s 30]\n"
             "                      [--blob-quota-client-mib 2048] [--blob-quota-staff-mib 20480]\n"
             "                      [--blob-rate-client-mib 512] [--blob-rate-staff-mib 4096]\n"
             "                      [--blob-uploads-client 60] [--blob-uploads-staff 600]\n"
             "                      [--blob-reserve-mib 1024] [--blob-reserve-percent 5]\n"
             "                      [--blob-grace-s 86400] [--blob-sweep-s 600]\n",
             {Option::value("data", "DIR").required(), Option::value("config", "FILE"), Option::value("unlock-file", "PATH"),
              Option::value("listen", "HOST:PORT").checked(checkListen),
              Option::value("admin-listen", "HOST:PORT").checked(checkListen), Option::value("cert", "FILE"),
              Option::value("key", "FILE"),
              Option::value("journal-signatures", "relay|compliance").checked(cmdline::oneOf({"relay", "compliance"})),
              Option::value("commit-window-us", "MICROSECONDS").checked(cmdline::number(0, 100000)),
              Option::value("db-cache-mib", "MIB").checked(cmdline::number(2, 65536)), Option::flag("bench-limits"),
              Option::value("max-sessions-per-device", "N").checked(cmdline::number(1, 64)),
              Option::value("max-requests-in-flight", "N").checked(cmdline::number(1, 65536)),
              Option::value("max-pending-requests", "N").checked(cmdline::number(1, 10000000)),
              Option::value("write-stall-timeout-s", "SECONDS").checked(cmdline::number(1, 3600)),
              Option::value("blob-quota-client-mib", "MIB").checked(cmdline::number(0, 1ll << 30)),
              Option::value("blob-quota-staff-mib", "MIB").checked(cmdline::number(0, 1ll << 30)),
              Option::value("blob-rate-client-mib", "MIB").checked(cmdline::number(0, 1ll << 30)),
              Option::value("blob-rate-staff-mib", "MIB").checked(cmdline::number(0, 1ll << 30)),
              Option::value("blob-uploads-client", "N").checked(cmdline::number(0, 1000000)),
              Option::value("blob-uploads-staff", "N").checked(cmdline::number(0, 1000000)),
              Option::value("blob-reserve-mib", "MIB").checked(cmdline::number(0, 1ll << 40)),
              Option::value("blob-reserve-percent", "PERCENT").checked(cmdline::number(0, 99)),
              Option::value("blob-grace-s", "SECONDS").checked(cmdline::number(1, 365ll * 86400)),
              Option::value("blob-sweep-s", "SECONDS").checked(cmdline::number(1, 86400))},
             {},
             true,
             {},
             std::string(kUnlockNotes) + kServeNotes + kBlobNotes + kConfigNotes,
             "config"},
            {"manifest",
             "  verbatim-relay manifest --data DIR --root-key FILE [--address ...] [--tls-key-pins ...]\n"
             "                      [--pin-cert ...] [--passphrase-file FILE]   re-sign the firm manifest\n"
             "  verbatim-relay manifest --data DIR --show\n",
             {Option::value("data", "DIR").required(), Option::value("root-key", "FILE"),
              Option::value("address", "HOST:PORT[,HOST:PORT...]").checked(checkAddresses),
              // An empty list re-signs without pins.
              Option::value("tls-key-pins", "HEX[,HEX...]").checked(checkPins).allowEmpty(),
              Option::value("pin-cert", "CERT.pem[,CERT.pem...]"), Option::value("passphrase-file", "FILE"),
              Option::flag("show")},
             {},
             true,
             [](const cmdline::Parsed& p) -> std::string {
                 if (p.has("show")) {
                     for (const char* o : {"root-key", "address", "tls-key-pins", "pin-cert", "passphrase-file"})
                         if (p.has(o)) return std::string("--show takes no --") + o + " (it only prints the manifest)";
                     return {};
                 }
                 return p.has("root-key") ? "" : "--root-key FILE (to re-sign) or --show (to print) is required";
             },
             std::string(kRootKeyNotes) + kManifestNotes},
            {"tls-key-pin",
             "  verbatim-relay tls-key-pin CERT.pem                             the pin of a certificate's key\n",
             {},
             {Positional::required("CERT.pem")}},
            {"admin", "", {Option::value("data", "DIR").required(), Option::value("unlock-file", "PATH")}, {}, false},
            {"admin enroll",
             "  verbatim-relay admin --data DIR [--unlock-file PATH] enroll USER --role lawyer|supervisor|compliance|admin --name NAME\n",
             {Option::value("role", "ROLE").required().checked(cmdline::oneOf({"lawyer", "supervisor", "compliance", "admin"})),
              Option::value("name", "NAME")},
             {Positional::required("USER")}},
            {"admin users", "  verbatim-relay admin --data DIR [--unlock-file PATH] users\n"},
            {"admin devices", "  verbatim-relay admin --data DIR [--unlock-file PATH] devices [USER]\n", {},
             {Positional::optional("USER")}},
            {"admin revoke", "  verbatim-relay admin --data DIR [--unlock-file PATH] revoke USER DEVICE\n", {},
             {Positional::required("USER"), Positional::required("DEVICE", device)}},
            {"admin wipe", "  verbatim-relay admin --data DIR [--unlock-file PATH] wipe USER DEVICE\n", {},
             {Positional::required("USER"), Positional::required("DEVICE", device)}},
            {"admin invite", "  verbatim-relay admin --data DIR [--unlock-file PATH] invite --from USER --matter TITLE\n",
             {Option::value("from", "USER").required(), Option::value("matter", "TITLE").required()}},
            {"admin invites",
             "  verbatim-relay admin --data DIR [--unlock-file PATH] invites [USER]      ID, state, inviter, matter\n",
             {},
             {Positional::optional("USER")}},
            {"admin revoke-invite", "  verbatim-relay admin --data DIR [--unlock-file PATH] revoke-invite ID\n", {},
             {Positional::required("ID")}},
            {"seal-keys",
             "  verbatim-relay seal-keys --data DIR --unlock-file PATH          seal the clear keys of an older relay\n",
             {Option::value("data", "DIR").required(), Option::value("unlock-file", "PATH")},
             {},
             true,
             {},
             kUnlockNotes},
            {"backup",
             "  verbatim-relay backup --data DIR --out FILE [--unlock-file PATH]    online backup while serving\n",
             {Option::value("data", "DIR").required(), Option::value("out", "FILE").required(),
              Option::value("unlock-file", "PATH")},
             {},
             true,
             {},
             kBackupNotes},
            {"restore",
             "  verbatim-relay restore --from FILE --data NEWDIR [--unlock-file PATH]\n",
             {Option::value("from", "FILE").required(), Option::value("data", "NEWDIR").required(),
              Option::value("unlock-file", "PATH")},
             {},
             true,
             {},
             kBackupNotes},
            {"check",
             "  verbatim-relay check --data DIR [--unlock-file PATH]   integrity, journal chain, checkpoints\n",
             {Option::value("data", "DIR").required(), Option::value("unlock-file", "PATH")},
             {},
             true,
             {},
             kBackupNotes},
        },
        std::string(kUnlockNotes) + kRootKeyNotes + kServeNotes + kBlobNotes + kConfigNotes + kManifestNotes + kSyntaxNotes);
    return cl;
}

/// The parsed line in the shape the commands read: the words after the command ("enroll") and
/// the positional arguments, then each option's value (a flag's is "1").
Args toArgs(const cmdline::Parsed& p) {
    Args a;
    a.positional.assign(p.words.begin() + (p.words.empty() ? 0 : 1), p.words.end());
    a.positional.insert(a.positional.end(), p.positionals.begin(), p.positionals.end());
    for (const auto& [name, values] : p.options) a.options[name] = values.back();
    return a;
}

Result<std::string> readFile(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    if (!f) return fail(ErrorCode::NotFound, "cannot read " + p.string());
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

Result<void> writeFile(const fs::path& p, ByteView data, bool secret) {
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, secret ? 0600 : 0644);
    if (fd < 0) return fail(ErrorCode::Storage, "cannot write " + p.string());
    std::size_t off = 0;
    while (off < data.size()) {
        auto n = ::write(fd, data.data() + off, data.size() - off);
        if (n <= 0) {
            ::close(fd);
            return fail(ErrorCode::Storage, "cannot write " + p.string());
        }
        off += std::size_t(n);
    }
    ::fsync(fd);
    ::close(fd);
    return {};
}

Result<std::string> passphrase(const Args& a) {
    if (auto file = a.opt("passphrase-file"); !file.empty()) {
        auto s = readFile(file);
        if (!s) return s;
        while (!s->empty() && (s->back() == '\n' || s->back() == '\r')) s->pop_back();
        return s;
    }
    if (const char* env = std::getenv("VERBATIM_PASSPHRASE"); env && *env) return std::string(env);
    return fail(ErrorCode::InvalidArgument, "set VERBATIM_PASSPHRASE or pass --passphrase-file");
}

// A journal public key file holds 64 hex characters (verbatim-journal keygen writes it).
Result<Bytes> readJournalPublicKey(const fs::path& p) {
    auto s = readFile(p);
    if (!s) return tl::unexpected(s.error());
    std::string hex;
    for (char c : *s)
        if (!std::isspace(static_cast<unsigned char>(c))) hex.push_back(c);
    auto key = fromHex(hex);
    if (!key || key->size() != 32) return fail(ErrorCode::Malformed, "journal public key file must hold 64 hex digits");
    return key;
}

std::vector<std::string> splitList(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        auto comma = s.find(',', start);
        auto item = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!item.empty()) out.push_back(item);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

// HOST:PORT with a port in 1..65535 and a host without spaces or commas.
bool validAddress(const std::string& a) {
    auto colon = a.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == a.size() || a.size() > 255) return false;
    auto port = a.substr(colon + 1);
    if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5) return false;
    long p = std::stol(port);
    return p > 0 && p < 65536 && a.find_first_of(" \t,/") == std::string::npos;
}

// The TLS key pins asked for: --tls-key-pins (64 hex each) and --pin-cert (certificates).
Result<std::vector<Bytes>> tlsKeyPins(const Args& a) {
    std::vector<Bytes> pins;
    for (const auto& hex : splitList(a.opt("tls-key-pins"))) {
        auto pin = fromHex(hex);
        if (!pin || pin->size() != 32) return fail(ErrorCode::InvalidArgument, "--tls-key-pins takes 64 hex digits each");
        pins.push_back(*pin);
    }
    for (const auto& cert : splitList(a.opt("pin-cert"))) {
        auto hex = relay::certificateKeyPin(cert);
        if (!hex) return fail(ErrorCode::InvalidArgument, cert + ": " + hex.error().message);
        pins.push_back(*fromHex(*hex));
    }
    if (pins.size() > 16) return fail(ErrorCode::InvalidArgument, "at most 16 TLS key pins");
    return pins;
}

struct DataDir {
    fs::path dir;
    fs::path db() const { return dir / "relay.db"; }
    fs::path dbKey() const { return dir / "db.key"; }
    fs::path relayKey() const { return dir / "relay.key"; }
    fs::path relayIdentity() const { return dir / "relay-identity.key"; }
    fs::path manifest() const { return dir / "manifest.bin"; }
    fs::path address() const { return dir / "address"; }
    fs::path cert() const { return dir / "tls.crt"; }
    fs::path tlsKey() const { return dir / "tls.key"; }
    fs::path tlsPin() const { return dir / "tls-pin"; }  ///< written by serve: the pin links carry
    fs::path blobs() const { return dir / "blobs"; }
};

// For load tests (tests/bench/relay_load.cpp): buckets so deep that a benchmark never meets
// them. The limits exist to stop abuse, and a load generator from one address looks like abuse.
relay::RateLimits benchRateLimits() {
    constexpr relay::BucketSpec unlimited{1e12, 1e12};
    return relay::RateLimits{unlimited, unlimited, unlimited, unlimited, unlimited,
                             unlimited, unlimited, unlimited, unlimited};
}

// ---- The relay's private keys at rest (docs/protocol.md, "Relay keys at rest") --------------
//
// db.key, relay.key and relay-identity.key are sealed under an unlock secret that never lives
// in the data directory: a copy of the directory (a backup, a snapshot, a disk) alone gives no
// key that signs checkpoints, wipes or the relay's journal entries, nor the database key.

constexpr std::string_view kSealedMagic = "VRK1";
constexpr std::size_t kSealSaltSize = 32, kSealNonceSize = 12, kSealTagSize = 16, kSealedKeySize = 32;
constexpr std::size_t kSealHeaderSize = kSealedMagic.size() + kSealSaltSize + kSealNonceSize;
constexpr std::size_t kSealedFileSize = kSealHeaderSize + kSealedKeySize + kSealTagSize;
constexpr std::string_view kSealInfo = "verbatim-relay-key-v1";
constexpr const char* kUnlockCredential = "verbatim-relay-unlock";
constexpr const char* kUnlockEnv = "VERBATIM_RELAY_UNLOCK_FILE";
const std::string kUnsealFailed = "cannot unseal relay keys: wrong unlock secret or damaged key file";
const std::string kNoUnlockSecret =
    "no unlock secret for the relay keys: pass --unlock-file PATH, or give the systemd credential "
    "verbatim-relay-unlock (LoadCredential= or LoadCredentialEncrypted=, read from "
    "$CREDENTIALS_DIRECTORY/verbatim-relay-unlock), or set VERBATIM_RELAY_UNLOCK_FILE=PATH";

/// The three sealed key files, by name (the name is bound into each file's key and tag).
constexpr std::array<std::string_view, 3> kSealedKeyFiles = {"db.key", "relay.key", "relay-identity.key"};

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

bool looksSealed(std::string_view file) { return file.substr(0, kSealedMagic.size()) == kSealedMagic; }

/// "VRK1" || salt[32] || nonce[12] || AES-256-GCM(HKDF(unlock, salt, info || name), nonce,
/// aad = header || field(name), key[32]) || tag[16].
Result<Bytes> sealKeyFile(ByteView key, ByteView unlock, std::string_view fileName) {
    if (key.size() != kSealedKeySize) return fail(ErrorCode::InvalidArgument, "relay keys are 32 bytes");
    Bytes out;
    appendRaw(out, view(kSealedMagic));
    appendRaw(out, crypto::randomBytes(kSealSaltSize));
    appendRaw(out, crypto::randomBytes(kSealNonceSize));
    ByteView header(out.data(), kSealHeaderSize);
    auto k = sealingKey(unlock, header.subspan(kSealedMagic.size(), kSealSaltSize), fileName);
    if (!k) return tl::unexpected(k.error());
    auto ct = crypto::aesGcmSeal(*k, header.subspan(kSealedMagic.size() + kSealSaltSize, kSealNonceSize),
                                 sealAad(header, fileName), key);
    if (!ct) return tl::unexpected(ct.error());
    appendRaw(out, *ct);
    return out;
}

/// The key inside a sealed file, or kUnsealFailed (never which of secret or file is wrong, and
/// no byte of the key unless the tag verifies).
Result<SecureBytes> unsealKeyFile(ByteView file, ByteView unlock, std::string_view fileName) {
    if (file.size() != kSealedFileSize || !looksSealed(asString(file))) return fail(ErrorCode::WrongKey, kUnsealFailed);
    ByteView header = file.subspan(0, kSealHeaderSize);
    auto k = sealingKey(unlock, header.subspan(kSealedMagic.size(), kSealSaltSize), fileName);
    if (!k) return fail(ErrorCode::WrongKey, kUnsealFailed);
    auto key = crypto::aesGcmOpen(*k, header.subspan(kSealedMagic.size() + kSealSaltSize, kSealNonceSize),
                                  sealAad(header, fileName), file.subspan(kSealHeaderSize));
    if (!key || key->size() != kSealedKeySize) return fail(ErrorCode::WrongKey, kUnsealFailed);
    return key;
}

/// 64 hex digits (surrounding white space ignored) as 32 bytes, without a non-wiping copy.
std::optional<SecureBytes> parseHexKey(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
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

/// Text that holds a secret (an unlock secret, a clear key): wiped when it goes.
struct SecretText {
    std::string text;
    ~SecretText() { secureWipe(text.data(), text.size()); }
};

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
    if (got > kMax) got = 0;  // not one of ours: read as empty, which nothing accepts
    secureWipe(out.text.data() + got, out.text.size() - got);
    out.text.resize(got);  // the bytes past `got` are wiped above, the rest when `out` goes
    return true;
}

/// True when `file` is `dir` or anywhere below it (symbolic links resolved as far as they exist).
bool isInside(const fs::path& file, const fs::path& dir) {
    std::error_code ec;
    auto norm = [&](const fs::path& p) {
        auto c = fs::weakly_canonical(fs::absolute(p, ec), ec);
        if (ec) c = fs::absolute(p).lexically_normal();
        while (!c.empty() && c.filename().empty() && c != c.root_path()) c = c.parent_path();
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
Result<SecureBytes> unlockSecret(const Args& a, const DataDir& d, bool createIfMissing = false,
                                 bool* created = nullptr) {
    auto path = unlockPath(a);
    if (!path) return fail(ErrorCode::NotFound, kNoUnlockSecret);
    if (isInside(*path, d.dir))
        return fail(ErrorCode::InvalidArgument, "the unlock secret must not live in the relay's data directory");
    std::error_code ec;
    if (createIfMissing && !fs::exists(*path, ec)) {
        if (auto r = createUnlockFile(*path); !r) return tl::unexpected(r.error());
        if (created) *created = true;
    }
    SecretText text;
    if (!readSecretFile(*path, text)) return fail(ErrorCode::NotFound, "cannot read the unlock secret " + path->string());
    auto secret = parseHexKey(text.text);
    if (!secret) return fail(ErrorCode::Malformed, "the unlock secret " + path->string() + " must hold 64 hex digits");
    return std::move(*secret);
}

/// The unlock secret's path, checked before init or seal-keys writes anything.
Result<fs::path> unlockPathFor(const Args& a, const DataDir& d) {
    auto path = unlockPath(a);
    if (!path) return fail(ErrorCode::NotFound, kNoUnlockSecret);
    if (isInside(*path, d.dir))
        return fail(ErrorCode::InvalidArgument, "the unlock secret must not live in the relay's data directory");
    return *path;
}

struct RelayKeys {
    SecureBytes db;        ///< SQLCipher raw key
    SecureBytes relay;     ///< Ed25519 seed: checkpoints, wipe commands
    SecureBytes identity;  ///< Signal identity private key: the relay's own journal entries
};

/// A data directory from before keys were sealed (clear hex) is refused with what to do.
Result<void> refuseClearKeys(const DataDir& d, const Args& a) {
    for (auto name : kSealedKeyFiles) {
        SecretText text;
        if (!readSecretFile(d.dir / name, text)) return fail(ErrorCode::NotFound, "cannot read " + (d.dir / name).string());
        if (looksSealed(text.text)) continue;
        if (parseHexKey(text.text))
            return fail(ErrorCode::Unsupported,
                        "the relay keys in " + d.dir.string() +
                            " are stored in clear (written before keys were sealed at rest); seal them once with: "
                            "verbatim-relay seal-keys --data " + a.opt("data") + " --unlock-file PATH "
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
        return fail(ErrorCode::NotFound, "the data directory " + d.dir.string() + " does not exist or cannot be read");
    if (!S_ISDIR(st.st_mode)) return fail(ErrorCode::InvalidArgument, d.dir.string() + " is not a directory");
    if (st.st_uid != ::geteuid())
        return fail(ErrorCode::InvalidArgument, "the data directory " + d.dir.string() + " is owned by uid " +
                                                    std::to_string(st.st_uid) + ", not by the user running the relay (uid " +
                                                    std::to_string(::geteuid()) + "); run as its owner");
    if (st.st_mode & 077) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", unsigned(st.st_mode & 07777));
        return fail(ErrorCode::InvalidArgument, "the data directory " + d.dir.string() + " has mode " + mode +
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
                                                             std::uint32_t cacheKiB = 0) {
    if (dbKey.size() != 32) return fail(ErrorCode::InvalidArgument, "the database key is not available");
    return storage::Database::open(d.db().string(), dbKey, {false, storage::Durability::Full, false, cacheKiB});
}

Result<std::unique_ptr<relay::RelayService>> openService(
    const DataDir& d, RelayKeys keys, bool benchLimits = false,
    const std::function<void(relay::RelayConfig&)>& adjust = {}, std::uint32_t cacheKiB = 0) {
    auto manifestBytes = readFile(d.manifest());
    if (!manifestBytes) return tl::unexpected(manifestBytes.error());
    auto manifest = journal::FirmManifest::parse(view(*manifestBytes));
    if (!manifest) return tl::unexpected(manifest.error());
    // relay.key must be the key the manifest publishes (checkpoints and wipes are checked with it).
    auto relayPublic = crypto::ed25519PublicKey(keys.relay);
    if (!relayPublic || !constantTimeEqual(*relayPublic, manifest->relayPublicKey))
        return fail(ErrorCode::WrongKey, "relay.key is not the relay key of this data directory's manifest");
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

int cmdInit(const Args& a) {
    std::string dataDir = a.opt("data"), firm = a.opt("firm"), journalKey = a.opt("journal-key"),
                rootOut = a.opt("root-key-out"), address = a.opt("address", "127.0.0.1:8443");
    if (dataDir.empty() || firm.empty() || journalKey.empty() || rootOut.empty()) return usage();
    DataDir d{dataDir};
    if (fs::exists(d.db())) return die("refusing to overwrite an existing relay in " + dataDir);
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
    if (addresses.empty() || addresses.size() > 16 || !std::all_of(addresses.begin(), addresses.end(), validAddress))
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
    // The device policy rides in the root-signed manifest: a breached relay cannot relax it.
    for (auto [name, field] : {std::pair{"wipe-after-failed-unlocks", &m.policy.maxFailedUnlocks},
                               std::pair{"wipe-after-offline-days", &m.policy.maxOfflineDays}}) {
        std::string v = a.opt(name);
        if (v.empty()) continue;
        if (v.find_first_not_of("0123456789") != std::string::npos || v.size() > 5)
            return die(std::string("--") + name + " takes a number");
        *field = std::uint32_t(std::stoul(v));
    }
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
    if (auto r = relay::generateSelfSignedCertificate(d.cert().string(), d.tlsKey().string(), host); !r)
        return die(r.error().message);
    auto db = storage::Database::open(d.db().string(), dbKey, {true, storage::Durability::Full});
    if (!db) return die(db.error().message);
    db->reset();
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
        std::printf("firm\t%s\nfingerprint\t%s\nversion\t%u\nissued_ms\t%llu\n", m->firmName.c_str(),
                    journal::firmFingerprint(m->rootPublicKey).c_str(), unsigned(m->version),
                    (unsigned long long)m->issuedMs);
        for (const auto& addr : m->relayAddresses) std::printf("address\t%s\n", addr.c_str());
        for (const auto& pin : m->tlsKeyPins) std::printf("tls-key-pin\t%s\n", toHex(pin).c_str());
        std::printf("relay-public-key\t%s\nrelay-identity-key\t%s\n", toHex(m->relayPublicKey).c_str(),
                    toHex(m->relayIdentityKey).c_str());
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
        if (addresses.empty() || addresses.size() > 16 || !std::all_of(addresses.begin(), addresses.end(), validAddress))
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
    m->version = journal::FirmManifest::kVersion;
    m->issuedMs = std::max(relay::wallClockMs(), m->issuedMs + 1);
    if (auto r = m->sign(*root); !r) return die(r.error().message);
    auto tmp = d.manifest().string() + ".new";
    if (auto w = writeFile(tmp, m->serialize(), false); !w) return die(w.error().message);
    std::error_code ec;
    fs::rename(tmp, d.manifest(), ec);
    if (ec) return die("cannot replace " + d.manifest().string());
    if (auto w = writeFile(d.address(), view(m->relayAddress), false); !w) return die(w.error().message);
    std::printf("manifest re-signed (issued %llu): %zu address(es), %zu TLS key pin(s); restart the relay to serve it\n",
                (unsigned long long)m->issuedMs, m->relayAddresses.size(), m->tlsKeyPins.size());
    return 0;
}

Result<void> fsyncDirectory(const fs::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail(ErrorCode::Storage, "cannot open " + dir.string());
    bool ok = ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) return fail(ErrorCode::Storage, "cannot sync " + dir.string());
    return {};
}

/// Overwrites a file's bytes with zeros in place, syncs, and removes it.
Result<void> shredAndRemove(const fs::path& p) {
    int fd = ::open(p.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return fail(ErrorCode::Storage, "cannot open " + p.string());
    struct stat st {};
    bool ok = ::fstat(fd, &st) == 0;
    const char zeros[4096] = {};
    for (off_t off = 0; ok && off < st.st_size;) {
        auto n = ::pwrite(fd, zeros, std::size_t(std::min<off_t>(sizeof zeros, st.st_size - off)), off);
        if (n <= 0) ok = false;
        else off += n;
    }
    ok = ok && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::unlink(p.c_str()) != 0) return fail(ErrorCode::Storage, "cannot overwrite and remove " + p.string());
    return {};
}

bool sameFile(const fs::path& a, const fs::path& b) {
    struct stat sa {}, sb {};
    return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
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
        SecureBytes key;  ///< a clear file's key
    };
    std::vector<Item> items;
    std::error_code ec;
    bool anyClear = false;
    for (auto name : kSealedKeyFiles) {
        Item it{name, d.dir / name, d.dir / (std::string(name) + ".clear"), d.dir / (std::string(name) + ".new"), false, {}};
        fs::remove(it.fresh, ec);  // an unfinished write of an earlier run
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
    bool anySealed = std::any_of(items.begin(), items.end(), [](const Item& it) { return it.sealed; });
    if (anySealed && !fs::exists(*path, ec))
        return die("some relay keys in " + d.dir.string() + " are already sealed: give the unlock secret they were sealed with");
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
                if (::unlink(it.clear.c_str()) != 0) return die("cannot remove " + it.clear.string());
            } else if (auto r = shredAndRemove(it.clear); !r) {
                return die(r.error().message);
            }
        }
        if (it.sealed) continue;
        auto sealed = sealKeyFile(it.key, *unlock, it.name);
        if (!sealed) return die("cannot seal " + it.file.string());
        if (::link(it.file.c_str(), it.clear.c_str()) != 0) return die("cannot link " + it.clear.string());
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
    if (created) std::printf("created the unlock secret %s (keep it outside %s and its backups)\n", path->c_str(), d.dir.c_str());
    if (sealedNow)
        std::printf("sealed %d relay key file(s) in %s; copies of the directory from before still hold the keys in clear\n",
                    sealedNow, d.dir.c_str());
    else
        std::printf("the relay keys in %s are already sealed under this unlock secret\n", d.dir.c_str());
    return 0;
}

std::pair<std::string, std::uint16_t> splitHostPort(const std::string& s, std::uint16_t def) {
    auto colon = s.rfind(':');
    if (colon == std::string::npos) return {s, def};
    return {s.substr(0, colon), std::uint16_t(std::stoi(s.substr(colon + 1)))};
}

// SIGHUP: new connections get the certificate and key now in the files; a bad pair is refused
// and the old one stays. The notify messages let `systemctl reload` wait for the outcome.
void reloadCertificate(relay::RelayServer& server, const relay::SystemdNotify& notify, const relay::ServerConfig& config) {
    notify.send("RELOADING=1");
    const auto start = std::chrono::steady_clock::now();
    auto r = server.reloadCertificate();
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
    if (r) {
        log::write(log::Level::Info, "relay.tls_reloaded", {{"cert", config.certFile}, {"us", std::to_string(us)}});
        notify.send("READY=1\nSTATUS=certificate reloaded");
    } else {
        log::write(log::Level::Error, "relay.tls_reload_failed",
                   {{"reason", r.error().message}, {"kept", "the previous certificate"}});
        notify.send("READY=1\nSTATUS=certificate reload failed, previous certificate kept: " + r.error().message);
    }
}

int cmdServe(const Args& a) {
    if (a.opt("data").empty()) return usage();
    // Keys live in this process: no core dumps, no ptrace by other users (TeleMessage lesson).
    prctl(PR_SET_DUMPABLE, 0);
    rlimit none{0, 0};
    setrlimit(RLIMIT_CORE, &none);
    // SIGINT and SIGTERM are taken by sigtimedwait below. Blocked before any thread starts
    // (openService starts the storage and checkpoint threads): a thread that did not block them
    // would take the signal's default action and kill the process without a clean stop.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);  // re-read the TLS certificate and key (systemctl reload)
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    relay::SystemdNotify notify;
    DataDir d{a.opt("data")};
    auto keys = relayKeys(a, d);
    if (!keys) return die(keys.error().message);
    bool benchLimits = !a.opt("bench-limits").empty();
    {
        // A CA-issued certificate (--cert) needs no pin in links; the self-signed one does.
        std::string pin;
        if (a.opt("cert").empty()) {
            auto fp = relay::certificateFingerprint(a.opt("cert", d.cert().string()));
            if (!fp) return die(fp.error().message);
            pin = *fp;
        }
        if (auto w = writeFile(d.tlsPin(), view(pin), false); !w) return die(w.error().message);
    }
    std::string signatures = a.opt("journal-signatures", "relay");
    if (signatures != "relay" && signatures != "compliance")
        return die("--journal-signatures must be relay or compliance");
    const auto windowUs = a.number("commit-window-us", 1000, 0, 100000);
    if (!windowUs) return die("--commit-window-us must be 0..100000");
    const auto cacheMiB = a.number("db-cache-mib", 64, 2, 65536);
    if (!cacheMiB) return die("--db-cache-mib must be 2..65536");
    // The second connection is opened once, inside openService; its copy of the key is wiped then.
    auto checkpointKey = std::make_shared<SecureBytes>(keys->db);
    auto service = openService(d, std::move(*keys), benchLimits, [&](relay::RelayConfig& c) {
        c.verifyJournalSignatures = signatures == "relay";
        c.commitWindow = std::chrono::microseconds(*windowUs);
        // Attachment limits, defaults from BlobPolicy; the command-line table has checked ranges.
        const relay::BlobPolicy def;
        auto mib = [&](const char* name, std::uint64_t bytes) {
            const long mibs = long(bytes >> 20);
            return std::uint64_t(a.number(name, mibs, 0, 1l << 40).value_or(mibs)) << 20;
        };
        auto count = [&](const char* name, std::uint32_t n) {
            return std::uint32_t(a.number(name, long(n), 0, 1000000).value_or(long(n)));
        };
        auto seconds = [&](const char* name, std::chrono::milliseconds t) {
            const long secs = long(std::chrono::duration_cast<std::chrono::seconds>(t).count());
            return std::chrono::seconds(a.number(name, secs, 1, 365l * 86400).value_or(secs));
        };
        c.blobs.client = {mib("blob-quota-client-mib", def.client.quotaBytes), mib("blob-rate-client-mib", def.client.bytesPerHour),
                          count("blob-uploads-client", def.client.uploadsPerHour)};
        c.blobs.staff = {mib("blob-quota-staff-mib", def.staff.quotaBytes), mib("blob-rate-staff-mib", def.staff.bytesPerHour),
                         count("blob-uploads-staff", def.staff.uploadsPerHour)};
        c.blobs.reserveBytes = mib("blob-reserve-mib", def.reserveBytes);
        c.blobs.reservePercent = count("blob-reserve-percent", def.reservePercent);
        c.blobs.grace = seconds("blob-grace-s", def.grace);
        c.blobs.sweepInterval = seconds("blob-sweep-s", def.sweepInterval);
        // The WAL is checkpointed on a second connection off the storage thread.
        c.openCheckpointConnection = [d, checkpointKey] { return openRelayDatabase(d, *checkpointKey); };
    }, std::uint32_t(*cacheMiB) * 1024);
    SecureBytes().swap(*checkpointKey);  // freed, so wiped (SecureBytes)
    if (service && signatures == "compliance")
        log::write(log::Level::Info, "relay.journal_signatures", {{"checked_by", "compliance"}});
    if (!service) return die(service.error().message);
    if (benchLimits) log::write(log::Level::Warn, "relay.bench_limits", {{"note", "rate limits lifted for a load test"}});
    relay::ServerConfig config;
    std::tie(config.listenAddress, config.port) = splitHostPort(a.opt("listen", "127.0.0.1:8443"), 8443);
    std::tie(config.adminAddress, config.adminPort) = splitHostPort(a.opt("admin-listen", "127.0.0.1:9443"), 9443);
    config.certFile = a.opt("cert", d.cert().string());
    if (benchLimits) config.connectsPerAddress = relay::BucketSpec{1e12, 1e12};
    // The command-line table has checked these ranges already.
    config.maxSessionsPerDevice = std::size_t(a.number("max-sessions-per-device", 1, 1, 64).value_or(1));
    config.maxRequestsInFlight = std::size_t(a.number("max-requests-in-flight", 128, 1, 65536).value_or(128));
    config.maxPendingRequests = std::size_t(a.number("max-pending-requests", 16384, 1, 10000000).value_or(16384));
    config.writeStallTimeout = std::chrono::seconds(a.number("write-stall-timeout-s", 30, 1, 3600).value_or(30));
    config.keyFile = a.opt("key", d.tlsKey().string());
    config.blobDir = d.blobs().string();
    // The watchdog is fed from the network loop, and only while the storage thread also answers:
    // each beat asks it for a sign of life, and the next beat pings only if one came back
    // within the watchdog interval. Half the interval between beats, as sd_watchdog_enabled(3)
    // advises.
    auto storageAliveMs = std::make_shared<std::atomic<std::uint64_t>>(relay::monotonicMs());
    if (notify.enabled() && notify.watchdogInterval().count() > 0) {
        const auto interval = std::chrono::duration_cast<std::chrono::milliseconds>(notify.watchdogInterval());
        config.heartbeatInterval = std::max(std::chrono::milliseconds(1), interval / 2);
        relay::RelayService* core = service->get();
        config.heartbeat = [&notify, core, storageAliveMs, limit = std::uint64_t(interval.count())] {
            const std::uint64_t now = relay::monotonicMs();
            if (now - storageAliveMs->load() < limit) notify.send("WATCHDOG=1");
            core->storage().postBetweenBatches([storageAliveMs](storage::Database&) { storageAliveMs->store(relay::monotonicMs()); });
        };
    }
    std::error_code fsError;
    fs::create_directories(d.blobs(), fsError);
    if (fsError) return die("cannot create " + d.blobs().string());
    auto server = relay::RelayServer::start(**service, config);
    if (!server) return die(server.error().message);
    std::printf("verbatim-relay listening on %s:%u (admin %s:%u)\n", config.listenAddress.c_str(),
                unsigned((*server)->port()), config.adminAddress.c_str(), unsigned((*server)->adminPort()));
    std::fflush(stdout);
    log::write(log::Level::Info, "relay.started", {{"port", std::to_string((*server)->port())}});
    // Both listeners accept from here (start() listened on both before it returned).
    notify.send("READY=1\nSTATUS=serving on port " + std::to_string((*server)->port()) + " (admin port " +
                std::to_string((*server)->adminPort()) + ")");
    // Revocations and wipes made by `verbatim-relay admin` in another process reach live
    // connections within half a second.
    int sig = 0;
    timespec tick{0, 500 * 1000 * 1000};
    while (true) {
        while ((sig = sigtimedwait(&set, nullptr, &tick)) < 0) (*service)->applyExternalChanges();
        if (sig != SIGHUP) break;
        reloadCertificate(**server, notify, config);
    }
    notify.send("STOPPING=1");
    log::write(log::Level::Info, "relay.stopping", {{"signal", std::to_string(sig)}});
    (*server)->stop();
    service->reset();  // saves the rate-limit buckets, then stops storage
    log::write(log::Level::Info, "relay.stopped");
    return 0;
}

const char* roleName(proto::Role r) {
    switch (r) {
    case proto::ROLE_CLIENT: return "client";
    case proto::ROLE_LAWYER: return "lawyer";
    case proto::ROLE_SUPERVISOR: return "supervisor";
    case proto::ROLE_COMPLIANCE: return "compliance";
    case proto::ROLE_ADMIN: return "admin";
    default: return "unknown";
    }
}

int cmdAdmin(const Args& a) {
    if (a.opt("data").empty() || a.positional.empty()) return usage();
    DataDir dataDir{a.opt("data")};
    auto keys = relayKeys(a, dataDir);
    if (!keys) return die(keys.error().message);
    auto service = openService(dataDir, std::move(*keys));
    if (!service) return die(service.error().message);
    auto& s = **service;
    const std::string& cmd = a.positional[0];
    const std::string actor = "admin-cli";
    if (cmd == "enroll" && a.positional.size() == 2) {
        std::map<std::string, proto::Role> roles{{"lawyer", proto::ROLE_LAWYER},
                                                 {"supervisor", proto::ROLE_SUPERVISOR},
                                                 {"compliance", proto::ROLE_COMPLIANCE},
                                                 {"admin", proto::ROLE_ADMIN}};
        auto role = roles.find(a.opt("role"));
        if (role == roles.end()) return die("--role must be lawyer, supervisor, compliance or admin");
        const std::string& user = a.positional[1];
        auto users = s.listUsers();
        bool exists = users && std::any_of(users->begin(), users->end(), [&](auto& u) { return u.id == user; });
        if (!exists)
            if (auto r = s.createUser(user, role->second, a.opt("name", user), actor); !r) return die(r.error().message);
        auto token = s.createEnrollmentToken(user, 7ull * 24 * 3600 * 1000, actor);
        if (!token) return die(token.error().message);
        std::printf("%s\n", s.linkFor("enroll", *token).c_str());
        return 0;
    }
    if (cmd == "users") {
        auto users = s.listUsers();
        if (!users) return die(users.error().message);
        for (auto& u : *users) std::printf("%s\t%s\t%s\n", u.id.c_str(), roleName(u.role), u.displayName.c_str());
        return 0;
    }
    if (cmd == "devices") {
        auto devices = s.listDevices(a.positional.size() > 1 ? a.positional[1] : "");
        if (!devices) return die(devices.error().message);
        std::printf("user\tdevice\trole\tplatform\tversion\tenrolled_ms\tlast_seen_ms\tstatus\n");
        auto status = [](const relay::RelayService::DeviceRow& d) -> std::string {
            if (d.wipedMs) return "wiped-at-" + std::to_string(d.wipedMs);
            // A wipe revokes at once: such a device is revoked and still owes its confirmation.
            if (d.wipeRequestedMs) return d.revokedMs ? "revoked,wipe-pending" : "wipe-pending";
            if (d.revokedMs) return "revoked";
            return d.pendingMs ? "awaiting-approval" : "active";
        };
        for (auto& d : *devices)
            std::printf("%s\t%u\t%s\t%s\t%s\t%llu\t%llu\t%s\n", d.user.c_str(), d.device, roleName(d.role),
                        d.platform.c_str(), d.appVersion.c_str(), (unsigned long long)d.enrolledMs,
                        (unsigned long long)d.lastSeenMs, status(d).c_str());
        return 0;
    }
    if (cmd == "revoke" && a.positional.size() == 3) {
        auto r = s.revokeDevice(a.positional[1], std::uint32_t(std::stoul(a.positional[2])), actor);
        if (!r) return die(r.error().message);
        std::printf("revoked %s/%s\n", a.positional[1].c_str(), a.positional[2].c_str());
        return 0;
    }
    if (cmd == "wipe" && a.positional.size() == 3) {
        auto r = s.queueWipe(a.positional[1], std::uint32_t(std::stoul(a.positional[2])), actor);
        if (!r) return die(r.error().message);
        std::printf("wipe queued for %s/%s: delivered when the device next connects\n", a.positional[1].c_str(),
                    a.positional[2].c_str());
        return 0;
    }
    if (cmd == "invite") {
        auto link = s.inviteToMatter(a.opt("from"), a.opt("matter"), 7ull * 24 * 3600 * 1000);
        if (!link) return die(link.error().message);
        std::printf("%s\n", link->c_str());
        return 0;
    }
    if (cmd == "invites" || cmd == "revoke-invite") {
        // Titles and names are chosen by users: no tab or line break may break the columns.
        auto cell = [](std::string v) {
            std::replace_if(v.begin(), v.end(), [](char ch) { return ch == '\t' || ch == '\n' || ch == '\r'; }, ' ');
            return v.empty() ? std::string("-") : v;
        };
        auto state = [](proto::InviteState st) {
            switch (st) {
            case proto::INVITE_OPEN: return "open";
            case proto::INVITE_REDEEMED: return "redeemed";
            case proto::INVITE_EXPIRED: return "expired";
            case proto::INVITE_REVOKED: return "revoked";
            case proto::INVITE_INVITER_REVOKED: return "inviter-revoked";
            default: return "unknown";
            }
        };
        auto print = [&](const proto::InviteInfo& i) {
            std::string by = i.redeemed_by().empty() ? "" : i.redeemed_by() + " (" + i.redeemed_name() + ")";
            std::printf("%s\t%s\t%s/%u\t%llu\t%llu\t%llu\t%s\t%llu\t%s\t%s\n", i.id().c_str(), state(i.state()),
                        i.inviter().c_str(), i.inviter_device(), (unsigned long long)i.created_ms(),
                        (unsigned long long)i.expires_ms(), (unsigned long long)i.redeemed_ms(), cell(by).c_str(),
                        (unsigned long long)i.revoked_ms(), cell(i.revoked_by()).c_str(), cell(i.matter_title()).c_str());
        };
        auto header = [] {
            std::printf("id\tstate\tinviter/device\tcreated_ms\texpires_ms\tredeemed_ms\tredeemed_by\trevoked_ms\t"
                        "revoked_by\tmatter\n");
        };
        if (cmd == "invites") {
            auto list = s.listInvites(a.positional.size() > 1 ? a.positional[1] : "", 100000);
            if (!list) return die(list.error().message);
            header();
            for (const auto& i : *list) print(i);
            return 0;
        }
        auto revoked = s.revokeInvite(a.positional.size() > 1 ? a.positional[1] : "", actor);
        if (!revoked) return die(revoked.error().message);
        header();
        print(*revoked);
        return 0;
    }
    return usage();
}

// ---- backup, restore, check (issue 19; relay/core/RelayBackup.h has the file format) ----------

/// The manifest of a data directory: firm name and fingerprint, the relay's public key.
Result<journal::FirmManifest> readManifest(const DataDir& d) {
    auto bytes = readFile(d.manifest());
    if (!bytes) return tl::unexpected(bytes.error());
    auto m = journal::FirmManifest::parse(view(*bytes));
    if (!m) return fail(ErrorCode::Malformed, d.manifest().string() + ": " + m.error().message);
    return m;
}

double secondsSince(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

int cmdBackup(const Args& a) {
    const auto start = std::chrono::steady_clock::now();
    DataDir d{a.opt("data")};
    const std::string out = a.opt("out");
    if (isInside(out, d.dir)) return die("the backup must not be written into the data directory it backs up");
    auto keys = relayKeys(a, d);
    if (!keys) return die(keys.error().message);
    auto unlock = unlockSecret(a, d);
    if (!unlock) return die(unlock.error().message);
    auto manifest = readManifest(d);
    if (!manifest) return die(manifest.error().message);
    relay::BackupRequest req;
    req.dataDir = d.dir.string();
    req.outFile = out;
    req.dbKey = keys->db;
    req.unlock = *unlock;
    req.firmName = manifest->firmName;
    req.firmFingerprint = journal::firmFingerprint(manifest->rootPublicKey);
    auto summary = relay::writeBackup(req);
    if (!summary) return die("backup failed (nothing was written to " + out + "): " + summary.error().message);
    std::printf("backup of %s (firm fingerprint %s) written to %s: %llu bytes, schema version %lld, journal up to "
                "sequence %llu, %zu attachment(s), %.1f s\n",
                summary->header.firmName.c_str(), summary->header.firmFingerprint.c_str(), out.c_str(),
                (unsigned long long)summary->bytes, (long long)summary->header.schemaVersion,
                (unsigned long long)summary->header.journalSequence, summary->blobs, secondsSince(start));
    return 0;
}

int cmdRestore(const Args& a) {
    const auto start = std::chrono::steady_clock::now();
    const std::string from = a.opt("from");
    DataDir d{fs::path(a.opt("data")).lexically_normal()};
    while (!d.dir.empty() && d.dir.filename().empty()) d.dir = d.dir.parent_path();
    auto header = relay::readBackupHeader(from);
    if (!header) return die("cannot restore from " + from + ": " + header.error().message);
    if (header->schemaVersion > std::int64_t(relay::kRelayMigrations.size()))
        return die("the backup " + from + " has schema version " + std::to_string(header->schemaVersion) +
                   ", written by a newer release; this one knows up to version " +
                   std::to_string(relay::kRelayMigrations.size()));
    // Unpacked into NEWDIR/.restore-partial and moved up once whole and marked: a failed restore
    // leaves NEWDIR as it found it, a killed one leaves only that folder (the next restore
    // removes it), never a data directory that looks whole.
    const std::string kPartial = ".restore-partial";
    std::error_code ec;
    if (fs::exists(d.dir, ec)) {
        if (!fs::is_directory(d.dir, ec)) return die("refusing to restore into " + d.dir.string() + ": it is not a directory");
        bool empty = true;
        for (const auto& e : fs::directory_iterator(d.dir, ec))
            if (e.path().filename() != kPartial) empty = false;
        if (!empty) {
            std::string whose;
            if (auto m = readManifest(d))
                whose = " (it holds the relay of " + m->firmName + ", firm fingerprint " +
                        journal::firmFingerprint(m->rootPublicKey) + "; the backup is of " + header->firmName +
                        ", firm fingerprint " + header->firmFingerprint + ")";
            return die("refusing to restore into " + d.dir.string() + ": it is not empty" + whose +
                       "; restore into a new or empty directory");
        }
    }
    auto unlock = unlockSecret(a, d);
    if (!unlock) return die(unlock.error().message);
    fs::create_directories(d.dir, ec);
    if (ec) return die("cannot create " + d.dir.string() + ": " + ec.message());
    fs::permissions(d.dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (auto r = checkDataDirectory(d); !r) return die(r.error().message);
    DataDir tmp{d.dir / kPartial};
    fs::remove_all(tmp.dir, ec);
    fs::create_directory(tmp.dir, ec);
    if (ec) return die("cannot create " + tmp.dir.string() + ": " + ec.message());
    fs::permissions(tmp.dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    struct Cleanup {
        fs::path p;
        bool keep = false;
        ~Cleanup() {
            std::error_code e;
            if (!keep) fs::remove_all(p, e);
        }
    } cleanup{tmp.dir};
    auto summary = relay::unpackBackup(from, tmp.dir.string(), *unlock);
    if (!summary) return die("cannot restore from " + from + ": " + summary.error().message + " (nothing was restored)");
    auto manifest = readManifest(tmp);
    if (!manifest) return die(manifest.error().message);
    if (journal::firmFingerprint(manifest->rootPublicKey) != header->firmFingerprint)
        return die("cannot restore from " + from + ": its manifest is not of the firm its header names");
    auto keys = unsealRelayKeys(tmp, *unlock);
    if (!keys) return die("cannot restore from " + from + ": its keys do not open under this unlock secret (" +
                          keys.error().message + ")");
    {
        auto db = openRelayDatabase(tmp, keys->db);
        if (!db) return die("cannot restore from " + from + ": relay.db does not open: " + db.error().message);
        auto ok = (*db)->integrityCheck();
        if (!ok || !*ok) return die("cannot restore from " + from + ": relay.db fails its integrity check");
        if (auto r = relay::markRestored(**db, *header); !r) return die(r.error().message);
    }
    for (const auto& e : fs::directory_iterator(tmp.dir, ec)) {
        fs::rename(e.path(), d.dir / e.path().filename(), ec);
        if (ec) return die("cannot move the restored " + e.path().filename().string() + " into " + d.dir.string());
    }
    if (auto r = fsyncDirectory(d.dir); !r) return die(r.error().message);
    std::printf("restored %s (firm fingerprint %s) into %s: backup of %llu ms, schema version %lld, journal up to "
                "sequence %llu, %zu attachment(s), %.1f s; serve it with the same unlock secret\n",
                header->firmName.c_str(), header->firmFingerprint.c_str(), d.dir.c_str(),
                (unsigned long long)header->createdMs, (long long)header->schemaVersion,
                (unsigned long long)header->journalSequence, summary->blobs, secondsSince(start));
    return 0;
}

int cmdCheck(const Args& a) {
    DataDir d{a.opt("data")};
    auto keys = relayKeys(a, d);
    if (!keys) return die(keys.error().message);
    auto manifest = readManifest(d);
    if (!manifest) return die(manifest.error().message);
    auto db = openRelayDatabase(d, keys->db);
    if (!db) return die("relay.db does not open: " + db.error().message);
    auto report = relay::checkStore(**db, manifest->relayPublicKey);
    if (!report) return die("check failed: " + report.error().message);
    if (!report->ok()) {
        std::fprintf(stderr, "verbatim-relay: check found damage in %s; first bad row: %s\n", d.dir.c_str(),
                     report->problems.front().c_str());
        for (std::size_t i = 1; i < report->problems.size() && i < 20; ++i)
            std::fprintf(stderr, "  also: %s\n", report->problems[i].c_str());
        return 1;
    }
    std::printf("ok: integrity checks pass; journal chain of %llu entries and %llu signed checkpoints verified; %llu queued\n",
                (unsigned long long)report->journalEntries, (unsigned long long)report->checkpoints,
                (unsigned long long)report->queueRows);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    // Refused before anything happens: an unknown option, a bad value, a stray argument.
    int exitCode = 0;
    auto parsed = commandLine().parseOrReport(argc, argv, exitCode);
    if (!parsed) return exitCode;
    const std::string cmd = parsed->words.front();
    Args a = toArgs(*parsed);
    try {
        if (cmd == "init") return cmdInit(a);
        if (cmd == "serve") return cmdServe(a);
        if (cmd == "admin") return cmdAdmin(a);
        if (cmd == "manifest") return cmdManifest(a);
        if (cmd == "seal-keys") return cmdSealKeys(a);
        if (cmd == "backup") return cmdBackup(a);
        if (cmd == "restore") return cmdRestore(a);
        if (cmd == "check") return cmdCheck(a);
        if (cmd == "tls-key-pin" && a.positional.size() == 1) {
            auto pin = relay::certificateKeyPin(a.positional[0]);
            if (!pin) return die(pin.error().message);
            std::printf("%s\n", pin->c_str());
            return 0;
        }
    } catch (const std::exception& e) {
        return die(std::string("unexpected error: ") + e.what());
    }
    return usage();
}

/// @file CommandTable.cpp
/// Every command of verbatim-relay with its options and usage text (shared/common/CommandLine checks them strictly), and the parsed line as Args.
#include "relay/app/RelayApp.h"

namespace verbatim::relayapp {

/// The whole usage on stderr, exit code 2 (a command line parse refused gets its own usage).
int usage() {
    std::fputs(commandLine().usage().c_str(), stderr);
    return cmdline::kExitUsage;
}

int die(const std::string& message) {
    std::fprintf(stderr, "verbatim-relay: %s\n", message.c_str());
    return 1;
}

// --listen and --admin-listen: HOST or HOST:PORT, PORT 0..65535 (0: any free port).
std::string checkListen(const std::string& v) {
    auto colon = v.rfind(':');
    if (colon == 0) return "must be HOST or HOST:PORT, not '" + v + "'";
    if (colon == std::string::npos) return {};
    auto port = v.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        port.find_first_not_of("0123456789") != std::string::npos || std::stol(port) > 65535)
        return "must be HOST:PORT with a port in 0..65535, not '" + v + "'";
    return {};
}

std::vector<std::string> splitList(const std::string& s);

// --firm: shown to every user and written into their notice acceptances (R-MAN-1).
std::string checkFirm(const std::string& v) {
    if (v.size() > 256 || !isUtf8(v)) return "takes 1 to 256 bytes of UTF-8 text";
    return {};
}

std::string checkAddresses(const std::string& v) {
    auto addresses = splitList(v);
    if (addresses.empty() || addresses.size() > 16 ||
        !std::all_of(addresses.begin(), addresses.end(), validAddress))
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
const char* const kRootKeyNotes =
    "The root key passphrase comes from VERBATIM_PASSPHRASE or --passphrase-file.\n";
const char* const kStoreNotes =
    "--store postgresql://USER@HOST/DB keeps the relay's tables in PostgreSQL instead of relay.db\n"
    "in --data (init, serve and admin of one relay all take the same URL; the keys stay in\n"
    "--data). Not on a Unix socket the connection uses TLS (sslmode=require unless the URL asks\n"
    "for verify-ca or verify-full). A password belongs in ~/.pgpass or PGPASSFILE, or in the\n"
    "--config file, not on the command line. README, \"PostgreSQL store\".\n";
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
const char* const kPushNotes =
    "UnifiedPush wake-ups: when something is queued for a device that registered a push\n"
    "endpoint and is not connected, the relay POSTs a content-free wake-up there (https only,\n"
    "never to a loopback, private or link-local address, even after DNS). At most one per device\n"
    "per --push-min-interval-seconds (default 10; a burst is one push, and one more at the end\n"
    "of the interval if more arrived), at most --push-max-per-second in all (default 50).\n"
    "--push-allow-loopback is for tests only: it lets endpoints on 127.0.0.1 or ::1 (http or\n"
    "https) be registered and contacted.\n";
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
    "relay serves: a consistent snapshot of relay.db (still encrypted under its database key), "
    "the\n"
    "sealed key files, the manifest, the TLS certificate and key (wrapped under the unlock "
    "secret)\n"
    "and every attachment. The unlock secret is never in it: keep it apart from the backups.\n"
    "restore checks every record's checksum, refuses a truncated or damaged file and a NEWDIR\n"
    "that is not empty, and needs the same unlock secret; the restored relay tells devices that\n"
    "are ahead of the backup to send again what it lost. check runs SQLCipher's and SQLite's\n"
    "integrity checks and re-verifies the journal chain and its signed checkpoints; it exits 1\n"
    "naming the first bad row. The data directory must belong to the user running the relay and\n"
    "be closed to group and others (mode 0700), or every command but init refuses it.\n";
const char* const kWallNotes =
    "An ethical wall keeps its two sides apart: the relay refuses (status 451, naming the wall)\n"
    "a conversation, invite, invite redemption or matter handover that would put users of both\n"
    "sides in one conversation, or a user of one side into a matter of the other (a matter's\n"
    "members count as its side). MATTER is a matter's id or its exact title. A new wall lists the\n"
    "conversations that already hold both sides and removes nobody; nothing is sent in them until\n"
    "`wall cut CONVERSATION USER` removes a member or the wall is removed. README, \"Ethical\n"
    "walls\".\n";
const char* const kSyntaxNotes =
    "An option's value is the next argument or follows '=' (--data=DIR); -- ends the options.\n"
    "An unknown option, a missing or malformed value or a stray argument is refused (exit 2)\n"
    "before anything is changed. COMMAND --help shows one command.\n";

const char* const kPolicyNotes =
    "The firm policy rides in the root-signed manifest (a breached relay cannot relax it):\n"
    "--retention-years: compliance keeps a matter this many years after it closed, and\n"
    "--retention-direct-years a direct conversation's message this many years after it was sent\n"
    "(0: no period; `verbatim-journal dispose --by-policy` applies them; a legal hold wins).\n"
    "--device-message-days: apps remove messages older than this from devices (the journal\n"
    "keeps everything). --staff-may-save/--clients-may-save: attachments may be saved outside\n"
    "the app; --staff-may-copy/--clients-may-copy: message text may be copied (all yes by\n"
    "default). --wipe-client-devices: the firm may erase a client's device (no by default; the\n"
    "recording notice says so). --privacy-notice: the https:// link the notice shows (UK GDPR\n"
    "Art. 13). --wipe-after-failed-unlocks/--wipe-after-offline-days: a device erases its\n"
    "profile after N wrong passphrases in a row or D days without reaching the relay (0: off).\n"
    "--max-idle-lock: apps lock after at most this many minutes without use (1 to 1440; users\n"
    "may choose less, never more or never; 0, the default: no firm maximum).\n"
    "A value not given keeps the manifest's; `policy --show` prints them.\n";

/// The firm policy's options, on init, manifest and policy (applied by applyPolicyOptions).
std::vector<cmdline::Option> withPolicyOptions(std::vector<cmdline::Option> options) {
    using cmdline::Option;
    static const auto yesNo = cmdline::oneOf({"yes", "no"});
    options.push_back(
        Option::value("wipe-after-failed-unlocks", "N").checked(cmdline::number(0, 99999)));
    options.push_back(
        Option::value("wipe-after-offline-days", "D").checked(cmdline::number(0, 99999)));
    for (const char* name : {"retention-years", "retention-direct-years"})
        options.push_back(Option::value(name, "YEARS").checked(cmdline::number(0, 100)));
    options.push_back(
        Option::value("device-message-days", "DAYS").checked(cmdline::number(0, 36500)));
    options.push_back(Option::value("max-idle-lock", "MINUTES")
                          .checked(cmdline::number(0, journal::kMaxIdleLockMinutes)));
    for (const char* name : {"staff-may-save", "clients-may-save", "staff-may-copy",
                             "clients-may-copy", "wipe-client-devices"})
        options.push_back(Option::value(name, "yes|no").checked(yesNo));
    options.push_back(Option::value("privacy-notice", "https://...")
                          .checked([](const std::string& v) -> std::string {
                              return journal::validPrivacyNoticeUrl(v)
                                         ? ""
                                         : "must be an https:// URL of at most 512 printable "
                                           "characters without spaces";
                          })
                          .allowEmpty());
    return options;
}

/// Every command, its options and arguments (docs: README "Running the relay").
const cmdline::CommandLine& commandLine() {
    using cmdline::Option;
    using cmdline::Positional;
    static const auto device = cmdline::number(0, 4294967295LL);
    static const cmdline::CommandLine cl(
        "verbatim-relay",
        {
            {"init",
             "  verbatim-relay init --data DIR --unlock-file PATH --firm NAME --journal-key "
             "JOURNAL.pub\n"
             "                      --root-key-out FILE [--address HOST:PORT[,HOST:PORT...]] "
             "[--passphrase-file FILE]\n"
             "                      [--tls-key-pins HEX[,HEX...]] [--pin-cert "
             "CERT.pem[,CERT.pem...]]\n"
             "                      [--store postgresql://...] [firm policy options, see "
             "policy]\n",
             withPolicyOptions(
                 {Option::value("data", "DIR").required(), Option::value("unlock-file", "PATH"),
                  Option::value("store", "postgresql://..."),
                  Option::value("firm", "NAME").required().checked(checkFirm),
                  Option::value("journal-key", "JOURNAL.pub").required(),
                  Option::value("root-key-out", "FILE").required(),
                  Option::value("address", "HOST:PORT[,HOST:PORT...]").checked(checkAddresses),
                  Option::value("passphrase-file", "FILE"),
                  Option::value("tls-key-pins", "HEX[,HEX...]").checked(checkPins),
                  Option::value("pin-cert", "CERT.pem[,CERT.pem...]")}),
             {},
             true,
             {},
             std::string(kUnlockNotes) + kRootKeyNotes + kManifestNotes + kPolicyNotes +
                 kStoreNotes},
            {"serve",
             "  verbatim-relay serve --data DIR [--config FILE] [--unlock-file PATH] [--listen "
             "127.0.0.1:8443]\n"
             "                      [--admin-listen 127.0.0.1:9443] [--cert FILE --key FILE]\n"
             "                      [--journal-signatures relay|compliance] [--commit-window-us "
             "1000]\n"
             "                      [--db-cache-mib 64] [--bench-limits]\n"
             "                      [--max-sessions-per-device 1] [--max-requests-in-flight 128]\n"
             "                      [--max-pending-requests 16384] [--write-stall-timeout-s 30]\n"
             "                      [--verify-threads CORES] [--io-threads CORES]\n"
             "                      [--blob-quota-client-mib 2048] [--blob-quota-staff-mib 20480]\n"
             "                      [--blob-rate-client-mib 512] [--blob-rate-staff-mib 4096]\n"
             "                      [--blob-uploads-client 60] [--blob-uploads-staff 600]\n"
             "                      [--blob-reserve-mib 1024] [--blob-reserve-percent 5]\n"
             "                      [--blob-grace-s 86400] [--blob-sweep-s 600]\n"
             "                      [--journal-prune-after-days 30] [--journal-prune-interval-s "
             "60]\n"
             "                      [--push-min-interval-seconds 10] [--push-max-per-second 50]\n"
             "                      [--push-allow-loopback]\n"
             "                      [--store postgresql://...]\n",
             {Option::value("data", "DIR").required(),
              Option::value("store", "postgresql://...").allowEmpty(),
              Option::value("config", "FILE"),
              Option::value("unlock-file", "PATH"),
              Option::value("listen", "HOST:PORT").checked(checkListen),
              Option::value("admin-listen", "HOST:PORT").checked(checkListen),
              Option::value("cert", "FILE"),
              Option::value("key", "FILE"),
              Option::value("journal-signatures", "relay|compliance")
                  .checked(cmdline::oneOf({"relay", "compliance"})),
              Option::value("commit-window-us", "MICROSECONDS").checked(cmdline::number(0, 100000)),
              Option::value("db-cache-mib", "MIB").checked(cmdline::number(2, 65536)),
              Option::flag("bench-limits"),
              Option::value("max-sessions-per-device", "N").checked(cmdline::number(1, 64)),
              Option::value("max-requests-in-flight", "N").checked(cmdline::number(1, 65536)),
              Option::value("max-pending-requests", "N").checked(cmdline::number(1, 10000000)),
              Option::value("write-stall-timeout-s", "SECONDS").checked(cmdline::number(1, 3600)),
              Option::value("verify-threads", "N").checked(cmdline::number(0, 256)),
              Option::value("io-threads", "N").checked(cmdline::number(1, 256)),
              Option::value("blob-quota-client-mib", "MIB").checked(cmdline::number(0, 1ll << 30)),
              Option::value("blob-quota-staff-mib", "MIB").checked(cmdline::number(0, 1ll << 30)),
              Option::value("blob-rate-client-mib", "MIB").checked(cmdline::number(0, 1ll << 30)),
              Option::value("blob-rate-staff-mib", "MIB").checked(cmdline::number(0, 1ll << 30)),
              Option::value("blob-uploads-client", "N").checked(cmdline::number(0, 1000000)),
              Option::value("blob-uploads-staff", "N").checked(cmdline::number(0, 1000000)),
              Option::value("blob-reserve-mib", "MIB").checked(cmdline::number(0, 1ll << 40)),
              Option::value("blob-reserve-percent", "PERCENT").checked(cmdline::number(0, 99)),
              Option::value("blob-grace-s", "SECONDS").checked(cmdline::number(1, 365ll * 86400)),
              Option::value("blob-sweep-s", "SECONDS").checked(cmdline::number(1, 86400)),
              Option::value("journal-prune-after-days", "DAYS").checked(cmdline::number(0, 36500)),
              Option::value("journal-prune-interval-s", "SECONDS")
                  .checked(cmdline::number(1, 86400)),
              Option::value("push-min-interval-seconds", "SECONDS")
                  .checked(cmdline::number(1, 86400)),
              Option::value("push-max-per-second", "N").checked(cmdline::number(1, 10000)),
              Option::flag("push-allow-loopback")},
             {},
             true,
             {},
             std::string(kUnlockNotes) + kServeNotes + kBlobNotes + kPushNotes + kConfigNotes +
                 kStoreNotes,
             "config"},
            {"manifest",
             "  verbatim-relay manifest --data DIR --root-key FILE [--address ...] [--tls-key-pins "
             "...]\n"
             "                      [--pin-cert ...] [--add-journal-key JOURNAL.pub] "
             "[--passphrase-file FILE]\n"
             "                                                                  re-sign the firm "
             "manifest\n"
             "  verbatim-relay manifest --data DIR --show\n",
             withPolicyOptions(
                 {Option::value("data", "DIR").required(), Option::value("root-key", "FILE"),
                  Option::value("address", "HOST:PORT[,HOST:PORT...]").checked(checkAddresses),
                  // An empty list re-signs without pins.
                  Option::value("tls-key-pins", "HEX[,HEX...]").checked(checkPins).allowEmpty(),
                  Option::value("pin-cert", "CERT.pem[,CERT.pem...]"),
                  Option::value("passphrase-file", "FILE"),
                  Option::value("add-journal-key", "JOURNAL.pub"), Option::flag("show")}),
             {},
             true,
             [](const cmdline::Parsed& p) -> std::string {
                 if (p.has("show")) {
                     for (const char* o : {"root-key", "address", "tls-key-pins", "pin-cert",
                                           "passphrase-file", "add-journal-key"})
                         if (p.has(o))
                             return std::string("--show takes no --") + o +
                                    " (it only prints the manifest)";
                     return {};
                 }
                 return p.has("root-key")
                            ? ""
                            : "--root-key FILE (to re-sign) or --show (to print) is required";
             },
             std::string(kRootKeyNotes) + kManifestNotes + kPolicyNotes},
            {"policy",
             "  verbatim-relay policy --data DIR --root-key FILE [--passphrase-file FILE]\n"
             "                      [--retention-years Y] [--retention-direct-years Y] "
             "[--device-message-days D]\n"
             "                      [--wipe-after-failed-unlocks N] [--wipe-after-offline-days D]\n"
             "                      [--staff-may-save yes|no] [--clients-may-save yes|no]\n"
             "                      [--staff-may-copy yes|no] [--clients-may-copy yes|no]\n"
             "                      [--wipe-client-devices yes|no] [--privacy-notice URL]\n"
             "                      [--max-idle-lock MINUTES]\n"
             "                                                                  re-sign the "
             "manifest with a new firm policy\n"
             "  verbatim-relay policy --data DIR --show\n",
             withPolicyOptions({Option::value("data", "DIR").required(),
                                Option::value("root-key", "FILE"),
                                Option::value("passphrase-file", "FILE"), Option::flag("show")}),
             {},
             true,
             [](const cmdline::Parsed& p) -> std::string {
                 if (p.has("show"))
                     return p.has("root-key") || p.has("passphrase-file")
                                ? "--show takes no --root-key (it only prints the policy)"
                                : "";
                 return p.has("root-key")
                            ? ""
                            : "--root-key FILE (to re-sign) or --show (to print) is required";
             },
             std::string(kRootKeyNotes) + kPolicyNotes},
            {"tls-key-pin",
             "  verbatim-relay tls-key-pin CERT.pem                             the pin of a "
             "certificate's key\n",
             {},
             {Positional::required("CERT.pem")}},
            {"admin",
             "",
             {Option::value("data", "DIR").required(), Option::value("unlock-file", "PATH"),
              Option::value("store", "postgresql://...")},
             {},
             false},
            {"admin enroll",
             "  verbatim-relay admin --data DIR [--unlock-file PATH] enroll USER --role "
             "lawyer|supervisor|compliance|admin --name NAME\n",
             {Option::value("role", "ROLE")
                  .required()
                  .checked(cmdline::oneOf({"lawyer", "supervisor", "compliance", "admin"})),
              Option::value("name", "NAME")},
             {Positional::required("USER")}},
            {"admin users", "  verbatim-relay admin --data DIR [--unlock-file PATH] users\n"},
            {"admin devices",
             "  verbatim-relay admin --data DIR [--unlock-file PATH] devices [USER]\n",
             {},
             {Positional::optional("USER")}},
            {"admin revoke",
             "  verbatim-relay admin --data DIR [--unlock-file PATH] revoke USER DEVICE\n",
             {},
             {Positional::required("USER"), Positional::required("DEVICE", device)}},
            {"admin wipe",
             "  verbatim-relay admin --data DIR [--unlock-file PATH] wipe USER DEVICE\n",
             {},
             {Positional::required("USER"), Positional::required("DEVICE", device)}},
            {"admin invite",
             "  verbatim-relay admin --data DIR [--unlock-file PATH] invite --from USER --matter "
             "TITLE\n",
             {Option::value("from", "USER").required(),
              Option::value("matter", "TITLE").required()}},
            {"admin invites",
             "  verbatim-relay admin --data DIR [--unlock-file PATH] invites [USER]      ID, "
             "state, inviter, matter\n",
             {},
             {Positional::optional("USER")}},
            {"admin revoke-invite",
             "  verbatim-relay admin --data DIR [--unlock-file PATH] revoke-invite ID\n",
             {},
             {Positional::required("ID")}},
            {"admin offboard",
             "  verbatim-relay admin --data DIR [--unlock-file PATH] offboard USER --to USER\n"
             "                                     hand USER's matters to the colleague, revoke "
             "their devices and invites\n",
             {Option::value("to", "USER").required()},
             {Positional::required("USER")}},
            {"admin wall add",
             "  verbatim-relay admin --data DIR [--unlock-file PATH] wall add NAME --group-a "
             "USER[,USER...] --group-b USER[,USER...]\n"
             "                                     [--matter-a MATTER]... [--matter-b "
             "MATTER]...   an ethical wall; lists the\n"
             "                                     conversations that already cross it\n",
             {Option::value("group-a", "USER[,USER...]").repeatable(),
              Option::value("group-b", "USER[,USER...]").repeatable(),
              Option::value("matter-a", "MATTER").repeatable(),
              Option::value("matter-b", "MATTER").repeatable()},
             {Positional::required("NAME")},
             true,
             [](const cmdline::Parsed& p) -> std::string {
                 if (!p.has("group-a") && !p.has("matter-a"))
                     return "side A is empty: give --group-a USER[,USER...] or --matter-a MATTER";
                 if (!p.has("group-b") && !p.has("matter-b"))
                     return "side B is empty: give --group-b USER[,USER...] or --matter-b MATTER";
                 return {};
             },
             kWallNotes},
            {"admin wall list",
             "  verbatim-relay admin --data DIR [--unlock-file PATH] wall list      every wall "
             "and its conflicts\n"},
            {"admin wall show",
             "  verbatim-relay admin --data DIR [--unlock-file PATH] wall show NAME\n",
             {},
             {Positional::required("NAME")}},
            {"admin wall remove",
             "  verbatim-relay admin --data DIR [--unlock-file PATH] wall remove NAME\n",
             {},
             {Positional::required("NAME")}},
            {"admin wall cut",
             "  verbatim-relay admin --data DIR [--unlock-file PATH] wall cut CONVERSATION USER\n"
             "                                     remove USER from a conversation that crosses "
             "a wall (a direct one too)\n",
             {},
             {Positional::required("CONVERSATION"), Positional::required("USER")}},
            {"admin supervisor add",
             "  verbatim-relay admin --data DIR [--unlock-file PATH] supervisor add LAWYER --by "
             "SUPERVISOR\n"
             "                                     SUPERVISOR sees LAWYER's matters (metadata "
             "only); journaled\n",
             {Option::value("by", "SUPERVISOR").required()},
             {Positional::required("LAWYER")}},
            {"admin supervisor remove",
             "  verbatim-relay admin --data DIR [--unlock-file PATH] supervisor remove LAWYER "
             "--by SUPERVISOR\n",
             {Option::value("by", "SUPERVISOR").required()},
             {Positional::required("LAWYER")}},
            {"admin supervisor list",
             "  verbatim-relay admin --data DIR [--unlock-file PATH] supervisor list   every "
             "assignment and the threshold\n"},
            {"admin supervisor threshold",
             "  verbatim-relay admin --data DIR [--unlock-file PATH] supervisor threshold HOURS\n"
             "                                     flag matters whose client has waited longer "
             "(0: never)\n",
             {},
             {Positional::required("HOURS")}},
            {"admin journal status",
             "  verbatim-relay admin --data DIR [--unlock-file PATH] journal status   rows, oldest "
             "kept, pruned boundary,\n"
             "                                     each compliance device's acknowledgement\n"},
            {"seal-keys",
             "  verbatim-relay seal-keys --data DIR --unlock-file PATH          seal the clear "
             "keys of an older relay\n",
             {Option::value("data", "DIR").required(), Option::value("unlock-file", "PATH")},
             {},
             true,
             {},
             kUnlockNotes},
            {"backup",
             "  verbatim-relay backup --data DIR --out FILE [--unlock-file PATH]    online backup "
             "while serving\n",
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
             "  verbatim-relay check --data DIR [--unlock-file PATH]   integrity, journal chain, "
             "checkpoints\n",
             {Option::value("data", "DIR").required(), Option::value("unlock-file", "PATH")},
             {},
             true,
             {},
             kBackupNotes},
        },
        std::string(kUnlockNotes) + kRootKeyNotes + kServeNotes + kBlobNotes + kConfigNotes +
            kManifestNotes + kSyntaxNotes);
    return cl;
}

/// The parsed line in the shape the commands read: the words after the command ("enroll") and
/// the positional arguments, then each option's value (a flag's is "1").
Args toArgs(const cmdline::Parsed& p) {
    Args a;
    a.positional.assign(p.words.begin() + (p.words.empty() ? 0 : 1), p.words.end());
    a.positional.insert(a.positional.end(), p.positionals.begin(), p.positionals.end());
    for (const auto& [name, values] : p.options) {
        a.options[name] = values.back();
        a.lists[name] = values;
    }
    return a;
}

} // namespace verbatim::relayapp

#pragma once
/// @file RelayBackup.h
/// Online backup, restore and check of a relay's data directory (issue 19; docs: README "Backups").
///
/// A backup is one file that holds everything a relay needs to serve again except its unlock
/// secret: a consistent snapshot of relay.db (still SQLCipher-encrypted under its database key,
/// taken with SQLite's backup API while the relay keeps writing), the sealed key files, the
/// manifest, the TLS certificate and key (the key wrapped under a key derived from the unlock
/// secret: it is the one file of the directory kept in clear), and every attachment blob with a
/// live row in the snapshot. Nothing in it is readable without the unlock secret.
///
/// File format ("VRB1"; every integer big-endian):
///
///     magic      "VERBATIM-RELAY-BACKUP-1\n"          24 bytes
///     u32        header length H
///     header     H bytes of UTF-8 "key=value\n" lines: format, firm, firm_fingerprint,
///                schema_version, created_ms, journal_sequence, journal_head (hex)
///     hash       SHA-256(magic .. header)              32 bytes
///     records    repeated: u8 kind ('F' file, 'W' wrapped file) | u16 name length | name
///                (a relative path: "relay.db", "blobs/<64 hex>") | u32 mode | u64 length |
///                data | SHA-256(kind .. data)
///     end        u8 'E' | u64 number of records | SHA-256 of every byte before this hash
///
/// A 'W' record's data is salt[32] | nonce[12] | AES-256-GCM(HKDF-SHA256(unlock secret, salt,
/// "verbatim-relay-backup-wrap" | name), nonce, aad = name) | tag[16]. Restore reads a file
/// once, checking each record's hash as it goes and the whole file's at the end; anything short,
/// extra or altered is refused and what was unpacked is removed.
///
/// No Beast, no Qt; synchronous (the commands run in their own process).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/Bytes.h"
#include "storage/Database.h"

namespace verbatim::relay {

/// What a backup file's header says.
struct BackupHeader {
    std::string firmName;
    std::string firmFingerprint;
    std::int64_t schemaVersion = 0;
    std::uint64_t createdMs = 0;
    std::uint64_t journalSequence = 0; ///< the last journal entry in the snapshot (0: none)
    std::string journalHead;           ///< its chain hash, 64 hex (genesis when none)
};

struct BackupSummary {
    BackupHeader header;
    std::uint64_t bytes = 0;   ///< size of the backup file
    std::size_t blobs = 0;     ///< attachment blobs in it
    std::size_t blobsGone = 0; ///< live rows whose file the sweep removed before it was copied
};

struct BackupRequest {
    std::string dataDir;
    std::string outFile;
    ByteView dbKey;  ///< opens relay.db (32 bytes)
    ByteView unlock; ///< the unlock secret (32 bytes): wraps tls.key
    std::string firmName;
    std::string firmFingerprint;
    /// Lowers this process's CPU priority (nice 10) for the backup: the relay serving beside
    /// it comes first.
    bool lowPriority = true;
    /// Test and bench hook: runs after the snapshot is taken, before anything is written to
    /// the output (a kill -9 test stops the process there).
    std::function<void()> afterSnapshot;
};

/// Writes a backup of `dataDir` to `outFile`: first to `outFile`.partial (removed on failure),
/// synced, then renamed, so the output name only ever holds a whole backup.
[[nodiscard]] Result<BackupSummary> writeBackup(const BackupRequest& request);

/// Reads and checks a backup file's header only.
[[nodiscard]] Result<BackupHeader> readBackupHeader(const std::string& file);

/// Unpacks `file` into `dir`, which must exist and be empty; every record's and the file's hash
/// verified, tls.key unwrapped with `unlock`. On failure the error says why (truncated, damaged,
/// wrong unlock secret) and `dir` is emptied again.
[[nodiscard]] Result<BackupSummary> unpackBackup(const std::string& file, const std::string& dir,
                                                 ByteView unlock);

/// meta keys of the restore epoch (docs/protocol.md, "Restore"): written into a restored
/// database, read by the relay at start and sent to devices.
inline constexpr std::string_view kMetaRestoreEpoch = "restore_epoch"; ///< 16 random bytes
inline constexpr std::string_view kMetaRestoredSequence = "restore_journal_sequence"; ///< u64 text

/// Marks a restored database: a new restore epoch and the journal sequence the backup ends at.
[[nodiscard]] Result<void> markRestored(storage::Database& db, const BackupHeader& header);

/// What `verbatim-relay check` found.
struct StoreCheck {
    std::vector<std::string> problems; ///< first one first; empty when the store is sound
    std::uint64_t journalEntries = 0;
    std::uint64_t checkpoints = 0;
    std::uint64_t queueRows = 0;
    bool ok() const { return problems.empty(); }
};

/// SQLCipher's page HMACs, SQLite's integrity check, then the relay's journal chain and its
/// signed checkpoints (journal::verifyChain, in slices) against `relayPublicKey`, and the queue's
/// journal references. Stops at the first layer that is damaged, naming the first bad row.
[[nodiscard]] Result<StoreCheck> checkStore(storage::Database& db, ByteView relayPublicKey);

} // namespace verbatim::relay

/// @file RelayBackup.cpp
/// A relay's backup written: a snapshot of relay.db taken while the relay keeps writing, then
/// the backup file (BackupFormat.h) beside the output name and renamed into it. Restore is in
/// RelayRestore.cpp, the store's check in StoreCheck.cpp.
#include "relay/core/RelayBackup.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>

#include "crypto/Aes.h"
#include "crypto/Random.h"
#include "journal/HashChain.h"
#include "relay/core/BackupFormat.h"
#include "relay/core/RateLimiter.h"

namespace verbatim::relay {

using namespace backupfile;

Result<BackupSummary> writeBackup(const BackupRequest& req) {
    const fs::path dir(req.dataDir);
    const std::string partial = req.outFile + ".partial";
    const std::string snapshot = req.outFile + ".partial-db";
    std::error_code ec;
    // What a killed backup left behind is never a backup: start again.
    fs::remove(partial, ec);
    fs::remove(snapshot, ec);
    fs::remove(snapshot + "-wal", ec);
    fs::remove(snapshot + "-shm", ec);
    struct Cleanup {
        std::string a, b;
        bool keep = false;
        ~Cleanup() {
            std::error_code e;
            fs::remove(b, e);
            fs::remove(b + "-wal", e);
            fs::remove(b + "-shm", e);
            if (!keep) fs::remove(a, e);
        }
    } cleanup{partial, snapshot};

    // The relay comes first: the backup takes the CPU it leaves (nice 10).
    if (req.lowPriority) ::setpriority(PRIO_PROCESS, 0, 10);
    BackupSummary summary;
    BackupHeader& header = summary.header;
    header.firmName = req.firmName;
    header.firmFingerprint = req.firmFingerprint;
    std::vector<std::string> blobIds;
    {
        auto src = storage::Database::open((dir / "relay.db").string(), req.dbKey, {false});
        if (!src) return tl::unexpected(src.error());
        auto dst = storage::Database::open(snapshot, req.dbKey, {true});
        if (!dst) return tl::unexpected(dst.error());
        // A scratch copy: written once, read once, removed; the backup file is what is synced.
        // No WAL (it would write every page twice) and no syncs of its own.
        if (auto r = (*dst)->exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF"); !r)
            return tl::unexpected(r.error());
        // One read transaction for the page copy, the blob list and the header's journal head:
        // they describe the same instant while the relay keeps committing.
        if (auto r = (*src)->exec("BEGIN DEFERRED"); !r) return tl::unexpected(r.error());
        auto version = (*src)->userVersion(); // the first read starts the snapshot
        if (!version) return tl::unexpected(version.error());
        header.schemaVersion = *version;
        header.createdMs = wallClockMs();
        auto head =
            (*src)->prepare("SELECT seq, chain_hash FROM journal ORDER BY seq DESC LIMIT 1");
        if (!head) return tl::unexpected(head.error());
        auto row = head->step();
        if (!row) return tl::unexpected(row.error());
        header.journalSequence = *row ? std::uint64_t(head->columnInt(0)) : 0;
        header.journalHead = *row ? toHex(head->columnBlob(1)) : toHex(journal::genesisChainHash());
        head->reset();
        if (header.schemaVersion >= 7) {
            auto blobs =
                (*src)->prepare("SELECT id FROM blobs WHERE deleted_ms IS NULL ORDER BY id");
            if (!blobs) return tl::unexpected(blobs.error());
            auto listed = blobs->forEachRow(
                [&](storage::Statement& row) { blobIds.push_back(toHex(row.columnBlob(0))); });
            if (!listed) return tl::unexpected(listed.error());
        }
        // In 2 MiB steps, each written back before the next (see kSyncSlice); the read transaction
        // opened above keeps every step on the same snapshot.
        int scratchFd = ::open(snapshot.c_str(), O_RDONLY | O_CLOEXEC);
        auto copied = (*src)->backupTo(**dst, kPagesPerStep, [scratchFd] {
            if (scratchFd >= 0)
                ::sync_file_range(scratchFd, 0, 0,
                                  SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                                      SYNC_FILE_RANGE_WAIT_AFTER);
        });
        if (scratchFd >= 0) ::close(scratchFd);
        if (!copied) return tl::unexpected(copied.error());
        (*src)->rollback();
    }
    if (req.afterSnapshot) req.afterSnapshot();

    Writer w;
    if (auto r = w.open(partial); !r) return tl::unexpected(r.error());
    if (auto r = writeHeader(w, header); !r) return tl::unexpected(r.error());
    std::uint64_t records = 0;
    for (const auto& m : kMembers) {
        const fs::path p = dir / m.name;
        if (!m.wrapped) {
            if (!m.required && !fs::exists(p, ec)) continue;
            if (auto r = writeFileRecord(w, 'F', m.name, m.mode, p); !r)
                return tl::unexpected(r.error());
            ++records;
            continue;
        }
        auto clear = readSmallFile(p);
        if (!clear) {
            if (clear.error().code == ErrorCode::NotFound) continue;
            return tl::unexpected(clear.error());
        }
        SecureBytes secret(clear->begin(), clear->end());
        secureWipe(clear->data(), clear->size());
        Bytes data = crypto::randomBytes(kSaltSize + kNonceSize);
        auto key = wrapKey(req.unlock, ByteView(data.data(), kSaltSize), m.name);
        if (!key) return tl::unexpected(key.error());
        auto ct = crypto::aesGcmSeal(*key, ByteView(data.data() + kSaltSize, kNonceSize),
                                     view(std::string_view(m.name)), secret);
        if (!ct) return tl::unexpected(ct.error());
        appendRaw(data, *ct);
        if (auto r = writeBytesRecord(w, 'W', m.name, m.mode, data); !r)
            return tl::unexpected(r.error());
        ++records;
    }
    if (auto r = writeFileRecord(w, 'F', "relay.db", 0600, snapshot); !r)
        return tl::unexpected(r.error());
    ++records;
    for (const auto& id : blobIds) {
        const fs::path p = dir / "blobs" / id;
        // Only an upload that no send declared can go (the sweep); its row is then marked
        // deleted when the restored relay starts (BlobStore::open). Declared blobs never go.
        if (!fs::exists(p, ec)) {
            ++summary.blobsGone;
            continue;
        }
        auto r = writeFileRecord(w, 'F', "blobs/" + id, 0600, p);
        if (!r && r.error().code == ErrorCode::NotFound) {
            ++summary.blobsGone;
            continue;
        }
        if (!r) return tl::unexpected(r.error());
        ++summary.blobs;
        ++records;
    }
    Bytes end;
    end.push_back('E');
    putU64(end, records);
    if (auto r = w.write(end); !r) return tl::unexpected(r.error());
    auto fileHash = w.fileHash();
    if (!fileHash) return tl::unexpected(fileHash.error());
    if (auto r = w.write(*fileHash); !r) return tl::unexpected(r.error());
    summary.bytes = w.bytes();
    if (auto r = w.syncAndClose(); !r) return tl::unexpected(r.error());
    fs::rename(partial, req.outFile, ec);
    if (ec)
        return fail(ErrorCode::Storage,
                    "cannot rename " + partial + " to " + req.outFile + ": " + ec.message());
    cleanup.keep = true;
    fs::path parent = fs::absolute(req.outFile).parent_path();
    if (auto r = fsyncPath(parent, true); !r) return tl::unexpected(r.error());
    return summary;
}

} // namespace verbatim::relay

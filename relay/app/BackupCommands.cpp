/// @file BackupCommands.cpp
/// backup, restore and check (relay/core/RelayBackup.h has the file format).
#include "relay/app/RelayApp.h"

namespace verbatim::relayapp {

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
    if (isInside(out, d.dir))
        return die("the backup must not be written into the data directory it backs up");
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
    if (!summary)
        return die("backup failed (nothing was written to " + out +
                   "): " + summary.error().message);
    std::printf(
        "backup of %s (firm fingerprint %s) written to %s: %llu bytes, schema version %lld, "
        "journal up to "
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
    while (!d.dir.empty() && d.dir.filename().empty())
        d.dir = d.dir.parent_path();
    auto header = relay::readBackupHeader(from);
    if (!header) return die("cannot restore from " + from + ": " + header.error().message);
    if (header->schemaVersion > std::int64_t(relay::kRelayMigrations.size()))
        return die("the backup " + from + " has schema version " +
                   std::to_string(header->schemaVersion) +
                   ", written by a newer release; this one knows up to version " +
                   std::to_string(relay::kRelayMigrations.size()));
    // Unpacked into NEWDIR/.restore-partial and moved up once whole and marked: a failed restore
    // leaves NEWDIR as it found it, a killed one leaves only that folder (the next restore
    // removes it), never a data directory that looks whole.
    const std::string kPartial = ".restore-partial";
    std::error_code ec;
    if (fs::exists(d.dir, ec)) {
        if (!fs::is_directory(d.dir, ec))
            return die("refusing to restore into " + d.dir.string() + ": it is not a directory");
        bool empty = true;
        for (const auto& e : fs::directory_iterator(d.dir, ec))
            if (e.path().filename() != kPartial) empty = false;
        if (!empty) {
            std::string whose;
            if (auto m = readManifest(d))
                whose = " (it holds the relay of " + m->firmName + ", firm fingerprint " +
                        journal::firmFingerprint(m->rootPublicKey) + "; the backup is of " +
                        header->firmName + ", firm fingerprint " + header->firmFingerprint + ")";
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
    if (!summary)
        return die("cannot restore from " + from + ": " + summary.error().message +
                   " (nothing was restored)");
    auto manifest = readManifest(tmp);
    if (!manifest) return die(manifest.error().message);
    if (journal::firmFingerprint(manifest->rootPublicKey) != header->firmFingerprint)
        return die("cannot restore from " + from +
                   ": its manifest is not of the firm its header names");
    auto keys = unsealRelayKeys(tmp, *unlock);
    if (!keys)
        return die("cannot restore from " + from +
                   ": its keys do not open under this unlock secret (" + keys.error().message +
                   ")");
    {
        auto db = openRelayDatabase(tmp, keys->db);
        if (!db)
            return die("cannot restore from " + from +
                       ": relay.db does not open: " + db.error().message);
        auto ok = (*db)->integrityCheck();
        if (!ok || !*ok)
            return die("cannot restore from " + from + ": relay.db fails its integrity check");
        if (auto r = relay::markRestored(**db, *header); !r) return die(r.error().message);
    }
    for (const auto& e : fs::directory_iterator(tmp.dir, ec)) {
        fs::rename(e.path(), d.dir / e.path().filename(), ec);
        if (ec)
            return die("cannot move the restored " + e.path().filename().string() + " into " +
                       d.dir.string());
    }
    if (auto r = fsyncDirectory(d.dir); !r) return die(r.error().message);
    std::printf("restored %s (firm fingerprint %s) into %s: backup of %llu ms, schema version "
                "%lld, journal up to "
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
        std::fprintf(stderr, "verbatim-relay: check found damage in %s; first bad row: %s\n",
                     d.dir.c_str(), report->problems.front().c_str());
        for (std::size_t i = 1; i < report->problems.size() && i < 20; ++i)
            std::fprintf(stderr, "  also: %s\n", report->problems[i].c_str());
        return 1;
    }
    std::printf("ok: integrity checks pass; journal chain of %llu entries and %llu signed "
                "checkpoints verified; %llu queued\n",
                (unsigned long long)report->journalEntries, (unsigned long long)report->checkpoints,
                (unsigned long long)report->queueRows);
    return 0;
}

} // namespace verbatim::relayapp

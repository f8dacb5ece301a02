/// @file Archive.cpp
/// Opening an archive, its state between pulls, and the verify report.
#include "common/Try.h"
#include "compliance/ArchiveImpl.h"
#include "compliance/ArchiveSchema.h"
#include "compliance/SearchParser.h"
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/Json.h"
#include "crypto/Digest.h"
#include "crypto/Hkdf.h"
#include "journal/AttachmentBlob.h"
#include "journal/DeviceApproval.h"
#include "journal/FirmManifest.h"
#include "journal/HashChain.h"
#include "journal/JournalCrypto.h"
#include "journal/RecordingNotice.h"
#include "journal/SealedEntry.h"
#include "storage/Database.h"
#include "verbatim.pb.h"
#include "wire.pb.h"

namespace verbatim::compliance {

using storage::Database;

std::string VerifyReport::text() const {
    std::string out;
    out += "entries checked:      " + std::to_string(entries) + "\n";
    out += "entries decrypted:    " + std::to_string(opened) + "\n";
    out += "checkpoints checked:  " + std::to_string(checkpoints) + "\n";
    out += "head:                 " + std::to_string(headSequence) + " " + headChainHash + "\n";
    // A restore is announced by the relay alone (docs/protocol.md J-RESTORE-2): each is shown
    // whether or not it looks benign, and what it left out is named.
    for (const auto& r : restores)
        out += "RELAY RESTORE:        " + r + "\n";
    if (superseded)
        out += "superseded:           " + std::to_string(superseded) +
               " entries kept from before relay restores, " + std::to_string(notResent) +
               " message(s) not sent again\n";
    // Issue 22: removed by a valid disposition record, as compliance decided; not a fault.
    if (disposed)
        out += "disposed:             " + std::to_string(disposed) +
               " entries whose content a disposition record removed (expected)\n";
    for (const auto& d : dispositions)
        out += "DISPOSED:             " + d + "\n";
    for (const auto& b : boundary) // issue 22: an archive started at the pruned boundary
        out += "BOUNDARY:             " + b + "\n";
    for (const auto& w : warnings)
        out +=
            "WARNING: seq " + std::to_string(w.sequence) + "  " + w.fault + ": " + w.detail + "\n";
    if (ok()) {
        out += "result:               OK: the chain, every checkpoint, signature and commitment "
               "verify\n";
        return out;
    }
    out += "result:               FAILED: " + std::to_string(problems.size()) + " problem(s)\n";
    if (entries == 0 && problems.empty()) out += "  the archive holds no entries\n";
    for (const auto& p : problems)
        out += "  seq " + std::to_string(p.sequence) + "  " + p.fault + ": " + p.detail + " (" +
               faultDescription(p.fault) + ")\n";
    return out;
}

std::string VerifyReport::json() const {
    std::string out =
        "{\"ok\":" + std::string(ok() ? "true" : "false") +
        ",\"entries\":" + std::to_string(entries) + ",\"decrypted\":" + std::to_string(opened) +
        ",\"checkpoints\":" + std::to_string(checkpoints) +
        ",\"head_sequence\":" + std::to_string(headSequence) + ",\"head_chain_hash\":\"" +
        headChainHash + "\",\"superseded\":" + std::to_string(superseded) +
        ",\"not_resent\":" + std::to_string(notResent) +
        ",\"disposed\":" + std::to_string(disposed) + ",\"dispositions\":[";
    for (std::size_t i = 0; i < dispositions.size(); ++i)
        out += (i ? "," : "") + jsonQuote(dispositions[i]);
    out += "],\"boundary\":[";
    for (std::size_t i = 0; i < boundary.size(); ++i)
        out += (i ? "," : "") + jsonQuote(boundary[i]);
    out += "],\"restores\":[";
    for (std::size_t i = 0; i < restores.size(); ++i)
        out += (i ? "," : "") + jsonQuote(restores[i]);
    out += "],\"warnings\":[";
    for (std::size_t i = 0; i < warnings.size(); ++i) {
        const auto& w = warnings[i];
        out += (i ? "," : "") + std::string("{\"sequence\":") + std::to_string(w.sequence) +
               ",\"warning\":" + jsonQuote(w.fault) + ",\"detail\":" + jsonQuote(w.detail) + "}";
    }
    out += "],\"problems\":[";
    for (std::size_t i = 0; i < problems.size(); ++i) {
        const auto& p = problems[i];
        out += (i ? "," : "") + std::string("{\"sequence\":") + std::to_string(p.sequence) +
               ",\"fault\":" + jsonQuote(p.fault) + ",\"detail\":" + jsonQuote(p.detail) +
               ",\"description\":" + jsonQuote(faultDescription(p.fault)) + "}";
    }
    return out + "]}";
}

namespace {

/// The archive database at `path`, under the key derived from journal key `key`: a wrong key and
/// (unless `create`) a missing archive are told apart for the officer.
Result<std::unique_ptr<Database>> openDatabase(const std::string& path,
                                               const crypto::X25519Key& key, bool create) {
    VERBATIM_TRY_LET(priv, key.privateKey());
    VERBATIM_TRY_LET(dbKey, crypto::hkdfSha256(*priv, view("verbatim-archive-v1"),
                                               view("archive database key"), 32));
    storage::OpenOptions opts;
    opts.create = create;
    auto db = Database::open(path, *dbKey, opts);
    if (!db) {
        if (db.error().code == ErrorCode::WrongKey)
            return fail(ErrorCode::WrongKey, "this archive was created with another journal key");
        if (!create)
            return fail(ErrorCode::NotFound,
                        "cannot open the archive " + path + ": " + db.error().message);
        return tl::unexpected(db.error());
    }
    return std::move(*db);
}

/// Hands `db` (at the current schema) and `keys` to the archive state `m` and loads its state.
Result<void> adopt(Archive::Impl& m, std::unique_ptr<Database> db,
                   std::vector<crypto::X25519Key> keys) {
    // A million-entry archive inserts message ids (random keys) into a large index: keep its hot
    // pages decrypted in memory (128 MiB at most) instead of re-reading them for every page.
    VERBATIM_TRY(db->exec("PRAGMA cache_size = -131072"));
    m.db = std::move(db);
    for (auto& k : keys) {
        m.keyIndex[journal::journalKeyId(k.publicKey())] = m.keys.size();
        m.keys.push_back(std::move(k));
    }
    return m.loadState();
}

} // namespace

Archive::Archive() : m(std::make_unique<Impl>()) {}
Archive::~Archive() = default;

Result<std::unique_ptr<Archive>> Archive::open(const std::string& path,
                                               std::vector<crypto::X25519Key> keys, bool create) {
    if (keys.empty()) return fail(ErrorCode::InvalidArgument, "no journal key given");
    VERBATIM_TRY_LET(db, openDatabase(path, keys.front(), create));
    VERBATIM_TRY((*db)->migrate(archiveSchema()));
    std::unique_ptr<Archive> a(new Archive());
    VERBATIM_TRY(adopt(*a->m, std::move(*db), std::move(keys)));
    return a;
}

Result<std::unique_ptr<Archive>> Archive::openReadOnly(const std::string& path,
                                                       std::vector<crypto::X25519Key> keys) {
    if (keys.empty()) return fail(ErrorCode::InvalidArgument, "no journal key given");
    VERBATIM_TRY_LET(db, openDatabase(path, keys.front(), false));
    // Before anything could write: a dry run must leave an older archive exactly as it was.
    VERBATIM_TRY((*db)->exec("PRAGMA query_only = ON"));
    VERBATIM_TRY_LET(version, (*db)->userVersion());
    const auto current = std::int64_t(archiveSchema().size());
    if (*version != current)
        return fail(ErrorCode::Unsupported,
                    "the archive " + path + " has schema version " + std::to_string(*version) +
                        ", this verbatim-journal reads version " + std::to_string(current) +
                        (*version < current ? ": it is upgraded only by a command that changes it "
                                              "(pull, verify); nothing was changed"
                                            : ": update verbatim-journal; nothing was changed"));
    std::unique_ptr<Archive> a(new Archive());
    VERBATIM_TRY(adopt(*a->m, std::move(*db), std::move(keys)));
    return a;
}

Result<void> Archive::Impl::loadState() {
    VERBATIM_TRY_LET(st, db->prepare("SELECT k, v FROM meta"));
    while (true) {
        VERBATIM_TRY_LET(row, st->step());
        if (!*row) break;
        std::string k = st->columnText(0);
        Bytes v = st->columnBlob(1);
        if (k == "manifest") {
            auto mf = journal::FirmManifest::parse(v);
            if (!mf) return fail(ErrorCode::Malformed, "the archive's firm manifest is damaged");
            manifest = std::move(*mf);
        } else if (k == "head_seq") {
            state.headSeq = std::stoull(str(v));
        } else if (k == "head_hash" && v.size() == 32) {
            std::copy(v.begin(), v.end(), state.head.begin());
        } else if (k == "last_key_id" && v.size() == journal::kKeyIdSize) {
            std::copy(v.begin(), v.end(), state.lastKeyId.begin());
        } else if (k == "device_checks_from") {
            state.checksFrom = std::stoull(str(v));
        } else if (k == "boundary_seq") { // issue 22: started at the pruned boundary
            boundary = std::stoull(str(v));
            state.chainsFrom = boundary;
        }
    }
    VERBATIM_TRY_LET(
        dv,
        db->prepare("SELECT user, device, identity_key, registered_seq, revoked_seq FROM devices"));
    while (true) {
        VERBATIM_TRY_LET(row, dv->step());
        if (!*row) break;
        state.registry[{dv->columnText(0), std::uint32_t(dv->columnInt(1))}] = DeviceReg{
            dv->columnBlob(2), std::uint64_t(dv->columnInt(3)), std::uint64_t(dv->columnInt(4))};
    }
    auto ds = db->prepare(
        "SELECT user, device, needs_approval, approved_seq, ended_seq, reported, chain, "
        "chain_claimed, chain_base, chain_head, chain_ids FROM device_state");
    if (!ds) return tl::unexpected(ds.error());
    while (true) {
        VERBATIM_TRY_LET(row, ds->step());
        if (!*row) break;
        DeviceKey key{ds->columnText(0), std::uint32_t(ds->columnInt(1))};
        auto& reg = state.registry[key];
        reg.needsApproval = ds->columnInt(2) != 0;
        reg.approvedSeq = std::uint64_t(ds->columnInt(3));
        reg.endedSeq = std::uint64_t(ds->columnInt(4));
        reg.reported = ds->columnInt(5) != 0;
        if (!ds->columnInt(6)) continue;
        auto& c = state.chains[key];
        c.claimed = std::uint64_t(ds->columnInt(7));
        c.base = std::uint64_t(ds->columnInt(8));
        Bytes head = ds->columnBlob(9), ids = ds->columnBlob(10);
        if (head.size() != c.head.size() || ids.size() % journal::kMessageIdSize)
            return fail(ErrorCode::Malformed, "the archive's device state is damaged");
        std::copy(head.begin(), head.end(), c.head.begin());
        for (std::size_t i = 0; i < ids.size(); i += journal::kMessageIdSize) {
            auto& id = c.ids.emplace_back();
            std::copy_n(ids.begin() + std::ptrdiff_t(i), id.size(), id.begin());
        }
    }
    return {};
}

std::vector<Archive::Impl::DeviceSnapshot> Archive::Impl::snapshot(CheckState& st) {
    std::vector<DeviceSnapshot> out;
    out.reserve(st.touched.size());
    for (const auto& key : st.touched) {
        DeviceSnapshot s;
        s.key = key;
        if (auto r = st.registry.find(key); r != st.registry.end()) s.reg = r->second;
        if (auto c = st.chains.find(key); c != st.chains.end()) {
            s.hasChain = true;
            s.chain = c->second;
        }
        out.push_back(std::move(s));
    }
    st.touched.clear();
    return out;
}

Result<void> Archive::setManifest(ByteView bytes, std::string_view firmFingerprint) {
    auto mf = journal::FirmManifest::parse(bytes);
    if (!mf) return fail(ErrorCode::Malformed, "the firm manifest does not parse");
    VERBATIM_TRY(mf->verify(firmFingerprint));
    if (m->manifest) {
        if (journal::firmFingerprint(m->manifest->rootPublicKey) !=
            journal::firmFingerprint(mf->rootPublicKey))
            return fail(ErrorCode::AuthFailed,
                        "this archive belongs to another firm (its root key differs)");
        if (mf->issuedMs < m->manifest->issuedMs) return {}; // never roll back
    }
    VERBATIM_TRY_LET(st,
                     m->db->prepare("INSERT OR REPLACE INTO meta (k, v) VALUES ('manifest', ?)"));
    st->bind(1, bytes);
    if (auto r = st->run(); !r) return r;
    m->manifest = std::move(*mf);
    return {};
}

Result<void> Archive::Impl::addProblem(std::uint64_t seq, const std::string& fault,
                                       const std::string& detail, const char* origin) {
    VERBATIM_TRY_LET(
        st, db->cached(
                "INSERT OR IGNORE INTO problems (seq, fault, detail, origin) VALUES (?, ?, ?, ?)"));
    st->bind(1, std::int64_t(seq))
        .bind(2, std::string_view(fault))
        .bind(3, std::string_view(detail))
        .bind(4, std::string_view(origin));
    return st->run();
}

Result<void> Archive::Impl::saveHead(Database& d, std::uint64_t headSeq,
                                     const journal::ChainHash& head) {
    VERBATIM_TRY_LET(st, d.cached("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)"));
    std::string seq = std::to_string(headSeq);
    st->bind(1, std::string_view("head_seq")).bind(2, view(seq));
    if (auto r = st->run(); !r) return r;
    st->bind(1, std::string_view("head_hash")).bind(2, ByteView(head.data(), head.size()));
    if (auto r = st->run(); !r) return r;
    st->bind(1, std::string_view("last_key_id"))
        .bind(2, ByteView(state.lastKeyId.data(), state.lastKeyId.size()));
    return st->run();
}

} // namespace verbatim::compliance

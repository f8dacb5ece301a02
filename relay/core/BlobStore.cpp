/// @file BlobStore.cpp
/// The blob store opened (a crash's leftovers reconciled with the rows), its uploads' accounts,
/// and the helpers BlobState.h declares. Uploads are admitted in BlobUploads.cpp, references and
/// the sweep are in BlobReferences.cpp.
#include "relay/core/BlobStore.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>

#include "common/Log.h"
#include "crypto/Random.h"
#include "relay/core/BlobState.h"
#include "relay/core/RateLimiter.h"

namespace verbatim::relay {

namespace fs = std::filesystem;
using storage::Database;
using namespace blobs;

namespace blobs {

bool isBlobName(std::string_view name) {
    return name.size() == 64 && std::all_of(name.begin(), name.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

std::optional<Space> spaceOf(const std::string& path) {
    struct statvfs s {};
    if (::statvfs(path.c_str(), &s) != 0) return std::nullopt;
    return Space{std::uint64_t(s.f_bavail) * s.f_frsize, std::uint64_t(s.f_blocks) * s.f_frsize};
}

bool syncDirectory(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

Result<void> storeChunks(Database& db, ByteView id, const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return fail(ErrorCode::Storage, "cannot read the attachment");
    auto st = db.cached("INSERT INTO blob_chunks (blob, n, data) VALUES (?, ?, ?)");
    if (!st) {
        std::fclose(f);
        return tl::unexpected(st.error());
    }
    Bytes chunk(kChunkBytes);
    Result<void> out;
    for (std::int64_t n = 0; out; ++n) {
        const std::size_t got = std::fread(chunk.data(), 1, chunk.size(), f);
        if (got == 0 && n > 0) break;
        st->bind(1, id).bind(2, n).bind(3, ByteView(chunk.data(), got));
        out = st->run();
        if (got < chunk.size()) break;
    }
    if (std::ferror(f)) out = fail(ErrorCode::Storage, "cannot read the attachment");
    std::fclose(f);
    return out;
}

} // namespace blobs

// ---- Upload ----------------------------------------------------------------------------------

BlobStore::Upload::Upload(std::shared_ptr<State> state, std::string user, std::uint32_t device,
                          std::uint64_t bytes)
    : m_state(std::move(state)), m_user(std::move(user)), m_device(device), m_bytes(bytes) {
    m_id = toHex(crypto::randomBytes(32));
    m_temp = m_state->dir + "/" + std::string(kTempPrefix) + m_id;
    m_final = m_state->dir + "/" + m_id;
}

BlobStore::Upload::~Upload() {
    release();
    // A body that never became a blob leaves nothing behind: the partial file, or the renamed
    // one whose row was not written.
    if (!m_renamed)
        ::unlink(m_temp.c_str());
    else if (!m_recorded)
        ::unlink(m_final.c_str());
}

void BlobStore::Upload::release() {
    std::lock_guard lock(m_state->mutex);
    if (m_released) return;
    m_released = true;
    auto it = m_state->inFlight.find({m_user, m_device});
    if (it != m_state->inFlight.end()) {
        it->second.bytes -= std::min(it->second.bytes, m_bytes);
        it->second.count -= std::min<std::uint32_t>(it->second.count, 1);
        if (it->second.count == 0) m_state->inFlight.erase(it);
    }
    m_state->inFlightBytes -= std::min(m_state->inFlightBytes, m_bytes);
    m_state->inFlightCount -= std::min<std::uint64_t>(m_state->inFlightCount, 1);
}

// ---- the store -------------------------------------------------------------------------------

BlobStore::BlobStore(StorageThread& storage, BlobPolicy policy)
    : m_storage(storage), m_policy(policy), m_state(std::make_shared<Upload::State>()) {}

BlobStore::~BlobStore() {
    {
        std::lock_guard lock(m_sweepMutex);
        m_stopping = true;
    }
    m_sweepCv.notify_all();
    if (m_sweeper.joinable()) m_sweeper.join();
}

bool BlobStore::isOpen() const {
    std::lock_guard lock(m_state->mutex);
    return !m_state->dir.empty();
}

std::uint64_t BlobStore::uploadsInFlight() const {
    std::lock_guard lock(m_state->mutex);
    return m_state->inFlightCount;
}

Result<void> BlobStore::open(const std::string& dir) {
    std::error_code ec;
    if (dir.empty() || !fs::is_directory(dir, ec))
        return fail(ErrorCode::NotFound, "no blob directory " + dir);
    if (isOpen()) return fail(ErrorCode::InvalidArgument, "the blob store is already open");

    // Partial uploads of a previous run: their sessions are gone.
    std::size_t partial = 0;
    std::set<std::string> files;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind(kTempPrefix, 0) == 0) {
            std::error_code rm;
            if (fs::remove(e.path(), rm)) ++partial;
        } else if (isBlobName(name) && e.is_regular_file(ec)) {
            files.insert(name);
        }
    }
    if (ec) return fail(ErrorCode::Storage, "cannot list the blob directory: " + ec.message());

    Result<void> result;
    std::string databaseDir;
    std::vector<std::string> orphans;
    std::size_t adopted = 0, lost = 0, vanished = 0;
    bool inDatabase = false;
    m_storage.runSync([&](Database& db) {
        inDatabase = db.engine() != nullptr; // the PostgreSQL store
        result = [&]() -> Result<void> {
            auto list = db.prepare("PRAGMA database_list");
            if (!list) return tl::unexpected(list.error());
            auto lists = list->forEachRow([&](storage::Statement& row) {
                if (row.columnText(1) == "main")
                    databaseDir = fs::path(row.columnText(2)).parent_path().string();
            });
            if (!lists) return lists;
            list->reset();
            storage::Transaction tx(db);
            if (auto r = tx.begin(); !r) return r;
            auto flag = db.prepare("SELECT 1 FROM meta WHERE key = 'blobs_adopted'");
            if (!flag) return tl::unexpected(flag.error());
            auto seen = flag->step();
            if (!seen) return tl::unexpected(seen.error());
            flag->reset();
            const std::int64_t now = std::int64_t(wallClockMs());
            if (!*seen) {
                // Blobs stored before the relay knew references: any journal entry may need them.
                auto ins = db.prepare("INSERT OR IGNORE INTO blobs (id, user, device, size, "
                                      "created_ms, referenced_ms) "
                                      "VALUES (?, '', 0, ?, ?, ?)");
                if (!ins) return tl::unexpected(ins.error());
                for (const auto& name : files) {
                    std::error_code sizeEc;
                    auto size = fs::file_size(fs::path(dir) / name, sizeEc);
                    ins->bind(1, ByteView(*fromHex(name)))
                        .bind(2, std::int64_t(sizeEc ? 0 : size))
                        .bind(3, now)
                        .bind(4, now);
                    if (auto r = ins->run(); !r) return r;
                    if (inDatabase) {
                        const std::string path = (fs::path(dir) / name).string();
                        if (auto r = storeChunks(db, ByteView(*fromHex(name)), path); !r) return r;
                    }
                    ++adopted;
                }
                if (auto r =
                        db.exec("INSERT INTO meta (key, value) VALUES ('blobs_adopted', x'01')");
                    !r)
                    return r;
            } else {
                auto find = db.prepare("SELECT deleted_ms FROM blobs WHERE id = ?");
                if (!find) return tl::unexpected(find.error());
                for (const auto& name : files) {
                    find->bind(1, ByteView(*fromHex(name)));
                    auto row = find->step();
                    if (!row) return tl::unexpected(row.error());
                    if (!*row || !find->columnIsNull(0)) orphans.push_back(name);
                    find->reset();
                }
                // On the PostgreSQL store the directory is a cache: a row without a file here
                // has its bytes in the database.
                if (inDatabase) return tx.commit();
                auto live =
                    db.prepare("SELECT id, referenced_ms FROM blobs WHERE deleted_ms IS NULL");
                if (!live) return tl::unexpected(live.error());
                std::vector<Bytes> gone;
                auto lives = live->forEachRow([&](storage::Statement& row) {
                    Bytes id = row.columnBlob(0);
                    if (files.count(toHex(id))) return;
                    if (row.columnIsNull(1))
                        gone.push_back(std::move(id));
                    else
                        ++lost; // referenced, and its file is missing: compliance will report it
                });
                if (!lives) return lives;
                live->reset();
                auto mark = db.prepare("UPDATE blobs SET deleted_ms = ? WHERE id = ?");
                if (!mark) return tl::unexpected(mark.error());
                for (const auto& id : gone) {
                    mark->bind(1, now).bind(2, ByteView(id));
                    if (auto r = mark->run(); !r) return r;
                    ++vanished;
                }
            }
            return tx.commit();
        }();
    });
    if (!result) return result;
    for (const auto& name : orphans)
        ::unlink((dir + "/" + name).c_str());

    // The reserve is kept on both file systems (one check when they are the same).
    std::vector<std::string> paths{dir};
    struct stat a {
    }, b{};
    if (!databaseDir.empty() && ::stat(dir.c_str(), &a) == 0 &&
        ::stat(databaseDir.c_str(), &b) == 0 && a.st_dev != b.st_dev)
        paths.push_back(databaseDir);
    {
        std::lock_guard lock(m_state->mutex);
        m_state->dir = dir;
        m_state->inDatabase = inDatabase;
        m_state->fsPaths = std::move(paths);
    }
    log::write(log::Level::Info, "blobs.opened",
               {{"files", std::to_string(files.size())},
                {"partial_removed", std::to_string(partial)},
                {"adopted", std::to_string(adopted)},
                {"orphans_removed", std::to_string(orphans.size())},
                {"unreferenced_missing", std::to_string(vanished)}});
    if (lost)
        log::write(log::Level::Warn, "blobs.referenced_missing", {{"count", std::to_string(lost)}});
    m_sweeper = std::thread([this] { sweeperLoop(); });
    return {};
}

} // namespace verbatim::relay

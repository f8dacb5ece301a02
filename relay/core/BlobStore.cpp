#include "relay/core/BlobStore.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "common/Log.h"
#include "crypto/Random.h"
#include "relay/core/RateLimiter.h"

namespace verbatim::relay {

namespace fs = std::filesystem;
using storage::Database;

namespace {

constexpr std::uint64_t kHourMs = 3600ull * 1000;
constexpr std::size_t kSweepBatch = 500;
constexpr std::string_view kTempPrefix = ".upload-";
constexpr std::size_t kChunkBytes = 1u << 20; // one blob_chunks row (PostgreSQL store)

bool isBlobName(std::string_view name) {
    return name.size() == 64 && std::all_of(name.begin(), name.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

// A refusal a send job returns: responseFor() in RelayService turns it into this status.
tl::unexpected<Error> refuse(proto::Status status, std::string message) {
    return tl::unexpected(Error{ErrorCode::InvalidArgument, std::move(message), int(status)});
}

/// "1.5 GiB", "300 KiB": sizes in refusal texts, readable whatever the configured limits.
std::string humanBytes(std::uint64_t b) {
    const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    double v = double(b);
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        ++u;
    }
    char out[32];
    if (u == 0)
        std::snprintf(out, sizeof out, "%llu bytes", static_cast<unsigned long long>(b));
    else
        std::snprintf(out, sizeof out, v < 10 ? "%.1f %s" : "%.0f %s", v, units[u]);
    return out;
}

struct Space {
    std::uint64_t free = 0, total = 0;
};
std::optional<Space> spaceOf(const std::string& path) {
    struct statvfs s {};
    if (::statvfs(path.c_str(), &s) != 0) return std::nullopt;
    return Space{std::uint64_t(s.f_bavail) * s.f_frsize, std::uint64_t(s.f_blocks) * s.f_frsize};
}

// fsync of the directory makes a rename durable (the file's own fsync does not cover its name).
bool syncDirectory(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

} // namespace

// Shared by the store and its uploads, so that an upload destroyed after the store (a session
// freed with the io_context after the service) still finds something to release into.
struct BlobStore::Upload::State {
    std::mutex mutex;
    std::string dir;                  ///< empty until open()
    bool inDatabase = false;          ///< the PostgreSQL store: the bytes are in blob_chunks
    std::vector<std::string> fsPaths; ///< one path per file system to keep the reserve on
    struct InFlight {
        std::uint64_t bytes = 0;
        std::uint32_t count = 0;
    };
    std::map<std::pair<std::string, std::uint32_t>, InFlight> inFlight;
    std::uint64_t inFlightBytes = 0, inFlightCount = 0;
};

namespace {

// The PostgreSQL store keeps each blob's bytes in blob_chunks (1 MiB rows): every relay on the
// database can serve it. Inside the job that records the blob's row.
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

} // namespace

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
            while (true) {
                auto row = list->step();
                if (!row) return tl::unexpected(row.error());
                if (!*row) break;
                if (list->columnText(1) == "main")
                    databaseDir = fs::path(list->columnText(2)).parent_path().string();
            }
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
                while (true) {
                    auto row = live->step();
                    if (!row) return tl::unexpected(row.error());
                    if (!*row) break;
                    Bytes id = live->columnBlob(0);
                    if (files.count(toHex(id))) continue;
                    if (live->columnIsNull(1))
                        gone.push_back(std::move(id));
                    else
                        ++lost; // referenced, and its file is missing: compliance will report it
                }
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

bool BlobStore::spaceAllows(std::uint64_t moreBytes) const {
    std::vector<std::string> paths;
    {
        std::lock_guard lock(m_state->mutex);
        paths = m_state->fsPaths;
    }
    for (const auto& p : paths) {
        auto s = spaceOf(p);
        if (!s) return false;
        const std::uint64_t reserve = std::max<std::uint64_t>(
            m_policy.reserveBytes, s->total / 100 * m_policy.reservePercent);
        if (s->free < reserve || s->free - reserve < moreBytes) return false;
    }
    return true;
}

void BlobStore::admit(const std::string& user, std::uint32_t device, proto::Role role,
                      std::uint64_t bytes, std::function<void(Admission)> done) {
    // Between batches: it reads committed rows only, and no upload's row can commit while it
    // decides, so two admissions never both count on the same room.
    m_storage.postBetweenBatches([this, user, device, role, bytes,
                                  done = std::move(done)](Database& db) {
        auto no = [&](int status, std::string message, std::uint64_t retryMs = 0) {
            ++m_refused;
            done(Admission{nullptr, status, std::move(message), retryMs});
        };
        Upload::State::InFlight mine;
        std::uint64_t allInFlight = 0;
        std::vector<std::string> paths;
        {
            std::lock_guard lock(m_state->mutex);
            if (m_state->dir.empty()) return no(404, "not found");
            if (auto it = m_state->inFlight.find({user, device}); it != m_state->inFlight.end())
                mine = it->second;
            allInFlight = m_state->inFlightBytes;
            paths = m_state->fsPaths;
        }
        // The disk first: its reserve is what journal writes live on.
        for (const auto& p : paths) {
            auto s = spaceOf(p);
            if (!s) return no(503, "attachment storage unavailable");
            const std::uint64_t reserve = std::max<std::uint64_t>(
                m_policy.reserveBytes, s->total / 100 * m_policy.reservePercent);
            if (s->free < reserve || s->free - reserve < allInFlight + bytes)
                return no(507, "relay storage low: attachments are refused until space is freed "
                               "(messages still go through)");
        }
        const BlobLimits& limits = m_policy.limitsFor(role);
        auto stored =
            db.cached("SELECT coalesce(sum(size), 0) FROM blobs WHERE user = ? AND device = ? "
                      "AND deleted_ms IS NULL");
        if (!stored) return no(503, "attachment storage unavailable");
        stored->bind(1, std::string_view(user)).bind(2, std::int64_t(device));
        auto row = stored->step();
        if (!row || !*row) return no(503, "attachment storage unavailable");
        const std::uint64_t storedBytes = std::uint64_t(stored->columnInt(0)) + mine.bytes;
        if (storedBytes + bytes > limits.quotaBytes)
            return no(507, "attachment quota exceeded: this device stores " +
                               humanBytes(storedBytes) + " of attachments and may store " +
                               humanBytes(limits.quotaBytes) + "; this upload is " +
                               humanBytes(bytes));

        // The last hour's uploads, oldest first (removed ones too: removal does not refund rate).
        const std::uint64_t now = wallClockMs();
        auto window = db.cached(
            "SELECT created_ms, size FROM blobs WHERE user = ? AND device = ? AND created_ms > ? "
            "ORDER BY created_ms");
        if (!window) return no(503, "attachment storage unavailable");
        window->bind(1, std::string_view(user))
            .bind(2, std::int64_t(device))
            .bind(3, std::int64_t(now - std::min(now, kHourMs)));
        std::vector<std::pair<std::uint64_t, std::uint64_t>> recent;
        while (true) {
            auto r = window->step();
            if (!r) return no(503, "attachment storage unavailable");
            if (!*r) break;
            recent.emplace_back(std::uint64_t(window->columnInt(0)),
                                std::uint64_t(window->columnInt(1)));
        }
        std::uint64_t count = recent.size() + mine.count, sum = mine.bytes;
        for (const auto& [t, size] : recent)
            sum += size;
        const std::string allowance = std::to_string(limits.uploadsPerHour) + " uploads and " +
                                      humanBytes(limits.bytesPerHour) + " per hour";
        if (bytes > limits.bytesPerHour)
            return no(413, "attachment larger than this device may upload in an hour (" +
                               allowance + ")");
        if (count + 1 > limits.uploadsPerHour || sum + bytes > limits.bytesPerHour) {
            // When enough of the window's oldest uploads have aged out of it; uploads in flight
            // may hold the room instead: then try again in a minute.
            std::uint64_t retryMs = 60 * 1000;
            for (const auto& [t, size] : recent) {
                --count;
                sum -= size;
                if (count + 1 <= limits.uploadsPerHour && sum + bytes <= limits.bytesPerHour) {
                    retryMs =
                        std::max<std::uint64_t>(t + kHourMs - std::min(now, t + kHourMs), 1000);
                    break;
                }
            }
            return no(429, "attachment upload rate exceeded: this device may upload " + allowance,
                      retryMs);
        }

        std::shared_ptr<Upload> upload;
        {
            std::lock_guard lock(m_state->mutex);
            auto& f = m_state->inFlight[{user, device}];
            f.bytes += bytes;
            ++f.count;
            m_state->inFlightBytes += bytes;
            ++m_state->inFlightCount;
            upload.reset(new Upload(m_state, user, device, bytes));
        }
        done(Admission{std::move(upload), 200, {}, 0});
    });
}

void BlobStore::commit(std::shared_ptr<Upload> upload, std::function<void(Result<void>)> done) {
    if (::rename(upload->m_temp.c_str(), upload->m_final.c_str()) != 0)
        return done(fail(ErrorCode::Storage, "cannot store the attachment"));
    upload->m_renamed = true;
    // The row must never name a file a crash could take back: the rename is made durable first.
    // A crash between this and the row's commit leaves a file without a row: open() removes it.
    if (!syncDirectory(m_state->dir))
        return done(fail(ErrorCode::Storage, "cannot store the attachment"));
    m_storage.post(
        [upload, done](Database& db) -> Result<std::function<void()>> {
            auto st = db.cached(
                "INSERT INTO blobs (id, user, device, size, created_ms) VALUES (?, ?, ?, ?, ?)");
            if (!st) return tl::unexpected(st.error());
            st->bind(1, ByteView(*fromHex(upload->m_id)))
                .bind(2, std::string_view(upload->m_user))
                .bind(3, std::int64_t(upload->m_device))
                .bind(4, std::int64_t(upload->m_bytes))
                .bind(5, std::int64_t(wallClockMs()));
            if (auto r = st->run(); !r) return tl::unexpected(r.error());
            if (upload->m_state->inDatabase)
                if (auto r = storeChunks(db, ByteView(*fromHex(upload->m_id)), upload->m_final); !r)
                    return tl::unexpected(r.error());
            return std::function<void()>([upload, done] {
                upload->m_recorded = true;
                upload->release(); // now counted by its row
                done({});
            });
        },
        [done](const Error& e) { done(tl::unexpected(e)); });
}

void BlobStore::fetch(const std::string& id, std::function<void(bool)> done) {
    auto state = m_state;
    std::string dir;
    bool inDatabase = false;
    {
        std::lock_guard lock(state->mutex);
        dir = state->dir;
        inDatabase = state->inDatabase;
    }
    const std::string path = dir + "/" + id;
    if (dir.empty() || !isBlobName(id)) return done(false);
    if (!inDatabase) return done(::access(path.c_str(), R_OK) == 0);
    m_storage.post(
        [id, dir, path, done](Database& db) -> Result<std::function<void()>> {
            auto live = db.cached("SELECT 1 FROM blobs WHERE id = ? AND deleted_ms IS NULL");
            if (!live) return tl::unexpected(live.error());
            const Bytes key = *fromHex(id);
            auto found = live->bind(1, ByteView(key)).step();
            if (!found) return tl::unexpected(found.error());
            if (!*found) {
                ::unlink(path.c_str()); // removed, maybe by another relay: no cached copy
                return std::function<void()>([done] { done(false); });
            }
            if (::access(path.c_str(), R_OK) == 0)
                return std::function<void()>([done] { done(true); });
            // Written under a temporary name (removed by open() if a crash leaves it), then
            // renamed: a download never sees half a file.
            const std::string temp =
                dir + "/" + std::string(kTempPrefix) + toHex(crypto::randomBytes(16));
            FILE* f = std::fopen(temp.c_str(), "wb");
            if (!f) return fail(ErrorCode::Storage, "cannot cache the attachment");
            auto chunks = db.cached("SELECT data FROM blob_chunks WHERE blob = ? ORDER BY n");
            bool ok = bool(chunks), any = false;
            if (ok) {
                auto walk = chunks->bind(1, ByteView(key)).forEachRow([&](auto& row) {
                    Bytes b = row.columnBlob(0);
                    any = true;
                    ok = ok && std::fwrite(b.data(), 1, b.size(), f) == b.size();
                });
                ok = ok && bool(walk);
            }
            ok = std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0 && ok;
            std::fclose(f);
            if (!ok || !any || ::rename(temp.c_str(), path.c_str()) != 0) {
                ::unlink(temp.c_str());
                if (ok && !any) return std::function<void()>([done] { done(false); });
                return fail(ErrorCode::Storage, "cannot cache the attachment");
            }
            return std::function<void()>([done] { done(true); });
        },
        [done](const Error&) { done(false); });
}

void BlobStore::sweep(std::function<void(std::size_t)> done) {
    const std::uint64_t graceMs = std::uint64_t(m_policy.grace.count());
    auto state = m_state;
    m_storage.post(
        [this, graceMs, state, done](Database& db) -> Result<std::function<void()>> {
            const std::uint64_t now = wallClockMs();
            auto pick =
                db.cached("SELECT id FROM blobs WHERE referenced_ms IS NULL AND deleted_ms IS NULL "
                          "AND created_ms <= ? LIMIT ?");
            if (!pick) return tl::unexpected(pick.error());
            pick->bind(1, std::int64_t(now - std::min(now, graceMs)))
                .bind(2, std::int64_t(kSweepBatch));
            std::vector<Bytes> ids;
            while (true) {
                auto r = pick->step();
                if (!r) return tl::unexpected(r.error());
                if (!*r) break;
                ids.push_back(pick->columnBlob(0));
            }
            auto mark = db.cached("UPDATE blobs SET deleted_ms = ? WHERE id = ?");
            if (!mark) return tl::unexpected(mark.error());
            for (const auto& id : ids) {
                mark->bind(1, std::int64_t(now)).bind(2, ByteView(id));
                if (auto r = mark->run(); !r) return tl::unexpected(r.error());
            }
            if (state->inDatabase && !ids.empty()) {
                auto chunks = db.cached("DELETE FROM blob_chunks WHERE blob = ?");
                if (!chunks) return tl::unexpected(chunks.error());
                for (const auto& id : ids)
                    if (auto r = chunks->bind(1, ByteView(id)).run(); !r)
                        return tl::unexpected(r.error());
            }
            // Removed rows stay while the hourly rate still counts them.
            auto purge = db.cached(
                "DELETE FROM blobs WHERE referenced_ms IS NULL AND deleted_ms IS NOT NULL "
                "AND created_ms <= ?");
            if (!purge) return tl::unexpected(purge.error());
            purge->bind(1, std::int64_t(now - std::min(now, kHourMs)));
            if (auto r = purge->run(); !r) return tl::unexpected(r.error());
            // Files go after COMMIT: a crash in between leaves files without live rows, which
            // open() removes; the other order could leave a live row without its file.
            return std::function<void()>([this, ids = std::move(ids), state, done] {
                for (const auto& id : ids)
                    ::unlink((state->dir + "/" + toHex(id)).c_str());
                m_swept += ids.size();
                if (!ids.empty())
                    log::write(log::Level::Info, "blobs.swept",
                               {{"count", std::to_string(ids.size())}});
                if (ids.size() == kSweepBatch) {
                    std::lock_guard lock(m_sweepMutex);
                    m_sweepAgain = true;
                    m_sweepCv.notify_all();
                }
                if (done) done(ids.size());
            });
        },
        [done](const Error& e) {
            log::write(log::Level::Warn, "blobs.sweep_failed", {{"error", e.message}});
            if (done) done(0);
        });
}

void BlobStore::sweeperLoop() {
    std::unique_lock lock(m_sweepMutex);
    while (!m_stopping) {
        m_sweepCv.wait_for(lock, m_policy.sweepInterval,
                           [this] { return m_stopping || m_sweepAgain; });
        if (m_stopping) break;
        m_sweepAgain = false;
        lock.unlock();
        sweep();
        lock.lock();
    }
}

Result<void>
BlobStore::checkReferences(Database& db, std::string_view user, std::uint32_t device,
                           const google::protobuf::RepeatedPtrField<std::string>& ids) {
    if (ids.empty()) return {};
    auto st = db.cached("SELECT user, device, deleted_ms FROM blobs WHERE id = ?");
    if (!st) return tl::unexpected(st.error());
    int n = 0;
    for (const auto& id : ids) {
        ++n;
        st->bind(1, view(id));
        auto row = st->step();
        if (!row) return tl::unexpected(row.error());
        if (!*row || !st->columnIsNull(2))
            return refuse(proto::STATUS_GONE,
                          "attachment " + std::to_string(n) +
                              " is not on the relay (never uploaded, or removed because no "
                              "message declared it in time): upload it again");
        if (st->columnText(0) != user || std::uint32_t(st->columnInt(1)) != device)
            return refuse(proto::STATUS_FORBIDDEN,
                          "attachment " + std::to_string(n) +
                              " was uploaded by another device: upload it from this one");
        (*st)->reset();
    }
    return {};
}

Result<void> BlobStore::recordReferences(Database& db,
                                         const google::protobuf::RepeatedPtrField<std::string>& ids,
                                         std::uint64_t journalSeq, std::uint64_t nowMs) {
    if (ids.empty()) return {};
    auto mark =
        db.cached("UPDATE blobs SET referenced_ms = ? WHERE id = ? AND referenced_ms IS NULL");
    auto ref = db.cached("INSERT OR IGNORE INTO blob_refs (blob, journal_seq) VALUES (?, ?)");
    if (!mark) return tl::unexpected(mark.error());
    if (!ref) return tl::unexpected(ref.error());
    for (const auto& id : ids) {
        mark->bind(1, std::int64_t(nowMs)).bind(2, view(id));
        if (auto r = mark->run(); !r) return r;
        ref->bind(1, view(id)).bind(2, std::int64_t(journalSeq));
        if (auto r = ref->run(); !r) return r;
    }
    return {};
}

} // namespace verbatim::relay

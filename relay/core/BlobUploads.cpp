/// @file BlobUploads.cpp
/// A blob's way in and out: an upload admitted against its device's quota, hourly rate and the
/// disk reserve, committed as a blob, and a blob fetched for a download (BlobStore.h).
#include "relay/core/BlobStore.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "crypto/Random.h"
#include "relay/core/BlobState.h"
#include "relay/core/RateLimiter.h"

namespace verbatim::relay {

using storage::Database;
using namespace blobs;

namespace {

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

} // namespace

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

} // namespace verbatim::relay

/// @file BlobReferences.cpp
/// What keeps a blob and what removes it: a send's references checked and recorded inside its
/// storage job, and the sweep of the uploads no send declared within the grace period.
#include "relay/core/BlobStore.h"

#include <unistd.h>

#include <algorithm>
#include <vector>

#include "common/Log.h"
#include "relay/core/BlobState.h"
#include "relay/core/RateLimiter.h"

namespace verbatim::relay {

using storage::Database;
using namespace blobs;

namespace {

// A refusal a send job returns: responseFor() in RelayService turns it into this status.
tl::unexpected<Error> refuse(proto::Status status, std::string message) {
    return tl::unexpected(Error{ErrorCode::InvalidArgument, std::move(message), int(status)});
}

} // namespace

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
            auto picked = pick->forEachRow([&](auto& row) { ids.push_back(row.columnBlob(0)); });
            if (!picked) return tl::unexpected(picked.error());
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

void BlobStore::removeFiles(const std::vector<Bytes>& ids) {
    std::string dir;
    {
        std::lock_guard lock(m_state->mutex);
        dir = m_state->dir;
    }
    if (dir.empty()) return;
    for (const auto& id : ids)
        ::unlink((dir + "/" + toHex(id)).c_str());
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

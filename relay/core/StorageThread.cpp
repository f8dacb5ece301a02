#include "relay/core/StorageThread.h"

#include <future>
#include <optional>
#include <pthread.h>

#include "common/Log.h"
#include "relay/core/PgStore.h"

namespace verbatim::relay {

StorageThread::StorageThread(std::unique_ptr<storage::Database> db, std::size_t maxBatch,
                             std::chrono::microseconds commitWindow)
    : m_db(std::move(db)), m_maxBatch(maxBatch), m_window(commitWindow),
      m_thread([this] { loop(); }) {}

StorageThread::~StorageThread() {
    stop();
}

void StorageThread::setRollbackHook(std::function<Result<void>(storage::Database&)> hook) {
    runSync([&](storage::Database&) { m_rollbackHook = std::move(hook); });
}

void StorageThread::setBatchStartHook(std::function<Result<void>(storage::Database&)> hook) {
    runSync([&](storage::Database&) { m_batchStartHook = std::move(hook); });
}

void StorageThread::setBatchEndHook(std::function<Result<void>(storage::Database&)> hook) {
    runSync([&](storage::Database&) { m_batchEndHook = std::move(hook); });
}

void StorageThread::setCompletionScope(std::function<void(const std::function<void()>&)> scope) {
    runSync([&](storage::Database&) { m_completionScope = std::move(scope); });
}

void StorageThread::post(Work work, OnError onError) {
    enqueue({std::move(work), std::move(onError), Mode::Savepoint});
}

void StorageThread::postRepeatable(Work work, OnError onError) {
    enqueue({std::move(work), std::move(onError), Mode::Repeatable});
}

void StorageThread::postWritesLast(Work work, OnError onError) {
    enqueue({std::move(work), std::move(onError), Mode::WritesLast});
}

void StorageThread::enqueue(Job job) {
    {
        std::lock_guard lock(m_mutex);
        if (!m_stopping) {
            m_queue.push_back(std::move(job));
            m_queued = m_queue.size();
            // Inside a commit window the thread is waiting on purpose: waking it for every job
            // would switch threads once per job, which is what the window is there to avoid.
            if (!m_inWindow || m_queue.size() >= m_maxBatch) m_cv.notify_one();
            return;
        }
    }
    job.onError(Error{ErrorCode::Storage, "relay storage is shutting down", 0});
}

void StorageThread::postBetweenBatches(std::function<void(storage::Database&)> fn) {
    std::lock_guard lock(m_mutex);
    if (m_stopping) return;
    m_sync.push_back(std::move(fn));
    m_cv.notify_one();
}

void StorageThread::runSync(const std::function<void(storage::Database&)>& fn) {
    if (std::this_thread::get_id() == m_thread.get_id()) {
        fn(*m_db);
        return;
    }
    {
        // After stop() the thread is gone: nothing else touches the database, so the caller may
        // (shutdown work such as saving rate limits).
        std::unique_lock lock(m_mutex);
        if (m_stopping && !m_thread.joinable()) {
            lock.unlock();
            fn(*m_db);
            return;
        }
    }
    std::promise<void> done;
    {
        std::lock_guard lock(m_mutex);
        m_sync.push_back([&](storage::Database& db) {
            fn(db);
            done.set_value();
        });
        m_cv.notify_one();
    }
    done.get_future().wait();
}

void StorageThread::flush() {
    if (std::this_thread::get_id() == m_thread.get_id()) return;
    std::promise<void> done;
    // Batches run in order and their completions in order, so when this job's completion runs,
    // everything queued before it has finished.
    post(
        [&](storage::Database&) -> Result<std::function<void()>> {
            return std::function<void()>([&] { done.set_value(); });
        },
        [&](const Error&) { done.set_value(); });
    done.get_future().wait();
}

void StorageThread::stop() {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping && !m_thread.joinable()) return;
        m_stopping = true;
        m_cv.notify_one();
    }
    if (m_thread.joinable() && std::this_thread::get_id() != m_thread.get_id()) m_thread.join();
}

void StorageThread::loop() {
    pthread_setname_np(pthread_self(), "vr-storage");
    std::deque<Job> batch;
    while (true) {
        std::deque<std::function<void(storage::Database&)>> sync;
        {
            std::unique_lock lock(m_mutex);
            m_cv.wait(lock, [&] { return m_stopping || !m_queue.empty() || !m_sync.empty(); });
            if (m_window.count() > 0 && !m_stopping && m_sync.empty() &&
                m_queue.size() < m_maxBatch &&
                std::chrono::steady_clock::now() - m_lastCommit < 2 * m_window) {
                m_inWindow = true;
                m_cv.wait_for(lock, m_window, [&] {
                    return m_stopping || m_queue.size() >= m_maxBatch || !m_sync.empty();
                });
                m_inWindow = false;
            }
            sync.swap(m_sync);
            while (!m_queue.empty() && batch.size() < m_maxBatch) {
                batch.push_back(std::move(m_queue.front()));
                m_queue.pop_front();
            }
            m_queued = m_queue.size();
            if (batch.empty() && sync.empty() && m_stopping) return;
        }
        for (auto& fn : sync)
            fn(*m_db);
        if (!batch.empty()) {
            const auto start = std::chrono::steady_clock::now();
            runBatch(batch);
            m_lastCommit = std::chrono::steady_clock::now();
            const auto us =
                std::chrono::duration_cast<std::chrono::microseconds>(m_lastCommit - start).count();
            m_batchMicros += std::uint64_t(us);
            if (us >= 10000) ++m_slowBatches;
        }
        batch.clear();
    }
}

namespace {
// Savepoint statements run twice per job: compiled once, from the connection's cache.
Result<void> runCached(storage::Database& db, std::string_view sql) {
    auto st = db.cached(sql);
    if (!st) return tl::unexpected(st.error());
    return st->run();
}
} // namespace

Result<void> StorageThread::reloadState() {
    if (!m_rollbackHook) return {};
    return m_rollbackHook(*m_db);
}

void StorageThread::runBatch(std::deque<Job>& batch) {
    struct Outcome {
        std::function<void()> done;
        std::optional<Error> error;
    };
    std::vector<Outcome> outcomes(batch.size());
    auto failAll = [&](const Error& e) {
        for (std::size_t i = 0; i < batch.size(); ++i)
            if (batch[i].onError) batch[i].onError(outcomes[i].error ? *outcomes[i].error : e);
    };
    if (auto r = m_db->begin(); !r) {
        log::write(log::Level::Error, "storage.begin_failed", {{"error", r.error().message}});
        failAll(r.error());
        return;
    }
    if (m_batchStartHook) {
        if (auto r = m_batchStartHook(*m_db); !r) {
            log::write(log::Level::Error, "storage.batch_start_failed",
                       {{"error", r.error().message}});
            m_db->rollback();
            (void)reloadState(); // the hook reports its own failure
            failAll(r.error());
            return;
        }
    }
    // SQLite may answer SQLITE_FULL, IOERR, NOMEM or BUSY by rolling back the whole transaction,
    // not just the failing statement. The job's savepoint is then gone, so its RELEASE or
    // ROLLBACK TO fails. The batch must stop there: a later job's SAVEPOINT would open a new
    // transaction and commit on its own, on top of in-memory state (the journal head) that
    // counted the lost jobs' writes.
    std::optional<Error> lost;
    auto runWork = [&](Job& job) -> Result<std::function<void()>> {
        try {
            return job.work(*m_db);
        } catch (...) {
            return fail(ErrorCode::Internal, "job threw");
        }
    };
    for (std::size_t i = 0; i < batch.size() && !lost; ++i) {
        if (batch[i].mode != Mode::Savepoint) {
            const auto changesBefore = m_db->totalChanges();
            // On PostgreSQL the writes of a job without a savepoint go into a pipeline, one round
            // trip with the next statement that needs an answer: their failure already fails the
            // batch (a writes-last job's by its rule; a repeatable job's because PostgreSQL aborts
            // a transaction at any failed statement, and its COMMIT then fails).
            deferPostgresWrites(*m_db, true);
            auto result = runWork(batch[i]);
            deferPostgresWrites(*m_db, false);
            if (result) {
                outcomes[i].done = std::move(*result);
                continue;
            }
            outcomes[i].error = result.error();
            if (!m_db->inTransaction()) {
                lost = result.error(); // a failure that ended the transaction took the batch
            } else if (batch[i].mode == Mode::WritesLast) {
                // A repeatable job's own writes may stay; half of a writes-last job may not.
                if (m_db->totalChanges() != changesBefore) {
                    lost = result.error();
                } else if (auto r = reloadState(); !r) {
                    lost = r.error(); // state it derived before writing (the journal head)
                }
            }
            continue;
        }
        if (auto r = runCached(*m_db, "SAVEPOINT job"); !r) {
            outcomes[i].error = r.error();
            continue;
        }
        auto result = runWork(batch[i]);
        if (result) {
            outcomes[i].done = std::move(*result);
            if (auto r = runCached(*m_db, "RELEASE job"); !r) lost = r.error();
        } else {
            outcomes[i].error = result.error();
            auto r = runCached(*m_db, "ROLLBACK TO job");
            if (r) r = runCached(*m_db, "RELEASE job");
            if (!r) {
                lost = r.error();
            } else if (auto h = reloadState(); !h) {
                // State the job derived from its writes (the journal head) went back with them.
                lost = h.error();
            }
        }
    }
    if (!lost && m_batchEndHook) {
        // Its failure fails the batch anyway: on PostgreSQL its writes may ride in the pipeline.
        deferPostgresWrites(*m_db, true);
        auto r = m_batchEndHook(*m_db);
        deferPostgresWrites(*m_db, false);
        if (!r) lost = r.error();
    }
    if (lost) {
        log::write(log::Level::Error, "storage.transaction_lost", {{"error", lost->message}});
        m_db->rollback();
        (void)reloadState(); // the hook reports its own failure
        // Jobs that had failed keep their own error; every other job's writes are gone.
        for (auto& o : outcomes)
            o.done = nullptr;
        failAll(Error{ErrorCode::Storage, "storage transaction rolled back", lost->detail});
        return;
    }
    if (auto r = m_db->commit(); !r) {
        // Nothing of this batch is durable: every job fails, including those that succeeded.
        log::write(log::Level::Error, "storage.commit_failed", {{"error", r.error().message}});
        m_db->rollback();
        (void)reloadState(); // the hook reports its own failure
        for (auto& o : outcomes)
            o.error.reset();
        failAll(Error{ErrorCode::Storage, "storage commit failed", r.error().detail});
        return;
    }
    ++m_batches;
    m_jobs += batch.size();
    const std::function<void()> complete = [&] {
        for (std::size_t i = 0; i < batch.size(); ++i) {
            if (outcomes[i].error) {
                if (batch[i].onError) batch[i].onError(*outcomes[i].error);
            } else if (outcomes[i].done) {
                outcomes[i].done();
            }
        }
    };
    if (m_completionScope)
        m_completionScope(complete);
    else
        complete();
}

} // namespace verbatim::relay

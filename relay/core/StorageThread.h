#pragma once
/// @file StorageThread.h
/// The relay's single storage thread with group commit. I/O threads never touch the database:
/// they post jobs here. The thread takes every job that is waiting, runs them inside ONE
/// transaction (each under its own savepoint, so one failing job does not sink the others),
/// commits once, and only then runs the jobs' completions. A completion therefore means
/// "durably stored": acknowledgements are sent from completions, never earlier.
///
/// The queue itself has no bound: its producers bound it. Devices' requests, nearly all that is
/// posted here, are limited per connection and in total by the network layer (RelayServer's
/// maxRequestsInFlight, maxPendingRequests and their byte limits), which stops reading a
/// connection or answers "relay busy" instead of posting; registrations and authentications
/// come one per connection, under the connection cap.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "storage/Database.h"

namespace verbatim::relay {

class StorageThread {
public:
    /// Runs inside the batch transaction. Returns the completion to run after COMMIT succeeds
    /// (may be empty), or an error: then the job's writes are rolled back and onError runs.
    using Work = std::function<Result<std::function<void()>>(storage::Database&)>;
    using OnError = std::function<void(const Error&)>;

    /// Takes ownership of `db`. `commitWindow` is the group-commit delay: when jobs keep
    /// arriving (the previous batch committed less than two windows ago) and fewer than
    /// `maxBatch` are waiting, the thread waits up to this long for more before it begins a
    /// batch, as PostgreSQL's commit_delay does. On a busy relay this turns many small commits
    /// (each an fsync and two thread switches) into few large ones; an idle relay commits at once.
    /// Zero disables the wait.
    StorageThread(std::unique_ptr<storage::Database> db, std::size_t maxBatch = 512,
                  std::chrono::microseconds commitWindow = std::chrono::microseconds(0));
    ~StorageThread();
    StorageThread(const StorageThread&) = delete;
    StorageThread& operator=(const StorageThread&) = delete;

    /// Queues a job. Thread-safe. After stop() the job fails at once with Unavailable-like
    /// ErrorCode::Storage.
    void post(Work work, OnError onError);
    /// Like post(), for a job whose writes are each harmless on their own (deleting acknowledged
    /// queue rows): it runs without a savepoint, and if it fails half-way what it did stays. A
    /// failure that takes the whole transaction with it still fails the batch, as for any job.
    /// On PostgreSQL, where any failed statement takes the transaction with it, its writes ride
    /// in the pipeline as a writes-last job's do (one round trip with the next statement).
    void postRepeatable(Work work, OnError onError);
    /// Like post(), for a job that makes every check before its first write and writes only with
    /// INSERT, UPDATE and DELETE (a send): it runs without a savepoint, which would copy every
    /// page it touches first. If it fails without having written, only it fails. If it fails
    /// after writing, its half cannot be undone alone: the whole batch is rolled back and every
    /// job in it fails, as when COMMIT fails.
    void postWritesLast(Work work, OnError onError);
    /// Queues `fn` to run on the storage thread between batches, outside any transaction: it
    /// sees only committed data, and no commit can happen while it runs. Thread-safe.
    void postBetweenBatches(std::function<void(storage::Database&)> fn);
    /// Runs `fn` on the storage thread outside any transaction (for reads that must not wait for
    /// a batch, and for start-up work) and waits for it.
    void runSync(const std::function<void(storage::Database&)>& fn);
    /// Waits until every job queued before the call has run and its completion (or error
    /// callback) has returned.
    void flush();
    /// Finishes queued jobs, then stops the thread. Idempotent.
    void stop();

    /// Called on the storage thread after anything was rolled back (a failed job, a lost batch, a
    /// failed COMMIT) to reload state derived from the database. If it fails after a job failed
    /// in the middle of a batch, the rest of the batch cannot trust that state: the batch is lost.
    void setRollbackHook(std::function<Result<void>(storage::Database&)> hook);
    /// Called on the storage thread right after each batch's BEGIN IMMEDIATE, before its jobs.
    /// Holding the write lock, the batch sees every commit another process made before it and
    /// none can follow until COMMIT, so this is where to pick those up, once per batch. A
    /// failure fails every job of the batch.
    void setBatchStartHook(std::function<Result<void>(storage::Database&)> hook);

    /// Called on the storage thread after each batch's last job, before COMMIT, inside the
    /// transaction: for writes its jobs leave to the batch as a whole (counters summed over its
    /// jobs, written once). Not called for a batch already lost. A failure fails every job of
    /// the batch, as a failed COMMIT does.
    void setBatchEndHook(std::function<Result<void>(storage::Database&)> hook);

    /// Runs each batch's completions (and its failed jobs' error callbacks) inside `scope`, which
    /// must call its argument exactly once: the network layer gathers the frames they queue and
    /// hands them to its thread in one go. Empty: no scope.
    void setCompletionScope(std::function<void(const std::function<void()>&)> scope);
    /// Counters for /metrics.
    std::uint64_t batches() const { return m_batches; }
    std::uint64_t jobs() const { return m_jobs; }
    /// Wall time spent in batches (executing the jobs, COMMIT with its fsync, completions), and
    /// how many batches took 10 ms or more: where a message's latency tail comes from.
    std::uint64_t batchMicros() const { return m_batchMicros; }
    std::uint64_t slowBatches() const { return m_slowBatches; }
    /// Jobs waiting for a batch (not counting the one running).
    std::size_t queued() const { return m_queued; }

private:
    enum class Mode { Savepoint, Repeatable, WritesLast };
    struct Job {
        Work work;
        OnError onError;
        Mode mode = Mode::Savepoint;
    };
    void enqueue(Job job);
    void loop();
    void runBatch(std::deque<Job>& batch);
    Result<void> reloadState(); ///< the rollback hook, if any

    std::unique_ptr<storage::Database> m_db;
    std::size_t m_maxBatch;
    std::chrono::microseconds m_window;
    /// True while the thread waits out a commit window: post() then wakes it only for a full batch.
    bool m_inWindow = false;
    std::chrono::steady_clock::time_point m_lastCommit{};
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<Job> m_queue;
    std::deque<std::function<void(storage::Database&)>> m_sync;
    bool m_stopping = false;
    std::function<Result<void>(storage::Database&)> m_rollbackHook;
    std::function<Result<void>(storage::Database&)> m_batchStartHook;
    std::function<Result<void>(storage::Database&)> m_batchEndHook;
    std::function<void(const std::function<void()>&)> m_completionScope;
    std::atomic<std::uint64_t> m_batches{0}, m_jobs{0}, m_batchMicros{0}, m_slowBatches{0};
    std::atomic<std::size_t> m_queued{0}; ///< m_queue.size(), readable without the mutex
    std::thread m_thread;
};

} // namespace verbatim::relay

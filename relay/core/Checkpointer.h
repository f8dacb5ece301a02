#pragma once
/// @file Checkpointer.h
/// Moves the relay's WAL into the database file on a second connection and its own thread, so
/// that the storage thread never stops a batch to checkpoint. SQLite's automatic checkpoint runs
/// inside the commit that crosses its threshold (1,000 pages), on the committing thread: that
/// commit, and every send waiting for it, pays for copying the pages. A PASSIVE checkpoint from
/// another connection copies what it can while the writer goes on, and copies each hot page
/// (queue and journal tails, index roots) once per round instead of once per 1,000 WAL pages.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "storage/Database.h"

namespace verbatim::relay {

class Checkpointer {
public:
    /// `db` is a second connection to the relay database (the writer's connection must have
    /// PRAGMA wal_autocheckpoint = 0). Checkpoints every `interval`.
    Checkpointer(std::unique_ptr<storage::Database> db, std::chrono::milliseconds interval);
    ~Checkpointer();
    Checkpointer(const Checkpointer&) = delete;
    Checkpointer& operator=(const Checkpointer&) = delete;

    /// Stops the thread, then checkpoints everything and truncates the WAL (at shutdown, after
    /// the writer has stopped). Idempotent.
    void stop();
    std::uint64_t rounds() const { return m_rounds; }

private:
    void loop();

    std::unique_ptr<storage::Database> m_db;
    std::chrono::milliseconds m_interval;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_stopping = false;
    std::atomic<std::uint64_t> m_rounds{0};
    std::thread m_thread;
};

} // namespace verbatim::relay

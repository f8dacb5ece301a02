#include "relay/core/Checkpointer.h"

#include <pthread.h>

#include "common/Log.h"

namespace verbatim::relay {

Checkpointer::Checkpointer(std::unique_ptr<storage::Database> db,
                           std::chrono::milliseconds interval)
    : m_db(std::move(db)), m_interval(interval), m_thread([this] { loop(); }) {}

Checkpointer::~Checkpointer() {
    stop();
}

void Checkpointer::stop() {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) return;
        m_stopping = true;
    }
    m_cv.notify_one();
    if (m_thread.joinable()) m_thread.join();
    if (auto r = m_db->exec("PRAGMA wal_checkpoint(TRUNCATE)"); !r)
        log::write(log::Level::Warn, "storage.checkpoint_failed", {{"error", r.error().message}});
}

void Checkpointer::loop() {
    pthread_setname_np(pthread_self(), "vr-checkpoint");
    std::unique_lock lock(m_mutex);
    while (!m_cv.wait_for(lock, m_interval, [&] { return m_stopping; })) {
        lock.unlock();
        // PASSIVE never waits for the writer: it copies the frames it can and leaves the rest
        // for the next round. An error (disk full) is logged and retried next round; the WAL
        // keeps every committed frame meanwhile, so nothing is lost.
        if (auto r = m_db->exec("PRAGMA wal_checkpoint(PASSIVE)"); !r)
            log::write(log::Level::Warn, "storage.checkpoint_failed",
                       {{"error", r.error().message}});
        ++m_rounds;
        lock.lock();
    }
}

} // namespace verbatim::relay

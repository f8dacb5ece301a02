#pragma once
/// @file JournalPruning.h
/// The relay's journal pruner (issue 22): a thread that, every `interval` or when kicked (a new
/// compliance acknowledgement), runs RelayService's pruning steps one storage job at a time until
/// nothing more may go. Each step is a small job of its own (RelayConfig::journalPruneBatch
/// rows), so a send waits for at most one step, never for a whole pruning run. Private to
/// relay/core; what may be pruned and how is in JournalPruning.cpp and docs/protocol.md
/// ("Journal acknowledgement and pruning").

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace verbatim::relay {

class JournalPruner {
public:
    /// `step` runs one pruning step on the storage thread and waits for it; it answers whether
    /// more remains to prune now. Starts the thread.
    JournalPruner(std::chrono::milliseconds interval, std::function<bool()> step);
    ~JournalPruner(); ///< stops and joins the thread; a step in progress finishes first
    JournalPruner(const JournalPruner&) = delete;
    JournalPruner& operator=(const JournalPruner&) = delete;
    /// Look now rather than at the next interval. Thread-safe.
    void kick();

private:
    void loop();
    std::chrono::milliseconds m_interval;
    std::function<bool()> m_step;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_stopping = false, m_kicked = false;
    std::thread m_thread;
};

} // namespace verbatim::relay

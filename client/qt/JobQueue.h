#pragma once
/// @file JobQueue.h
/// One worker thread that runs jobs one at a time, in the order they were pushed: for work that
/// must not block the GUI thread (round trips to the relay, the compliance archive). A job
/// reports back by posting to the GUI thread itself (QMetaObject::invokeMethod); nothing here
/// knows about Qt.
///
/// Threading: push(), drain() and stop() may be called from any thread except the worker's own.
/// The thread starts with the first push, so an idle queue costs nothing.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace verbatim::qt {

class JobQueue {
public:
    JobQueue() = default;
    /// stop().
    ~JobQueue();
    JobQueue(const JobQueue&) = delete;
    JobQueue& operator=(const JobQueue&) = delete;

    /// Queues `job`. After stop() jobs are dropped. A job must not throw.
    void push(std::function<void()> job);
    /// Waits until every job queued so far has run.
    void drain();
    /// Drops the jobs not yet started, waits for the running one and ends the thread.
    void stop();

private:
    void loop();

    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<std::function<void()>> m_queue;
    bool m_running = false;
    bool m_stopping = false;
    std::thread m_thread;
};

} // namespace verbatim::qt

#include "client/qt/JobQueue.h"

namespace verbatim::qt {

JobQueue::~JobQueue() {
    stop();
}

void JobQueue::push(std::function<void()> job) {
    {
        std::lock_guard lock(m_mutex);
        if (m_stopping) return;
        m_queue.push_back(std::move(job));
        if (!m_thread.joinable()) m_thread = std::thread([this] { loop(); });
    }
    m_cv.notify_all();
}

void JobQueue::drain() {
    std::unique_lock lock(m_mutex);
    m_cv.wait(lock, [this] { return m_queue.empty() && !m_running; });
}

void JobQueue::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        m_queue.clear(); // not started: dropped; the running job finishes
    }
    m_cv.notify_all();
    if (m_thread.joinable()) m_thread.join();
}

void JobQueue::loop() {
    while (true) {
        std::function<void()> job;
        {
            std::unique_lock lock(m_mutex);
            m_cv.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
            if (m_stopping) return;
            job = std::move(m_queue.front());
            m_queue.pop_front();
            m_running = true;
        }
        job();
        {
            std::lock_guard lock(m_mutex);
            m_running = false;
        }
        // drain() waits on the same condition.
        m_cv.notify_all();
    }
}

} // namespace verbatim::qt

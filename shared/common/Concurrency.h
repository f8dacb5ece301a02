#pragma once
/// @file Concurrency.h
/// Two small tools for pipelines: a parallel loop over an index range and a bounded channel
/// between a producer and a consumer thread.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace verbatim {

/// Splits [0, n) over `workers` threads (the caller is one of them).
inline void parallelFor(std::size_t n, unsigned workers,
                        const std::function<void(std::size_t)>& fn) {
    if (workers <= 1 || n < 16) {
        for (std::size_t i = 0; i < n; ++i)
            fn(i);
        return;
    }
    std::atomic<std::size_t> next{0};
    auto run = [&] {
        for (std::size_t i; (i = next.fetch_add(8)) < n;)
            for (std::size_t j = i; j < std::min(n, i + 8); ++j)
                fn(j);
    };
    std::vector<std::thread> threads;
    for (unsigned w = 1; w < workers; ++w)
        threads.emplace_back(run);
    run();
    for (auto& t : threads)
        t.join();
}

/// A bounded single-producer single-consumer queue; close() ends it.
template <class T> class Channel {
public:
    explicit Channel(std::size_t capacity) : m_capacity(capacity) {}
    bool push(T v) {
        std::unique_lock lock(m_mutex);
        m_cv.wait(lock, [&] { return m_items.size() < m_capacity || m_closed; });
        if (m_closed) return false;
        m_items.push_back(std::move(v));
        m_cv.notify_all();
        return true;
    }
    std::optional<T> pop() {
        std::unique_lock lock(m_mutex);
        m_cv.wait(lock, [&] { return !m_items.empty() || m_closed; });
        if (m_items.empty()) return std::nullopt;
        T v = std::move(m_items.front());
        m_items.pop_front();
        m_cv.notify_all();
        return v;
    }
    void close() {
        std::lock_guard lock(m_mutex);
        m_closed = true;
        m_cv.notify_all();
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<T> m_items;
    std::size_t m_capacity;
    bool m_closed = false;
};

} // namespace verbatim

#pragma once
/// @file SignalPtr.h
/// RAII owners for libsignal-protocol-c objects. Every reference-counted library object starts
/// with a signal_type_base, so one template owns them all; buffers are wiped when freed.

#include <signal_protocol.h>

#include <utility>

#include "common/Bytes.h"

namespace verbatim::signal {

/// Owns one reference to a libsignal object (session_record, ec_public_key, ...).
template <class T> class SignalPtr {
public:
    SignalPtr() = default;
    /// Adopts a reference the caller already holds (the usual case after a *_create call).
    explicit SignalPtr(T* p) : m_p(p) {}
    SignalPtr(const SignalPtr&) = delete;
    SignalPtr& operator=(const SignalPtr&) = delete;
    SignalPtr(SignalPtr&& o) noexcept : m_p(std::exchange(o.m_p, nullptr)) {}
    SignalPtr& operator=(SignalPtr&& o) noexcept {
        if (this != &o) {
            reset();
            m_p = std::exchange(o.m_p, nullptr);
        }
        return *this;
    }
    ~SignalPtr() { reset(); }

    /// Takes a new reference to an object owned elsewhere (getters return borrowed pointers).
    static SignalPtr retain(T* p) {
        if (p) signal_type_ref(reinterpret_cast<signal_type_base*>(p));
        return SignalPtr(p);
    }
    void reset(T* p = nullptr) {
        if (m_p) signal_type_unref(reinterpret_cast<signal_type_base*>(m_p));
        m_p = p;
    }
    T* get() const { return m_p; }
    T* release() { return std::exchange(m_p, nullptr); }
    /// For out-parameters: `session_record_create(ptr.out(), ...)`.
    T** out() {
        reset();
        return &m_p;
    }
    explicit operator bool() const { return m_p != nullptr; }

private:
    T* m_p = nullptr;
};

/// Owns a signal_buffer; zeroes it before freeing since buffers carry keys and plaintext.
class SignalBuffer {
public:
    SignalBuffer() = default;
    explicit SignalBuffer(signal_buffer* b) : m_b(b) {}
    SignalBuffer(const SignalBuffer&) = delete;
    SignalBuffer& operator=(const SignalBuffer&) = delete;
    SignalBuffer(SignalBuffer&& o) noexcept : m_b(std::exchange(o.m_b, nullptr)) {}
    SignalBuffer& operator=(SignalBuffer&& o) noexcept {
        if (this != &o) {
            reset();
            m_b = std::exchange(o.m_b, nullptr);
        }
        return *this;
    }
    ~SignalBuffer() { reset(); }
    void reset(signal_buffer* b = nullptr) {
        if (m_b) signal_buffer_bzero_free(m_b);
        m_b = b;
    }
    signal_buffer** out() {
        reset();
        return &m_b;
    }
    signal_buffer* get() const { return m_b; }
    ByteView view() const {
        return m_b ? ByteView(signal_buffer_const_data(m_b), signal_buffer_len(m_b)) : ByteView();
    }
    explicit operator bool() const { return m_b != nullptr; }

private:
    signal_buffer* m_b = nullptr;
};

/// Copies `data` into a new library-owned buffer (for store callbacks that hand records back).
inline signal_buffer* makeSignalBuffer(ByteView data) {
    return signal_buffer_create(data.data(), data.size());
}

} // namespace verbatim::signal

#pragma once
/// @file SignalContext.h
/// The libsignal-protocol-c global context with Verbatim's OpenSSL crypto provider and a
/// recursive lock (the library does no locking at all without one).

#include <memory>
#include <mutex>

#include "common/Result.h"

struct signal_context;

namespace verbatim::signal {

/// Owns a signal_context. Thread-safe: the library takes our recursive mutex around every
/// store access. Create once per process (or per test) and share.
class SignalContext {
public:
    [[nodiscard]] static Result<std::shared_ptr<SignalContext>> create();
    ~SignalContext();
    SignalContext(const SignalContext&) = delete;
    SignalContext& operator=(const SignalContext&) = delete;

    signal_context* get() const { return m_ctx; }

    /// Takes the (recursive) lock the library holds around its own calls, so that a caller can
    /// make several library calls and store accesses one atomic step.
    [[nodiscard]] std::unique_lock<std::recursive_mutex> lock() const;

    /// Map a libsignal return code (SG_ERR_*) to a Verbatim error; `what` names the operation.
    static Error toError(int sgCode, const char* what);

private:
    SignalContext() = default;
    struct Lock;
    signal_context* m_ctx = nullptr;
    std::unique_ptr<Lock> m_lock;
};

} // namespace verbatim::signal

#include "signal/SignalContext.h"

#include <mutex>
#include <signal_protocol.h>
#include <string>

#include "common/Log.h"
#include "signal/CryptoProvider.h"

namespace verbatim::signal {

struct SignalContext::Lock {
    // Recursive: the library re-enters its lock from store callbacks.
    std::recursive_mutex mutex;
};

namespace {
void lockFunc(void* userData) noexcept {
    static_cast<std::recursive_mutex*>(userData)->lock();
}
void unlockFunc(void* userData) noexcept {
    static_cast<std::recursive_mutex*>(userData)->unlock();
}
// The library's own messages name states and counters, never key bytes or plaintext.
void logFunc(int level, const char* message, size_t len, void*) noexcept {
    try {
        verbatim::log::write(level <= SG_LOG_WARNING ? verbatim::log::Level::Warn
                                                     : verbatim::log::Level::Debug,
                             "libsignal", {{"msg", std::string_view(message, len)}});
    } catch (...) {
    }
}
} // namespace

Result<std::shared_ptr<SignalContext>> SignalContext::create() {
    std::shared_ptr<SignalContext> self(new SignalContext());
    self->m_lock = std::make_unique<Lock>();
    int rc = signal_context_create(&self->m_ctx, &self->m_lock->mutex);
    if (rc != 0) return tl::unexpected(toError(rc, "signal context creation"));
    signal_crypto_provider provider = makeCryptoProvider();
    if ((rc = signal_context_set_crypto_provider(self->m_ctx, &provider)) != 0)
        return tl::unexpected(toError(rc, "signal crypto provider"));
    if ((rc = signal_context_set_locking_functions(self->m_ctx, lockFunc, unlockFunc)) != 0)
        return tl::unexpected(toError(rc, "signal locking"));
    if ((rc = signal_context_set_log_function(self->m_ctx, logFunc)) != 0)
        return tl::unexpected(toError(rc, "signal logging"));
    return self;
}

std::unique_lock<std::recursive_mutex> SignalContext::lock() const {
    return std::unique_lock<std::recursive_mutex>(m_lock->mutex);
}

SignalContext::~SignalContext() {
    if (m_ctx) signal_context_destroy(m_ctx);
}

Error SignalContext::toError(int rc, const char* what) {
    ErrorCode code = ErrorCode::Crypto;
    const char* why = "library error";
    switch (rc) {
    case SG_ERR_NOMEM:
        code = ErrorCode::Internal;
        why = "out of memory";
        break;
    case SG_ERR_INVAL:
        code = ErrorCode::InvalidArgument;
        why = "invalid argument";
        break;
    case SG_ERR_DUPLICATE_MESSAGE:
        code = ErrorCode::Duplicate;
        why = "duplicate message";
        break;
    case SG_ERR_INVALID_KEY:
        code = ErrorCode::AuthFailed;
        why = "invalid key";
        break;
    case SG_ERR_INVALID_KEY_ID:
        code = ErrorCode::NotFound;
        why = "unknown key id";
        break;
    case SG_ERR_INVALID_MAC:
        code = ErrorCode::AuthFailed;
        why = "bad MAC";
        break;
    case SG_ERR_INVALID_MESSAGE:
        code = ErrorCode::Malformed;
        why = "invalid message";
        break;
    case SG_ERR_INVALID_VERSION:
        code = ErrorCode::Unsupported;
        why = "unsupported version";
        break;
    case SG_ERR_LEGACY_MESSAGE:
        code = ErrorCode::Unsupported;
        why = "legacy message version";
        break;
    case SG_ERR_NO_SESSION:
        code = ErrorCode::NotFound;
        why = "no session";
        break;
    case SG_ERR_STALE_KEY_EXCHANGE:
        code = ErrorCode::Malformed;
        why = "stale key exchange";
        break;
    case SG_ERR_UNTRUSTED_IDENTITY:
        code = ErrorCode::UntrustedIdentity;
        why = "identity key changed";
        break;
    case SG_ERR_VRF_SIG_VERIF_FAILED:
        code = ErrorCode::AuthFailed;
        why = "signature check failed";
        break;
    case SG_ERR_INVALID_PROTO_BUF:
        code = ErrorCode::Malformed;
        why = "malformed protobuf";
        break;
    default:
        if (rc < SG_ERR_MINIMUM) {
            code = ErrorCode::Storage;
            why = "store callback failed";
        }
        break;
    }
    return Error{code, std::string(what) + ": " + why, rc};
}

} // namespace verbatim::signal

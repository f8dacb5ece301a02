#include "common/Result.h"

namespace verbatim {

const char* errorCodeName(ErrorCode code) {
    switch (code) {
    case ErrorCode::InvalidArgument:
        return "invalid-argument";
    case ErrorCode::Crypto:
        return "crypto";
    case ErrorCode::AuthFailed:
        return "auth-failed";
    case ErrorCode::Malformed:
        return "malformed";
    case ErrorCode::NotFound:
        return "not-found";
    case ErrorCode::Duplicate:
        return "duplicate";
    case ErrorCode::UntrustedIdentity:
        return "untrusted-identity";
    case ErrorCode::Storage:
        return "storage";
    case ErrorCode::WrongKey:
        return "wrong-key";
    case ErrorCode::Unsupported:
        return "unsupported";
    case ErrorCode::Internal:
        return "internal";
    case ErrorCode::Unavailable:
        return "unavailable";
    case ErrorCode::Forbidden:
        return "forbidden";
    case ErrorCode::RateLimited:
        return "rate-limited";
    case ErrorCode::Conflict:
        return "conflict";
    }
    return "unknown";
}

} // namespace verbatim

#pragma once
/// @file Result.h
/// The error type and Result<T> that every fallible Verbatim function returns.

#include <string>
#include <tl/expected.hpp>

namespace verbatim {

/// Broad classes of failure; callers branch on these, humans read the message.
enum class ErrorCode {
    InvalidArgument,   ///< caller passed something malformed (wrong length, empty, out of range)
    Crypto,            ///< a primitive failed (OpenSSL or libsignal returned an error)
    AuthFailed,        ///< a MAC, tag, signature or commitment did not verify
    Malformed,         ///< input bytes could not be parsed
    NotFound,          ///< a key, session or record does not exist
    Duplicate,         ///< already seen (replayed message, duplicate id)
    UntrustedIdentity, ///< a peer's identity key changed
    Storage,           ///< the database failed (I/O, full, corrupt)
    WrongKey,          ///< the database or key file could not be unlocked with this key/passphrase
    Unsupported,       ///< version or feature we do not handle
    Internal,          ///< a bug or an invariant broken
    // What the relay answered (detail: its status or close code when there is one):
    Unavailable, ///< not connected, unreachable, no answer in time, or the relay is busy
    Forbidden,   ///< the relay refused this device or account the request (403)
    RateLimited, ///< the relay asked to retry later (429)
    Conflict,    ///< the relay's state moved on (409: a device list changed)
};

/// A failure. `message` is for humans and must never contain a key, passphrase, token or
/// message plaintext.
struct Error {
    ErrorCode code = ErrorCode::Internal;
    std::string message;
    int detail = 0; ///< underlying library code (SG_ERR_*, SQLITE_*) or relay status, 0 when none
};

template <class T> using Result = tl::expected<T, Error>;

/// Build an unexpected Error; `return fail(ErrorCode::Malformed, "truncated header");`
inline tl::unexpected<Error> fail(ErrorCode code, std::string message, int detail = 0) {
    return tl::unexpected<Error>(Error{code, std::move(message), detail});
}

/// Human-readable name of an ErrorCode, for logs and CLI output.
const char* errorCodeName(ErrorCode code);

} // namespace verbatim

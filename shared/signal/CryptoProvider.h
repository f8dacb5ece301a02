#pragma once
/// @file CryptoProvider.h
/// The signal_crypto_provider backed by Verbatim's OpenSSL wrappers (crypto/). Exposed so that
/// tests can call the callbacks directly (CP-06).

#include <signal_protocol.h>

namespace verbatim::signal {

/// A provider whose callbacks are noexcept, validate their arguments and return SG_ERR_* codes.
signal_crypto_provider makeCryptoProvider();

} // namespace verbatim::signal

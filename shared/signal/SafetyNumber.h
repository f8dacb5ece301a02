#pragma once
/// @file SafetyNumber.h
/// Signal's numeric fingerprint ("safety number") between two users, each with one or more
/// device identity keys: 60 digits, 5200 iterations of SHA-512 (libsignal's fingerprint
/// generator over key lists). Both sides compute the same digits, with the halves swapped into
/// a canonical order, so two people can compare them read aloud or side by side.

#include <string>
#include <vector>

#include "common/Bytes.h"
#include "signal/SignalContext.h"

namespace verbatim::signal {

/// `localKeys` / `remoteKeys`: 33-byte identity keys (0x05 prefix), in any order (sorted here,
/// so that the number depends on the set only).
[[nodiscard]] Result<std::string> safetyNumber(SignalContext& context, const std::string& localUser,
                                               std::vector<Bytes> localKeys,
                                               const std::string& remoteUser,
                                               std::vector<Bytes> remoteKeys);

/// "12345 67890 ..." (12 groups of 5 digits) for display.
std::string formatSafetyNumber(const std::string& digits);

} // namespace verbatim::signal

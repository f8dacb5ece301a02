#pragma once
/// @file TimeText.h
/// Times as the compliance tool reads and writes them: UTC, ISO 8601.
#include <cstdint>
#include <optional>
#include <string>

namespace verbatim::compliance {

/// "YYYY-MM-DDTHH:MM:SSZ" (RFC 3339, UTC) for milliseconds since the Unix epoch.
std::string isoTime(std::uint64_t ms);
/// Parses "YYYY-MM-DD" (start of that day, UTC; its last millisecond when `endOfDay`),
/// "YYYY-MM-DDTHH:MM[:SS][Z]" or a number of ms (more than ten digits).
std::optional<std::uint64_t> parseTime(const std::string& text, bool endOfDay);

} // namespace verbatim::compliance

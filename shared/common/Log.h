#pragma once
/// @file Log.h
/// Structured one-line logs (key=value) to stderr. Never pass secrets, tokens, envelope bytes
/// or plaintext: log ids, sizes and error codes only.

#include <initializer_list>
#include <string_view>
#include <utility>

namespace verbatim::log {

enum class Level { Debug, Info, Warn, Error };

/// Minimum level that is written (default Info; VERBATIM_LOG=debug lowers it). Thread-safe.
void setLevel(Level level);

/// Write `event` with fields, e.g. log::write(Level::Warn, "bundle.rejected", {{"reason","low-order"}}).
void write(Level level, std::string_view event,
           std::initializer_list<std::pair<std::string_view, std::string_view>> fields = {});

} // namespace verbatim::log

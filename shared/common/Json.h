#pragma once
/// @file Json.h
/// The one JSON string quoting used for audit bodies, reports and CLI output (no JSON library
/// in Boost 1.74; the project writes small fixed-shape objects only).

#include <string>
#include <string_view>

namespace verbatim {

/// `s` as a JSON string literal, quotes included; control characters escaped.
std::string jsonQuote(std::string_view s);

}  // namespace verbatim

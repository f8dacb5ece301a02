#pragma once
/// @file Json.h
/// The one JSON string quoting used for audit bodies, reports and CLI output (no JSON library
/// in Boost 1.74; the project writes small fixed-shape objects only).

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace verbatim {

/// `s` as a JSON string literal, quotes included; control characters escaped.
std::string jsonQuote(std::string_view s);

/// Parses one flat JSON object whose values are strings, integers, booleans or null (the shape
/// of audit bodies and reports) into name -> value text (strings unescaped, numbers and
/// booleans as written, null as ""). Nested values, duplicate names, trailing bytes or bad
/// escapes give nullopt. Input of at most 1 MiB.
std::optional<std::map<std::string, std::string>> parseFlatJsonObject(std::string_view text);

} // namespace verbatim

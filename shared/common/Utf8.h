#pragma once
/// @file Utf8.h
/// Writing a code point as UTF-8 (the JSON reader and the compliance exports share it).

#include <string>

namespace verbatim {

/// Appends `cp` (at most U+10FFFF; the caller has checked it) to `out` as UTF-8.
void appendUtf8(std::string& out, char32_t cp);

} // namespace verbatim

#pragma once
/// @file ExportEncoding.h
/// How every value a participant chose (message text, display names, matter titles, file names,
/// media types, emoji) is written into the compliance outputs, one rule per format. Issue 16
/// item 2: a media type written as sent let a sender forge MIME headers and parts in the EML
/// export. Nothing here trusts its input: any bytes, any length.
///
/// | where                          | rule                                                          |
/// |--------------------------------|---------------------------------------------------------------|
/// | every output                   | invalid UTF-8 (overlongs, encoded surrogates, > U+10FFFF, cut |
/// |                                | sequences) becomes U+FFFD, one per maximal invalid subpart    |
/// |                                | (as Python's `decode("utf-8", "replace")` does)               |
/// | JSON (JSON Lines, RSMF manifest,| `"` `\` and U+0000-U+001F escaped, U+007F, U+2028 and U+2029  |
/// | `--json` outputs)              | as \u escapes: the value round-trips exactly                  |
/// | MIME media type                | `type/subtype` of RFC 2045 tokens (each 1-127 characters),   |
/// |                                | lower-cased, parameters dropped; `multipart/*`, `message/*`   |
/// |                                | and anything else become `application/octet-stream`           |
/// | header text (Subject)          | control characters become spaces; RFC 2047 encoded words     |
/// |                                | (UTF-8, base64, folded) unless short printable ASCII; at most |
/// |                                | `maxChars` characters, then "…"                               |
/// | MIME parameters (file names)   | a quoted string when short printable ASCII, else RFC 2231     |
/// |                                | (`name*0*=utf-8''…` continuations); lines stay under 78       |
/// | file names (EML parts, CSV)    | controls, U+2028/U+2029, `/`, `\` and bidi controls become   |
/// |                                | `_`; spaces at either end are removed; a leading `.` gets a   |
/// |                                | `_` before it; at most 150 bytes (the extension is kept);     |
/// |                                | empty becomes `attachment`                                    |
/// | transcript (EML/RSMF body)     | NUL and other controls (not tab) become U+FFFD; a line break  |
/// |                                | inside a value continues on a new line starting `  | `, so no |
/// |                                | value can forge a transcript line                             |
/// | CSV                            | every field quoted, `"` doubled, NUL becomes U+FFFD; a field  |
/// |                                | starting with = + - @ tab or CR gets a leading `'` (OWASP     |
/// |                                | CSV injection)                                                |
/// | terminal (search and show)     | one line per value: CR, LF, tab and other controls shown as  |
/// |                                | `\r` `\n` `\t` `\xNN`                                          |
/// No Qt; pure functions, safe from any thread.

#include <string>
#include <string_view>

namespace verbatim::compliance {

/// `s` with every maximal invalid UTF-8 subpart replaced by U+FFFD.
std::string validUtf8(std::string_view s);

/// A JSON string literal (quotes included) of `s` (see the table above).
std::string jsonString(std::string_view s);

/// The media type to write for a sender's `type` (see the table above).
std::string mediaType(std::string_view type);

/// `Name: value` for a header, CRLF included, folded; `maxChars` 0: no limit.
std::string headerLine(std::string_view name, std::string_view value, std::size_t maxChars = 0);

/// `; attr=value` for a MIME header parameter, RFC 2231 encoded and folded when needed.
std::string mimeParameter(std::string_view attribute, std::string_view value);

/// A file name safe to offer in a MIME part and to save on any file system.
std::string attachmentFileName(std::string_view name);

/// A value inside the plain-text transcript (a line break continues with `  | `).
std::string transcriptText(std::string_view s);

/// One CSV field, quoted.
std::string csvField(std::string_view s);

/// A value on one terminal line: control characters written as visible escapes.
std::string terminalText(std::string_view s);

} // namespace verbatim::compliance

#pragma once
// The media type of an attachment, sniffed from its content (libmagic), so that recipients and
// compliance exports label a PDF `application/pdf` rather than trusting the file's name.
#include "common/Bytes.h"

#include <string>

namespace verbatim::client {

// An RFC 2045 `type/subtype` in lower case, without parameters; `application/octet-stream`
// when the content is not recognised or the detector is unavailable. Reads at most the first
// 1 MiB. Thread-safe.
std::string detectMediaType(ByteView content);

} // namespace verbatim::client

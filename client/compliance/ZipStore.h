#pragma once
/// @file ZipStore.h
/// The ZIP container of the RSMF export (`rsmf.zip` inside the EML): files stored without
/// compression, UTF-8 names, CRC-32 from zlib. Enough of PKWARE's APPNOTE for readers to open it;
/// nothing here reads ZIP files.
#include "common/Bytes.h"

#include <string>
#include <utility>
#include <vector>

namespace verbatim::compliance {

/// A ZIP archive (stored, no compression) of name -> bytes, in order, stamped with the current
/// UTC time.
Bytes zipStore(const std::vector<std::pair<std::string, Bytes>>& files);

} // namespace verbatim::compliance

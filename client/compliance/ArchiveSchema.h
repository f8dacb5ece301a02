#pragma once
/// @file ArchiveSchema.h
/// The compliance archive's SQLCipher schema, one step per version, oldest first.
#include <string_view>
#include <vector>

namespace verbatim::compliance {

/// Every schema step in order (versions 1, 2, 3, ...): Database::migrate applies the ones an
/// archive lacks, each in its own transaction, and refuses an archive newer than the last.
const std::vector<std::string_view>& archiveSchema();

} // namespace verbatim::compliance

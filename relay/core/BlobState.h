#pragma once
/// @file BlobState.h
/// What BlobStore's files share (private to relay/core): the state an upload and the store both
/// hold, and the file and disk helpers. BlobStore.cpp opens the store and keeps its uploads'
/// accounts; BlobUploads.cpp admits, commits and fetches blobs; BlobReferences.cpp checks and
/// records a send's references and sweeps the blobs no send declared.
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "relay/core/BlobStore.h"

namespace verbatim::relay {

// Shared by the store and its uploads, so that an upload destroyed after the store (a session
// freed with the io_context after the service) still finds something to release into.
struct BlobStore::Upload::State {
    std::mutex mutex;
    std::string dir;                  ///< empty until open()
    bool inDatabase = false;          ///< the PostgreSQL store: the bytes are in blob_chunks
    std::vector<std::string> fsPaths; ///< one path per file system to keep the reserve on
    struct InFlight {
        std::uint64_t bytes = 0;
        std::uint32_t count = 0;
    };
    std::map<std::pair<std::string, std::uint32_t>, InFlight> inFlight;
    std::uint64_t inFlightBytes = 0, inFlightCount = 0;
};

namespace blobs {

inline constexpr std::uint64_t kHourMs = 3600ull * 1000;
inline constexpr std::size_t kSweepBatch = 500;
inline constexpr std::string_view kTempPrefix = ".upload-";
inline constexpr std::size_t kChunkBytes = 1u << 20; // one blob_chunks row (PostgreSQL store)

/// 64 lowercase hex digits: a blob's file name and id.
bool isBlobName(std::string_view name);

struct Space {
    std::uint64_t free = 0, total = 0;
};
/// The free and total bytes of the file system holding `path`; nullopt when statvfs fails.
std::optional<Space> spaceOf(const std::string& path);

/// fsync of the directory makes a rename durable (the file's own fsync does not cover its name).
bool syncDirectory(const std::string& dir);

/// The PostgreSQL store keeps each blob's bytes in blob_chunks (1 MiB rows): every relay on the
/// database can serve it. Inside the job that records the blob's row.
Result<void> storeChunks(storage::Database& db, ByteView id, const std::string& path);

} // namespace blobs

} // namespace verbatim::relay

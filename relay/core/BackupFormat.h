#pragma once
/// @file BackupFormat.h
/// The relay backup file's byte format (RelayBackup.h describes it; docs/protocol.md, "Relay
/// backup file"), private to relay/core: the writer and the reader side by side, so that a
/// change to one is seen beside the other. Used by RelayBackup.cpp (write) and RelayRestore.cpp
/// (read and unpack).
#include <sys/types.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/Bytes.h"
#include "crypto/Digest.h"
#include "relay/core/RelayBackup.h"

namespace verbatim::relay::backupfile {

namespace fs = std::filesystem;

inline constexpr std::string_view kMagic = "VERBATIM-RELAY-BACKUP-1\n";
inline constexpr std::string_view kWrapInfo = "verbatim-relay-backup-wrap";
inline constexpr std::size_t kHashSize = 32, kSaltSize = 32, kNonceSize = 12;
inline constexpr std::uint32_t kMaxHeader = 64 * 1024;
inline constexpr std::uint16_t kMaxName = 512;
inline constexpr std::size_t kChunk = 1 << 20;
// Each slice written back is waited for before the next is queued, so a commit of the relay
// (an fsync) finds at most one slice ahead of it in the disk's queue: 2 MiB, a few milliseconds.
inline constexpr std::uint64_t kSyncSlice = 2u << 20;
inline constexpr int kPagesPerStep = 512; // 2 MiB of 4 KiB pages per backup step

/// The data directory's files a backup carries besides relay.db and blobs: name, mode,
/// required, wrapped (kept in clear in the directory, so wrapped in the backup).
struct Member {
    const char* name;
    mode_t mode;
    bool required;
    bool wrapped;
};
inline constexpr std::array<Member, 8> kMembers = {{
    {"db.key", 0600, true, false},
    {"relay.key", 0600, true, false},
    {"relay-identity.key", 0600, true, false},
    {"manifest.bin", 0644, true, false},
    {"address", 0644, false, false},
    {"tls.crt", 0644, false, false},
    {"tls-pin", 0644, false, false},
    {"tls.key", 0600, false, true},
}};

void putU16(Bytes& b, std::uint16_t v);
void putU32(Bytes& b, std::uint32_t v);
void putU64(Bytes& b, std::uint64_t v);
/// An n-byte big-endian integer.
std::uint64_t getU(const std::uint8_t* p, int n);
std::string errnoText();

/// An output file written in order, hashed as it goes (the whole-file hash of the trailer).
class Writer {
public:
    ~Writer();
    Result<void> open(const std::string& path);
    /// Also into `record` (a record's own hash) when given.
    Result<void> write(ByteView b, crypto::Digest* record = nullptr);
    Result<Bytes> fileHash() { return m_file.final(); }
    Result<void> syncAndClose();
    std::uint64_t bytes() const { return m_bytes; }

private:
    int m_fd = -1;
    std::string m_path;
    std::uint64_t m_bytes = 0, m_synced = 0;
    crypto::Digest m_file{crypto::Digest::Algorithm::Sha256};
};

/// Reads a backup file in order, hashing every byte for the trailer's check.
class Reader {
public:
    ~Reader();
    Result<void> open(const std::string& path);
    /// Exactly n bytes, or "truncated".
    Result<void> read(std::uint8_t* out, std::size_t n, crypto::Digest* record = nullptr,
                      bool hashFile = true);
    bool atEnd();
    Result<Bytes> fileHash() { return m_file.final(); }
    std::uint64_t offset() const { return m_offset; }
    const std::string& path() const { return m_path; }

private:
    int m_fd = -1;
    std::string m_path;
    std::uint64_t m_offset = 0;
    crypto::Digest m_file{crypto::Digest::Algorithm::Sha256};
};

/// The key that wraps a 'W' record named `name`.
Result<SecureBytes> wrapKey(ByteView unlock, ByteView salt, std::string_view name);
/// A key or manifest file (at most 16 MiB); NotFound when it does not exist.
Result<Bytes> readSmallFile(const fs::path& p);
/// One record from a file on disk, streamed: kind, name, mode, then the file's bytes.
Result<void> writeFileRecord(Writer& w, char kind, const std::string& name, std::uint32_t mode,
                             const fs::path& src);
Result<void> writeBytesRecord(Writer& w, char kind, const std::string& name, std::uint32_t mode,
                              ByteView data);
/// Reads a record's hash after its data (read into `record`) and checks it: "damaged" naming
/// the record when it does not match.
Result<void> readRecordHash(Reader& r, crypto::Digest& record, const std::string& name);
/// The magic, the header's length and text, and their hash.
Result<void> writeHeader(Writer& w, const BackupHeader& h);
Result<BackupHeader> readHeader(Reader& r);
/// A relative path a record may name: relay.db, a member, or blobs/<64 hex>.
bool allowedName(const std::string& name, char kind);
Result<void> fsyncPath(const fs::path& p, bool directory);
void emptyDirectory(const fs::path& dir);

} // namespace verbatim::relay::backupfile

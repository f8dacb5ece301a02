/// @file RelayBackup.cpp
/// The relay's backup file written, read and restored, and the store's check. Longer than our
/// usual file on purpose: the writer and the reader of one byte format (docs/protocol.md,
/// "Relay backup file") sit side by side, so that a change to one is seen beside the other.
#include "relay/core/RelayBackup.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>

#include "crypto/Aes.h"
#include "crypto/Digest.h"
#include "crypto/Hkdf.h"
#include "crypto/Random.h"
#include "journal/HashChain.h"
#include "relay/core/RateLimiter.h"

namespace verbatim::relay {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMagic = "VERBATIM-RELAY-BACKUP-1\n";
constexpr std::string_view kWrapInfo = "verbatim-relay-backup-wrap";
constexpr std::size_t kHashSize = 32, kSaltSize = 32, kNonceSize = 12;
constexpr std::uint32_t kMaxHeader = 64 * 1024;
constexpr std::uint16_t kMaxName = 512;
constexpr std::size_t kChunk = 1 << 20;
// Each slice written back is waited for before the next is queued, so a commit of the relay
// (an fsync) finds at most one slice ahead of it in the disk's queue: 2 MiB, a few milliseconds.
constexpr std::uint64_t kSyncSlice = 2u << 20;
constexpr int kPagesPerStep = 512; // 2 MiB of 4 KiB pages per backup step

/// The data directory's files a backup carries besides relay.db and blobs: name, mode,
/// required, wrapped (kept in clear in the directory, so wrapped in the backup).
struct Member {
    const char* name;
    mode_t mode;
    bool required;
    bool wrapped;
};
constexpr std::array<Member, 8> kMembers = {{
    {"db.key", 0600, true, false},
    {"relay.key", 0600, true, false},
    {"relay-identity.key", 0600, true, false},
    {"manifest.bin", 0644, true, false},
    {"address", 0644, false, false},
    {"tls.crt", 0644, false, false},
    {"tls-pin", 0644, false, false},
    {"tls.key", 0600, false, true},
}};

void putU16(Bytes& b, std::uint16_t v) {
    b.push_back(std::uint8_t(v >> 8));
    b.push_back(std::uint8_t(v));
}
void putU32(Bytes& b, std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8)
        b.push_back(std::uint8_t(v >> s));
}
void putU64(Bytes& b, std::uint64_t v) {
    for (int s = 56; s >= 0; s -= 8)
        b.push_back(std::uint8_t(v >> s));
}
std::uint64_t getU(const std::uint8_t* p, int n) {
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i)
        v = v << 8 | p[i];
    return v;
}

std::string errnoText() {
    return std::strerror(errno);
}

/// An output file written in order, hashed as it goes (the whole-file hash of the trailer).
class Writer {
public:
    ~Writer() {
        if (m_fd >= 0) ::close(m_fd);
    }
    Result<void> open(const std::string& path) {
        m_path = path;
        m_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (m_fd < 0) return fail(ErrorCode::Storage, "cannot create " + path + ": " + errnoText());
        return {};
    }
    Result<void> write(ByteView b, crypto::Digest* record = nullptr) {
        if (auto r = m_file.update(b); !r) return r;
        if (record)
            if (auto r = record->update(b); !r) return r;
        std::size_t off = 0;
        while (off < b.size()) {
            auto n = ::write(m_fd, b.data() + off, b.size() - off);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0)
                return fail(ErrorCode::Storage, "cannot write " + m_path + ": " + errnoText());
            off += std::size_t(n);
        }
        m_bytes += b.size();
        // Written back in slices as it goes, each waited for before the next: a backup of
        // gigabytes never piles up dirty pages that the relay's own fsyncs would then wait behind
        // (ext4 commits them together), and it leaves the page cache to the relay's database.
        if (m_bytes - m_synced >= kSyncSlice) {
            ::sync_file_range(m_fd, off_t(m_synced), off_t(m_bytes - m_synced),
                              SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                                  SYNC_FILE_RANGE_WAIT_AFTER);
            ::posix_fadvise(m_fd, off_t(m_synced), off_t(m_bytes - m_synced), POSIX_FADV_DONTNEED);
            m_synced = m_bytes;
        }
        return {};
    }
    Result<Bytes> fileHash() { return m_file.final(); }
    Result<void> syncAndClose() {
        bool ok = ::fsync(m_fd) == 0;
        ok = ::close(m_fd) == 0 && ok;
        m_fd = -1;
        if (!ok) return fail(ErrorCode::Storage, "cannot sync " + m_path + ": " + errnoText());
        return {};
    }
    std::uint64_t bytes() const { return m_bytes; }

private:
    int m_fd = -1;
    std::string m_path;
    std::uint64_t m_bytes = 0, m_synced = 0;
    crypto::Digest m_file{crypto::Digest::Algorithm::Sha256};
};

Result<SecureBytes> wrapKey(ByteView unlock, ByteView salt, std::string_view name) {
    Bytes info;
    appendRaw(info, view(kWrapInfo));
    appendRaw(info, view(name));
    return crypto::hkdfSha256(unlock, salt, info, 32);
}

Result<Bytes> readSmallFile(const fs::path& p) {
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(errno == ENOENT ? ErrorCode::NotFound : ErrorCode::Storage,
                    "cannot read " + p.string());
    Bytes out;
    std::uint8_t buf[65536];
    while (true) {
        auto n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ::close(fd);
            return fail(ErrorCode::Storage, "cannot read " + p.string());
        }
        if (n == 0) break;
        out.insert(out.end(), buf, buf + n);
        if (out.size() > (16u << 20)) {
            ::close(fd);
            return fail(ErrorCode::Storage,
                        p.string() + " is too large for a key or manifest file");
        }
    }
    ::close(fd);
    return out;
}

/// One record from a file on disk, streamed: kind, name, mode, then the file's bytes.
Result<void> writeFileRecord(Writer& w, char kind, const std::string& name, std::uint32_t mode,
                             const fs::path& src) {
    int fd = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(ErrorCode::NotFound, "cannot read " + src.string());
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        ::close(fd);
        return fail(ErrorCode::Storage, "cannot read " + src.string());
    }
    crypto::Digest record(crypto::Digest::Algorithm::Sha256);
    Bytes head;
    head.push_back(std::uint8_t(kind));
    putU16(head, std::uint16_t(name.size()));
    appendRaw(head, view(name));
    putU32(head, mode);
    putU64(head, std::uint64_t(st.st_size));
    Result<void> r = w.write(head, &record);
    Bytes buf(kChunk);
    std::uint64_t left = std::uint64_t(st.st_size);
    while (r && left > 0) {
        auto n = ::read(fd, buf.data(), std::size_t(std::min<std::uint64_t>(buf.size(), left)));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            r = fail(ErrorCode::Storage, src.string() + " changed while it was copied");
            break;
        }
        r = w.write(ByteView(buf.data(), std::size_t(n)), &record);
        left -= std::uint64_t(n);
    }
    ::close(fd);
    if (!r) return r;
    auto h = record.final();
    if (!h) return tl::unexpected(h.error());
    return w.write(*h);
}

Result<void> writeBytesRecord(Writer& w, char kind, const std::string& name, std::uint32_t mode,
                              ByteView data) {
    crypto::Digest record(crypto::Digest::Algorithm::Sha256);
    Bytes head;
    head.push_back(std::uint8_t(kind));
    putU16(head, std::uint16_t(name.size()));
    appendRaw(head, view(name));
    putU32(head, mode);
    putU64(head, data.size());
    if (auto r = w.write(head, &record); !r) return r;
    if (auto r = w.write(data, &record); !r) return r;
    auto h = record.final();
    if (!h) return tl::unexpected(h.error());
    return w.write(*h);
}

std::string headerText(const BackupHeader& h) {
    std::string t;
    t += "format=1\n";
    t += "firm=" + h.firmName + "\n";
    t += "firm_fingerprint=" + h.firmFingerprint + "\n";
    t += "schema_version=" + std::to_string(h.schemaVersion) + "\n";
    t += "created_ms=" + std::to_string(h.createdMs) + "\n";
    t += "journal_sequence=" + std::to_string(h.journalSequence) + "\n";
    t += "journal_head=" + h.journalHead + "\n";
    return t;
}

Result<BackupHeader> parseHeaderText(std::string_view text) {
    std::map<std::string, std::string, std::less<>> kv;
    while (!text.empty()) {
        auto nl = text.find('\n');
        auto line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        auto eq = line.find('=');
        if (eq == std::string_view::npos)
            return fail(ErrorCode::Malformed, "backup header line without '='");
        kv.emplace(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
    }
    auto number = [&](const char* key) -> std::optional<std::uint64_t> {
        auto it = kv.find(key);
        if (it == kv.end() || it->second.empty() || it->second.size() > 19 ||
            it->second.find_first_not_of("0123456789") != std::string::npos)
            return std::nullopt;
        return std::stoull(it->second);
    };
    if (kv["format"] != "1")
        return fail(ErrorCode::Unsupported,
                    "backup format " + kv["format"] + " is not one this relay reads");
    BackupHeader h;
    h.firmName = kv["firm"];
    h.firmFingerprint = kv["firm_fingerprint"];
    h.journalHead = kv["journal_head"];
    auto schema = number("schema_version"), created = number("created_ms"),
         seq = number("journal_sequence");
    if (!schema || !created || !seq || h.firmFingerprint.empty())
        return fail(ErrorCode::Malformed, "backup header is incomplete");
    h.schemaVersion = std::int64_t(*schema);
    h.createdMs = *created;
    h.journalSequence = *seq;
    return h;
}

/// Reads a backup file in order, hashing every byte for the trailer's check.
class Reader {
public:
    ~Reader() {
        if (m_fd >= 0) ::close(m_fd);
    }
    Result<void> open(const std::string& path) {
        m_path = path;
        m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (m_fd < 0)
            return fail(ErrorCode::NotFound, "cannot read the backup " + path + ": " + errnoText());
        return {};
    }
    /// Exactly n bytes, or "truncated".
    Result<void> read(std::uint8_t* out, std::size_t n, crypto::Digest* record = nullptr,
                      bool hashFile = true) {
        std::size_t got = 0;
        while (got < n) {
            auto r = ::read(m_fd, out + got, n - got);
            if (r < 0 && errno == EINTR) continue;
            if (r < 0)
                return fail(ErrorCode::Storage,
                            "cannot read the backup " + m_path + ": " + errnoText());
            if (r == 0)
                return fail(ErrorCode::Malformed, "the backup " + m_path +
                                                      " is truncated (it ends after " +
                                                      std::to_string(m_offset + got) + " bytes)");
            got += std::size_t(r);
        }
        m_offset += n;
        if (hashFile)
            if (auto r = m_file.update(ByteView(out, n)); !r) return r;
        if (record)
            if (auto r = record->update(ByteView(out, n)); !r) return r;
        return {};
    }
    bool atEnd() {
        std::uint8_t b;
        auto r = ::read(m_fd, &b, 1);
        return r == 0;
    }
    Result<Bytes> fileHash() { return m_file.final(); }
    std::uint64_t offset() const { return m_offset; }
    const std::string& path() const { return m_path; }

private:
    int m_fd = -1;
    std::string m_path;
    std::uint64_t m_offset = 0;
    crypto::Digest m_file{crypto::Digest::Algorithm::Sha256};
};

Result<BackupHeader> readHeader(Reader& r) {
    std::array<std::uint8_t, kMagic.size()> magic{};
    if (auto e = r.read(magic.data(), magic.size()); !e) return tl::unexpected(e.error());
    if (asString(ByteView(magic.data(), magic.size())) != kMagic)
        return fail(ErrorCode::Malformed, r.path() + " is not a Verbatim relay backup");
    std::array<std::uint8_t, 4> len{};
    if (auto e = r.read(len.data(), 4); !e) return tl::unexpected(e.error());
    auto n = std::uint32_t(getU(len.data(), 4));
    if (n > kMaxHeader)
        return fail(ErrorCode::Malformed,
                    "the backup header is damaged (length " + std::to_string(n) + ")");
    Bytes text(n);
    if (auto e = r.read(text.data(), n); !e) return tl::unexpected(e.error());
    Bytes whole;
    appendRaw(whole, view(kMagic));
    appendRaw(whole, ByteView(len.data(), 4));
    appendRaw(whole, text);
    auto expected = crypto::sha256(whole);
    std::array<std::uint8_t, kHashSize> got{};
    if (auto e = r.read(got.data(), got.size()); !e) return tl::unexpected(e.error());
    if (got != expected)
        return fail(ErrorCode::Malformed, "the backup header is damaged (checksum mismatch)");
    return parseHeaderText(asString(text));
}

/// A relative path a record may name: relay.db, a member, or blobs/<64 hex>.
bool allowedName(const std::string& name, char kind) {
    if (name == "relay.db") return kind == 'F';
    for (const auto& m : kMembers)
        if (name == m.name) return (kind == 'W') == m.wrapped;
    if (kind != 'F' || name.size() != 6 + 64 || name.compare(0, 6, "blobs/") != 0) return false;
    return name.find_first_not_of("0123456789abcdef", 6) == std::string::npos;
}

Result<void> fsyncPath(const fs::path& p, bool directory) {
    int fd = ::open(p.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0) return fail(ErrorCode::Storage, "cannot open " + p.string());
    bool ok = ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) return fail(ErrorCode::Storage, "cannot sync " + p.string());
    return {};
}

void emptyDirectory(const fs::path& dir) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        fs::remove_all(e.path(), ec);
}

} // namespace

// ---- backup -------------------------------------------------------------------------------------

Result<BackupSummary> writeBackup(const BackupRequest& req) {
    const fs::path dir(req.dataDir);
    const std::string partial = req.outFile + ".partial";
    const std::string snapshot = req.outFile + ".partial-db";
    std::error_code ec;
    // What a killed backup left behind is never a backup: start again.
    fs::remove(partial, ec);
    fs::remove(snapshot, ec);
    fs::remove(snapshot + "-wal", ec);
    fs::remove(snapshot + "-shm", ec);
    struct Cleanup {
        std::string a, b;
        bool keep = false;
        ~Cleanup() {
            std::error_code e;
            fs::remove(b, e);
            fs::remove(b + "-wal", e);
            fs::remove(b + "-shm", e);
            if (!keep) fs::remove(a, e);
        }
    } cleanup{partial, snapshot};

    // The relay comes first: the backup takes the CPU it leaves (nice 10).
    if (req.lowPriority) ::setpriority(PRIO_PROCESS, 0, 10);
    BackupSummary summary;
    BackupHeader& header = summary.header;
    header.firmName = req.firmName;
    header.firmFingerprint = req.firmFingerprint;
    std::vector<std::string> blobIds;
    {
        auto src = storage::Database::open((dir / "relay.db").string(), req.dbKey, {false});
        if (!src) return tl::unexpected(src.error());
        auto dst = storage::Database::open(snapshot, req.dbKey, {true});
        if (!dst) return tl::unexpected(dst.error());
        // A scratch copy: written once, read once, removed; the backup file is what is synced.
        // No WAL (it would write every page twice) and no syncs of its own.
        if (auto r = (*dst)->exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF"); !r)
            return tl::unexpected(r.error());
        // One read transaction for the page copy, the blob list and the header's journal head:
        // they describe the same instant while the relay keeps committing.
        if (auto r = (*src)->exec("BEGIN DEFERRED"); !r) return tl::unexpected(r.error());
        auto version = (*src)->userVersion(); // the first read starts the snapshot
        if (!version) return tl::unexpected(version.error());
        header.schemaVersion = *version;
        header.createdMs = wallClockMs();
        auto head =
            (*src)->prepare("SELECT seq, chain_hash FROM journal ORDER BY seq DESC LIMIT 1");
        if (!head) return tl::unexpected(head.error());
        auto row = head->step();
        if (!row) return tl::unexpected(row.error());
        header.journalSequence = *row ? std::uint64_t(head->columnInt(0)) : 0;
        header.journalHead = *row ? toHex(head->columnBlob(1)) : toHex(journal::genesisChainHash());
        head->reset();
        if (header.schemaVersion >= 7) {
            auto blobs =
                (*src)->prepare("SELECT id FROM blobs WHERE deleted_ms IS NULL ORDER BY id");
            if (!blobs) return tl::unexpected(blobs.error());
            while (true) {
                auto b = blobs->step();
                if (!b) return tl::unexpected(b.error());
                if (!*b) break;
                blobIds.push_back(toHex(blobs->columnBlob(0)));
            }
        }
        // In 2 MiB steps, each written back before the next (see kSyncSlice); the read transaction
        // opened above keeps every step on the same snapshot.
        int scratchFd = ::open(snapshot.c_str(), O_RDONLY | O_CLOEXEC);
        auto copied = (*src)->backupTo(**dst, kPagesPerStep, [scratchFd] {
            if (scratchFd >= 0)
                ::sync_file_range(scratchFd, 0, 0,
                                  SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                                      SYNC_FILE_RANGE_WAIT_AFTER);
        });
        if (scratchFd >= 0) ::close(scratchFd);
        if (!copied) return tl::unexpected(copied.error());
        (*src)->rollback();
    }
    if (req.afterSnapshot) req.afterSnapshot();

    Writer w;
    if (auto r = w.open(partial); !r) return tl::unexpected(r.error());
    {
        const std::string text = headerText(header);
        Bytes h;
        appendRaw(h, view(kMagic));
        putU32(h, std::uint32_t(text.size()));
        appendRaw(h, view(text));
        auto hash = crypto::sha256(h);
        if (auto r = w.write(h); !r) return tl::unexpected(r.error());
        if (auto r = w.write(ByteView(hash.data(), hash.size())); !r)
            return tl::unexpected(r.error());
    }
    std::uint64_t records = 0;
    for (const auto& m : kMembers) {
        const fs::path p = dir / m.name;
        if (!m.wrapped) {
            if (!m.required && !fs::exists(p, ec)) continue;
            if (auto r = writeFileRecord(w, 'F', m.name, m.mode, p); !r)
                return tl::unexpected(r.error());
            ++records;
            continue;
        }
        auto clear = readSmallFile(p);
        if (!clear) {
            if (clear.error().code == ErrorCode::NotFound) continue;
            return tl::unexpected(clear.error());
        }
        SecureBytes secret(clear->begin(), clear->end());
        secureWipe(clear->data(), clear->size());
        Bytes data = crypto::randomBytes(kSaltSize + kNonceSize);
        auto key = wrapKey(req.unlock, ByteView(data.data(), kSaltSize), m.name);
        if (!key) return tl::unexpected(key.error());
        auto ct = crypto::aesGcmSeal(*key, ByteView(data.data() + kSaltSize, kNonceSize),
                                     view(std::string_view(m.name)), secret);
        if (!ct) return tl::unexpected(ct.error());
        appendRaw(data, *ct);
        if (auto r = writeBytesRecord(w, 'W', m.name, m.mode, data); !r)
            return tl::unexpected(r.error());
        ++records;
    }
    if (auto r = writeFileRecord(w, 'F', "relay.db", 0600, snapshot); !r)
        return tl::unexpected(r.error());
    ++records;
    for (const auto& id : blobIds) {
        const fs::path p = dir / "blobs" / id;
        // Only an upload that no send declared can go (the sweep); its row is then marked
        // deleted when the restored relay starts (BlobStore::open). Declared blobs never go.
        if (!fs::exists(p, ec)) {
            ++summary.blobsGone;
            continue;
        }
        auto r = writeFileRecord(w, 'F', "blobs/" + id, 0600, p);
        if (!r && r.error().code == ErrorCode::NotFound) {
            ++summary.blobsGone;
            continue;
        }
        if (!r) return tl::unexpected(r.error());
        ++summary.blobs;
        ++records;
    }
    Bytes end;
    end.push_back('E');
    putU64(end, records);
    if (auto r = w.write(end); !r) return tl::unexpected(r.error());
    auto fileHash = w.fileHash();
    if (!fileHash) return tl::unexpected(fileHash.error());
    if (auto r = w.write(*fileHash); !r) return tl::unexpected(r.error());
    summary.bytes = w.bytes();
    if (auto r = w.syncAndClose(); !r) return tl::unexpected(r.error());
    fs::rename(partial, req.outFile, ec);
    if (ec)
        return fail(ErrorCode::Storage,
                    "cannot rename " + partial + " to " + req.outFile + ": " + ec.message());
    cleanup.keep = true;
    fs::path parent = fs::absolute(req.outFile).parent_path();
    if (auto r = fsyncPath(parent, true); !r) return tl::unexpected(r.error());
    return summary;
}

// ---- restore ------------------------------------------------------------------------------------

Result<BackupHeader> readBackupHeader(const std::string& file) {
    Reader r;
    if (auto e = r.open(file); !e) return tl::unexpected(e.error());
    return readHeader(r);
}

Result<BackupSummary> unpackBackup(const std::string& file, const std::string& dirName,
                                   ByteView unlock) {
    const fs::path dir(dirName);
    BackupSummary summary;
    Reader r;
    if (auto e = r.open(file); !e) return tl::unexpected(e.error());
    auto header = readHeader(r);
    if (!header) return tl::unexpected(header.error());
    summary.header = *header;
    struct Guard {
        fs::path dir;
        bool keep = false;
        ~Guard() {
            if (!keep) emptyDirectory(dir);
        }
    } guard{dir};
    std::uint64_t records = 0;
    std::map<std::string, bool> seen;
    Bytes buf(kChunk);
    while (true) {
        crypto::Digest record(crypto::Digest::Algorithm::Sha256);
        std::uint8_t kind = 0;
        if (auto e = r.read(&kind, 1, &record); !e) return tl::unexpected(e.error());
        if (kind == 'E') break;
        if (kind != 'F' && kind != 'W')
            return fail(ErrorCode::Malformed, "the backup is damaged at byte " +
                                                  std::to_string(r.offset() - 1) +
                                                  " (unknown record)");
        std::array<std::uint8_t, 2> nl{};
        if (auto e = r.read(nl.data(), 2, &record); !e) return tl::unexpected(e.error());
        auto nameLen = std::uint16_t(getU(nl.data(), 2));
        if (nameLen == 0 || nameLen > kMaxName)
            return fail(ErrorCode::Malformed, "the backup is damaged (record name)");
        std::string name(nameLen, '\0');
        if (auto e = r.read(reinterpret_cast<std::uint8_t*>(name.data()), nameLen, &record); !e)
            return tl::unexpected(e.error());
        if (!allowedName(name, char(kind)) || seen.count(name))
            return fail(ErrorCode::Malformed,
                        "the backup is damaged (unexpected record '" + name.substr(0, 80) + "')");
        seen[name] = true;
        std::array<std::uint8_t, 12> ml{};
        if (auto e = r.read(ml.data(), 12, &record); !e) return tl::unexpected(e.error());
        auto mode = mode_t(getU(ml.data(), 4)) & 0644;
        std::uint64_t length = getU(ml.data() + 4, 8);
        const fs::path target = dir / name;
        if (name.rfind("blobs/", 0) == 0) {
            std::error_code ec;
            fs::create_directory(dir / "blobs", ec);
            fs::permissions(dir / "blobs", fs::perms::owner_all, fs::perm_options::replace, ec);
        }
        if (kind == 'W') {
            if (length > 4096 || length < kSaltSize + kNonceSize + 16)
                return fail(ErrorCode::Malformed, "the backup is damaged (" + name + ")");
            Bytes data(length);
            if (auto e = r.read(data.data(), data.size(), &record); !e)
                return tl::unexpected(e.error());
            auto expected = record.final();
            std::array<std::uint8_t, kHashSize> got{};
            if (auto e = r.read(got.data(), got.size()); !e) return tl::unexpected(e.error());
            if (!expected || !std::equal(got.begin(), got.end(), expected->begin()))
                return fail(ErrorCode::Malformed,
                            "the backup is damaged: " + name + " fails its checksum");
            auto key = wrapKey(unlock, ByteView(data.data(), kSaltSize), name);
            if (!key) return tl::unexpected(key.error());
            auto clear =
                crypto::aesGcmOpen(*key, ByteView(data.data() + kSaltSize, kNonceSize), view(name),
                                   ByteView(data.data() + kSaltSize + kNonceSize,
                                            data.size() - kSaltSize - kNonceSize));
            if (!clear)
                return fail(ErrorCode::WrongKey,
                            "this backup was not made under this unlock secret (" + name +
                                " does not open)");
            int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
            bool ok = fd >= 0 &&
                      ::write(fd, clear->data(), clear->size()) == ssize_t(clear->size()) &&
                      ::fsync(fd) == 0;
            if (fd >= 0) ::close(fd);
            if (!ok) return fail(ErrorCode::Storage, "cannot write " + target.string());
            ++records;
            continue;
        }
        int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        if (fd < 0)
            return fail(ErrorCode::Storage,
                        "cannot create " + target.string() + ": " + errnoText());
        Result<void> res;
        std::uint64_t left = length;
        while (res && left > 0) {
            auto n = std::size_t(std::min<std::uint64_t>(left, buf.size()));
            res = r.read(buf.data(), n, &record);
            if (!res) break;
            std::size_t off = 0;
            while (off < n) {
                auto wn = ::write(fd, buf.data() + off, n - off);
                if (wn < 0 && errno == EINTR) continue;
                if (wn <= 0) {
                    res = fail(ErrorCode::Storage,
                               "cannot write " + target.string() + ": " + errnoText());
                    break;
                }
                off += std::size_t(wn);
            }
            left -= n;
        }
        if (res && ::fsync(fd) != 0)
            res = fail(ErrorCode::Storage, "cannot sync " + target.string());
        ::close(fd);
        if (!res) return tl::unexpected(res.error());
        auto expected = record.final();
        std::array<std::uint8_t, kHashSize> got{};
        if (auto e = r.read(got.data(), got.size()); !e) return tl::unexpected(e.error());
        if (!expected || !std::equal(got.begin(), got.end(), expected->begin()))
            return fail(ErrorCode::Malformed,
                        "the backup is damaged: " + name + " fails its checksum");
        if (name.rfind("blobs/", 0) == 0) ++summary.blobs;
        ++records;
    }
    std::array<std::uint8_t, 8> count{};
    if (auto e = r.read(count.data(), 8); !e) return tl::unexpected(e.error());
    auto expected = r.fileHash();
    std::array<std::uint8_t, kHashSize> got{};
    if (auto e = r.read(got.data(), got.size(), nullptr, false); !e)
        return tl::unexpected(e.error());
    if (!expected || !std::equal(got.begin(), got.end(), expected->begin()))
        return fail(ErrorCode::Malformed,
                    "the backup is damaged (the whole-file checksum does not match)");
    if (getU(count.data(), 8) != records)
        return fail(ErrorCode::Malformed, "the backup is damaged (record count)");
    if (!r.atEnd())
        return fail(ErrorCode::Malformed, "the backup is damaged (bytes after its end)");
    for (const auto& m : kMembers)
        if (m.required && !seen.count(m.name))
            return fail(ErrorCode::Malformed, std::string("the backup has no ") + m.name);
    if (!seen.count("relay.db")) return fail(ErrorCode::Malformed, "the backup has no relay.db");
    if (auto e = fsyncPath(dir, true); !e) return tl::unexpected(e.error());
    if (summary.blobs)
        if (auto e = fsyncPath(dir / "blobs", true); !e) return tl::unexpected(e.error());
    summary.bytes = r.offset();
    guard.keep = true;
    return summary;
}

Result<void> markRestored(storage::Database& db, const BackupHeader& header) {
    storage::Transaction tx(db);
    if (auto r = tx.begin(); !r) return r;
    auto st = db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
    if (!st) return tl::unexpected(st.error());
    Bytes epoch = crypto::randomBytes(16);
    if (auto r = st->bind(1, kMetaRestoreEpoch).bind(2, ByteView(epoch)).run(); !r) return r;
    std::string seq = std::to_string(header.journalSequence);
    if (auto r = st->bind(1, kMetaRestoredSequence).bind(2, view(seq)).run(); !r) return r;
    return tx.commit();
}

// ---- check --------------------------------------------------------------------------------------

Result<StoreCheck> checkStore(storage::Database& db, ByteView relayPublicKey) {
    StoreCheck out;
    auto pages = db.cipherIntegrityCheck();
    if (!pages) return tl::unexpected(pages.error());
    for (const auto& p : *pages)
        out.problems.push_back("encrypted page damaged: " + p);
    if (!out.ok()) return out;
    {
        auto st = db.prepare("PRAGMA integrity_check(100)");
        if (!st) return tl::unexpected(st.error());
        while (true) {
            auto row = st->step();
            if (!row) return tl::unexpected(row.error());
            if (!*row) break;
            auto text = st->columnText(0);
            if (text != "ok") out.problems.push_back("integrity_check: " + text);
        }
    }
    if (!out.ok()) return out;

    std::vector<journal::Checkpoint> checkpoints;
    {
        auto st = db.prepare("SELECT seq, data FROM checkpoints ORDER BY seq");
        if (!st) return tl::unexpected(st.error());
        while (true) {
            auto row = st->step();
            if (!row) return tl::unexpected(row.error());
            if (!*row) break;
            auto cp = journal::Checkpoint::parse(st->columnBlob(1));
            if (!cp || cp->sequence != std::uint64_t(st->columnInt(0))) {
                out.problems.push_back("checkpoints row seq " + std::to_string(st->columnInt(0)) +
                                       ": damaged");
                continue;
            }
            checkpoints.push_back(std::move(*cp));
        }
        out.checkpoints = checkpoints.size();
    }
    // The chain in slices, each resuming from the previous slice's head, so a store of millions
    // of entries is checked in bounded memory.
    constexpr std::size_t kSlice = 20000;
    auto st =
        db.prepare("SELECT seq, entry, chain_hash FROM journal WHERE seq > ? ORDER BY seq LIMIT ?");
    if (!st) return tl::unexpected(st.error());
    std::uint64_t start = 0;
    journal::ChainHash head = journal::genesisChainHash();
    std::size_t nextCheckpoint = 0;
    while (true) {
        std::vector<journal::ChainItem> items;
        st->bind(1, std::int64_t(start)).bind(2, std::int64_t(kSlice));
        while (true) {
            auto row = st->step();
            if (!row) return tl::unexpected(row.error());
            if (!*row) break;
            journal::ChainItem item;
            item.sequence = std::uint64_t(st->columnInt(0));
            item.entry = st->columnBlob(1);
            Bytes h = st->columnBlob(2);
            if (h.size() == head.size()) {
                journal::ChainHash c{};
                std::copy(h.begin(), h.end(), c.begin());
                item.chainHash = c;
            }
            items.push_back(std::move(item));
        }
        st->reset();
        const bool last = items.size() < kSlice;
        const std::uint64_t end = items.empty() ? start : items.back().sequence;
        std::vector<journal::Checkpoint> slice;
        while (nextCheckpoint < checkpoints.size() &&
               (last || checkpoints[nextCheckpoint].sequence <= end))
            slice.push_back(checkpoints[nextCheckpoint++]);
        for (const auto& item : items)
            if (!item.chainHash) {
                out.problems.push_back("journal seq " + std::to_string(item.sequence) +
                                       ": chain hash missing or damaged");
                return out;
            }
        auto report = journal::verifyChain(items, std::move(slice), relayPublicKey, start, head);
        out.journalEntries += report.entriesChecked;
        if (!report.ok()) {
            for (const auto& p : report.problems)
                out.problems.push_back("journal seq " + std::to_string(p.sequence) + ": " +
                                       journal::chainFaultName(p.fault) + " (" + p.detail + ")");
            return out;
        }
        head = report.head;
        start = end;
        if (last) break;
    }
    // Every queued envelope names a journal entry the log holds.
    auto q = db.prepare("SELECT count(*), min(id) FROM queue WHERE journal_seq > ?");
    if (!q) return tl::unexpected(q.error());
    q->bind(1, std::int64_t(start));
    if (auto row = q->step(); !row) return tl::unexpected(row.error());
    if (q->columnInt(0) > 0)
        out.problems.push_back("queue row " + std::to_string(q->columnInt(1)) +
                               ": names journal seq beyond the log's end " + std::to_string(start));
    auto total = db.prepare("SELECT count(*) FROM queue");
    if (total && total->step()) out.queueRows = std::uint64_t(total->columnInt(0));
    return out;
}

} // namespace verbatim::relay

/// @file BackupFormat.cpp
/// The relay backup file's bytes: the writer and the reader of each part side by side
/// (BackupFormat.h).
#include "relay/core/BackupFormat.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>

#include "crypto/Hkdf.h"

namespace verbatim::relay::backupfile {

namespace {

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

} // namespace

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

Writer::~Writer() {
    if (m_fd >= 0) ::close(m_fd);
}

Result<void> Writer::open(const std::string& path) {
    m_path = path;
    m_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (m_fd < 0) return fail(ErrorCode::Storage, "cannot create " + path + ": " + errnoText());
    return {};
}

Result<void> Writer::write(ByteView b, crypto::Digest* record) {
    if (auto r = m_file.update(b); !r) return r;
    if (record)
        if (auto r = record->update(b); !r) return r;
    std::size_t off = 0;
    while (off < b.size()) {
        auto n = ::write(m_fd, b.data() + off, b.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return fail(ErrorCode::Storage, "cannot write " + m_path + ": " + errnoText());
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

Result<void> Writer::syncAndClose() {
    bool ok = ::fsync(m_fd) == 0;
    ok = ::close(m_fd) == 0 && ok;
    m_fd = -1;
    if (!ok) return fail(ErrorCode::Storage, "cannot sync " + m_path + ": " + errnoText());
    return {};
}

Reader::~Reader() {
    if (m_fd >= 0) ::close(m_fd);
}

Result<void> Reader::open(const std::string& path) {
    m_path = path;
    m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (m_fd < 0)
        return fail(ErrorCode::NotFound, "cannot read the backup " + path + ": " + errnoText());
    return {};
}

Result<void> Reader::read(std::uint8_t* out, std::size_t n, crypto::Digest* record, bool hashFile) {
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

bool Reader::atEnd() {
    std::uint8_t b;
    auto r = ::read(m_fd, &b, 1);
    return r == 0;
}

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

namespace {

// A record's kind, name, mode and length: what precedes its data.
Bytes recordHead(char kind, const std::string& name, std::uint32_t mode, std::uint64_t length) {
    Bytes head;
    head.push_back(std::uint8_t(kind));
    putU16(head, std::uint16_t(name.size()));
    appendRaw(head, view(name));
    putU32(head, mode);
    putU64(head, length);
    return head;
}

// The record's own hash, after its data.
Result<void> writeRecordHash(Writer& w, crypto::Digest& record) {
    auto h = record.final();
    if (!h) return tl::unexpected(h.error());
    return w.write(*h);
}

} // namespace

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
    Result<void> r = w.write(recordHead(kind, name, mode, std::uint64_t(st.st_size)), &record);
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
    return writeRecordHash(w, record);
}

Result<void> writeBytesRecord(Writer& w, char kind, const std::string& name, std::uint32_t mode,
                              ByteView data) {
    crypto::Digest record(crypto::Digest::Algorithm::Sha256);
    if (auto r = w.write(recordHead(kind, name, mode, data.size()), &record); !r) return r;
    if (auto r = w.write(data, &record); !r) return r;
    return writeRecordHash(w, record);
}

Result<void> readRecordHash(Reader& r, crypto::Digest& record, const std::string& name) {
    auto expected = record.final();
    std::array<std::uint8_t, kHashSize> got{};
    if (auto e = r.read(got.data(), got.size()); !e) return e;
    if (!expected || !std::equal(got.begin(), got.end(), expected->begin()))
        return fail(ErrorCode::Malformed, "the backup is damaged: " + name + " fails its checksum");
    return {};
}

Result<void> writeHeader(Writer& w, const BackupHeader& header) {
    const std::string text = headerText(header);
    Bytes h;
    appendRaw(h, view(kMagic));
    putU32(h, std::uint32_t(text.size()));
    appendRaw(h, view(text));
    auto hash = crypto::sha256(h);
    if (auto r = w.write(h); !r) return r;
    return w.write(ByteView(hash.data(), hash.size()));
}

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

} // namespace verbatim::relay::backupfile

/// @file RelayRestore.cpp
/// A relay backup read back: its header, the whole file unpacked into an empty directory with
/// every record's and the file's hash checked, and the restored database marked (RelayBackup.h).
#include "relay/core/RelayBackup.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <map>

#include "crypto/Aes.h"
#include "crypto/Random.h"
#include "relay/core/BackupFormat.h"

namespace verbatim::relay {

using namespace backupfile;

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
            if (auto e = readRecordHash(r, record, name); !e) return tl::unexpected(e.error());
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
        if (auto e = readRecordHash(r, record, name); !e) return tl::unexpected(e.error());
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

} // namespace verbatim::relay

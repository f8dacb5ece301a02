/// @file AppFiles.cpp
/// Files, passphrases, addresses and TLS key pins as the commands read and write them.
#include "relay/app/RelayApp.h"

namespace verbatim::relayapp {

Result<std::string> readFile(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    if (!f) return fail(ErrorCode::NotFound, "cannot read " + p.string());
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

Result<void> writeFile(const fs::path& p, ByteView data, bool secret) {
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, secret ? 0600 : 0644);
    if (fd < 0) return fail(ErrorCode::Storage, "cannot write " + p.string());
    std::size_t off = 0;
    while (off < data.size()) {
        auto n = ::write(fd, data.data() + off, data.size() - off);
        if (n <= 0) {
            ::close(fd);
            return fail(ErrorCode::Storage, "cannot write " + p.string());
        }
        off += std::size_t(n);
    }
    ::fsync(fd);
    ::close(fd);
    return {};
}

Result<std::string> passphrase(const Args& a) {
    if (auto file = a.opt("passphrase-file"); !file.empty()) {
        auto s = readFile(file);
        if (!s) return s;
        while (!s->empty() && (s->back() == '\n' || s->back() == '\r'))
            s->pop_back();
        return s;
    }
    if (const char* env = std::getenv("VERBATIM_PASSPHRASE"); env && *env) return std::string(env);
    return fail(ErrorCode::InvalidArgument, "set VERBATIM_PASSPHRASE or pass --passphrase-file");
}

// A journal public key file holds 64 hex characters (verbatim-journal keygen writes it).
Result<Bytes> readJournalPublicKey(const fs::path& p) {
    auto s = readFile(p);
    if (!s) return tl::unexpected(s.error());
    std::string hex;
    for (char c : *s)
        if (!std::isspace(static_cast<unsigned char>(c))) hex.push_back(c);
    auto key = fromHex(hex);
    if (!key || key->size() != 32)
        return fail(ErrorCode::Malformed, "journal public key file must hold 64 hex digits");
    return key;
}

std::vector<std::string> splitList(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        auto comma = s.find(',', start);
        auto item = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!item.empty()) out.push_back(item);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

// HOST:PORT with a port in 1..65535 and a host without spaces or commas.
bool validAddress(const std::string& a) {
    auto colon = a.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == a.size() || a.size() > 255)
        return false;
    auto port = a.substr(colon + 1);
    if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5) return false;
    long p = std::stol(port);
    return p > 0 && p < 65536 && a.find_first_of(" \t,/") == std::string::npos;
}

// The TLS key pins asked for: --tls-key-pins (64 hex each) and --pin-cert (certificates).
Result<std::vector<Bytes>> tlsKeyPins(const Args& a) {
    std::vector<Bytes> pins;
    for (const auto& hex : splitList(a.opt("tls-key-pins"))) {
        auto pin = fromHex(hex);
        if (!pin || pin->size() != 32)
            return fail(ErrorCode::InvalidArgument, "--tls-key-pins takes 64 hex digits each");
        pins.push_back(*pin);
    }
    for (const auto& cert : splitList(a.opt("pin-cert"))) {
        auto hex = relay::certificateKeyPin(cert);
        if (!hex) return fail(ErrorCode::InvalidArgument, cert + ": " + hex.error().message);
        pins.push_back(*fromHex(*hex));
    }
    if (pins.size() > 16) return fail(ErrorCode::InvalidArgument, "at most 16 TLS key pins");
    return pins;
}

// For load tests (tests/bench/relay_load.cpp): buckets so deep that a benchmark never meets
// them. The limits exist to stop abuse, and a load generator from one address looks like abuse.
relay::RateLimits benchRateLimits() {
    constexpr relay::BucketSpec unlimited{1e12, 1e12};
    return relay::RateLimits{unlimited, unlimited, unlimited, unlimited, unlimited,
                             unlimited, unlimited, unlimited, unlimited};
}

Result<void> fsyncDirectory(const fs::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail(ErrorCode::Storage, "cannot open " + dir.string());
    bool ok = ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) return fail(ErrorCode::Storage, "cannot sync " + dir.string());
    return {};
}

/// Overwrites a file's bytes with zeros in place, syncs, and removes it.
Result<void> shredAndRemove(const fs::path& p) {
    int fd = ::open(p.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return fail(ErrorCode::Storage, "cannot open " + p.string());
    struct stat st {};
    bool ok = ::fstat(fd, &st) == 0;
    const char zeros[4096] = {};
    for (off_t off = 0; ok && off < st.st_size;) {
        auto n =
            ::pwrite(fd, zeros, std::size_t(std::min<off_t>(sizeof zeros, st.st_size - off)), off);
        if (n <= 0)
            ok = false;
        else
            off += n;
    }
    ok = ok && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::unlink(p.c_str()) != 0)
        return fail(ErrorCode::Storage, "cannot overwrite and remove " + p.string());
    return {};
}

bool sameFile(const fs::path& a, const fs::path& b) {
    struct stat sa {
    }, sb{};
    return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

} // namespace verbatim::relayapp

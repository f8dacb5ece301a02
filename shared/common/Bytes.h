#pragma once
/// @file Bytes.h
/// Byte buffers: plain `Bytes`, `SecureBytes` that are wiped when freed, and helpers.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"

namespace verbatim {

/// Overwrite memory in a way the optimiser may not remove (OPENSSL_cleanse).
void secureWipe(void* data, std::size_t size) noexcept;

/// Allocator that wipes every block before returning it to the heap, so a SecureBytes that
/// grows or dies leaves no copy of its secret behind.
template <class T> struct ZeroingAllocator {
    using value_type = T;
    ZeroingAllocator() noexcept = default;
    template <class U> ZeroingAllocator(const ZeroingAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
    void deallocate(T* p, std::size_t n) noexcept {
        secureWipe(p, n * sizeof(T));
        std::allocator<T>{}.deallocate(p, n);
    }
    template <class U> bool operator==(const ZeroingAllocator<U>&) const noexcept { return true; }
};

using Bytes = std::vector<std::uint8_t>;
/// Holds keys and plaintext; wiped on free and on reallocation.
using SecureBytes = std::vector<std::uint8_t, ZeroingAllocator<std::uint8_t>>;
using ByteView = std::span<const std::uint8_t>;
using MutableByteView = std::span<std::uint8_t>;

inline ByteView view(std::string_view s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view asString(ByteView b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes toBytes(ByteView b) {
    return Bytes(b.begin(), b.end());
}
inline SecureBytes toSecure(ByteView b) {
    return SecureBytes(b.begin(), b.end());
}

/// Lower-case hex of `b`.
/// Whether `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past
/// U+10FFFF). Text that protobuf `string` fields or a journal record will carry must be.
bool isUtf8(std::string_view s) noexcept;
/// `s` with every byte that does not begin a well-formed UTF-8 sequence replaced by U+FFFD
/// (for names that come from the file system, which may hold any bytes).
std::string toValidUtf8(std::string_view s);

std::string toHex(ByteView b);
/// Parse hex (either case, even length); error on any other character.
Result<Bytes> fromHex(std::string_view hex);

/// Constant-time equality of two buffers (lengths are compared in the clear).
bool constantTimeEqual(ByteView a, ByteView b) noexcept;

/// Append big-endian integers and length-prefixed fields: the one canonical encoding used for
/// everything that is hashed or signed (see docs/protocol.md).
void appendU8(Bytes& out, std::uint8_t v);
void appendU32(Bytes& out, std::uint32_t v);
void appendU64(Bytes& out, std::uint64_t v);
/// u32 big-endian length, then the bytes.
void appendField(Bytes& out, ByteView field);
inline void appendField(Bytes& out, std::string_view s) {
    appendField(out, view(s));
}
void appendRaw(Bytes& out, ByteView raw);

/// Reads the canonical encoding back; every read fails cleanly on truncation.
class ByteReader {
public:
    explicit ByteReader(ByteView data) : m_data(data) {}
    Result<std::uint8_t> u8();
    Result<std::uint32_t> u32();
    Result<std::uint64_t> u64();
    /// A u32 length-prefixed field of at most `maxLen` bytes.
    Result<ByteView> field(std::size_t maxLen);
    Result<ByteView> raw(std::size_t len);
    std::size_t remaining() const { return m_data.size() - m_pos; }
    bool atEnd() const { return m_pos == m_data.size(); }

private:
    ByteView m_data;
    std::size_t m_pos = 0;
};

} // namespace verbatim

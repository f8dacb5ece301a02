#pragma once
/// @file ArchiveText.h
/// How the archive's checks name bytes and devices in their details.
#include <cstdint>
#include <string>

#include "common/Bytes.h"

namespace verbatim::compliance {

inline std::string str(ByteView b) {
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}
inline std::string hexOf(const std::string& raw) {
    return toHex(view(raw));
}
inline std::string deviceName(const std::string& user, std::uint32_t device) {
    return user + "/" + std::to_string(device);
}

} // namespace verbatim::compliance

#include "compliance/ZipStore.h"

#include <zlib.h>

#include <ctime>

namespace verbatim::compliance {

namespace {

void le16(Bytes& b, std::uint32_t v) {
    b.push_back(std::uint8_t(v));
    b.push_back(std::uint8_t(v >> 8));
}
void le32(Bytes& b, std::uint32_t v) {
    le16(b, v & 0xFFFF);
    le16(b, v >> 16);
}

} // namespace

Bytes zipStore(const std::vector<std::pair<std::string, Bytes>>& files) {
    Bytes out, central;
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    const std::uint32_t dosTime =
        std::uint32_t((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
    const std::uint32_t dosDate =
        std::uint32_t(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
    for (const auto& [name, data] : files) {
        const auto crc = std::uint32_t(crc32(0L, data.data(), uInt(data.size())));
        const auto offset = std::uint32_t(out.size());
        le32(out, 0x04034b50);
        le16(out, 20);
        le16(out, 0x0800); // UTF-8 names
        le16(out, 0);      // stored
        le16(out, dosTime);
        le16(out, dosDate);
        le32(out, crc);
        le32(out, std::uint32_t(data.size()));
        le32(out, std::uint32_t(data.size()));
        le16(out, std::uint32_t(name.size()));
        le16(out, 0);
        out.insert(out.end(), name.begin(), name.end());
        out.insert(out.end(), data.begin(), data.end());
        le32(central, 0x02014b50);
        le16(central, 0x0314); // made by: Unix, 2.0
        le16(central, 20);
        le16(central, 0x0800);
        le16(central, 0);
        le16(central, dosTime);
        le16(central, dosDate);
        le32(central, crc);
        le32(central, std::uint32_t(data.size()));
        le32(central, std::uint32_t(data.size()));
        le16(central, std::uint32_t(name.size()));
        le16(central, 0);
        le16(central, 0);
        le16(central, 0);
        le16(central, 0);
        le32(central, 0100644u << 16);
        le32(central, offset);
        central.insert(central.end(), name.begin(), name.end());
    }
    const auto cdOffset = std::uint32_t(out.size());
    out.insert(out.end(), central.begin(), central.end());
    le32(out, 0x06054b50);
    le16(out, 0);
    le16(out, 0);
    le16(out, std::uint32_t(files.size()));
    le16(out, std::uint32_t(files.size()));
    le32(out, std::uint32_t(central.size()));
    le32(out, cdOffset);
    le16(out, 0);
    return out;
}

} // namespace verbatim::compliance

#include "relay/net/HttpFields.h"

#include <algorithm>
#include <charconv>

namespace verbatim::relay {

std::optional<DeviceCredentials> parseDeviceCredentials(std::string_view who,
                                                        std::string_view auth) {
    auto slash = who.rfind('/');
    if (slash == std::string_view::npos || slash == 0 || auth.substr(0, 7) != "Bearer ")
        return std::nullopt;
    std::uint32_t device = 0;
    auto res = std::from_chars(who.data() + slash + 1, who.data() + who.size(), device);
    if (res.ec != std::errc() || res.ptr != who.data() + who.size()) return std::nullopt;
    auto secret = fromHex(auth.substr(7));
    if (!secret || secret->size() != 32) return std::nullopt;
    return DeviceCredentials{std::string(who.substr(0, slash)), device, std::move(*secret)};
}

std::optional<std::string_view> blobIdOfTarget(std::string_view target) {
    constexpr std::string_view kPrefix = "/v1/blobs/";
    if (!target.starts_with(kPrefix)) return std::nullopt;
    auto id = target.substr(kPrefix.size());
    bool wellFormed = id.size() == 64 && std::all_of(id.begin(), id.end(), [](char c) {
                          return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                      });
    if (!wellFormed) return std::nullopt;
    return id;
}

} // namespace verbatim::relay

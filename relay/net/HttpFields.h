#pragma once
/// @file HttpFields.h
/// What the relay reads out of an HTTP request's target and header fields, as pure functions
/// with no Beast, so that tests/fuzz can drive them with any bytes: the device credentials of
/// the WebSocket upgrade and the blob requests, and the blob id of a download.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/Bytes.h"

namespace verbatim::relay {

/// Device credentials: X-Verbatim-Device: USER/DEVICE and Authorization: Bearer <64 hex>.
/// Never logged.
struct DeviceCredentials {
    std::string user;
    std::uint32_t device = 0;
    Bytes secret; ///< 32 bytes
};

/// Parses the two header values; nullopt unless both are well-formed (a non-empty user, a
/// decimal device number that fits 32 bits, and a secret of exactly 64 hex digits).
std::optional<DeviceCredentials> parseDeviceCredentials(std::string_view deviceField,
                                                        std::string_view authorizationField);

/// The blob id of a download target "/v1/blobs/<id>": only 64 lowercase hex digits name a
/// blob, so nothing else reaches the file system. nullopt for anything else.
std::optional<std::string_view> blobIdOfTarget(std::string_view target);

} // namespace verbatim::relay

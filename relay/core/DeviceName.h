#pragma once
/// @file DeviceName.h
/// The name a device's user gives it (issue 23: "Alice's ThinkPad — Debian 12"), shown in device
/// lists to the user, the user's other devices and the administrator. The relay keeps it as it
/// keeps titles: bounded, and refused when it holds what could act on a terminal or reorder what
/// a reader sees (relay/core/Walls.h, isPlainText()).

#include <cstddef>
#include <string_view>

#include "common/Bytes.h"
#include "relay/core/Walls.h"

namespace verbatim::relay {

/// At most this many bytes of UTF-8 (a phone's or laptop's name and its system fit in 40).
inline constexpr std::size_t kMaxDeviceNameBytes = 64;

/// The refusal's text (a 400), the same for registration and renaming.
inline constexpr const char* kDeviceNameRule =
    "a device name is at most 64 bytes of UTF-8 text without control characters or direction "
    "overrides";

/// Whether `name` may name a device: empty (unnamed, as devices from before), or UTF-8 of at most
/// kMaxDeviceNameBytes bytes that isPlainText() accepts.
inline bool isValidDeviceName(std::string_view name) {
    return name.size() <= kMaxDeviceNameBytes && isUtf8(name) && isPlainText(name);
}

} // namespace verbatim::relay

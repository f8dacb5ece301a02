#pragma once
/// @file WipeCommand.h
/// A remote-wipe order for one device, signed by the relay's Ed25519 key (the key the firm
/// manifest names), so that a forged order from anyone else is ignored by the device.
/// Layout: u8(1) || field(user) || u32(device) || u64(issued_ms) || field(signature[64]);
/// signed bytes: "verbatim-wipe-v1" || field(user) || u32(device) || u64(issued_ms).

#include <string>

#include "common/Bytes.h"

namespace verbatim::journal {

struct WipeCommand {
    std::string user;
    std::uint32_t device = 0;
    std::uint64_t issuedMs = 0;
    Bytes signature;

    Bytes signedBytes() const;
    Bytes serialize() const;
    [[nodiscard]] static Result<WipeCommand> parse(ByteView bytes);
    [[nodiscard]] static Result<WipeCommand> sign(const std::string& user, std::uint32_t device,
                                                  std::uint64_t issuedMs, ByteView relayPrivateKey);
    /// True when signed by `relayPublicKey` and addressed to exactly (`user`, `device`).
    bool verify(ByteView relayPublicKey, const std::string& forUser, std::uint32_t forDevice) const;
};

} // namespace verbatim::journal

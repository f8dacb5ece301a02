#pragma once
/// @file DeviceApproval.h
/// A user's device list is something the relay cannot extend on its own (issue 15 break 2): a
/// device other than a user's first is admitted only with an approval signed (XEdDSA) by the
/// identity key of an existing device of the same user. The relay stores and serves approvals;
/// contacts, the user's own devices and compliance check them. Layout: docs/protocol.md,
/// "Device approval".

#include <string>

#include "common/Bytes.h"
#include "journal/JournalCrypto.h"

namespace verbatim::journal {

struct DeviceApproval {
    std::string user;
    std::uint32_t device = 0;   ///< the device approved
    Bytes identityKey;          ///< its identity key (33 bytes)
    std::uint32_t approver = 0; ///< the device of the same user that approves it
    std::uint64_t timeMs = 0;
    Bytes signature; ///< 64 bytes, by the approver's identity key

    /// "verbatim-device-approval-v1" || field(user) || u32(device) || field(identity_key)
    /// || u32(approver) || u64(time_ms)
    Bytes signedBytes() const;
    /// u8(1) || field(user) || u32(device) || field(identity_key) || u32(approver) || u64(time_ms)
    /// || field(signature)
    Bytes serialize() const;
    [[nodiscard]] static Result<DeviceApproval> parse(ByteView bytes);
    /// Signs as `approver` with `sign` (the approver's identity key).
    [[nodiscard]] static Result<DeviceApproval> make(const std::string& user, std::uint32_t device,
                                                     ByteView identityKey, std::uint32_t approver,
                                                     std::uint64_t timeMs, const Signer& sign);
    /// The signature verifies under `approverIdentityKey` and the statement names this user,
    /// device and identity key.
    bool verifies(std::string_view forUser, std::uint32_t forDevice, ByteView forIdentityKey,
                  ByteView approverIdentityKey) const;
};

/// "verbatim-device-link-bind-v1" || field(identityKey) || makerKeyHash[32]: what a device that
/// joins through a link signs with its own identity key.
Bytes deviceLinkBindingBytes(ByteView identityKey, ByteView makerKeyHash);
/// Whether `binding` is `device`'s own signature naming the device whose identity key is
/// `approverKey` as the maker of its link.
bool deviceLinkBindingNames(ByteView binding, ByteView identityKey, ByteView approverKey);

/// What a device that made a link proves it was given: HMAC-SHA256(linkSecret,
/// "verbatim-device-link-v1" || identityKey). The link secret travels only in the link.
Bytes deviceLinkProof(ByteView linkSecret, ByteView identityKey);

} // namespace verbatim::journal

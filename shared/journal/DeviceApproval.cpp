#include "journal/DeviceApproval.h"

#include "crypto/Digest.h"
#include "crypto/HmacSha256.h"
#include "signal/SessionManager.h"

namespace verbatim::journal {

namespace {
constexpr std::string_view kApprovalLabel = "verbatim-device-approval-v1";
constexpr std::string_view kLinkLabel = "verbatim-device-link-v1";
constexpr std::size_t kIdentityKeySize = 33;

void appendStatement(Bytes& out, const DeviceApproval& a) {
    appendField(out, a.user);
    appendU32(out, a.device);
    appendField(out, a.identityKey);
    appendU32(out, a.approver);
    appendU64(out, a.timeMs);
}
} // namespace

Bytes DeviceApproval::signedBytes() const {
    Bytes out;
    appendRaw(out, view(kApprovalLabel));
    appendStatement(out, *this);
    return out;
}

Bytes DeviceApproval::serialize() const {
    Bytes out;
    appendU8(out, 1);
    appendStatement(out, *this);
    appendField(out, signature);
    return out;
}

Result<DeviceApproval> DeviceApproval::parse(ByteView bytes) {
    ByteReader r(bytes);
    auto version = r.u8();
    if (!version) return tl::unexpected(version.error());
    if (*version != 1) return fail(ErrorCode::Unsupported, "unsupported device approval version");
    DeviceApproval a;
    auto user = r.field(kMaxUserIdSize);
    if (!user) return tl::unexpected(user.error());
    if (user->empty()) return fail(ErrorCode::Malformed, "device approval names no user");
    a.user.assign(asString(*user));
    auto device = r.u32();
    if (!device) return tl::unexpected(device.error());
    auto key = r.field(kIdentityKeySize);
    if (!key) return tl::unexpected(key.error());
    if (key->size() != kIdentityKeySize)
        return fail(ErrorCode::Malformed, "device approval identity key size");
    a.device = *device;
    a.identityKey = toBytes(*key);
    auto approver = r.u32();
    if (!approver) return tl::unexpected(approver.error());
    auto time = r.u64();
    if (!time) return tl::unexpected(time.error());
    a.approver = *approver;
    a.timeMs = *time;
    auto sig = r.field(64);
    if (!sig) return tl::unexpected(sig.error());
    if (sig->size() != 64) return fail(ErrorCode::Malformed, "device approval signature size");
    a.signature = toBytes(*sig);
    if (!r.atEnd()) return fail(ErrorCode::Malformed, "trailing bytes after device approval");
    if (a.approver == a.device) return fail(ErrorCode::Malformed, "a device cannot approve itself");
    return a;
}

Result<DeviceApproval> DeviceApproval::make(const std::string& user, std::uint32_t device,
                                            ByteView identityKey, std::uint32_t approver,
                                            std::uint64_t timeMs, const Signer& sign) {
    if (user.empty() || user.size() > kMaxUserIdSize)
        return fail(ErrorCode::InvalidArgument, "bad user");
    if (identityKey.size() != kIdentityKeySize)
        return fail(ErrorCode::InvalidArgument, "identity key must be 33 bytes");
    if (approver == device)
        return fail(ErrorCode::InvalidArgument, "a device cannot approve itself");
    DeviceApproval a{user, device, toBytes(identityKey), approver, timeMs, {}};
    auto sig = sign(a.signedBytes());
    if (!sig) return tl::unexpected(sig.error());
    if (sig->size() != 64) return fail(ErrorCode::Crypto, "signer returned a bad signature");
    a.signature = std::move(*sig);
    return a;
}

bool DeviceApproval::verifies(std::string_view forUser, std::uint32_t forDevice,
                              ByteView forIdentityKey, ByteView approverIdentityKey) const {
    if (user != forUser || device != forDevice || !constantTimeEqual(identityKey, forIdentityKey))
        return false;
    return signal::SessionManager::verify(approverIdentityKey, signedBytes(), signature);
}

Bytes deviceLinkBindingBytes(ByteView identityKey, ByteView makerKeyHash) {
    Bytes msg;
    appendRaw(msg, view(std::string_view("verbatim-device-link-bind-v1")));
    appendField(msg, identityKey);
    appendRaw(msg, makerKeyHash);
    return msg;
}

bool deviceLinkBindingNames(ByteView binding, ByteView identityKey, ByteView approverKey) {
    if (binding.size() != 64) return false;
    auto makerHash = crypto::sha256(approverKey);
    return signal::SessionManager::verify(identityKey,
                                          deviceLinkBindingBytes(identityKey, makerHash), binding);
}

Bytes deviceLinkProof(ByteView linkSecret, ByteView identityKey) {
    Bytes msg;
    appendRaw(msg, view(kLinkLabel));
    appendRaw(msg, identityKey);
    auto mac = crypto::hmacSha256(linkSecret, msg);
    return mac ? Bytes(mac->begin(), mac->end()) : Bytes{};
}

} // namespace verbatim::journal

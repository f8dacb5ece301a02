#include "journal/WipeCommand.h"

#include "crypto/Ed25519.h"

namespace verbatim::journal {

namespace {
constexpr std::string_view kWipeLabel = "verbatim-wipe-v1";
}

Bytes WipeCommand::signedBytes() const {
    Bytes out;
    appendRaw(out, view(kWipeLabel));
    appendField(out, user);
    appendU32(out, device);
    appendU64(out, issuedMs);
    return out;
}

Bytes WipeCommand::serialize() const {
    Bytes out;
    appendU8(out, 1);
    appendField(out, user);
    appendU32(out, device);
    appendU64(out, issuedMs);
    appendField(out, signature);
    return out;
}

Result<WipeCommand> WipeCommand::parse(ByteView bytes) {
    ByteReader r(bytes);
    auto version = r.u8();
    if (!version) return tl::unexpected(version.error());
    if (*version != 1) return fail(ErrorCode::Unsupported, "unsupported wipe command version");
    WipeCommand w;
    auto user = r.field(256);
    if (!user) return tl::unexpected(user.error());
    w.user.assign(asString(*user));
    auto device = r.u32();
    auto issued = device ? r.u64() : Result<std::uint64_t>(tl::unexpected(device.error()));
    if (!issued) return tl::unexpected(issued.error());
    w.device = *device;
    w.issuedMs = *issued;
    auto sig = r.field(64);
    if (!sig) return tl::unexpected(sig.error());
    if (sig->size() != 64 || !r.atEnd())
        return fail(ErrorCode::Malformed, "malformed wipe command");
    w.signature = toBytes(*sig);
    return w;
}

Result<WipeCommand> WipeCommand::sign(const std::string& user, std::uint32_t device,
                                      std::uint64_t issuedMs, ByteView relayPrivateKey) {
    WipeCommand w{user, device, issuedMs, {}};
    auto sig = crypto::ed25519Sign(relayPrivateKey, w.signedBytes());
    if (!sig) return tl::unexpected(sig.error());
    w.signature = std::move(*sig);
    return w;
}

bool WipeCommand::verify(ByteView relayPublicKey, const std::string& forUser,
                         std::uint32_t forDevice) const {
    return user == forUser && device == forDevice &&
           crypto::ed25519Verify(relayPublicKey, signedBytes(), signature);
}

} // namespace verbatim::journal

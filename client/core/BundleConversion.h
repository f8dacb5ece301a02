#pragma once
/// @file BundleConversion.h
/// The one conversion of a pre-key bundle as the relay sends it (proto::DeviceBundle) into what
/// libsignal takes (signal::PreKeyBundle). Header-only, so that the end-to-end test harness,
/// which links only the transport, converts exactly as the client does (ContactTrust).

#include "signal/SessionManager.h"
#include "wire.pb.h"

namespace verbatim::client {

/// Copies the fields; checks nothing (SessionManager::processBundle does). A bundle without a
/// one-time pre-key (the device ran out) leaves preKeyId unset and preKeyPublic empty.
inline signal::PreKeyBundle toPreKeyBundle(const proto::DeviceBundle& b) {
    signal::PreKeyBundle pb;
    pb.registrationId = b.registration_id();
    pb.deviceId = std::int32_t(b.device());
    if (b.has_pre_key()) {
        pb.preKeyId = b.pre_key().id();
        pb.preKeyPublic = toBytes(view(b.pre_key().public_key()));
    }
    pb.signedPreKeyId = b.signed_pre_key().id();
    pb.signedPreKeyPublic = toBytes(view(b.signed_pre_key().public_key()));
    pb.signedPreKeySignature = toBytes(view(b.signed_pre_key().signature()));
    pb.identityKey = toBytes(view(b.identity_key()));
    return pb;
}

} // namespace verbatim::client

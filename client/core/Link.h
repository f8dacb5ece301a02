#pragma once
/// @file Link.h
/// Enrollment and invite links:
///   verbatim://enroll?relay=HOST:PORT&token=T&firm=FINGERPRINT[&tls=PIN]
///   verbatim://join?relay=HOST:PORT&token=T&firm=FINGERPRINT[&tls=PIN][&alt=HOST:PORT_HOST:PORT]
/// and the web forms https://HOST[:PORT]/join#relay=...&token=... and (invites, issue 23)
/// https://HOST:PORT/i/#relay=...&token=..., whose parameters sit in the fragment (never sent to a
/// server, so never logged; the relay serves a landing page at /i/ that opens the app). The token
/// is a secret: never log a link.

#include <string>
#include <vector>

#include "common/Result.h"

namespace verbatim::client {

struct Link {
    enum class Kind { Enroll, Join };
    Kind kind = Kind::Join;
    std::string host;
    std::uint16_t port = 0;
    std::string token;  ///< 32 hex digits
    std::string firm;   ///< firm root fingerprint (32 hex digits) the client pins
    std::string tlsPin; ///< SHA-256 of the relay certificate (64 hex), empty for CA-issued
    /// Device links only (`ls`, 64 hex): a secret of the linking device that never reaches the
    /// relay; the new device proves it holds it, and the linking device then approves it.
    std::string linkSecret;
    /// Device links only (`lk`, 64 hex): SHA-256 of the linking device's identity key, the one
    /// device the new device trusts from the start.
    std::string linkMakerKey;
    /// `mv`: the oldest firm manifest (issued_ms) the joining device may accept; 0 when absent.
    std::uint64_t minManifestMs = 0;
    /// `alt` (issue 20): the firm's other relay addresses (HOST:PORT, at most 15, none equal to
    /// `host:port`), tried in order when the link's relay does not answer. Each is trusted only
    /// as far as the manifest it serves names it.
    std::vector<std::string> alternates;
};

[[nodiscard]] Result<Link> parseLink(std::string_view text);

/// The web form of an invite link `verbatim://join?PARAMS`: `https://HOST:PORT/i/#PARAMS`, the
/// HOST:PORT of its `relay` (the relay serves the landing page there), the same parameters in the
/// fragment. Empty when `verbatimLink` is not a valid `verbatim://join` link.
std::string webInviteLink(std::string_view verbatimLink);

} // namespace verbatim::client

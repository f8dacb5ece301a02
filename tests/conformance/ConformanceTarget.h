#pragma once
/// @file ConformanceTarget.h
/// The relay under test and how the suite gets accounts on it.
///
/// Either a relay someone else runs (`--relay HOST:PORT`, `--tls-pin HEX` or the pin of the
/// first link, `--provision 'CMD'`), or, with neither, our own `verbatim-relay` started in a
/// temporary data directory on a free loopback port (`init` + `serve`), provisioned through
/// tests/conformance/provision-verbatim-relay.sh (`verbatim-relay admin`).
///
/// Provisioning contract (README.md): the suite runs `/bin/sh -c 'CMD enroll USER ROLE'`, ROLE
/// one of lawyer, compliance; the command prints a `verbatim://enroll?...` link on a line of its
/// own and exits 0. USER is 1..64 of [a-z0-9-], unique per run. Test-only code.

#include <QStringList>
#include <QTemporaryDir>

#include <memory>
#include <optional>
#include <string>

#include "ConformanceWire.h"
#include "crypto/X25519.h"

class QProcess;

namespace verbatim::conformance {

/// A `verbatim://KIND?relay=HOST:PORT&token=T&firm=F[&tls=PIN]&mv=MS` link.
struct Link {
    std::string kind;  ///< "enroll", "join"
    std::string relay; ///< HOST:PORT
    std::string token;
    std::string firm; ///< the firm fingerprint (32 hex digits)
    std::string tls;  ///< the certificate pin (64 hex digits), empty when absent
    std::string mv;   ///< the manifest's issued_ms when the link was made (decimal)
    std::string text; ///< the whole link
    /// nullopt when `text` is not such a link.
    static std::optional<Link> parse(const std::string& text);
};

struct TargetOptions {
    std::string relay;     ///< HOST:PORT; empty: the first link's
    std::string tlsPin;    ///< 64 hex; empty: the first link's
    std::string provision; ///< the provisioning command; empty: start our own relay
    std::string
        journalSecret; ///< file with the journal X25519 private key in hex (own relay: made here)
    std::string relayBinary;     ///< verbatim-relay, for our own relay
    std::string provisionScript; ///< provision-verbatim-relay.sh, for our own relay
};

class RelayUnderTest {
public:
    [[nodiscard]] static Result<std::unique_ptr<RelayUnderTest>>
    start(const TargetOptions& options);
    ~RelayUnderTest();
    RelayUnderTest(const RelayUnderTest&) = delete;
    RelayUnderTest& operator=(const RelayUnderTest&) = delete;

    /// An enrollment link for a new user (a unique id made from `base`) with `role`
    /// ("lawyer", "compliance"). The first link also fixes the endpoint when the options did not.
    [[nodiscard]] Result<Link> enroll(const std::string& base, const std::string& role);
    const Endpoint& endpoint() const { return m_endpoint; }
    /// The journal private key, when the suite has it (always for our own relay).
    const std::optional<crypto::X25519Key>& journalKey() const { return m_journalKey; }
    bool ownRelay() const { return m_relay != nullptr; }
    /// The unique user id the suite gives `base` in this run.
    std::string userId(const std::string& base) const;

private:
    RelayUnderTest() = default;
    [[nodiscard]] Result<void> startOwnRelay(const TargetOptions& options);
    [[nodiscard]] Result<std::string> runProvision(const QStringList& args);

    TargetOptions m_options;
    std::string m_provision;
    std::string m_runId;
    Endpoint m_endpoint;
    bool m_endpointFixed = false;
    std::optional<crypto::X25519Key> m_journalKey;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<QProcess> m_relay;
};

} // namespace verbatim::conformance

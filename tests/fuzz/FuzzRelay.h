#pragma once
/// @file FuzzRelay.h
/// A small firm on a real RelayService for the relay fuzz targets (tests/relay/RelayFixture on a
/// SQLCipher database in a temporary folder): a lawyer, an admin, a compliance officer and a
/// client (joined by invite)
/// with registered devices, one matter with the lawyer and the client, and a "victim" lawyer
/// whom every revocation and wipe an admin request names lands on (so that the firm's parties
/// stay usable for the whole run). Made once per process
/// and kept across inputs, as a running relay keeps its state across requests.
///
/// Inputs name the parties through placeholders that no fuzzer can guess, replaced in every
/// string field of a request before it reaches the relay: "$conv" (the matter's id), "$lawyer",
/// "$client", "$admin", "$compliance", "$victim" (user ids); in a registration's token "$invite"
/// and "$enroll" (a fresh invite to the matter, a fresh enrollment of the lawyer); a send whose
/// journal entry is "$seal" gets the entry an honest sender would seal for it. Rate limits are
/// lifted so that the fuzzer reaches the code behind them, and the relay skips journal signature
/// checks (the seeds cannot be signed by devices that are made anew in every run); everything else
/// is as served.

#include <memory>
#include <string>

#include "relay/core/RelayService.h"

namespace verbatim::relay {
class RelayFixture;
struct TestDevice;
} // namespace verbatim::relay

namespace verbatim::fuzz {

class FuzzRelay {
public:
    /// The process's relay (made on first use; aborts when it cannot be made).
    static FuzzRelay& instance();

    /// The sending device for a frame: lawyer, client, admin or compliance by `selector` % 4.
    const relay::DeviceId& device(std::uint64_t selector) const;
    /// Replaces the placeholders in every string field of `message`, recursively.
    void substitute(google::protobuf::Message& message) const;
    /// RelayService::handle, waited for.
    proto::Response call(const relay::DeviceId& from, proto::Request request);
    /// RelayService::registerDevice from a fresh client address, waited for; the status chosen
    /// (0 for success).
    int registerDevice(proto::RegisterDevice request);

    relay::RelayFixture& fixture() { return *m_fixture; }
    const std::string& conversation() const { return m_conversation; }

private:
    FuzzRelay() = default;
    std::unique_ptr<relay::RelayFixture> m_fixture;
    relay::TestDevice* m_lawyer = nullptr;
    relay::TestDevice* m_client = nullptr;
    relay::TestDevice* m_admin = nullptr;
    relay::TestDevice* m_compliance = nullptr;
    relay::TestDevice* m_victim = nullptr; ///< what admin revocations and wipes hit
    std::string m_conversation;
};

} // namespace verbatim::fuzz

// The relay's frame handling: a binary WebSocket message from an authenticated device, parsed as
// the session parses it (relay/net/RelayServer.cpp, WebSocketSession::onRead) and handed to
// RelayService::handle (relay/core) on a real relay database, so that every request's
// validation and storage code runs on what the fuzzer sends. The frame's id picks the sender:
// lawyer, client, admin or compliance (FuzzRelay.h; a request's id is the device's to choose).

#include <cstdio>

#include "FuzzRelay.h"
#include "FuzzTarget.h"
#include "relay/RelayFixture.h"

using namespace verbatim;
using verbatim::fuzz::fuzzCheck;

VERBATIM_FUZZ_TARGET(relay_frame) {
    proto::Frame frame;
    // What the session answers with 400 and a close, without reaching the service.
    if (!frame.ParseFromArray(data, int(size)) || !frame.has_request()) return 0;
    auto& relay = fuzz::FuzzRelay::instance();
    const auto& from = relay.device(frame.id());
    auto response = relay.call(from, std::move(*frame.mutable_request()));
    if (fuzz::verbose())
        std::fprintf(stderr, "  %s/%u: %d %s\n", from.user.c_str(), from.device,
                     int(response.status()), response.error().c_str());
    fuzzCheck(!relay.fixture().timedOut(), "the relay never answered a request");
    // Hostile input gets a clear refusal; storage errors and internal errors are relay bugs
    // (a failed job can take its whole batch down with it).
    fuzzCheck(response.status() != proto::STATUS_INTERNAL,
              "a request made the relay fail internally");
    fuzzCheck(response.status() != proto::STATUS_UNAVAILABLE,
              "a request made the relay's storage fail");
    fuzzCheck(response.status() == proto::STATUS_OK || !response.error().empty(),
              "a refusal without a reason");
    return 0;
}

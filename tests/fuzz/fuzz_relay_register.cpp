// Device registration: the body of POST /v1/register, which anyone who reaches the relay may
// send (relay/net/RelayServer.cpp onRegisterBody), parsed and handed to
// RelayService::registerDevice on a real relay database. A token "$invite" or "$enroll" is
// replaced by a fresh valid one (FuzzRelay.h), so the key and link checks behind it run too.

#include <cstdio>

#include "FuzzRelay.h"
#include "FuzzTarget.h"
#include "relay/RelayFixture.h"

using namespace verbatim;
using verbatim::fuzz::fuzzCheck;

VERBATIM_FUZZ_TARGET(relay_register) {
    proto::RegisterDevice request;
    if (!request.ParseFromArray(data, int(size))) return 0; // 400 "malformed registration"
    auto& relay = fuzz::FuzzRelay::instance();
    const int status = relay.registerDevice(std::move(request));
    if (fuzz::verbose()) std::fprintf(stderr, "  registration: %d\n", status);
    fuzzCheck(status == 0 || (status >= 400 && status < 500),
              "a registration failed other than with a 4xx refusal");
    return 0;
}

#pragma once
// The smallest matter of the end-to-end tests, as real clients: Alice, a lawyer, and Carol, her
// client invited into "Estate" (tst_matters, tst_consent).

#include <string>

#include "ClientParty.h"
#include "E2EHarness.h"

namespace verbatim::e2e::parties {

/// Alice (lawyer "alice") and Carol, her client in the matter "Estate" (notice accepted).
struct EstateParties {
    PartyHandle lawyer, client;
    std::string conv; ///< the matter's id
};

/// Joins Alice through an enrollment link of `h` and starts her, then Carol through an invite
/// into "Estate"; true once both are connected and Carol sees the one matter.
inline bool joinEstate(Harness& h, EstateParties& m) {
    m.lawyer = joinParty(h.enrollLink("alice", proto::ROLE_LAWYER), "Alice");
    if (!m.lawyer) return false;
    m.lawyer->start();
    m.client = joinParty(h.inviteLink("alice", "Estate"), "Carol", true);
    if (!m.client) return false;
    m.client->start();
    if (!eventually([&] { return m.client->isConnected() && m.lawyer->isConnected(); }))
        return false;
    auto convs = m.client->conversations();
    if (!convs || convs->size() != 1) return false;
    m.conv = convs->front().id;
    return true;
}

} // namespace verbatim::e2e::parties

#pragma once
/// @file Walls.h
/// Ethical walls (issue 22): what an administrator defines, and what the relay answers when a
/// request would cross one. No Beast, no Qt; the storage side is in WallsService.cpp.
///
/// A wall has a name and two sides. Each side lists users, and matters whose members count as
/// that side (a wall between matters keeps the people of one matter out of the other). The relay
/// refuses every request that would put people of both sides of one wall into one conversation,
/// or a user of one side into a matter of the other: a direct conversation or a matter opened with
/// such members, an invite into a conversation that holds both sides, an invite's redemption
/// (a link minted before the wall included), an administrator's invite and the handover of a
/// matter by offboarding. The refusal names the wall and nothing of its other side, and is
/// journaled (`wall-refused`). A wall made over existing memberships lists the conversations that
/// already hold both sides (the conflicts) and removes nobody. Modelled on information-barrier
/// segments and policies (Microsoft Purview) and Box Shield's information barriers.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "wire.pb.h"

namespace verbatim::relay {

/// The status of a wall's refusal: 451 ("unavailable for legal reasons"). Over HTTPS (an invite's
/// redemption) the HTTP status; over the WebSocket the Response status (wire.proto's Status is
/// an open enum; the client acts on any status it does not know as a refusal).
inline constexpr proto::Status kStatusEthicalWall = proto::Status(451);

/// A wall as the administrator defines it (`verbatim-relay admin wall add`).
struct WallSpec {
    std::string name; ///< 1-100 bytes of UTF-8, no control characters; unique
    /// Per side (0 and 1): user ids, and matters by conversation id or exact title.
    std::array<std::vector<std::string>, 2> users, matters;
};

/// A conversation that holds people of both sides of a wall.
struct WallConflict {
    std::string conversation, title;
    bool matter = false;
};

/// A wall as stored, with the conversations that cross it now.
struct WallInfo {
    std::string name, createdBy;
    std::uint64_t createdMs = 0;
    std::array<std::vector<std::string>, 2> users;   ///< sorted
    std::array<std::vector<std::string>, 2> matters; ///< conversation ids, sorted
    std::vector<WallConflict> conflicts;             ///< by conversation id
};

} // namespace verbatim::relay

#pragma once
/// @file WallViews.h
/// Ethical walls as the client core hands them to the app and the CLI (H6, issue 22): what the
/// relay's ListWalls and AddWall answer (docs/protocol.md, "Walls over the WebSocket"), and what
/// an administrator asks for. Plain data, no Qt; Client::walls(), addWall(), removeWall().

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace verbatim::client {

/// The status of an ethical wall's refusal (issue 22; docs/protocol.md, "Ethical walls"):
/// createConversation() and createInvite() fail with ErrorCode::Forbidden, the relay's text
/// (which names the wall) and this as Error::detail, so that the app can say so plainly.
inline constexpr int kEthicalWallStatus = 451;

/// A person on a wall or in a conflict.
struct WallPersonView {
    std::string user;
    std::string displayName; ///< "" for a user the relay no longer knows
    std::string role;        ///< client, lawyer, supervisor, compliance, admin ("" unknown)
};

/// Something that crosses a wall now (the relay removes nobody): a conversation whose members
/// stand on both sides, or a supervisor assignment across the wall.
struct WallConflictView {
    std::string kind;                  ///< "matter", "direct" or "supervision"
    std::string conversationId, title; ///< matter and direct
    WallPersonView supervisor, lawyer; ///< supervision
};

/// A wall as the relay holds it, with its conflicts now.
struct WallView {
    std::string name;
    std::uint64_t createdMs = 0;
    std::string createdBy;     ///< USER/DEVICE, or admin-cli
    std::string createdByName; ///< that user's display name ("" for admin-cli)
    /// Per side (0: A, 1: B): people by user id, and matters as (conversation id, title).
    std::array<std::vector<WallPersonView>, 2> users;
    std::array<std::vector<std::pair<std::string, std::string>>, 2> matters;
    std::vector<WallConflictView> conflicts;
};

/// A wall an administrator adds: per side, user ids and matters (an id or the exact title).
struct WallRequest {
    std::string name;
    std::array<std::vector<std::string>, 2> users, matters;
};

} // namespace verbatim::client

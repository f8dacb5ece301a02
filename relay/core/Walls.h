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
#include <string_view>
#include <vector>

#include "wire.pb.h"

namespace verbatim::relay {

/// The status of a wall's refusal: 451 ("unavailable for legal reasons"). Over HTTPS (an invite's
/// redemption) the HTTP status; over the WebSocket the Response status (wire.proto's Status is
/// an open enum; the client acts on any status it does not know as a refusal).
inline constexpr proto::Status kStatusEthicalWall = proto::Status(451);

/// Whether `text` is free of what could act on a terminal or reorder what a reader sees (issue
/// 22, B6): C0 and C1 control characters, DEL, and the bidirectional overrides and isolates
/// (U+202A-U+202E, U+2066-U+2069). Checks bytes only: callers check UTF-8 separately.
inline bool isPlainText(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = (unsigned char)text[i];
        if (c < 0x20 || c == 0x7f) return false;
        const auto next = i + 1 < text.size() ? (unsigned char)text[i + 1] : 0;
        if (c == 0xc2 && next >= 0x80 && next <= 0x9f) return false; // U+0080-U+009F
        if (c == 0xe2 && i + 2 < text.size()) {
            const auto last = (unsigned char)text[i + 2];
            if (next == 0x80 && last >= 0xaa && last <= 0xae) return false; // U+202A-U+202E
            if (next == 0x81 && last >= 0xa6 && last <= 0xa9) return false; // U+2066-U+2069
        }
    }
    return true;
}

/// A wall as the administrator defines it (`verbatim-relay admin wall add`).
struct WallSpec {
    std::string name; ///< 1-100 bytes of UTF-8, no control characters; unique
    /// Per side (0 and 1): user ids, and matters by conversation id or exact title.
    std::array<std::vector<std::string>, 2> users, matters;
};

/// Something that crosses a wall now, left for the administrator to resolve (the relay removes
/// nobody): a conversation whose members stand on both sides (`conversation`, its `title`,
/// `matter` or direct), or a supervisor assignment across the wall (R-SUP-5): then
/// `conversation` is empty, `supervisor` and `lawyer` name the assignment and `title` reads
/// "SUPERVISOR supervises LAWYER".
struct WallConflict {
    std::string conversation, title;
    bool matter = false;
    std::string supervisor, lawyer; ///< a supervision conflict only
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

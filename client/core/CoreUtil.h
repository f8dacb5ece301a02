#pragma once
/// @file CoreUtil.h
/// Small helpers the client core's units share (internal to client/core: not for the app or the
/// command-line client): the wall clock, raw and hex message ids, member lists as stored, role
/// names. No state.

#include <chrono>
#include <string>
#include <vector>

#include "common/Bytes.h"
#include "common/Result.h"
#include "wire.pb.h"

namespace verbatim::client {

/// Milliseconds since the Unix epoch, wall clock.
inline std::uint64_t nowMs() {
    return std::uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count());
}

inline std::string str(ByteView b) {
    return std::string(b.begin(), b.end());
}
/// A raw id (bytes in a std::string) as hex.
inline std::string hexOf(const std::string& raw) {
    return toHex(view(raw));
}

/// A message id as given by a user (32 hex digits) as its 16 raw bytes.
inline Result<std::string> rawId(const std::string& hex) {
    auto b = fromHex(hex);
    if (!b || b->size() != 16)
        return fail(ErrorCode::InvalidArgument, "a message id is 32 hex digits");
    return str(*b);
}

/// The text every profile method answers with once a wipe removed the profile.
inline constexpr const char* kErasedText = "this device was erased by the firm";

inline const char* roleText(proto::Role r) {
    switch (r) {
    case proto::ROLE_CLIENT:
        return "client";
    case proto::ROLE_LAWYER:
        return "lawyer";
    case proto::ROLE_SUPERVISOR:
        return "supervisor";
    case proto::ROLE_COMPLIANCE:
        return "compliance";
    case proto::ROLE_ADMIN:
        return "admin";
    default:
        return "unknown";
    }
}

/// Conversation members are stored as one text, user ids separated by newlines.
inline std::string joinMembers(const google::protobuf::RepeatedPtrField<std::string>& members) {
    std::string out;
    for (const auto& m : members) {
        if (!out.empty()) out.push_back('\n');
        out += m;
    }
    return out;
}

inline std::vector<std::string> splitMembers(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < s.size()) {
        auto nl = s.find('\n', start);
        if (nl == std::string::npos) nl = s.size();
        if (nl > start) out.push_back(s.substr(start, nl - start));
        start = nl + 1;
    }
    return out;
}

} // namespace verbatim::client

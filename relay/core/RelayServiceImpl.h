#pragma once
/// @file RelayServiceImpl.h
/// Private to relay/core: what RelayService's role files (KeysService.cpp, MessagesService.cpp,
/// ConversationsService.cpp, MattersService.cpp, WallsService.cpp, DevicesService.cpp, EnrollmentService.cpp,
/// JournalService.cpp)
/// share: how a failure becomes a Response, small statement helpers, and RequestRun, which runs
/// one device request as a storage job. Not installed and not included outside relay/core.

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <future>
#include <set>

#include "common/Json.h"
#include "common/Log.h"
#include "common/Try.h"
#include "crypto/Digest.h"
#include "crypto/Random.h"
#include "journal/DeviceApproval.h"
#include "journal/FirmManifest.h"
#include "journal/HistoryTransfer.h"
#include "journal/JournalCrypto.h"
#include "journal/RecordingNotice.h"
#include "journal/SealedEntry.h"
#include "journal/WipeCommand.h"
#include "relay/core/RelaySchema.h"
#include "relay/core/RelayService.h"
#include "signal/SessionManager.h"

namespace verbatim::relay {
namespace impl {

using storage::Database;
using storage::Statement;
using Completion = std::function<void()>;

constexpr std::uint64_t kDay = 24ull * 3600 * 1000;
constexpr int kTokenEnroll = 1;
constexpr int kTokenInvite = 2;

inline proto::Response errorResponse(proto::Status status, std::string message,
                                     std::uint64_t retryMs = 0) {
    proto::Response r;
    r.set_status(status);
    r.set_error(std::move(message));
    r.set_retry_after_ms(retryMs);
    return r;
}

// Storage failures are 503: the client retries with the same message id, which is idempotent.
inline proto::Response fromError(const Error& e) {
    switch (e.code) {
    case ErrorCode::InvalidArgument:
    case ErrorCode::Malformed:
    case ErrorCode::Unsupported:
        return errorResponse(proto::STATUS_BAD_REQUEST, e.message);
    case ErrorCode::AuthFailed:
    case ErrorCode::WrongKey:
        return errorResponse(proto::STATUS_UNAUTHORIZED, e.message);
    case ErrorCode::NotFound:
        return errorResponse(proto::STATUS_NOT_FOUND, e.message);
    case ErrorCode::Storage:
        return errorResponse(proto::STATUS_UNAVAILABLE, "storage unavailable");
    default:
        return errorResponse(proto::STATUS_INTERNAL, "internal error");
    }
}

// A typed failure a job returns; the message is for the client, the status is in `detail`.
inline tl::unexpected<Error> reject(proto::Status status, std::string message) {
    return tl::unexpected(Error{ErrorCode::InvalidArgument, std::move(message), int(status)});
}
inline proto::Response responseFor(const Error& e) {
    if (e.code == ErrorCode::InvalidArgument && e.detail >= 400 && e.detail < 600)
        return errorResponse(proto::Status(e.detail), e.message);
    return fromError(e);
}

inline std::string randomHex(std::size_t bytes) {
    return toHex(crypto::randomBytes(bytes));
}

inline Bytes tokenHash(std::string_view token) {
    auto h = crypto::sha256(view(token));
    return Bytes(h.begin(), h.end());
}

inline bool isStaff(proto::Role r) {
    return r == proto::ROLE_LAWYER || r == proto::ROLE_SUPERVISOR || r == proto::ROLE_ADMIN ||
           r == proto::ROLE_COMPLIANCE;
}

template <class T> inline void bindOne(Statement& st, int i, const T& v) {
    if constexpr (std::is_integral_v<T>)
        st.bind(i, std::int64_t(v));
    else
        st.bind(i, v);
}

inline Result<bool> exists(Database& db, const char* sql, const auto&... binds) {
    VERBATIM_TRY_LET(st, db.cached(sql));
    int i = 1;
    (bindOne(**st, i++, binds), ...);
    return st->step();
}

// Runs one statement with its bindings (cached: these run often enough to keep compiled).
inline Result<void> execute(Database& db, const char* sql, const auto&... binds) {
    VERBATIM_TRY_LET(st, db.cached(sql));
    int i = 1;
    (bindOne(**st, i++, binds), ...);
    return st->run();
}

inline Result<void> audit(Database& db, const std::string& actor, std::string_view action,
                          const std::string& target, std::string_view detail = {}) {
    VERBATIM_TRY_LET(
        st,
        db.prepare(
            "INSERT INTO audit (time_ms, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)"));
    st->bind(1, std::int64_t(wallClockMs()))
        .bind(2, std::string_view(actor))
        .bind(3, action)
        .bind(4, std::string_view(target))
        .bind(5, detail);
    return st->run();
}

// Whether a device is active: registered and not revoked (a wipe revokes, so a device with a
// wipe pending is not active). Cached: it runs for most requests.
inline Result<bool> isActive(Database& db, std::string_view user, std::uint32_t device) {
    return exists(db,
                  "SELECT 1 FROM devices WHERE user = ? AND device = ? AND revoked_ms IS NULL AND "
                  "pending_ms IS NULL",
                  user, std::int64_t(device));
}

// A token's first 8 hex digits are its lookup id: what an invite is listed and revoked by, and
// the key wrong guesses under it are counted against. The other 96 bits stay secret.
constexpr std::size_t kLookupChars = 8;
inline std::string lookupOf(std::string_view token) {
    return std::string(token.substr(0, kLookupChars));
}

// A blob column as the std::string a protobuf bytes field takes.
inline std::string blobText(const auto& st, int col) {
    Bytes b = st.columnBlob(col);
    return std::string(b.begin(), b.end());
}

inline proto::Frame pushFrame(proto::Push push) {
    proto::Frame f;
    *f.mutable_push() = std::move(push);
    return f;
}

// ---- defined in the role files ----------------------------------------------------------------

// KeysService.cpp
bool acceptableKey(const std::string& key);
Result<void> validateKeys(ByteView identityKey, const proto::UploadPreKeys& up);
Result<void> storeKeys(Database& db, const std::string& user, std::uint32_t device,
                       const proto::UploadPreKeys& up);
Result<std::uint32_t> preKeyCount(Database& db, const std::string& user, std::uint32_t device);
// ConversationsService.cpp
// Invites with their state now: by `inviter` (everyone's when empty), or the ones whose lookup id
// is `id` (when not empty); newest first.
Result<std::vector<proto::InviteInfo>> inviteRows(Database& db, const std::string& inviter,
                                                  const std::string& id, std::size_t limit);
Result<bool> inviterGone(Database& db, const std::string& inviter, std::uint32_t device);
Result<std::vector<proto::DeviceAddress>> memberDevices(Database& db,
                                                        const std::string& conversation);
Result<proto::Conversation> loadConversation(Database& db, const std::string& id);
// WallsService.cpp: the user ids of a conversation's members (none for "").
Result<std::set<std::string>> memberUsers(Database& db, const std::string& conversation);
// WallsService.cpp: every wall, by name, with its conflicts now.
Result<std::vector<WallInfo>> loadWalls(Database& db);
// SupervisorsService.cpp: a message a person wrote (SendMessage.is_message) was stored in
// `conversation` at `nowMs`, by a client (`fromClient`) or staff: the supervisors' metadata.
Result<void> recordMessageActivity(Database& db, const std::string& conversation, bool fromClient,
                                   std::uint64_t nowMs);
// BoundarySnapshotService.cpp: state rows (issue 22, M1/M2), decided when a row is stored.
constexpr int kStateSupervision = 1; ///< a compliance device's declared SUPERVISION record
constexpr int kStateNotice = 2;      ///< a declared recording-notice acceptance
Result<void> recordStateRow(Database& db, std::uint64_t seq, int kind);
/// Once per store, when a relay first opens it at schema 17: classifies the rows stored before
/// (sender's role now, the notices table) and writes meta `journal_state_from`.
Result<void> freezeLegacyStateRows(Database& db);
// DevicesService.cpp
Result<proto::DeviceList> ownDevices(Database& db, const std::string& user);
Result<std::vector<std::pair<DeviceId, proto::Frame>>>
devicesChangedNotices(Database& db, const std::string& user, std::uint32_t except);

} // namespace impl

/// Runs one request of an authenticated device as a storage job, and answers `done` with the
/// Response the job filled once it is durable (or with the job's failure).
///
/// Every request but ConfirmWipe runs only for a device that is still active when its job
/// runs: `from` was checked when the connection authenticated, and a revocation or a wipe
/// (which revokes) may have been committed since, here or by `verbatim-relay admin`
/// (issue 15 break 7). One lookup by primary key; sends check it through the member device
/// set instead (handleSend).
struct RelayService::RequestRun {
    RelayService* service;
    std::string user;
    std::uint32_t device;
    Done done;

    void
    operator()(std::function<Result<impl::Completion>(storage::Database&, proto::Response&)> work,
               bool repeatable = false, bool activeOnly = true) const;
};

} // namespace verbatim::relay

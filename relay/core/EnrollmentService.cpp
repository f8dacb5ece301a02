/// @file EnrollmentService.cpp
/// RelayService's enrolment: users, enrolment tokens and device links, device
/// registration (enrolment or invite redemption) and sign-in.

#include "relay/core/DeviceName.h"
#include "relay/core/RelayServiceImpl.h"

namespace verbatim::relay {

using namespace impl;

Result<void> RelayService::createUser(const std::string& id, proto::Role role,
                                      const std::string& displayName, const std::string& actor) {
    if (id.empty() || id.size() > 128 ||
        id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789._-@") != std::string::npos)
        return fail(ErrorCode::InvalidArgument, "user id must be 1-128 of a-z 0-9 . _ - @");
    if (id == "relay")
        return fail(ErrorCode::InvalidArgument, "user id 'relay' is reserved for the relay itself");
    if (role == proto::ROLE_UNSPECIFIED || role == proto::ROLE_CLIENT)
        return fail(ErrorCode::InvalidArgument, "staff role required (clients join by invite)");
    if (displayName.size() > 256 || !isUtf8(displayName))
        return fail(ErrorCode::InvalidArgument,
                    "display name must be UTF-8 text of at most 256 bytes");
    Result<void> out;
    auto ran = runAndWait([&](Database& db) -> Result<Completion> {
        VERBATIM_TRY_LET(have,
                         exists(db, "SELECT 1 FROM users WHERE id = ?", std::string_view(id)));
        if (*have) return fail(ErrorCode::Duplicate, "user already exists");
        VERBATIM_TRY_LET(
            st, db.prepare(
                    "INSERT INTO users (id, role, display_name, created_ms) VALUES (?, ?, ?, ?)"));
        st->bind(1, std::string_view(id))
            .bind(2, std::int64_t(role))
            .bind(3, std::string_view(displayName))
            .bind(4, std::int64_t(wallClockMs()));
        VERBATIM_TRY(st->run());
        VERBATIM_TRY(recordAdminAction(db, actor, "enroll-user", id, proto::Role_Name(role),
                                       {{"role", proto::Role_Name(role)}, {"name", displayName}}));
        return Completion();
    });
    if (!ran) return tl::unexpected(ran.error());
    return out;
}

Result<void> RelayService::enrollmentTokenJob(Database& db, const std::string& user,
                                              const std::string& token, std::uint64_t ttlMs,
                                              const std::string& actor, std::string_view action,
                                              const std::string& mintedBy) {
    VERBATIM_TRY_LET(st, db.prepare("SELECT role, display_name FROM users WHERE id = ?"));
    st->bind(1, std::string_view(user));
    VERBATIM_TRY_LET(row, st->step());
    if (!*row) return fail(ErrorCode::NotFound, "no such user");
    // An enrollment token has no inviter; for a device link the column names the device that
    // made it ("USER/DEVICE"), which redemption checks is still active.
    VERBATIM_TRY_LET(
        ins,
        db.prepare(
            "INSERT INTO tokens (hash, kind, user, role, created_ms, expires_ms, inviter, lookup) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    std::uint64_t now = wallClockMs();
    ins->bind(1, tokenHash(token))
        .bind(2, std::int64_t(kTokenEnroll))
        .bind(3, std::string_view(user))
        .bind(4, st->columnInt(0))
        .bind(5, std::int64_t(now))
        .bind(6, std::int64_t(now + ttlMs))
        .bind(8, lookupOf(token));
    if (mintedBy.empty())
        ins->bindNull(7);
    else
        ins->bind(7, std::string_view(mintedBy));
    VERBATIM_TRY(ins->run());
    return recordAdminAction(db, actor, action, user, {}, {{"user", user}});
}

Result<std::string> RelayService::createEnrollmentToken(const std::string& user,
                                                        std::uint64_t ttlMs,
                                                        const std::string& actor) {
    std::string token = randomHex(16);
    auto ran = runAndWait([&](Database& db) -> Result<Completion> {
        VERBATIM_TRY(enrollmentTokenJob(db, user, token, ttlMs, actor, "enrollment-link"));
        return Completion();
    });
    if (!ran) return tl::unexpected(ran.error());
    return token;
}

Result<std::vector<RelayService::UserRow>> RelayService::listUsers() {
    Result<std::vector<UserRow>> out = std::vector<UserRow>();
    m_storage->runSync([&](Database& db) {
        auto st = db.prepare("SELECT id, display_name, role, created_ms FROM users ORDER BY id");
        if (!st) return void(out = tl::unexpected(st.error()));
        auto rows = st->forEachRow([&] {
            out->push_back({st->columnText(0), st->columnText(1), proto::Role(st->columnInt(2)),
                            std::uint64_t(st->columnInt(3))});
        });
        if (!rows) out = tl::unexpected(rows.error());
    });
    return out;
}

void RelayService::registerDevice(
    const proto::RegisterDevice& req, const std::string& clientAddress,
    std::function<void(Result<proto::Registered>, std::uint64_t)> done) {
    // Issue 16 item 7: only failed redemptions (a token the relay does not know) drain the
    // address's bucket, so an office behind one NAT address enrols as many devices as it has
    // links; a guesser is throttled by its address and, once it hits a real token's lookup id, by
    // that id from every address.
    const std::string addressKey = "redeem:" + clientAddress;
    if (auto wait = m_limiter.peek(addressKey, m_config.limits.redeem, monotonicMs()))
        return done(fail(ErrorCode::AuthFailed,
                         "too many failed attempts from this address; try again later", 429),
                    wait);
    auto bad = [&](const char* why) { done(fail(ErrorCode::InvalidArgument, why, 400), 0); };
    if (req.token().size() != 32) return bad("malformed token");
    const std::string guessKey = "redeem-guess:" + lookupOf(req.token());
    if (auto wait = m_limiter.peek(guessKey, m_config.limits.redeemGuess, monotonicMs()))
        return done(fail(ErrorCode::AuthFailed,
                         "too many wrong attempts at this link; try again later", 429),
                    wait);
    if (req.device_secret().size() != 32) return bad("device secret must be 32 bytes");
    // Signal registration ids are 1..16380 (libsignal's range); a peer's session checks it.
    if (req.registration_id() < 1 || req.registration_id() > 16380)
        return bad("bad registration id");
    if (!acceptableKey(req.identity_key())) return bad("bad identity key");
    if (!req.has_signed_pre_key()) return bad("signed pre-key required");
    if (req.platform().size() > 64 || req.app_version().size() > 64 ||
        req.display_name().size() > 128)
        return bad("field too long");
    if (!isValidDeviceName(req.device_name())) return bad(kDeviceNameRule);
    if (!req.link_proof().empty() && req.link_proof().size() != 32)
        return bad("link proof must be 32 bytes");
    if (!req.link_binding().empty() && req.link_binding().size() != 64)
        return bad("link binding must be 64 bytes");
    if (std::uint32_t(req.pre_keys_size()) > m_config.maxStoredPreKeys)
        return done(fail(ErrorCode::InvalidArgument,
                         "at most " + std::to_string(m_config.maxStoredPreKeys) +
                             " one-time pre-keys per device",
                         413),
                    0);
    proto::UploadPreKeys keys;
    *keys.mutable_signed_pre_key() = req.signed_pre_key();
    *keys.mutable_pre_keys() = req.pre_keys();
    if (auto v = validateKeys(view(req.identity_key()), keys); !v)
        return done(tl::unexpected(v.error()), 0);

    auto request = std::make_shared<proto::RegisterDevice>(req);
    auto result = std::make_shared<proto::Registered>();
    // Set by the job when the token is unknown: 1, or 2 when its lookup id is a real token's.
    auto guessed = std::make_shared<int>(0);
    m_storage->post(
        [this, request, result, keys, done, guessed,
         addressKey](Database& db) -> Result<Completion> {
            VERBATIM_TRY_LET(st, db.prepare("SELECT kind, user, role, conversation, inviter, "
                                            "expires_ms, used_ms, revoked_ms, "
                                            "coalesce(inviter_device, 0), declined_ms FROM tokens "
                                            "WHERE hash = ?"));
            st->bind(1, tokenHash(request->token()));
            VERBATIM_TRY_LET(row, st->step());
            // One message for unknown, used and expired tokens alike would hide which is which
            // from an attacker, but users need to know; used and expired are told apart only for
            // tokens that exist (the caller holds the 128-bit secret).
            if (!*row) {
                VERBATIM_TRY_LET(known, exists(db, "SELECT 1 FROM tokens WHERE lookup = ?",
                                               std::string_view(lookupOf(request->token()))));
                *guessed = *known ? 2 : 1;
                return reject(proto::STATUS_UNAUTHORIZED, "invalid token");
            }
            if (!st->columnIsNull(6))
                return reject(proto::STATUS_GONE, "this link has already been used");
            if (!st->columnIsNull(7))
                return reject(proto::STATUS_GONE,
                              "this invite was revoked; ask the firm for a new link");
            // Declined at the recording notice (issue 22): nobody joins through it afterwards.
            if (!st->columnIsNull(9))
                return reject(proto::STATUS_GONE, "this invite was declined; ask the firm for a "
                                                  "new link if you change your mind");
            // expires_ms is the first instant the token no longer works: a TTL of 0 is expired at
            // once, not for the rest of the millisecond it was made in.
            if (std::uint64_t(st->columnInt(5)) <= wallClockMs())
                return reject(proto::STATUS_GONE, "this link has expired");
            int kind = int(st->columnInt(0));
            std::string user = st->columnText(1);
            auto role = proto::Role(st->columnInt(2));
            std::string conversation = st->columnText(3);
            std::string inviter = st->columnText(4);
            const auto inviterDevice = std::uint32_t(st->columnInt(8));
            std::uint64_t now = wallClockMs();
            // An invite dies with its inviter (issue 16 item 7): once the device that made it, or
            // for one the administrator made every device of the lawyer, is revoked or wiped, a
            // copy of the link (say, taken from a stolen phone) enrols nobody into the matter.
            if (kind == kTokenInvite) {
                VERBATIM_TRY_LET(gone, inviterGone(db, inviter, inviterDevice));
                if (*gone)
                    return reject(proto::STATUS_GONE, "the lawyer who made this invite no longer "
                                                      "has access; ask the firm for a new link");
                // A link minted before a wall was made is judged now (issue 22): the refusal
                // is journaled and commits alone, the token stays unused.
                VERBATIM_TRY_LET(members, memberUsers(db, conversation));
                VERBATIM_TRY_LET(
                    walled,
                    refuseAtWalls(db, conversation, *members, "redeem-invite", kTokenActor,
                                  {{"invite", lookupOf(request->token())}, {"inviter", inviter}}));
                // Counted like a wrong token: a 451 must not be a free probe of the wall.
                if (!walled->empty())
                    return Completion([this, done, addressKey, text = *walled] {
                        (void)m_limiter.take(addressKey, m_config.limits.redeem, monotonicMs());
                        done(fail(ErrorCode::InvalidArgument, text, int(kStatusEthicalWall)), 0);
                    });
            }
            // A device link dies with the device that made it: once that device is revoked or
            // wiped, whoever holds its unredeemed links must not enroll through them.
            if (kind == kTokenEnroll && !inviter.empty()) {
                auto slash = inviter.rfind('/');
                std::uint32_t maker = 0;
                if (slash == std::string::npos ||
                    std::from_chars(inviter.data() + slash + 1, inviter.data() + inviter.size(),
                                    maker)
                            .ec != std::errc())
                    return reject(proto::STATUS_GONE, "this link is no longer valid");
                VERBATIM_TRY_LET(active,
                                 isActive(db, std::string_view(inviter).substr(0, slash), maker));
                if (!*active)
                    return reject(proto::STATUS_GONE, "the device that made this link has been "
                                                      "revoked or wiped; ask for a new link");
            }

            if (kind == kTokenInvite) user = "client-" + randomHex(6);
            // Single use: the row was read unused in this transaction, which no other job shares.
            VERBATIM_TRY_LET(use, db.prepare("UPDATE tokens SET used_ms = ?, redeemed_by = ? WHERE "
                                             "hash = ? AND used_ms IS NULL"));
            use->bind(1, std::int64_t(now))
                .bind(2, std::string_view(user))
                .bind(3, tokenHash(request->token()));
            VERBATIM_TRY(use->run());
            if (db.changes() != 1)
                return reject(proto::STATUS_GONE, "this link has already been used");

            if (kind == kTokenInvite) {
                role = proto::ROLE_CLIENT;
                std::string name =
                    request->display_name().empty() ? "Client" : request->display_name();
                VERBATIM_TRY(execute(
                    db,
                    "INSERT INTO users (id, role, display_name, created_ms) VALUES (?, ?, ?, ?)",
                    std::string_view(user), std::int64_t(role), std::string_view(name),
                    std::int64_t(now)));
                VERBATIM_TRY(execute(
                    db, "INSERT INTO members (conversation, user, joined_ms) VALUES (?, ?, ?)",
                    std::string_view(conversation), std::string_view(user), std::int64_t(now)));
                // Body version 2: the token caused it, not the lawyer who made it.
                VERBATIM_TRY(recordAdminAction(db, kTokenActor, "invite-redeemed", user,
                                               conversation,
                                               {{"conversation", conversation},
                                                {"name", name},
                                                {"role", "ROLE_CLIENT"},
                                                {"invite", lookupOf(request->token())},
                                                {"inviter", inviter}}));
            }
            // Issue 15 break 2: a user who has an active device adds another only with that
            // device's approval. Until one of them signs it, the new device is pending: it is in
            // no device set and cannot connect. A user without any active device (every one lost
            // or revoked) starts again from a new first device: an identity change that contacts
            // see and must accept.
            VERBATIM_TRY_LET(hasActive, exists(db,
                                               "SELECT 1 FROM devices WHERE user = ? AND "
                                               "revoked_ms IS NULL AND pending_ms IS NULL",
                                               std::string_view(user)));
            const bool pending = *hasActive;
            VERBATIM_TRY_LET(
                next,
                db.prepare("SELECT coalesce(max(device), 0) + 1 FROM devices WHERE user = ?"));
            next->bind(1, std::string_view(user));
            VERBATIM_TRY(next->step());
            auto device = std::uint32_t(next->columnInt(0));
            auto secretHash = crypto::sha256(view(request->device_secret()));
            VERBATIM_TRY_LET(
                d, db.prepare("INSERT INTO devices (user, device, secret_hash, registration_id, "
                              "identity_key, "
                              "platform, app_version, enrolled_ms, pending_ms, link_proof, "
                              "link_binding, device_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                              "?)"));
            d->bind(1, std::string_view(user))
                .bind(2, std::int64_t(device))
                .bind(3, secretHash)
                .bind(4, std::int64_t(request->registration_id()))
                .bind(5, view(request->identity_key()))
                .bind(6, std::string_view(request->platform()))
                .bind(7, std::string_view(request->app_version()))
                .bind(8, std::int64_t(now));
            if (pending)
                d->bind(9, std::int64_t(now));
            else
                d->bindNull(9);
            if (request->link_proof().empty())
                d->bindNull(10);
            else
                d->bind(10, view(request->link_proof()));
            if (request->link_binding().empty())
                d->bindNull(11);
            else
                d->bind(11, view(request->link_binding()));
            d->bind(12, std::string_view(request->device_name()));
            VERBATIM_TRY(d->run());
            VERBATIM_TRY(storeKeys(db, user, device, keys));
            // The identity key rides in the relay-signed audit entry: it is how compliance knows
            // which key must have signed this device's journal entries.
            VERBATIM_TRY(recordAdminAction(db, kTokenActor, "device-registered",
                                           user + "/" + std::to_string(device), request->platform(),
                                           {{"user", user},
                                            {"device", std::to_string(device)},
                                            {"identity_key", toHex(view(request->identity_key()))},
                                            {"platform", request->platform()},
                                            {"app_version", request->app_version()},
                                            {"pending", pending ? "1" : "0"}}));
            result->set_user(user);
            result->set_device(device);
            result->set_role(role);
            result->set_conversation_id(conversation);
            result->set_awaiting_approval(pending);
            result->set_firm_manifest(
                std::string(m_config.firmManifest.begin(), m_config.firmManifest.end()));
            // A client joining a matter is a membership change: every member's online device
            // hears of it (the apps show it as a system event).
            std::vector<std::pair<DeviceId, proto::Frame>> notices;
            if (pending) { // the user's devices hear of it at once, to approve it
                VERBATIM_TRY_LET(own, devicesChangedNotices(db, user, device));
                notices = std::move(*own);
            }
            if (kind == kTokenInvite) {
                VERBATIM_TRY_LET(conv, loadConversation(db, conversation));
                VERBATIM_TRY_LET(devices, memberDevices(db, conversation));
                for (const auto& d : *devices) {
                    if (d.user() == user) continue;
                    proto::Push p;
                    *p.mutable_conversation_changed() = *conv;
                    notices.push_back(
                        {DeviceId{d.user(), d.device(), {}, {}}, pushFrame(std::move(p))});
                }
            }
            return Completion([this, done, result, notices = std::move(notices)] {
                done(*result, 0);
                pushLive(notices);
            });
        },
        [this, done, guessed, addressKey, guessKey](const Error& e) {
            // Only a wrong token counts: against the address, and against the lookup id when it
            // is a real token's (someone who knows part of a link is guessing the rest).
            if (*guessed) (void)m_limiter.take(addressKey, m_config.limits.redeem, monotonicMs());
            if (*guessed == 2)
                (void)m_limiter.take(guessKey, m_config.limits.redeemGuess, monotonicMs());
            done(tl::unexpected(e), 0);
        });
}

void RelayService::authenticate(const std::string& user, std::uint32_t device, ByteView secret,
                                std::function<void(Result<DeviceId>)> done) {
    if (secret.size() != 32) return done(fail(ErrorCode::AuthFailed, "bad credentials"));
    auto hash = crypto::sha256(secret);
    m_storage->postBetweenBatches([user, device, hash, done](Database& db) {
        auto st = db.prepare(
            "SELECT d.secret_hash, d.revoked_ms, u.role, d.identity_key, d.wipe_command, "
            "d.pending_ms "
            "FROM devices d JOIN users u ON u.id = d.user WHERE d.user = ? AND d.device = ?");
        if (!st) return done(tl::unexpected(st.error()));
        st->bind(1, std::string_view(user)).bind(2, std::int64_t(device));
        auto row = st->step();
        if (!row) return done(tl::unexpected(row.error()));
        // Unknown device and wrong secret give the same answer.
        if (!*row || !constantTimeEqual(st->columnBlob(0), hash))
            return done(fail(ErrorCode::AuthFailed, "bad credentials"));
        // A revoked device is refused, unless a wipe waits for it: then it may connect to
        // receive the wipe and nothing else (drain() sends only that).
        if (!st->columnIsNull(1) && st->columnIsNull(4))
            return done(fail(ErrorCode::AuthFailed, "device revoked", 403));
        // Registered, but not yet approved by one of the user's devices (issue 15 break 2).
        if (!st->columnIsNull(5) && st->columnIsNull(1))
            return done(fail(ErrorCode::AuthFailed,
                             "this device waits for approval on one of your other devices", 423));
        DeviceId id{user, device, proto::Role(st->columnInt(2)), st->columnBlob(3),
                    !st->columnIsNull(1)};
        auto seen = db.prepare("UPDATE devices SET last_seen_ms = ? WHERE user = ? AND device = ?");
        if (seen) {
            seen->bind(1, std::int64_t(wallClockMs()))
                .bind(2, std::string_view(user))
                .bind(3, std::int64_t(device));
            (void)seen->run();
        }
        done(std::move(id));
    });
}

void RelayService::onCreateDeviceLink(const DeviceId& from, proto::Request& request, Done& done,
                                      const RequestRun& run) {
    if (from.role == proto::ROLE_CLIENT)
        return done(
            errorResponse(proto::STATUS_FORBIDDEN, "clients link a new device by a new invite"));
    if (auto wait = m_limiter.take("invite:" + from.user, m_config.limits.invite, monotonicMs()))
        return done(errorResponse(proto::STATUS_RATE_LIMITED, "too many links", wait));
    // 0 asks for the default, 15 minutes, which is also the most; longer is refused, as for invites.
    std::uint32_t ttl = request.create_device_link().ttl_seconds();
    if (ttl > 900)
        return done(
            errorResponse(proto::STATUS_BAD_REQUEST, "device links last at most 15 minutes"));
    if (ttl == 0) ttl = 900;
    std::string token = randomHex(16);
    std::string link = linkFor("enroll", token);
    return run(
        [this, from, token, link, ttl](Database& db, proto::Response& out) -> Result<Completion> {
            const std::string who = from.user + "/" + std::to_string(from.device);
            VERBATIM_TRY(enrollmentTokenJob(db, from.user, token, std::uint64_t(ttl) * 1000, who,
                                            "device-link-created", who));
            out.mutable_invite()->set_link(link);
            out.mutable_invite()->set_expires_ms(wallClockMs() + std::uint64_t(ttl) * 1000);
            return Completion();
        });
}

} // namespace verbatim::relay

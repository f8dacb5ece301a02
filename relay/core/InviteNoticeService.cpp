/// @file InviteNoticeService.cpp
/// RelayService's answers about an invite before anyone redeems it (issue 22): what the invite
/// is (who invited, into which matter), so that the client's recording notice can name them
/// before the client registers; and the client's decline, which kills the invite without
/// registering anyone or sending anything into the matter.

#include "relay/core/RelayServiceImpl.h"

namespace verbatim::relay {

using namespace impl;

void RelayService::answerInvite(
    const proto::InviteToken& req, bool decline, const std::string& clientAddress,
    std::function<void(Result<proto::InviteDetails>, std::uint64_t retryAfterMs)> done) {
    // The same buckets as redemption (registerDevice): a wrong token drains the address's, and
    // the lookup id's when it is a real token's, so asking here is no cheaper way to guess.
    const std::string addressKey = "redeem:" + clientAddress;
    if (auto wait = m_limiter.peek(addressKey, m_config.limits.redeem, monotonicMs()))
        return done(fail(ErrorCode::AuthFailed,
                         "too many failed attempts from this address; try again later", 429),
                    wait);
    if (req.token().size() != 32 ||
        req.token().find_first_not_of("0123456789abcdef") != std::string::npos)
        return done(fail(ErrorCode::InvalidArgument, "malformed token", 400), 0);
    const std::string guessKey = "redeem-guess:" + lookupOf(req.token());
    if (auto wait = m_limiter.peek(guessKey, m_config.limits.redeemGuess, monotonicMs()))
        return done(fail(ErrorCode::AuthFailed,
                         "too many wrong attempts at this link; try again later", 429),
                    wait);
    auto result = std::make_shared<proto::InviteDetails>();
    auto guessed = std::make_shared<int>(0); // 1: unknown token; 2: its lookup id is real
    const std::string token = req.token();
    m_storage->post(
        [this, token, decline, result, guessed, done](Database& db) -> Result<Completion> {
            VERBATIM_TRY_LET(
                st, db.prepare("SELECT t.kind, t.conversation, coalesce(t.inviter, ''), "
                               "coalesce(t.inviter_device, 0), t.expires_ms, t.used_ms, "
                               "t.revoked_ms, t.declined_ms, coalesce(c.title, ''), "
                               "coalesce(c.matter_number, ''), coalesce(c.client_name, ''), "
                               "coalesce(u.display_name, '') FROM tokens t "
                               "LEFT JOIN conversations c ON c.id = t.conversation "
                               "LEFT JOIN users u ON u.id = t.inviter WHERE t.hash = ?"));
            st->bind(1, tokenHash(token));
            VERBATIM_TRY_LET(row, st->step());
            if (!*row) {
                VERBATIM_TRY_LET(known, exists(db, "SELECT 1 FROM tokens WHERE lookup = ?",
                                               std::string_view(lookupOf(token))));
                *guessed = *known ? 2 : 1;
                return reject(proto::STATUS_UNAUTHORIZED, "invalid token");
            }
            // Only an invite has a notice: an enrollment link is staff's, and is not declined.
            if (st->columnInt(0) != kTokenInvite)
                return reject(proto::STATUS_BAD_REQUEST, "this link is not an invite to a matter");
            // The same words, in the same order, as redemption: a client that holds the link
            // learns why it no longer works.
            if (!st->columnIsNull(5))
                return reject(proto::STATUS_GONE, "this link has already been used");
            if (!st->columnIsNull(6))
                return reject(proto::STATUS_GONE,
                              "this invite was revoked; ask the firm for a new link");
            if (!st->columnIsNull(7))
                return reject(proto::STATUS_GONE, "this invite was declined; ask the firm for a "
                                                  "new link if you change your mind");
            if (std::uint64_t(st->columnInt(4)) <= wallClockMs())
                return reject(proto::STATUS_GONE, "this link has expired");
            const std::string conversation = st->columnText(1);
            const std::string inviter = st->columnText(2);
            VERBATIM_TRY_LET(gone, inviterGone(db, inviter, std::uint32_t(st->columnInt(3))));
            if (*gone)
                return reject(proto::STATUS_GONE, "the lawyer who made this invite no longer "
                                                  "has access; ask the firm for a new link");
            result->set_inviter_name(st->columnText(11));
            result->set_matter_title(st->columnText(8));
            result->set_matter_number(st->columnText(9));
            result->set_client_name(st->columnText(10));
            result->set_expires_ms(std::uint64_t(st->columnInt(4)));
            st->reset();
            auto answer = [done, result] { done(*result, 0); };
            if (!decline) return Completion(answer);
            // Declining registers nobody and sends nothing into the matter: the token dies (a
            // later redemption is 410) and the relay journals that it was declined, naming the
            // invite and its lawyer, never anything the client typed.
            const std::uint64_t now = wallClockMs();
            VERBATIM_TRY(execute(db,
                                 "UPDATE tokens SET declined_ms = ? WHERE hash = ? AND used_ms IS "
                                 "NULL AND revoked_ms IS NULL AND declined_ms IS NULL",
                                 std::int64_t(now), ByteView(tokenHash(token))));
            if (db.changes() != 1)
                return reject(proto::STATUS_GONE, "this link has already been used");
            VERBATIM_TRY(recordAdminAction(db, kTokenActor, "invite-declined", conversation,
                                           lookupOf(token),
                                           {{"invite", lookupOf(token)},
                                            {"conversation", conversation},
                                            {"inviter", inviter}}));
            result->set_declined_ms(now);
            return Completion(answer);
        },
        [this, done, guessed, addressKey, guessKey](const Error& e) {
            if (*guessed) (void)m_limiter.take(addressKey, m_config.limits.redeem, monotonicMs());
            if (*guessed == 2)
                (void)m_limiter.take(guessKey, m_config.limits.redeemGuess, monotonicMs());
            done(tl::unexpected(e), 0);
        });
}

} // namespace verbatim::relay

// Issue 16 items 5 and 7 against a real relay over TLS: a participant who fetches a lawyer's
// bundle in a loop, uploads pre-keys without end or fetches strangers' bundles; invites that
// cannot be revoked, outlive their inviter, or that an office behind one NAT address cannot
// redeem; token guessing. Every test performs the attack and checks what the relay lets through.

#include <QFileInfo>
#include <QProcess>
#include <QtTest>

#include <set>

#include "ClientParty.h"
#include "E2EHarness.h"
#include "client/core/BundleConversion.h"
#include "crypto/Random.h"

using namespace verbatim;
using namespace verbatim::e2e;
using namespace std::chrono_literals;

namespace {

std::string str(ByteView b) {
    return std::string(b.begin(), b.end());
}

std::string tokenOf(const std::string& link) {
    auto p = link.find("token=");
    return p == std::string::npos ? std::string() : link.substr(p + 6, 32);
}

std::unique_ptr<Device> connected(std::unique_ptr<Device> d, Harness& h) {
    if (!d || !d->connect(h.endpoint())) return nullptr;
    return d;
}

/// A matter `title` opened by `lawyer` (connected) over its connection; "" on failure.
std::string openMatter(Device& lawyer, const std::string& title) {
    proto::Request req;
    req.mutable_create_conversation()->set_title(title);
    req.mutable_create_conversation()->set_is_matter(true);
    auto resp = lawyer.connection->call(req);
    return resp && resp->status() == proto::STATUS_OK ? resp->conversation().id() : std::string();
}

/// CreateInvite over the lawyer's connection.
Result<proto::Invite> createInvite(Device& lawyer, const std::string& conversation) {
    proto::Request req;
    req.mutable_create_invite()->set_conversation_id(conversation);
    auto resp = lawyer.connection->call(req);
    if (!resp) return tl::unexpected(resp.error());
    if (resp->status() != proto::STATUS_OK)
        return fail(ErrorCode::InvalidArgument, resp->error(), int(resp->status()));
    return resp->invite();
}

proto::Response call(Device& d, proto::Request req) {
    auto resp = d.connection->call(req);
    if (!resp) {
        proto::Response r;
        r.set_status(proto::STATUS_INTERNAL);
        r.set_error("no answer: " + resp.error().message);
        return r;
    }
    return *resp;
}

proto::Response fetchBundles(Device& d, const std::string& user) {
    proto::Request req;
    req.mutable_fetch_bundles()->set_user(user);
    return call(d, req);
}

proto::Response listInvites(Device& d) {
    proto::Request req;
    req.mutable_list_invites();
    return call(d, req);
}

proto::Response revokeInvite(Device& d, const std::string& id) {
    proto::Request req;
    req.mutable_revoke_invite()->set_id(id);
    return call(d, req);
}

/// How many one-time pre-keys the relay holds for `d` (an empty upload answers the count).
std::optional<std::uint32_t> storedPreKeys(Device& d) {
    proto::Request req;
    req.mutable_upload_pre_keys();
    auto resp = call(d, req);
    if (resp.status() != proto::STATUS_OK) {
        qWarning("pre-key count refused: %d %s", int(resp.status()), resp.error().c_str());
        return std::nullopt;
    }
    return resp.pre_key_count().remaining();
}

/// Registers a fresh device with `token`; the relay's answer (status in the error's detail).
Result<proto::Registered> redeem(Harness& h, const std::string& token,
                                 std::unique_ptr<Device>* out = nullptr,
                                 const std::string& name = "Client") {
    auto ctx = signal::SignalContext::create();
    if (!ctx) return tl::unexpected(ctx.error());
    auto d = Device::create(*ctx);
    auto reg = client::RelayConnection::registerDevice(h.endpoint(), d->registration(token, name));
    if (reg && out) {
        d->user = reg->user();
        d->device = reg->device();
        *out = std::move(d);
    }
    return reg;
}

const proto::InviteInfo* findInvite(const proto::Response& list, const std::string& id) {
    for (const auto& i : list.invite_list().invites())
        if (i.id() == id) return &i;
    return nullptr;
}

/// Starts a Signal session from `from` to every device of `to` out of the bundle just fetched.
bool startSession(Device& from, const proto::Bundles& bundles) {
    for (const auto& b : bundles.devices()) {
        if (!from.sessions->processBundle({bundles.user(), std::int32_t(b.device())},
                                          client::toPreKeyBundle(b)))
            return false;
    }
    return true;
}

} // namespace

class TestAbuseKeys : public QObject {
    Q_OBJECT

private slots:
    // ---- item 5: pre-keys ----------------------------------------------------------------------

    // Twelve clients of a lawyer's matter fetch her bundle in a loop. Each is refused (429) once
    // its own fetch bucket is empty; each gets at most 3 one-time pre-keys of hers, all of them
    // together at most 30: she keeps the rest. A thirteenth client still starts a session (signed
    // pre-key alone) and its message reaches her.
    void bundleDrainIsLimitedAndTheLawyerKeepsOneTimeKeys() {
        Harness h;
        QVERIFY(h.ok());
        const auto limits = h.service().config().limits;
        auto lena = connected(h.enrollStaff("lena", proto::ROLE_LAWYER), h);
        QVERIFY(lena);
        const auto before = storedPreKeys(*lena);
        QCOMPARE(before, std::optional<std::uint32_t>(50));

        std::set<std::uint32_t> handedOut;
        std::string conv;
        int refused = 0;
        for (int c = 0; c < 12; ++c) {
            auto client = connected(h.inviteClient("lena", "Drained matter", &conv), h);
            QVERIFY(client);
            int got = 0;
            // The first one loops until refused; the others try five times each.
            const int attempts = c == 0 ? 400 : 5;
            for (int i = 0; i < attempts; ++i) {
                auto resp = fetchBundles(*client, "lena");
                if (resp.status() == proto::STATUS_RATE_LIMITED) {
                    QVERIFY(resp.retry_after_ms() > 0);
                    ++refused;
                    break;
                }
                QCOMPARE(resp.status(), proto::STATUS_OK);
                QCOMPARE(resp.bundles().devices_size(), 1);
                const auto& b = resp.bundles().devices(0);
                QVERIFY(b.has_signed_pre_key()); // always served, one-time key or not
                if (b.has_pre_key()) {
                    ++got;
                    QVERIFY2(handedOut.insert(b.pre_key().id()).second,
                             "a one-time pre-key went out twice");
                }
            }
            QVERIFY2(got <= int(limits.preKeyPair.capacity),
                     "one client got more one-time keys than its share");
        }
        QVERIFY2(refused >= 1, "a client fetching in a loop was never refused");
        QVERIFY(handedOut.size() <= std::size_t(limits.preKeyTarget.capacity));
        const auto after = storedPreKeys(*lena);
        QVERIFY(after.has_value());
        QCOMPARE(*after, 50u - std::uint32_t(handedOut.size()));
        QVERIFY2(*after >= 50u - std::uint32_t(limits.preKeyTarget.capacity),
                 "the lawyer's one-time keys were drained");

        // A new contact now gets her signed pre-key alone, and the session still works.
        auto late = connected(h.inviteClient("lena", "Drained matter", &conv), h);
        QVERIFY(late);
        auto resp = fetchBundles(*late, "lena");
        QCOMPARE(resp.status(), proto::STATUS_OK);
        QCOMPARE(resp.bundles().devices_size(), 1);
        QVERIFY(!resp.bundles().devices(0).has_pre_key());
        QVERIFY(startSession(*late, resp.bundles()));
        proto::JournalRecord record;
        proto::Request send;
        *send.mutable_send() = h.buildSend(*late, conv, "hello without a one-time key", &record);
        auto sent = late->connection->call(send);
        QVERIFY(sent);
        QCOMPARE(sent->status(), proto::STATUS_OK);
        bool opened = false;
        for (const auto& e : lena->waitForEnvelopes(1)) {
            if (e.sender().user() != late->user) continue;
            QCOMPARE(e.type(), 3u); // a pre-key message: the session starts here
            auto r = h.open(*lena, e);
            QVERIFY2(r, r ? "" : r.error().message.c_str());
            QCOMPARE(r->body(), std::string("hello without a one-time key"));
            opened = true;
        }
        QVERIFY(opened);
    }

    // With every one-time pre-key gone while the lawyer was offline, an invited client (the real
    // client core) starts a session from the signed pre-key alone; messages flow both ways; and
    // the lawyer's device, told at its next connection, uploads new one-time keys.
    void sessionsStartWhenOneTimeKeysRunOut() {
        using namespace verbatim::e2e::parties;
        Harness h({}, [](relay::RelayConfig& c) {
            constexpr relay::BucketSpec unlimited{1e9, 1e9};
            c.limits.preKeyFetch = c.limits.preKeyTarget = c.limits.preKeyPair = unlimited;
        });
        QVERIFY(h.ok());
        auto lena = joinParty(h.enrollLink("lena", proto::ROLE_LAWYER), "Lena");
        QVERIFY(lena);
        lena->start();
        QVERIFY(lena->waitUntilSynced(20s));
        auto invite = lena->createInvite("Empty key store");
        QVERIFY2(invite, invite ? "" : invite.error().message.c_str());
        auto conv = lena->resolveConversation("Empty key store");
        QVERIFY(conv);
        lena->stop();

        // Someone empties her one-time keys while she is away.
        auto drainer = connected(h.enrollStaff("drainer", proto::ROLE_LAWYER), h);
        QVERIFY(drainer);
        int drained = 0;
        for (; drained < 1000; ++drained) {
            auto resp = fetchBundles(*drainer, "lena");
            QCOMPARE(resp.status(), proto::STATUS_OK);
            QCOMPARE(resp.bundles().devices_size(), 1);
            if (!resp.bundles().devices(0).has_pre_key()) break;
        }
        QVERIFY(drained >= 100 && drained < 1000);

        auto carol = joinParty(*invite, "Carol", true);
        QVERIFY(carol);
        carol->start();
        QVERIFY(carol->waitUntilSynced(20s));
        auto first = carol->sendText(*conv, "no one-time key left");
        QVERIFY2(first, first ? "" : first.error().message.c_str());
        QVERIFY(carol->waitForOutbox(10s));

        lena->start();
        QVERIFY(eventually([&] { return hasBody(*lena, *first, "no one-time key left"); }));
        auto reply = lena->sendText(*conv, "received");
        QVERIFY(reply);
        QVERIFY(eventually([&] { return hasBody(*carol, *reply, "received"); }));
        // pre_keys_low reached her as she connected: one-time keys are served again.
        QVERIFY(eventually(
            [&] {
                auto resp = fetchBundles(*drainer, "lena");
                return resp.status() == proto::STATUS_OK && resp.bundles().devices_size() == 1 &&
                       resp.bundles().devices(0).has_pre_key();
            },
            10s));
    }

    // One upload of 100,000 one-time pre-keys is refused; of 500 uploads of 200 the relay takes
    // a few, stores 200 keys in all and says how many it did not store; the rest are refused
    // before any key is looked at. A signed pre-key on an upload over the cap is still taken.
    void preKeyUploadsAreCappedPerDevice() {
        Harness h;
        QVERIFY(h.ok());
        auto lena = connected(h.enrollStaff("lena", proto::ROLE_LAWYER), h);
        QVERIFY(lena);
        const auto cap = h.service().config().maxStoredPreKeys;
        const auto limits = h.service().config().limits;
        // Valid keys (the relay checks each); ids are what makes a key new.
        auto keys = lena->sessions->generatePreKeys(1000, 200);
        QVERIFY(keys);
        auto upload = [&](std::uint32_t firstId, std::uint32_t count,
                          const signal::SignedPreKeyPublic* spk = nullptr) {
            proto::Request req;
            auto* up = req.mutable_upload_pre_keys();
            for (std::uint32_t i = 0; i < count; ++i) {
                auto* p = up->add_pre_keys();
                p->set_id(firstId + i);
                p->set_public_key(str((*keys)[i % keys->size()].publicKey));
            }
            if (spk) {
                up->mutable_signed_pre_key()->set_id(spk->id);
                up->mutable_signed_pre_key()->set_public_key(str(spk->publicKey));
                up->mutable_signed_pre_key()->set_signature(str(spk->signature));
            }
            return call(*lena, req);
        };
        QCOMPARE(upload(1000, 100000).status(), proto::STATUS_TOO_LARGE);
        QCOMPARE(storedPreKeys(*lena), std::optional<std::uint32_t>(50));

        auto first = upload(1000, 200);
        QCOMPARE(first.status(), proto::STATUS_OK);
        QCOMPARE(first.pre_key_count().remaining(), cap);
        QCOMPARE(first.pre_key_count().refused(), 200 - (cap - 50));
        QVERIFY(first.error().find("at most") != std::string::npos);
        // The weekly rotation rides on an upload over the cap: its signed pre-key is taken.
        auto spk = lena->sessions->generateSignedPreKey(2);
        QVERIFY(spk);
        auto rotated = upload(900000, 1, &*spk);
        QCOMPARE(rotated.status(), proto::STATUS_OK);
        QCOMPARE(rotated.pre_key_count().refused(), 1u);

        // The rest of 100,000 keys, 200 at a time.
        int accepted = 3, limited = 0; // the three uploads above (the refused one counts too)
        for (std::uint32_t batch = 1; batch < 500; ++batch) {
            auto resp = upload(1000 + batch * 200, 200);
            if (resp.status() == proto::STATUS_RATE_LIMITED) {
                QVERIFY(resp.retry_after_ms() > 0);
                ++limited;
                continue;
            }
            QCOMPARE(resp.status(), proto::STATUS_OK);
            QCOMPARE(resp.pre_key_count().refused(), 200u);
            ++accepted;
        }
        QVERIFY(accepted <= int(limits.preKeyUpload.capacity));
        QCOMPARE(limited, 499 - (accepted - 3));
        QCOMPARE(storedPreKeys(*lena), std::optional<std::uint32_t>(cap));
        auto other = connected(h.enrollStaff("otto", proto::ROLE_LAWYER), h);
        QVERIFY(other);
        auto bundle = fetchBundles(*other, "lena");
        QCOMPARE(bundle.status(), proto::STATUS_OK);
        QCOMPARE(bundle.bundles().devices(0).signed_pre_key().id(), 2u);
        QVERIFY(bundle.bundles().devices(0).has_pre_key());
    }

    // A client may fetch the bundles of the people it shares a matter with, nobody else's; staff
    // fetch staff but not a client of someone else's matter.
    void bundlesOfStrangersAreRefused() {
        Harness h;
        QVERIFY(h.ok());
        auto lena = connected(h.enrollStaff("lena", proto::ROLE_LAWYER), h);
        auto mark = connected(h.enrollStaff("mark", proto::ROLE_LAWYER), h);
        QVERIFY(lena && mark);
        std::string c1, c2;
        auto carol = connected(h.inviteClient("lena", "Lena's matter", &c1), h);
        auto dave = connected(h.inviteClient("mark", "Mark's matter", &c2), h);
        QVERIFY(carol && dave);
        QCOMPARE(fetchBundles(*carol, "lena").status(), proto::STATUS_OK);
        QCOMPARE(fetchBundles(*carol, "mark").status(), proto::STATUS_FORBIDDEN);
        QCOMPARE(fetchBundles(*carol, dave->user).status(), proto::STATUS_FORBIDDEN);
        QCOMPARE(fetchBundles(*carol, "nobody").status(), proto::STATUS_FORBIDDEN);
        QCOMPARE(fetchBundles(*lena, dave->user).status(), proto::STATUS_FORBIDDEN);
        QCOMPARE(fetchBundles(*lena, "mark").status(), proto::STATUS_OK);
        QCOMPARE(fetchBundles(*mark, dave->user).status(), proto::STATUS_OK);
    }

    // ---- item 7: invites -----------------------------------------------------------------------

    // The lawyer lists her invites, revokes one, and its link enrols nobody; the list shows who
    // redeemed the others. Nobody else can revoke or see them.
    void revokedInviteIsRefusedAndListsShowState() {
        Harness h;
        QVERIFY(h.ok());
        auto lena = connected(h.enrollStaff("lena", proto::ROLE_LAWYER), h);
        auto mark = connected(h.enrollStaff("mark", proto::ROLE_LAWYER), h);
        QVERIFY(lena && mark);
        const std::string conv = openMatter(*lena, "Smith v. Jones");
        QVERIFY(!conv.empty());
        auto kept = createInvite(*lena, conv);
        auto revoked = createInvite(*lena, conv);
        auto redeemed = createInvite(*lena, conv);
        QVERIFY(kept && revoked && redeemed);
        QCOMPARE(revoked->id().size(), std::size_t(8));
        QCOMPARE(tokenOf(revoked->link()).substr(0, 8), revoked->id());
        std::unique_ptr<Device> carol;
        auto joined = redeem(h, tokenOf(redeemed->link()), &carol, "Carol Client");
        QVERIFY2(joined, joined ? "" : joined.error().message.c_str());

        auto list = listInvites(*lena);
        QCOMPARE(list.status(), proto::STATUS_OK);
        QCOMPARE(list.invite_list().invites_size(), 3);
        for (const auto& i : list.invite_list().invites()) {
            QCOMPARE(i.matter_title(), std::string("Smith v. Jones"));
            QCOMPARE(i.conversation_id(), conv);
            QCOMPARE(i.inviter(), std::string("lena"));
            QCOMPARE(i.inviter_device(), lena->device);
            QVERIFY(i.created_ms() > 0 && i.expires_ms() > i.created_ms());
        }
        QCOMPARE(findInvite(list, kept->id())->state(), proto::INVITE_OPEN);
        QCOMPARE(findInvite(list, redeemed->id())->state(), proto::INVITE_REDEEMED);
        QCOMPARE(findInvite(list, redeemed->id())->redeemed_by(), joined->user());
        QCOMPARE(findInvite(list, redeemed->id())->redeemed_name(), std::string("Carol Client"));
        QVERIFY(findInvite(list, redeemed->id())->redeemed_ms() > 0);

        // Others cannot revoke (or learn of) her invites.
        QCOMPARE(revokeInvite(*mark, revoked->id()).status(), proto::STATUS_NOT_FOUND);
        QCOMPARE(listInvites(*mark).invite_list().invites_size(), 0);
        QVERIFY(carol->connect(h.endpoint()));
        QCOMPARE(revokeInvite(*carol, revoked->id()).status(), proto::STATUS_FORBIDDEN);
        QCOMPARE(revokeInvite(*lena, "zz").status(), proto::STATUS_BAD_REQUEST);

        auto r = revokeInvite(*lena, revoked->id());
        QCOMPARE(r.status(), proto::STATUS_OK);
        QCOMPARE(r.invite_list().invites(0).state(), proto::INVITE_REVOKED);
        QCOMPARE(r.invite_list().invites(0).revoked_by(), "lena/" + std::to_string(lena->device));
        // A redeemed invite cannot be revoked: the client is in already.
        QCOMPARE(revokeInvite(*lena, redeemed->id()).status(), proto::STATUS_CONFLICT);

        auto refused = redeem(h, tokenOf(revoked->link()));
        QVERIFY(!refused);
        QCOMPARE(refused.error().detail, 410);
        QVERIFY2(refused.error().message.find("revoked") != std::string::npos,
                 refused.error().message.c_str());
        // Single use: the redeemed one is refused too, the open one still works.
        auto again = redeem(h, tokenOf(redeemed->link()));
        QVERIFY(!again);
        QCOMPARE(again.error().detail, 410);
        QVERIFY(redeem(h, tokenOf(kept->link())));

        list = listInvites(*lena);
        QCOMPARE(findInvite(list, revoked->id())->state(), proto::INVITE_REVOKED);
        QCOMPARE(findInvite(list, kept->id())->state(), proto::INVITE_REDEEMED);
        // The administrator's view is the same.
        auto all = h.service().listInvites("");
        QVERIFY(all);
        QCOMPARE(all->size(), std::size_t(3));
        for (const auto& i : *all)
            QCOMPARE(i.state(), findInvite(list, i.id())->state());
    }

    // An invite dies with the device that made it; one the administrator made dies once every
    // device of its lawyer is revoked.
    void invitesDieWithTheirInviter() {
        Harness h;
        QVERIFY(h.ok());
        auto lena = connected(h.enrollStaff("lena", proto::ROLE_LAWYER), h);
        QVERIFY(lena);
        const std::string conv = openMatter(*lena, "Stolen phone");
        auto fromPhone = createInvite(*lena, conv);
        QVERIFY(fromPhone);
        const std::string byAdmin = tokenOf(h.inviteLink("lena", "Stolen phone"));
        QVERIFY(h.service().revokeDevice("lena", lena->device, "test"));

        auto refused = redeem(h, tokenOf(fromPhone->link()));
        QVERIFY(!refused);
        QCOMPARE(refused.error().detail, 410);
        QVERIFY2(refused.error().message.find("no longer has access") != std::string::npos,
                 refused.error().message.c_str());
        auto adminMade = redeem(h, byAdmin);
        QVERIFY(!adminMade);
        QCOMPARE(adminMade.error().detail, 410);
        auto list = h.service().listInvites("lena");
        QVERIFY(list);
        QCOMPARE(list->size(), std::size_t(2));
        for (const auto& i : *list)
            QCOMPARE(i.state(), proto::INVITE_INVITER_REVOKED);

        // A lawyer with a device left keeps the administrator's invites alive.
        auto mark = connected(h.enrollStaff("mark", proto::ROLE_LAWYER), h);
        QVERIFY(mark);
        auto markLaptop = h.addDevice("mark", mark.get());
        QVERIFY(markLaptop);
        const std::string forMark = tokenOf(h.inviteLink("mark", "Laptop matter"));
        QVERIFY(h.service().revokeDevice("mark", mark->device, "test"));
        QVERIFY(redeem(h, forMark));
    }

    // An office behind one NAT address redeems 15 invites within the hour.
    void fifteenRedemptionsFromOneAddressSucceed() {
        Harness h;
        QVERIFY(h.ok());
        auto lena = connected(h.enrollStaff("lena", proto::ROLE_LAWYER), h);
        QVERIFY(lena);
        const std::string conv = openMatter(*lena, "Office move");
        for (int i = 0; i < 15; ++i) {
            auto invite = createInvite(*lena, conv);
            QVERIFY(invite);
            auto r = redeem(h, tokenOf(invite->link()), nullptr, "Staff " + std::to_string(i));
            QVERIFY2(r, r ? "" : (std::to_string(i) + ": " + r.error().message).c_str());
        }
    }

    // Guessing tokens from one address is throttled after 10 wrong ones; guessing the secret of a
    // known lookup id is throttled after 5, for that id only, so the office redeems other links.
    void tokenGuessingIsThrottled() {
        Harness h;
        QVERIFY(h.ok());
        auto lena = connected(h.enrollStaff("lena", proto::ROLE_LAWYER), h);
        QVERIFY(lena);
        const std::string conv = openMatter(*lena, "Guessed");
        auto target = createInvite(*lena, conv);
        auto other = createInvite(*lena, conv);
        QVERIFY(target && other);
        const std::string token = tokenOf(target->link());
        const auto limits = h.service().config().limits;

        // Someone who saw the first 8 digits of the link guesses the rest.
        const int idGuesses = int(limits.redeemGuess.capacity);
        for (int i = 0; i < idGuesses; ++i) {
            auto r = redeem(h, token.substr(0, 8) + toHex(crypto::randomBytes(12)));
            QVERIFY(!r);
            QCOMPARE(r.error().detail, 401);
        }
        auto throttled = redeem(h, token.substr(0, 8) + toHex(crypto::randomBytes(12)));
        QVERIFY(!throttled);
        QCOMPARE(throttled.error().detail, 429);
        // That invite waits; the office's other link still works, and a success costs nothing.
        auto right = redeem(h, token);
        QVERIFY(!right);
        QCOMPARE(right.error().detail, 429);
        QVERIFY(redeem(h, tokenOf(other->link())));

        // Random guesses: the address runs out after 10 wrong tokens in all.
        const int left = int(limits.redeem.capacity) - idGuesses;
        for (int i = 0; i < left; ++i) {
            auto r = redeem(h, toHex(crypto::randomBytes(16)));
            QVERIFY(!r);
            QCOMPARE(r.error().detail, 401);
        }
        auto blocked = redeem(h, toHex(crypto::randomBytes(16)));
        QVERIFY(!blocked);
        QCOMPARE(blocked.error().detail, 429);
    }

#ifdef VERBATIM_RELAY_BIN
    // The administrator lists every invite and revokes one with `verbatim-relay admin`.
    void adminCliListsAndRevokesInvites() {
        QTemporaryDir dir;
        const QString data = dir.path() + "/data", unlock = dir.path() + "/relay.unlock";
        auto run = [&](QStringList args, int* exitCode = nullptr) {
            QProcess p;
            auto env = QProcessEnvironment::systemEnvironment();
            env.insert("VERBATIM_PASSPHRASE", "abuse-test-passphrase");
            env.insert("VERBATIM_LOG", "warn");
            p.setProcessEnvironment(env);
            p.start(VERBATIM_RELAY_BIN, args + QStringList{"--unlock-file", unlock});
            p.waitForFinished(30000);
            if (exitCode) *exitCode = p.exitCode();
            if (p.exitCode() != 0)
                qWarning("verbatim-relay %s: %s", qPrintable(args.join(' ')),
                         p.readAllStandardError().constData());
            return QString::fromUtf8(p.readAllStandardOutput());
        };
        auto journalKey = crypto::X25519Key::generate();
        QVERIFY(journalKey);
        {
            QFile f(dir.path() + "/journal.pub");
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(QByteArray::fromStdString(toHex(journalKey->publicKey())));
        }
        run({"init", "--data", data, "--firm", "Invite & Co", "--journal-key",
             dir.path() + "/journal.pub", "--root-key-out", dir.path() + "/root.key", "--address",
             "127.0.0.1:1"});
        QVERIFY(QFile::exists(data + "/relay.db"));
        run({"admin", "--data", data, "enroll", "lena", "--role", "lawyer", "--name", "Lena"});
        const std::string first =
            tokenOf(run({"admin", "--data", data, "invite", "--from", "lena", "--matter", "Alpha"})
                        .toStdString());
        const std::string second =
            tokenOf(run({"admin", "--data", data, "invite", "--from", "lena", "--matter", "Beta"})
                        .toStdString());
        QVERIFY(first.size() == 32 && second.size() == 32);

        auto rows = [&](const QString& out) {
            QMap<QString, QStringList> byId;
            const auto lines = out.split('\n', Qt::SkipEmptyParts);
            for (int i = 1; i < lines.size(); ++i) { // after the header
                auto cells = lines[i].split('\t');
                byId[cells[0]] = cells;
            }
            return byId;
        };
        auto listed = rows(run({"admin", "--data", data, "invites"}));
        QCOMPARE(listed.size(), 2);
        const QString a = QString::fromStdString(first.substr(0, 8)),
                      b = QString::fromStdString(second.substr(0, 8));
        QCOMPARE(listed[a][1], QString("open"));
        QCOMPARE(listed[a][2], QString("lena/0"));
        QCOMPARE(listed[a].last(), QString("Alpha"));
        QCOMPARE(listed[b].last(), QString("Beta"));

        int exitCode = -1;
        auto out = run({"admin", "--data", data, "revoke-invite", b}, &exitCode);
        QCOMPARE(exitCode, 0);
        QCOMPARE(rows(out)[b][1], QString("revoked"));
        QCOMPARE(rows(out)[b][8], QString("admin-cli"));
        listed = rows(run({"admin", "--data", data, "invites", "lena"}));
        QCOMPARE(listed[b][1], QString("revoked"));
        QCOMPARE(listed[a][1], QString("open"));
        QCOMPARE(rows(run({"admin", "--data", data, "invites", "mark"})).size(), 0);
        run({"admin", "--data", data, "revoke-invite", "0000000g"}, &exitCode);
        QVERIFY(exitCode != 0);
    }
#endif
};

QTEST_GUILESS_MAIN(TestAbuseKeys)
#include "tst_abuse_keys.moc"

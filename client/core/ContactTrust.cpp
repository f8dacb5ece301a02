#include "client/core/ContactTrust.h"
#include "common/Try.h"

#include <algorithm>
#include <optional>

#include "client/core/BundleConversion.h"
#include "client/core/CoreUtil.h"
#include "common/Log.h"
#include "crypto/Digest.h"
#include "journal/DeviceApproval.h"
#include "signal/SafetyNumber.h"

namespace verbatim::client {

namespace {

std::vector<Bytes> splitKeys(const Bytes& concatenated) {
    std::vector<Bytes> out;
    for (std::size_t i = 0; i + 33 <= concatenated.size(); i += 33)
        out.emplace_back(concatenated.begin() + std::ptrdiff_t(i),
                         concatenated.begin() + std::ptrdiff_t(i + 33));
    return out;
}

bool containsKey(const std::vector<Bytes>& keys, const Bytes& k) {
    return std::find(keys.begin(), keys.end(), k) != keys.end();
}

Bytes concatKeys(const std::vector<Bytes>& keys) {
    Bytes out;
    for (auto& k : keys)
        out.insert(out.end(), k.begin(), k.end());
    return out;
}

} // namespace

ContactTrust::ContactTrust(storage::Database& db, signal::SignalContext& ctx,
                           signal::SessionManager& sessions, AccountStore& accounts, Outbox& outbox,
                           std::string selfUser, std::uint32_t selfDevice, Emit emit)
    : m_db(db), m_ctx(ctx), m_sessions(sessions), m_accounts(accounts), m_outbox(outbox),
      m_user(std::move(selfUser)), m_device(selfDevice), m_emit(std::move(emit)) {}

void ContactTrust::markChanged(const std::string& user) {
    auto up = m_db.cached("INSERT INTO contacts (user, changed) VALUES (?, 1) ON CONFLICT (user) "
                          "DO UPDATE SET changed = 1");
    if (!up) return;
    up->bind(1, std::string_view(user));
    (void)up->run();
}

bool ContactTrust::unapprovedOwnDevice(std::uint32_t device) {
    auto key = m_sessions.store().loadIdentity({m_user, std::int32_t(device)});
    auto st = m_db.cached("SELECT accepted_keys FROM contacts WHERE user = ?");
    if (!st || !key || !*key) return false;
    st->bind(1, std::string_view(m_user));
    auto row = st->step();
    if (!row || !*row) return false;
    return !containsKey(splitKeys(st->columnBlob(0)), **key);
}

Result<void> ContactTrust::accept(const std::string& user) {
    const Bytes now = concatKeys(identityKeys(user));
    auto st = m_db.cached(
        "INSERT INTO contacts (user, accepted_keys, complete, changed) VALUES (?, ?, 1, 0) "
        "ON CONFLICT (user) DO UPDATE SET accepted_keys = excluded.accepted_keys, complete = 1, "
        "changed = 0");
    if (!st) return tl::unexpected(st.error());
    st->bind(1, std::string_view(user)).bind(2, ByteView(now));
    if (auto r = st->run(); !r) return r;
    return m_outbox.releaseHeld();
}

std::vector<Bytes> ContactTrust::identityKeys(const std::string& user) {
    std::vector<Bytes> out;
    auto st = m_db.cached("SELECT key FROM signal_identities WHERE name = ? ORDER BY key");
    if (!st) return out;
    st->bind(1, std::string_view(user));
    while (true) {
        auto row = st->step();
        if (!row || !*row) break;
        out.push_back(st->columnBlob(0));
    }
    return out;
}

// Compares the user's identity keys now with the set last accepted. Until the relay's full
// device list of the user was seen (a bundle fetch), keys of devices met one by one (their first
// messages) are accepted as they come: trust on first use. After that, any change marks the
// user changed, which holds sending to conversations with them until the change is accepted
// (PR-08). Our own other devices are enrolled by the firm and never hold anything.
void ContactTrust::noteIdentities(const std::string& user, std::set<std::string>* changedUsers,
                                  bool fullList, const std::vector<Bytes>* trusted) {
    // This user's own devices are judged by checkOwnDevices() against their approvals alone.
    if (user == m_user) return;
    auto keys = identityKeys(user);
    Bytes now = concatKeys(keys);
    Bytes accepted;
    bool wasChanged = false, complete = false, exists = false;
    {
        auto st =
            m_db.cached("SELECT accepted_keys, changed, complete FROM contacts WHERE user = ?");
        if (!st) return;
        st->bind(1, std::string_view(user));
        auto row = st->step();
        if (!row) return;
        if (*row) {
            exists = true;
            accepted = st->columnBlob(0);
            wasChanged = st->columnInt(1) != 0;
            complete = st->columnInt(2) != 0;
        }
    }
    auto save = [&](bool markChanged) {
        auto up = m_db.cached(
            "INSERT INTO contacts (user, accepted_keys, complete, changed) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (user) DO UPDATE SET accepted_keys = excluded.accepted_keys, complete = "
            "excluded.complete, "
            "changed = excluded.changed");
        if (!up) return;
        up->bind(1, std::string_view(user))
            .bind(2, ByteView(markChanged ? accepted : now))
            .bind(3, std::int64_t(complete || fullList))
            .bind(4, std::int64_t(markChanged));
        (void)up->run();
    };
    auto isTrusted = [&](const Bytes& k) {
        return trusted && std::find(trusted->begin(), trusted->end(), k) != trusted->end();
    };
    auto holdAsChange = [&] {
        if (wasChanged) return;
        save(true);
        if (changedUsers) changedUsers->insert(user);
    };
    // The relay's full list of the user's devices, with their approvals (issue 15 break 2).
    if (fullList && trusted) {
        if (!exists || !complete || accepted.empty()) {
            // The first full list: one first device and the devices it approved are taken on
            // first use; a second unapproved device (one the relay may have added) is a change to
            // accept, even if it already wrote to us.
            if (std::all_of(keys.begin(), keys.end(), isTrusted)) return save(false);
            return holdAsChange();
        }
        if (accepted == now) return;
        // Devices a trusted device of the user approved join silently; anything else is a change.
        const auto before = splitKeys(accepted);
        if (!wasChanged && std::all_of(keys.begin(), keys.end(), [&](const Bytes& k) {
                return isTrusted(k) || std::find(before.begin(), before.end(), k) != before.end();
            }))
            return save(false);
        return holdAsChange();
    }
    if (!exists || accepted == now) {
        if (!exists || (fullList && !complete)) save(false);
        return;
    }
    if (!complete) return save(false);
    if (!wasChanged) {
        save(true);
        if (changedUsers) changedUsers->insert(user);
    }
}

Result<bool> ContactTrust::userHeld(const std::string& user) {
    VERBATIM_TRY_LET(st, m_db.cached("SELECT changed FROM contacts WHERE user = ?"));
    st->bind(1, std::string_view(user));
    VERBATIM_TRY_LET(row, st->step());
    return *row && st->columnInt(0) != 0;
}

std::vector<Bytes> ContactTrust::approvalClosure(const std::string& user, std::vector<Bytes> base,
                                                 const std::vector<KeyedDevice>& listed,
                                                 bool bound) {
    // Only a device the relay still lists as active approves: a revoked or wiped device (which
    // may be in an attacker's hands) vouches for nobody any more.
    auto keyOf = [&](std::uint32_t device) -> std::optional<Bytes> {
        for (const auto& d : listed)
            if (d.device == device) return d.key;
        return std::nullopt;
    };
    for (bool grew = true; grew;) {
        grew = false;
        for (const auto& d : listed) {
            if (containsKey(base, d.key) || d.approval.empty()) continue;
            auto a = journal::DeviceApproval::parse(view(d.approval));
            if (!a) continue;
            auto approverKey = keyOf(a->approver);
            if (!approverKey || !containsKey(base, *approverKey)) continue;
            if (!a->verifies(user, d.device, d.key, *approverKey)) continue;
            if (bound && !journal::deviceLinkBindingNames(view(d.linkBinding), d.key, *approverKey))
                continue;
            base.push_back(d.key);
            grew = true;
        }
    }
    return base;
}

void ContactTrust::forgetDevicesNotIn(const std::string& user,
                                      const std::vector<std::uint32_t>& listed) {
    // An empty list keeps what is known: a user who lost every device comes back with a new
    // identity that contacts must see as a change, not as a first contact.
    if (listed.empty()) return;
    std::vector<std::pair<std::int32_t, Bytes>> gone;
    {
        auto st = m_db.cached("SELECT device, key FROM signal_identities WHERE name = ?");
        if (!st) return;
        st->bind(1, std::string_view(user));
        while (true) {
            auto row = st->step();
            if (!row || !*row) break;
            const auto device = std::uint32_t(st->columnInt(0));
            if (std::find(listed.begin(), listed.end(), device) == listed.end())
                gone.emplace_back(std::int32_t(device), st->columnBlob(1));
        }
    }
    if (gone.empty()) return;
    for (const auto& [device, key] : gone) {
        const signal::Address a{user, device};
        (void)m_sessions.store().deleteSession(a);
        (void)m_sessions.store().deleteIdentity(a);
    }
    // A device leaving is no change to accept: the accepted set loses its key as well, unless
    // no accepted key would remain. Then every device the user accepted is gone, and what the
    // relay lists instead is a new identity to accept (an identity reset), never a first contact.
    auto st = m_db.cached("SELECT accepted_keys FROM contacts WHERE user = ?");
    if (!st) return;
    st->bind(1, std::string_view(user));
    auto row = st->step();
    if (!row || !*row) return;
    auto accepted = splitKeys(st->columnBlob(0));
    accepted.erase(std::remove_if(accepted.begin(), accepted.end(),
                                  [&](const Bytes& k) {
                                      return std::any_of(gone.begin(), gone.end(),
                                                         [&](auto& g) { return g.second == k; });
                                  }),
                   accepted.end());
    if (accepted.empty()) return;
    auto up = m_db.cached("UPDATE contacts SET accepted_keys = ? WHERE user = ?");
    if (!up) return;
    up->bind(1, ByteView(concatKeys(accepted))).bind(2, std::string_view(user));
    (void)up->run();
}

std::vector<std::uint32_t> ContactTrust::devicesOf(const std::vector<KeyedDevice>& listed) {
    std::vector<std::uint32_t> out;
    for (const auto& d : listed)
        out.push_back(d.device);
    return out;
}

void ContactTrust::checkOwnDevices(const std::vector<KeyedDevice>& active,
                                   std::set<std::string>* changedUsers) {
    forgetDevicesNotIn(m_user, devicesOf(active));
    auto own = m_sessions.identityPublicKey();
    if (!own) return;
    std::vector<Bytes> base{*own};
    bool held = false, rowExists = false;
    {
        auto st = m_db.cached("SELECT accepted_keys, changed FROM contacts WHERE user = ?");
        if (!st) return;
        st->bind(1, std::string_view(m_user));
        auto row = st->step();
        if (!row) return;
        if (*row) {
            rowExists = true;
            for (auto& k : splitKeys(st->columnBlob(0)))
                base.push_back(std::move(k));
            held = st->columnInt(1) != 0;
        }
    }
    // Profiles from before device approvals existed take the devices they have as their baseline,
    // once; profiles made since trust only what they can trace.
    if (auto marked = m_accounts.get("device_trust"); marked && !*marked) {
        for (const auto& d : active)
            base.push_back(d.key);
        (void)m_accounts.set("device_trust", view(std::string_view("1")));
    }
    // A device that joined waiting for approval, without a link of one of the user's devices,
    // trusts the device that approved it, once: at its first look at its list (later lists come
    // from the relay and could name anyone). A first device, or one that joined through a link,
    // never takes an approval of itself as a reason to trust.
    const bool firstLook = !rowExists;
    auto joinedPending = m_accounts.get("joined_pending");
    auto hasMaker = m_accounts.get("link_maker_key");
    if (firstLook && joinedPending && *joinedPending && hasMaker && !*hasMaker)
        for (const auto& self : active) {
            if (self.device != m_device || self.approval.empty()) continue;
            auto a = journal::DeviceApproval::parse(view(self.approval));
            if (!a) continue;
            for (const auto& d : active)
                if (d.device == a->approver && a->verifies(m_user, m_device, *own, d.key))
                    base.push_back(d.key);
        }
    // A device that joined through a link trusts the device whose link it was.
    if (auto maker = m_accounts.get("link_maker_key"); maker && *maker)
        for (const auto& d : active)
            if (constantTimeEqual(crypto::sha256(d.key), view(**maker))) base.push_back(d.key);
    auto trusted = approvalClosure(m_user, base, active);
    std::vector<const KeyedDevice*> strangers;
    for (const auto& d : active)
        if (!containsKey(trusted, d.key)) strangers.push_back(&d);
    Bytes keep;
    for (const auto& d : active)
        if (containsKey(trusted, d.key)) keep.insert(keep.end(), d.key.begin(), d.key.end());
    auto up = m_db.cached(
        "INSERT INTO contacts (user, accepted_keys, complete, changed) VALUES (?, ?, 1, ?) "
        "ON CONFLICT (user) DO UPDATE SET accepted_keys = excluded.accepted_keys, complete = 1, "
        "changed = excluded.changed");
    if (!up) return;
    up->bind(1, std::string_view(m_user))
        .bind(2, ByteView(keep))
        .bind(3, std::int64_t(!strangers.empty()));
    (void)up->run();
    if (strangers.empty()) {
        if (held) (void)m_outbox.releaseHeld();
        return;
    }
    if (!held) {
        for (const auto* d : strangers)
            m_emit(
                {Event::Kind::DeviceAdded,
                 {},
                 {},
                 {},
                 m_user + "/" + std::to_string(d->device),
                 {},
                 "a device that none of your devices approved was added to your account (device " +
                     std::to_string(d->device) +
                     "): sending is held until you approve it or the firm revokes it"});
        if (changedUsers) changedUsers->insert(m_user);
    }
}

Result<void> ContactTrust::processBundles(const proto::Bundles& bundles,
                                          std::set<std::string>* changedUsers) {
    for (const auto& b : bundles.devices()) {
        signal::Address a{bundles.user(), std::int32_t(b.device())};
        if (bundles.user() == m_user && b.device() == m_device) continue;
        if (m_sessions.hasSession(a)) continue;
        auto r = m_sessions.processBundle(a, toPreKeyBundle(b));
        if (!r && r.error().code == ErrorCode::UntrustedIdentity) {
            // The device kept its address but not its key: hold until the user accepts.
            markChanged(bundles.user());
            if (changedUsers) changedUsers->insert(bundles.user());
            continue;
        }
        if (!r) {
            log::write(log::Level::Warn, "client.bad_bundle",
                       {{"user", bundles.user()},
                        {"device", std::to_string(b.device())},
                        {"error", r.error().message}});
            continue;
        }
    }
    // Issue 15 break 2: a device is trusted silently only when a device of its user that this
    // client already trusts approved it (directly or through other approved devices).
    std::vector<KeyedDevice> listed;
    for (const auto& b : bundles.devices())
        listed.push_back(
            {b.device(), toBytes(view(b.identity_key())), b.approval(), b.link_binding()});
    if (bundles.user() == m_user) {
        checkOwnDevices(listed, changedUsers);
        return {};
    }
    // Safety numbers count the devices the relay lists now (C-SN-1): a revoked one is forgotten.
    forgetDevicesNotIn(bundles.user(), devicesOf(listed));
    std::vector<Bytes> accepted;
    bool complete = false;
    {
        VERBATIM_TRY_LET(
            st, m_db.cached("SELECT accepted_keys, complete FROM contacts WHERE user = ?"));
        st->bind(1, std::string_view(bundles.user()));
        VERBATIM_TRY_LET(row, st->step());
        if (*row) {
            accepted = splitKeys(st->columnBlob(0));
            complete = st->columnInt(1) != 0;
        }
    }
    if (!complete || accepted.empty()) {
        accepted.clear();
        // First contact: trust on first use, but of one first device and what it approved; a
        // second unapproved device is an identity change to accept, not a silent addition.
        std::vector<const KeyedDevice*> roots;
        for (const auto& d : listed)
            if (d.approval.empty()) roots.push_back(&d);
        if (roots.size() == 1) accepted.push_back(roots.front()->key);
    }
    auto trusted = approvalClosure(bundles.user(), accepted, listed, /*bound*/ true);
    noteIdentities(bundles.user(), changedUsers, true, &trusted);
    return {};
}

Result<Client::SafetyNumber> ContactTrust::safetyNumber(const std::string& user) {
    if (user == m_user)
        return fail(ErrorCode::InvalidArgument, "a safety number is between you and someone else");
    auto keys = identityKeys(user);
    if (keys.empty())
        return fail(ErrorCode::NotFound, "no identity key known for " + user + " (sync first)");
    auto own = identityKeys(m_user);
    VERBATIM_TRY_LET(mine, m_sessions.identityPublicKey());
    own.push_back(*mine);
    VERBATIM_TRY_LET(digits, signal::safetyNumber(m_ctx, m_user, own, user, keys));
    auto held = userHeld(user);
    return Client::SafetyNumber{*digits, held && *held, keys.size()};
}

} // namespace verbatim::client

// Client, the round trips to the relay the user asks for: devices, device links and approvals,
// administration, conversations and invites, sessions and safety numbers (see ClientImpl.h).
#include "client/core/ClientImpl.h"
#include "common/Bytes.h"
#include "common/Try.h"

namespace verbatim::client {

Result<std::vector<DeviceView>> Client::devices() {
    proto::Request req;
    req.mutable_list_devices();
    VERBATIM_TRY_LET(resp, m->call(req));
    if (resp->status() != proto::STATUS_OK)
        return fail(ErrorCode::Storage, "relay refused: " + resp->error());
    // This user's full list: a device that left it is forgotten now, so that the safety numbers
    // shown next count active devices only (C-SN-4), not after the next push is handled.
    std::vector<std::uint32_t> active;
    for (const auto& d : resp->device_list().devices())
        if (!d.revoked_ms() && !d.pending_ms() && d.device() != 0) active.push_back(d.device());
    {
        std::lock_guard lock(m->mutex);
        if (m->db && m->trust) m->trust->forgetDevicesNotIn(m->acct.user, active);
    }
    return deviceViews(resp->device_list(), m->acct);
}

Result<std::string> Client::createDeviceLink() {
    proto::Request req;
    req.mutable_create_device_link();
    VERBATIM_TRY_LET(resp, m->call(req));
    if (resp->status() != proto::STATUS_OK)
        return fail(ErrorCode::InvalidArgument, "relay refused: " + resp->error());
    VERBATIM_TRY(m->checkRelayLink(resp->invite().link()));
    // The link also carries a secret of this device (never sent to the relay): the device that
    // redeems it proves it holds it, and only then does this device approve it (issue 15 break 2).
    SecureBytes secret = crypto::randomSecret(32);
    {
        std::lock_guard lock(m->mutex);
        if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
        VERBATIM_TRY(m->accounts->rememberLinkSecret(secret, resp->invite().expires_ms(), nowMs()));
    }
    Result<Bytes> ownKey = fail(ErrorCode::NotFound, kErasedText);
    {
        std::lock_guard lock(m->mutex);
        if (m->sessions) ownKey = m->sessions->identityPublicKey();
    }
    if (!ownKey) return tl::unexpected(ownKey.error());
    auto makerHash = crypto::sha256(*ownKey);
    return resp->invite().link() + "&ls=" + toHex(secret) +
           "&lk=" + toHex(ByteView(makerHash.data(), makerHash.size()));
}

Result<void> Client::approveDevice(std::uint32_t device) {
    proto::Request req;
    req.mutable_list_devices();
    VERBATIM_TRY_LET(resp, m->call(req));
    if (resp->status() != proto::STATUS_OK)
        return fail(ErrorCode::Storage, "relay refused: " + resp->error());
    for (const auto& d : resp->device_list().devices()) {
        if (d.device() != device) continue;
        if (d.revoked_ms()) return fail(ErrorCode::InvalidArgument, "that device was revoked");
        if (device == m->acct.device)
            return fail(ErrorCode::InvalidArgument, "a device cannot approve itself");
        VERBATIM_TRY(m->sendApproval(device, view(d.identity_key())));
        // Re-read: the approved device is now traced to this one, and a hold it caused ends.
        auto again = m->call(req);
        if (again && again->status() == proto::STATUS_OK) m->reviewOwnDevices(again->device_list());
        return {};
    }
    return fail(ErrorCode::NotFound, "no such device of yours");
}

Result<void> Client::unlinkDevice(std::uint32_t device, bool erase, const std::string& user) {
    proto::Request req;
    auto* u = req.mutable_unlink_device();
    u->set_device(device);
    u->set_erase(erase);
    u->set_user(user);
    VERBATIM_TRY_LET(resp, m->call(req));
    switch (resp->status()) {
    case proto::STATUS_OK:
        break;
    case proto::STATUS_NOT_FOUND:
        return fail(ErrorCode::NotFound, "relay refused: " + resp->error());
    case proto::STATUS_BAD_REQUEST:
        return fail(ErrorCode::InvalidArgument, "relay refused: " + resp->error());
    default:
        return fail(ErrorCode::AuthFailed, "relay refused: " + resp->error());
    }
    // The unlinked device leaves the safety numbers shown next, as in devices().
    std::vector<std::uint32_t> active;
    for (const auto& d : resp->device_list().devices())
        if (!d.revoked_ms() && !d.pending_ms() && d.device() != 0) active.push_back(d.device());
    std::lock_guard lock(m->mutex);
    if (m->db && m->trust) m->trust->forgetDevicesNotIn(m->acct.user, active);
    return {};
}

Result<void> Client::setDeviceName(const std::string& name) {
    proto::Request req;
    req.mutable_set_device_name()->set_name(name);
    VERBATIM_TRY_LET(resp, m->call(req));
    if (resp->status() == proto::STATUS_BAD_REQUEST)
        return fail(ErrorCode::InvalidArgument, resp->error());
    if (resp->status() != proto::STATUS_OK)
        return fail(ErrorCode::Storage, "relay refused: " + resp->error());
    return {};
}

Result<std::vector<DeviceView>> Client::adminDevices(const std::string& user) {
    proto::Request req;
    req.mutable_admin_list_devices()->set_user(user);
    VERBATIM_TRY_LET(resp, m->call(req));
    if (resp->status() != proto::STATUS_OK)
        return fail(ErrorCode::AuthFailed, "relay refused: " + resp->error());
    return deviceViews(resp->device_list(), m->acct);
}

Result<void> Client::Impl::adminAction(const std::string& user, std::uint32_t device,
                                       proto::AdminDeviceAction::Action action) {
    proto::Request req;
    auto* a = req.mutable_admin_device_action();
    a->set_user(user);
    a->set_device(device);
    a->set_action(action);
    VERBATIM_TRY_LET(resp, call(req));
    if (resp->status() == proto::STATUS_NOT_FOUND) return fail(ErrorCode::NotFound, resp->error());
    if (resp->status() != proto::STATUS_OK)
        return fail(ErrorCode::AuthFailed, "relay refused: " + resp->error());
    return {};
}

Result<void> Client::adminRevoke(const std::string& user, std::uint32_t device) {
    return m->adminAction(user, device, proto::AdminDeviceAction::REVOKE);
}

Result<void> Client::adminWipe(const std::string& user, std::uint32_t device) {
    return m->adminAction(user, device, proto::AdminDeviceAction::WIPE);
}

Result<std::string> Client::firmManifest() {
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    if (!m->heldManifestOk) // verified at open or adoption, whatever a node serves now
        return fail(ErrorCode::AuthFailed,
                    "the stored firm manifest is not signed by the firm root");
    VERBATIM_TRY_LET(stored, m->accounts->get("manifest"));
    if (!*stored) return fail(ErrorCode::NotFound, "no firm manifest in this profile");
    return **stored;
}

Result<std::string> Client::pullJournalPage(std::uint64_t afterSequence, std::uint32_t limit) {
    proto::Request req;
    req.mutable_pull_journal()->set_after_sequence(afterSequence);
    req.mutable_pull_journal()->set_limit(limit);
    VERBATIM_TRY_LET(resp, m->call(req, std::chrono::seconds(120)));
    if (resp->status() == proto::STATUS_FORBIDDEN)
        return fail(ErrorCode::AuthFailed,
                    "the relay refused: this profile is not a compliance account");
    if (resp->status() != proto::STATUS_OK)
        return fail(ErrorCode::Storage, "relay refused: " + resp->error());
    return resp->journal_page().SerializeAsString();
}

Result<std::string> Client::pullBoundarySnapshotPage(std::uint64_t afterSequence) {
    proto::Request req;
    req.mutable_pull_boundary_snapshot()->set_after_sequence(afterSequence);
    VERBATIM_TRY_LET(resp, m->call(req, std::chrono::seconds(120)));
    if (resp->status() == proto::STATUS_FORBIDDEN)
        return fail(ErrorCode::AuthFailed,
                    "the relay refused: this profile is not a compliance account");
    if (resp->status() != proto::STATUS_OK)
        return fail(ErrorCode::Storage, "relay refused: " + resp->error());
    return resp->boundary_snapshot_page().SerializeAsString();
}

Result<std::string> Client::fetchBlob(const std::string& blobIdHex, std::uint64_t maxBytes) {
    return RelayConnection::downloadBlob(m->relayEndpoints(), m->creds, blobIdHex, maxBytes);
}

Result<std::string> Client::createConversation(const std::string& title, bool isMatter,
                                               const std::vector<std::string>& membersList,
                                               const std::string& matterNumber,
                                               const std::string& clientName) {
    // A protobuf string that is not UTF-8 does not parse at the relay, which drops the
    // connection as it would for any malformed frame: refuse it here with a plain reason.
    for (const auto& [text, what] :
         {std::pair{&title, "title"}, std::pair{&matterNumber, "matter number"},
          std::pair{&clientName, "client name"}})
        if (!isUtf8(*text))
            return fail(ErrorCode::InvalidArgument,
                        std::string("the ") + what + " is not valid UTF-8 text");
    proto::Request req;
    auto* cc = req.mutable_create_conversation();
    cc->set_title(title);
    cc->set_is_matter(isMatter);
    cc->set_matter_number(matterNumber);
    cc->set_client_name(clientName);
    for (auto& mbr : membersList)
        cc->add_members(mbr);
    VERBATIM_TRY_LET(resp, m->call(req));
    // An ethical wall's refusal (451) is shown as the relay says it: it names the wall.
    if (int(resp->status()) == kEthicalWallStatus)
        return fail(ErrorCode::Forbidden, resp->error(), kEthicalWallStatus);
    if (resp->status() != proto::STATUS_OK)
        return fail(ErrorCode::InvalidArgument, "relay refused: " + resp->error());
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    VERBATIM_TRY(m->messages->upsertConversation(resp->conversation()));
    return resp->conversation().id();
}

// A matter request's answer (SetMatterClosed, RemoveMember): the conversation as the relay now
// has it, stored here (its member devices fetched afresh at the next send) and returned.
Result<ConversationView> Client::Impl::changedConversation(const proto::Response& resp) {
    if (resp.status() == proto::STATUS_NOT_FOUND)
        return fail(ErrorCode::NotFound, "relay refused: " + resp.error());
    if (resp.status() != proto::STATUS_OK)
        return fail(ErrorCode::InvalidArgument, "relay refused: " + resp.error());
    const auto& c = resp.conversation();
    {
        std::lock_guard lock(mutex);
        if (!db) return fail(ErrorCode::NotFound, kErasedText);
        VERBATIM_TRY(messages->upsertConversation(c));
        deviceCache.erase(c.id());
    }
    ConversationView v;
    v.id = c.id();
    v.title = c.title();
    v.isMatter = c.is_matter();
    v.members.assign(c.members().begin(), c.members().end());
    v.memberNames.assign(c.member_names().begin(), c.member_names().end());
    v.closedMs = c.closed_ms();
    v.closedBy = c.closed_by();
    v.matterNumber = c.matter_number();
    v.clientName = c.client_name();
    return v;
}

Result<ConversationView> Client::setMatterClosed(const std::string& idOrTitle, bool closed) {
    // A supervisor or an administrator may close a matter they are not in: an id this device
    // has never seen goes to the relay as it is (an unknown one is refused there).
    auto id = resolveConversation(idOrTitle);
    proto::Request req;
    req.mutable_set_matter_closed()->set_conversation_id(id ? *id : idOrTitle);
    req.mutable_set_matter_closed()->set_closed(closed);
    VERBATIM_TRY_LET(resp, m->call(req));
    return m->changedConversation(*resp);
}

Result<ConversationView> Client::removeMember(const std::string& idOrTitle,
                                              const std::string& user) {
    auto id = resolveConversation(idOrTitle);
    proto::Request req;
    req.mutable_remove_member()->set_conversation_id(id ? *id : idOrTitle);
    req.mutable_remove_member()->set_user(user);
    VERBATIM_TRY_LET(resp, m->call(req));
    return m->changedConversation(*resp);
}

Result<std::string> Client::createInvite(const std::string& matterTitle) {
    std::string id;
    if (auto existing = resolveConversation(matterTitle)) {
        id = *existing;
    } else {
        auto created = createConversation(matterTitle, true, {});
        if (!created) return created;
        id = *created;
    }
    proto::Request req;
    req.mutable_create_invite()->set_conversation_id(id);
    VERBATIM_TRY_LET(resp, m->call(req));
    if (int(resp->status()) == kEthicalWallStatus)
        return fail(ErrorCode::Forbidden, resp->error(), kEthicalWallStatus);
    if (resp->status() != proto::STATUS_OK)
        return fail(ErrorCode::InvalidArgument, "relay refused the invite: " + resp->error());
    VERBATIM_TRY(m->checkRelayLink(resp->invite().link()));
    return resp->invite().link();
}

namespace {
const char* inviteStateName(proto::InviteState s) {
    switch (s) {
    case proto::INVITE_OPEN:
        return "open";
    case proto::INVITE_REDEEMED:
        return "redeemed";
    case proto::INVITE_EXPIRED:
        return "expired";
    case proto::INVITE_REVOKED:
        return "revoked";
    case proto::INVITE_INVITER_REVOKED:
        return "inviter-revoked";
    case proto::INVITE_DECLINED:
        return "declined";
    default:
        return "unknown";
    }
}

InviteView inviteView(const proto::InviteInfo& i) {
    InviteView v;
    v.id = i.id();
    v.conversationId = i.conversation_id();
    v.matterTitle = i.matter_title();
    v.inviter = i.inviter();
    v.inviterDevice = i.inviter_device();
    v.createdMs = i.created_ms();
    v.expiresMs = i.expires_ms();
    v.redeemedMs = i.redeemed_ms();
    v.redeemedBy = i.redeemed_by();
    v.redeemedName = i.redeemed_name();
    v.revokedMs = i.revoked_ms();
    v.revokedBy = i.revoked_by();
    v.declinedMs = i.declined_ms();
    v.state = inviteStateName(i.state());
    return v;
}
} // namespace

Result<std::vector<InviteView>> Client::invites() {
    proto::Request req;
    req.mutable_list_invites();
    VERBATIM_TRY_LET(resp, m->call(req));
    if (resp->status() != proto::STATUS_OK)
        return fail(ErrorCode::AuthFailed, "relay refused: " + resp->error());
    std::vector<InviteView> out;
    for (const auto& i : resp->invite_list().invites())
        out.push_back(inviteView(i));
    return out;
}

Result<InviteView> Client::revokeInvite(const std::string& id) {
    proto::Request req;
    req.mutable_revoke_invite()->set_id(id);
    VERBATIM_TRY_LET(resp, m->call(req));
    if (resp->status() == proto::STATUS_NOT_FOUND)
        return fail(ErrorCode::NotFound, "no invite of yours has the id " + id);
    if (resp->status() == proto::STATUS_BAD_REQUEST)
        return fail(ErrorCode::InvalidArgument, resp->error());
    if (resp->status() != proto::STATUS_OK || resp->invite_list().invites_size() != 1)
        return fail(ErrorCode::InvalidArgument, "relay refused: " + resp->error());
    return inviteView(resp->invite_list().invites(0));
}

// ---- sessions and safety numbers ----------------------------------------------------------------

Result<void> Client::Impl::checkRelayLink(const std::string& text) {
    VERBATIM_TRY_LET(link, parseLink(text));
    std::lock_guard lock(mutex);
    const std::string address = link->host + ":" + std::to_string(link->port);
    if (!constantTimeEqual(view(link->firm), view(acct.firmFingerprint)) || !manifestOk ||
        !manifest.namesRelay(address) || link->tlsPin != endpoint.tlsPin ||
        link->minManifestMs < manifest.issuedMs ||
        !std::all_of(link->alternates.begin(), link->alternates.end(),
                     [&](const std::string& other) { return manifest.namesRelay(other); }))
        return fail(ErrorCode::AuthFailed, "the relay returned a link to another firm, relay or "
                                           "certificate than this device's: not handing it out");
    return {};
}

Result<std::string> Client::Impl::sendApproval(std::uint32_t device, ByteView identityKey) {
    proto::Request req;
    {
        std::lock_guard lock(mutex);
        if (!sessions) return fail(ErrorCode::NotFound, kErasedText);
        auto a = journal::DeviceApproval::make(acct.user, device, identityKey, acct.device, nowMs(),
                                               [&](ByteView m) { return sessions->sign(m); });
        if (!a) return tl::unexpected(a.error());
        req.mutable_approve_device()->set_approval(str(a->serialize()));
    }
    VERBATIM_TRY_LET(resp, call(req));
    if (resp->status() != proto::STATUS_OK)
        return fail(ErrorCode::AuthFailed, "relay refused the approval: " + resp->error());
    return req.approve_device().approval();
}

void Client::Impl::reviewOwnDevices(const proto::DeviceList& list) {
    std::vector<ContactTrust::KeyedDevice> active;
    std::vector<proto::DeviceInfo> pending;
    for (const auto& d : list.devices()) {
        if (d.revoked_ms() || d.device() == 0) continue;
        if (d.pending_ms()) {
            pending.push_back(d);
            continue;
        }
        active.push_back({d.device(), toBytes(view(d.identity_key())), d.approval(), {}});
    }
    auto when = [](std::uint64_t ms) { return std::to_string(ms / 1000); };
    for (const auto& d : pending) {
        // Ours to approve when it proves it holds the secret of a link this device made.
        bool vouched = false;
        {
            std::lock_guard lock(mutex);
            if (!db) return;
            auto secrets = accounts->linkSecrets(nowMs());
            if (d.link_proof().size() == 32)
                for (auto it = secrets.begin(); it != secrets.end(); ++it)
                    if (constantTimeEqual(
                            journal::deviceLinkProof(it->secret, view(d.identity_key())),
                            view(d.link_proof()))) {
                        vouched = true;
                        secrets.erase(it); // single use
                        (void)accounts->storeLinkSecrets(secrets);
                        break;
                    }
        }
        if (vouched) {
            if (auto approval = sendApproval(d.device(), view(d.identity_key())); approval) {
                emit({Event::Kind::DeviceAdded,
                      {},
                      {},
                      {},
                      acct.user + "/" + std::to_string(d.device()),
                      {},
                      "a device was added to your account: " +
                          (!d.device_name().empty() ? d.device_name()
                           : d.platform().empty()   ? std::string("device")
                                                    : d.platform()) +
                          " " + std::to_string(d.device()) + ", registered at " +
                          when(d.pending_ms()) + " (approved through this device's link)"});
                active.push_back({d.device(), toBytes(view(d.identity_key())), *approval, {}});
            } else {
                log::write(log::Level::Warn, "client.approval_failed",
                           {{"device", std::to_string(d.device())}});
            }
            continue;
        }
        std::lock_guard lock(mutex);
        if (approvalRequested.insert(d.device()).second)
            emit({Event::Kind::DeviceApprovalRequested,
                  {},
                  {},
                  {},
                  acct.user + "/" + std::to_string(d.device()),
                  {},
                  "a new device (" + std::to_string(d.device()) + ", " +
                      (d.device_name().empty() ? d.platform() : d.device_name()) +
                      ") waits for your approval; approve it only if it is yours"});
    }
    std::lock_guard lock(mutex);
    if (!db) return;
    trust->checkOwnDevices(active, nullptr);
}

Result<void> Client::Impl::ensureSessions(const std::vector<proto::DeviceAddress>& devices,
                                          std::set<std::string>* changedUsers) {
    std::set<std::string> missingUsers;
    {
        std::lock_guard lock(mutex);
        if (!sessions) return fail(ErrorCode::NotFound, kErasedText);
        for (const auto& d : devices) {
            if (d.user() == acct.user && d.device() == acct.device) continue;
            if (!sessions->hasSession({d.user(), std::int32_t(d.device())}))
                missingUsers.insert(d.user());
        }
    }
    for (const auto& user : missingUsers) {
        proto::Request req;
        req.mutable_fetch_bundles()->set_user(user);
        VERBATIM_TRY_LET(resp, call(req));
        if (resp->status() == proto::STATUS_RATE_LIMITED)
            return fail(ErrorCode::RateLimited, "bundle fetch rate limited", int(resp->status()));
        if (resp->status() != proto::STATUS_OK)
            return fail(ErrorCode::Storage, "bundle fetch refused: " + resp->error());
        // trust->processBundles() skips devices that got a session meanwhile.
        std::lock_guard lock(mutex);
        if (!sessions) return fail(ErrorCode::NotFound, kErasedText);
        if (auto r = trust->processBundles(resp->bundles(), changedUsers); !r) return r;
    }
    return {};
}

Result<std::vector<proto::DeviceAddress>>
Client::Impl::memberDevices(const std::string& conversation, bool refresh) {
    if (!refresh) {
        std::lock_guard lock(mutex);
        if (auto it = deviceCache.find(conversation); it != deviceCache.end()) return it->second;
    }
    proto::Request req;
    req.mutable_list_member_devices()->set_conversation_id(conversation);
    VERBATIM_TRY_LET(resp, call(req));
    if (resp->status() == proto::STATUS_FORBIDDEN || resp->status() == proto::STATUS_NOT_FOUND)
        return fail(ErrorCode::Forbidden, "not a member of this conversation", int(resp->status()));
    if (resp->status() != proto::STATUS_OK)
        return fail(ErrorCode::Storage, "member list refused: " + resp->error());
    const auto& listed = resp->member_devices();
    std::vector<proto::DeviceAddress> out(listed.devices().begin(), listed.devices().end());
    std::lock_guard lock(mutex);
    deviceCache[conversation] = out;
    // Names parallel to the devices (a relay from before sends none).
    if (listed.device_names_size() == listed.devices_size())
        for (int i = 0; i < listed.devices_size(); ++i)
            deviceNames[{listed.devices(i).user(), listed.devices(i).device()}] =
                listed.device_names(i);
    // Every current device of every member: a device that left is forgotten, so that safety
    // numbers count active devices only (C-SN-1).
    std::map<std::string, std::vector<std::uint32_t>> byUser;
    for (const auto& d : out)
        byUser[d.user()].push_back(d.device());
    if (db)
        for (const auto& [user, devices] : byUser)
            trust->forgetDevicesNotIn(user, devices);
    return out;
}

Result<void> Client::refreshMemberDevices(const std::string& conversation) {
    std::string id;
    {
        std::lock_guard lock(m->mutex);
        if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
        VERBATIM_TRY_LET(conv, m->resolveConversation(conversation));
        id = *conv;
    }
    VERBATIM_TRY(m->memberDevices(id, true));
    return {};
}

// Never talked to them: start sessions now (fetching their bundles, with no lock held) so that
// there is a key to show.
void Client::Impl::fetchIdentityIfUnknown(const std::string& user) {
    {
        std::lock_guard lock(mutex);
        if (!db || user == acct.user || !trust->identityKeys(user).empty()) return;
    }
    if (!connection()) return;
    proto::Request req;
    req.mutable_fetch_bundles()->set_user(user);
    auto resp = call(req);
    if (!resp || resp->status() != proto::STATUS_OK) return;
    std::lock_guard lock(mutex);
    if (db) (void)trust->processBundles(resp->bundles(), nullptr);
}

Result<Client::SafetyNumber> Client::safetyNumber(const std::string& user) {
    m->fetchIdentityIfUnknown(user);
    return knownSafetyNumber(user);
}

Result<Client::SafetyNumber> Client::knownSafetyNumber(const std::string& user) {
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    return m->trust->safetyNumber(user);
}

Result<void> Client::acceptSafetyNumber(const std::string& user) {
    m->fetchIdentityIfUnknown(user);
    std::lock_guard lock(m->mutex);
    if (!m->db) return fail(ErrorCode::NotFound, kErasedText);
    VERBATIM_TRY_LET(number, m->trust->safetyNumber(user));
    Transaction tx(*m->db);
    if (auto r = tx.begin(); !r) return r;
    if (auto r = m->trust->accept(user); !r) return r;
    // Journal the acceptance once per conversation shared with the user.
    VERBATIM_TRY_LET(convs, m->db->prepare("SELECT id, members FROM conversations"));
    std::vector<std::string> shared;
    while (true) {
        VERBATIM_TRY_LET(row, convs->step());
        if (!*row) break;
        auto mem = splitMembers(convs->columnText(1));
        if (std::find(mem.begin(), mem.end(), user) != mem.end())
            shared.push_back(convs->columnText(0));
    }
    for (auto& c : shared) {
        auto rec = m->newRecord(c, proto::SAFETY_NUMBER_ACCEPTED);
        rec.set_body("{\"user\":" + jsonQuote(user) + ",\"safety_number\":\"" + number->digits +
                     "\"}");
        VERBATIM_TRY(m->enqueue(std::move(rec), MessageKind::System, true));
    }
    if (auto r = tx.commit(); !r) return r;
    m->scheduleFlush();
    return {};
}

// ---- outbox -------------------------------------------------------------------------------------

} // namespace verbatim::client

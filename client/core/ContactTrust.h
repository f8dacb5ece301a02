#pragma once
/// @file ContactTrust.h
/// Whom this device trusts, and why: other users' identity keys against the set the user last
/// accepted (trust on first use of one first device and the devices it approved, then any other
/// change holds sending until the user accepts the new safety number, PR-08), this user's own
/// devices against the approvals this device can trace (issue 15 break 2), Signal sessions
/// started from the relay's pre-key bundles (converted by BundleConversion.h), and safety numbers.
///
/// Tables: `contacts` (accepted keys, complete, changed) and the Signal store's identities;
/// `account` for this device's own trust anchors (AccountStore). Sending held for a change is
/// released in the Outbox. Events (a device added behind the user's back) go to `emit`.
///
/// No locking and no network: the caller (client::Client) holds its data lock, and fetches
/// bundles from the relay before handing them here. Everything passed in must outlive this.

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "client/core/AccountStore.h"
#include "client/core/Client.h"
#include "client/core/Outbox.h"
#include "signal/SessionManager.h"
#include "storage/Database.h"
#include "wire.pb.h"

namespace verbatim::client {

class ContactTrust {
public:
    using Emit = std::function<void(const Event&)>;
    ContactTrust(storage::Database& db, signal::SignalContext& ctx,
                 signal::SessionManager& sessions, AccountStore& accounts, Outbox& outbox,
                 std::string selfUser, std::uint32_t selfDevice, Emit emit);

    /// A device of a user as the relay lists it: its identity key and its approval (may be empty).
    struct KeyedDevice {
        std::uint32_t device = 0;
        Bytes key;
        std::string approval;
        std::string
            linkBinding; ///< the device's own signature naming its link's maker (may be empty)
    };

    /// Starts sessions with the listed devices of `bundles.user()` that have none, then judges
    /// the user's keys against what was accepted. Users whose safety number changed (sending to
    /// them is held from now on) are added to `changedUsers`.
    [[nodiscard]] Result<void> processBundles(const proto::Bundles& bundles,
                                              std::set<std::string>* changedUsers);
    /// Compares `user`'s identity keys now with the set last accepted (see the file comment).
    /// `fullList`: the relay's whole device list was just seen; `trusted`: the keys approved by
    /// a device already trusted.
    void noteIdentities(const std::string& user, std::set<std::string>* changedUsers,
                        bool fullList = false, const std::vector<Bytes>* trusted = nullptr);
    /// This user's own active devices: any that this device cannot trace to an approval by a
    /// device it trusts holds sending (a device added behind the user's back reads nothing).
    void checkOwnDevices(const std::vector<KeyedDevice>& active,
                         std::set<std::string>* changedUsers);
    /// `base` and every listed key approved by a key already in the result, to a fixed point.
    /// With `bound`, an approval counts only if the approved device itself named its approver
    /// (its link binding): what contacts require, so that a device the relay adds cannot be
    /// shown as the approver of the user's real devices.
    std::vector<Bytes> approvalClosure(const std::string& user, std::vector<Bytes> base,
                                       const std::vector<KeyedDevice>& listed, bool bound = false);
    /// Drops the identity keys and sessions of `user`'s devices that are not in `listed` (the
    /// device numbers of the relay's full list of the user's active devices: bundles, member
    /// devices, one's own device list), and their keys from the accepted set, so that safety
    /// numbers count active devices only (docs/protocol.md). An empty list changes nothing.
    void forgetDevicesNotIn(const std::string& user, const std::vector<std::uint32_t>& listed);
    static std::vector<std::uint32_t> devicesOf(const std::vector<KeyedDevice>& listed);
    /// Marks `user` changed: sending to them is held until the user accepts.
    void markChanged(const std::string& user);
    /// Whether own device `device` presents a key none of this user's trusted devices approved.
    bool unapprovedOwnDevice(std::uint32_t device);

    /// The identity keys known for `user` (33 bytes each), sorted.
    std::vector<Bytes> identityKeys(const std::string& user);
    /// Whether sending to `user` is held (a change not yet accepted).
    [[nodiscard]] Result<bool> userHeld(const std::string& user);
    /// The safety number with `user` from the keys known here (NotFound when none is).
    [[nodiscard]] Result<Client::SafetyNumber> safetyNumber(const std::string& user);
    /// Accepts `user`'s keys as they are now and releases what the change held.
    [[nodiscard]] Result<void> accept(const std::string& user);

private:
    storage::Database& m_db;
    signal::SignalContext& m_ctx;
    signal::SessionManager& m_sessions;
    AccountStore& m_accounts;
    Outbox& m_outbox;
    std::string m_user;
    std::uint32_t m_device = 0;
    Emit m_emit;
};

} // namespace verbatim::client

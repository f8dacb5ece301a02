/// @file ArchiveChecks.cpp
/// The checks of a batch of log rows in log order: chain and checkpoints, opening each entry (on every core), and what the relay-signed device records and each device's own chain say.
#include "common/Concurrency.h"
#include "compliance/ArchiveImpl.h"
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/Json.h"
#include "crypto/Digest.h"
#include "crypto/Hkdf.h"
#include "journal/AttachmentBlob.h"
#include "journal/DeviceApproval.h"
#include "journal/FirmManifest.h"
#include "journal/HashChain.h"
#include "journal/JournalCrypto.h"
#include "journal/RecordingNotice.h"
#include "journal/SealedEntry.h"
#include "storage/Database.h"
#include "verbatim.pb.h"
#include "wire.pb.h"

namespace verbatim::compliance {

using storage::Database;

// Opens one entry: registry lookup, signature, decryption, commitment. Thread-safe (reads only).
void Archive::Impl::openOne(Decoded& d, const CheckState& st) {
    auto problem = [&](const std::string& fault, std::string detail) {
        d.problems.push_back({d.seq, fault, std::move(detail)});
    };
    const auto& h = d.sealed.header;
    const std::string who = deviceName(h.senderUser, h.senderDevice);
    Bytes identity;
    if (h.senderUser == "relay" && h.senderDevice == 0) {
        identity = manifest->relayIdentityKey;
    } else {
        auto it = st.registry.find({h.senderUser, h.senderDevice});
        if (it == st.registry.end() || it->second.registeredSeq >= d.seq) {
            problem("unknown-device",
                    "signed as " + who + ", which the relay had not registered at this point");
            return;
        }
        identity = it->second.identityKey;
        if (it->second.revokedSeq && it->second.revokedSeq < d.seq)
            problem("revoked-signer", "signed by " + who + " after its revocation at seq " +
                                          std::to_string(it->second.revokedSeq));
    }
    auto k = keyIndex.find(h.journalKeyId);
    if (k == keyIndex.end()) {
        if (!journal::verifyEntrySignature(d.sealed, identity))
            problem("bad-signature", "not signed by " + who);
        else
            problem("no-journal-key", "sealed to journal key " +
                                          toHex(ByteView(h.journalKeyId.data(), 8)) +
                                          "..., which was not given");
        return;
    }
    auto opened = journal::openEntry(d.sealed, keys[k->second], identity);
    if (!opened) {
        auto f = journal::Fault(opened.error().detail);
        std::string detail = opened.error().message;
        if (f == journal::Fault::BadSignature)
            detail = "not signed by " + who + ", the device it names";
        if (f == journal::Fault::CommitmentMismatch) detail = "sent by " + who + ": " + detail;
        problem(entryFaultId(f), detail);
        return;
    }
    d.record = std::move(opened->record);
    d.opened = true;
    if (d.record.type() == proto::ADMIN_ACTION && h.senderUser != "relay")
        problem("forged-admin-action", "an administrative record written by " + who);
}

void Archive::Impl::check(std::vector<Decoded>& rows, std::vector<journal::Checkpoint> checkpoints,
                          CheckState& st, std::vector<Problem>& chainProblems,
                          std::uint64_t& checkpointCount, unsigned workers) {
    // 1. The chain over this batch, anchored on the previous head.
    std::vector<journal::ChainItem> items;
    items.reserve(rows.size());
    std::uint64_t last = st.headSeq;
    for (auto& r : rows) {
        journal::ChainItem it;
        it.sequence = r.seq;
        it.entry.assign(r.entry.begin(), r.entry.end());
        if (r.chainHash.size() == 32) {
            journal::ChainHash c;
            std::memcpy(c.data(), r.chainHash.data(), 32);
            it.chainHash = c;
        }
        items.push_back(std::move(it));
        last = std::max(last, r.seq);
    }
    std::erase_if(checkpoints, [&](const journal::Checkpoint& c) {
        return c.sequence <= st.headSeq || c.sequence > last;
    });
    auto report = journal::verifyChain(items, std::move(checkpoints), manifest->relayPublicKey,
                                       st.headSeq, st.head);
    checkpointCount += report.checkpointsChecked;
    // Entries swapped between two positions show as two altered entries; name them.
    std::map<std::uint64_t, const journal::ChainItem*> bySeq;
    for (auto& it : items)
        bySeq.emplace(it.sequence, &it);
    std::vector<std::uint64_t> altered;
    for (auto& p : report.problems)
        if (p.fault == journal::ChainFault::Altered) altered.push_back(p.sequence);
    std::map<std::uint64_t, std::uint64_t> belongs;
    if (altered.size() <= 256) {
        for (auto a : altered) {
            auto here = bySeq.find(a);
            auto before = bySeq.find(a - 1);
            journal::ChainHash prev = a - 1 == st.headSeq ? st.head : journal::ChainHash{};
            if (before != bySeq.end() && before->second->chainHash)
                prev = *before->second->chainHash;
            else if (a - 1 != st.headSeq)
                continue;
            if (here == bySeq.end() || !here->second->chainHash) continue;
            for (auto b : altered) {
                if (b == a) continue;
                auto other = bySeq.find(b);
                if (other != bySeq.end() && journal::nextChainHash(prev, a, other->second->entry) ==
                                                *here->second->chainHash)
                    belongs[b] = a;
            }
        }
    }
    for (auto& p : report.problems) {
        if (p.fault == journal::ChainFault::Altered && belongs.count(p.sequence))
            chainProblems.push_back({p.sequence, "reordered",
                                     "the entry logged at seq " + std::to_string(p.sequence) +
                                         " is stored at seq " +
                                         std::to_string(belongs[p.sequence])});
        else if (p.fault == journal::ChainFault::Altered &&
                 std::any_of(belongs.begin(), belongs.end(),
                             [&](auto& kv) { return kv.second == p.sequence; }))
            chainProblems.push_back(
                {p.sequence, "reordered", "holds an entry logged at another sequence number"});
        else
            chainProblems.push_back({p.sequence, chainFaultId(p.fault), p.detail});
    }
    if (!rows.empty()) {
        st.head = report.head;
        st.headSeq = std::max(st.headSeq, last);
    }

    // 2. Parse; the relay's own entries first, in order: they register devices for the rest.
    std::vector<std::size_t> others;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        auto& d = rows[i];
        auto sealed = journal::SealedEntry::parse(view(d.entry));
        if (!sealed) {
            d.problems.push_back(
                {d.seq, "malformed", "the entry does not parse: " + sealed.error().message});
            continue;
        }
        d.sealed = std::move(*sealed);
        d.parsed = true;
        d.entryHash = crypto::sha256(view(d.entry));
        if (d.sealed.header.senderUser != "relay") {
            others.push_back(i);
            continue;
        }
        openOne(d, st);
        if (!d.opened || d.record.type() != proto::ADMIN_ACTION) continue;
        auto body = parseFlatJsonObject(d.record.body());
        if (!body) continue;
        d.admin = std::move(*body);
        deviceRecord(d, st);
    }
    // 3. Everything else on all cores.
    parallelFor(others.size(), workers, [&](std::size_t i) { openOne(rows[others[i]], st); });
    // 4. What each entry's device vouches for, in log order.
    for (auto i : others)
        deviceEntry(rows[i], st);
}

namespace {
/// Whether `reg` counts as one of its user's devices now (in log order): registered, not revoked
/// or wiped, and the user's first device or approved.
bool activeDevice(const DeviceReg& reg) {
    return !reg.endedSeq && (!reg.needsApproval || reg.approvedSeq);
}

std::optional<std::uint32_t> deviceNumber(const std::string& text) {
    if (text.empty() || text.size() > 10 ||
        text.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    auto n = std::stoull(text);
    if (n > 0xFFFFFFFFull) return std::nullopt;
    return std::uint32_t(n);
}
} // namespace

void Archive::Impl::deviceRecord(Decoded& d, CheckState& st) {
    auto& a = d.admin;
    const std::string& action = a["action"];
    if (action != "device-registered" && action != "device-approved" && action != "revoke-device" &&
        action != "wipe-device")
        return;
    auto dev = deviceNumber(a["device"]);
    if (!dev) return;
    const std::string& user = a["user"];
    const DeviceKey key{user, *dev};
    const std::string who = deviceName(user, *dev);
    auto unapproved = [&](DeviceReg& reg, std::uint64_t at, const std::string& why) {
        reg.reported = true;
        d.problems.push_back({at, "unapproved-device",
                              who + " was registered for " + user +
                                  ", who already had an active device, and no device of " + user +
                                  " approved it" + why});
    };
    if (action == "device-registered") {
        auto identity = fromHex(a["identity_key"]);
        if (!identity || identity->size() != 33) return;
        DeviceReg reg{*identity, d.seq, 0};
        if (d.seq > st.checksFrom) {
            // Issue 15 break 2: another device of a user who has an active one needs that user's
            // approval; a user none of whose devices is left starts again from a new first device.
            std::optional<std::uint32_t> active;
            bool earlier = false;
            for (auto it = st.registry.lower_bound({user, 0});
                 it != st.registry.end() && it->first.first == user; ++it) {
                earlier = true;
                if (activeDevice(it->second) && it->second.registeredSeq < d.seq) {
                    active = it->first.second;
                    break;
                }
            }
            if (active) {
                reg.needsApproval = true;
                // The relay recorded it active at once: only a relay that skips approvals does.
                if (a["pending"] != "1")
                    unapproved(reg, d.seq, " (the relay recorded it as active at once)");
            } else if (earlier) {
                d.problems.push_back(
                    {d.seq, "identity-reset",
                     who + " is a new first device of " + user +
                         ": every earlier device of the user was revoked or wiped; confirm with IT "
                         "that the user lost them all"});
            }
        }
        st.registry[key] = std::move(reg);
        st.touched.insert(key);
        return;
    }
    auto it = st.registry.find(key);
    if (it == st.registry.end()) return;
    auto& reg = it->second;
    if (action == "revoke-device" || action == "wipe-device") {
        if (action == "revoke-device" && !reg.revokedSeq) reg.revokedSeq = d.seq;
        if (!reg.endedSeq) reg.endedSeq = d.seq;
        st.touched.insert(key);
        return;
    }
    // device-approved: the approval must name this device and its key and verify under the key of
    // an active device of the same user.
    if (!reg.needsApproval || reg.approvedSeq || reg.endedSeq) return;
    std::string why;
    auto bytes = fromHex(a["approval"]);
    auto approval = bytes ? journal::DeviceApproval::parse(*bytes)
                          : Result<journal::DeviceApproval>(tl::unexpected(bytes.error()));
    if (!approval) {
        why = "its approval does not parse";
    } else {
        auto approver = st.registry.find({user, approval->approver});
        if (approver == st.registry.end() || approver == it ||
            approver->second.registeredSeq >= d.seq || !activeDevice(approver->second))
            why = "its approval names " + deviceName(user, approval->approver) +
                  ", which was not an active device of " + user + " at this point";
        else if (!approval->verifies(user, *dev, reg.identityKey, approver->second.identityKey))
            why = "its approval does not verify under the key of " +
                  deviceName(user, approval->approver) + " for this device and its identity key";
    }
    if (why.empty()) {
        reg.approvedSeq = d.seq;
    } else {
        // The relay made the device active on an approval that does not hold.
        d.problems.push_back(
            {d.seq, "unapproved-device", "the relay recorded " + who + " as approved, but " + why});
        if (!reg.reported) unapproved(reg, reg.registeredSeq, "");
    }
    st.touched.insert(key);
}

void Archive::Impl::deviceEntry(Decoded& d, CheckState& st) {
    if (!d.parsed) return;
    const auto& h = d.sealed.header;
    auto it = st.registry.find({h.senderUser, h.senderDevice});
    if (it == st.registry.end() || it->second.registeredSeq >= d.seq) return; // unknown-device
    for (const auto& p : d.problems)
        if (p.fault == "bad-signature") return; // not the device's entry
    const DeviceKey key{h.senderUser, h.senderDevice};
    const std::string who = deviceName(h.senderUser, h.senderDevice);
    auto& reg = it->second;
    if (reg.needsApproval && !(reg.approvedSeq && reg.approvedSeq < d.seq)) {
        d.problems.push_back({d.seq, "unapproved-device",
                              "signed by " + who + ", a device no device of the user approved"});
        if (!reg.reported) {
            reg.reported = true;
            st.touched.insert(key);
            d.problems.push_back({reg.registeredSeq, "unapproved-device",
                                  who + " was registered for " + h.senderUser +
                                      ", who already had an active device, and no device of " +
                                      h.senderUser + " approved it"});
        }
    }
    if (h.version < 2) return; // header version 1 carries no device chain

    // Issue 15 break 3: the device's own chain.
    const std::uint64_t claimed = h.deviceAcked;
    auto c = st.chains.find(key);
    if (c == st.chains.end()) {
        c = st.chains.emplace(key, DeviceChainState{}).first;
        if (reg.registeredSeq <= std::max(st.checksFrom, st.chainsFrom)) {
            // Pulled before the device checks: its chain so far is not in the archive's state.
            c->second.claimed = c->second.base = claimed;
            c->second.head = h.deviceHead;
        }
    }
    auto& chain = c->second;
    st.touched.insert(key);
    const std::uint64_t held = chain.base + chain.ids.size();
    auto fold = [](std::uint64_t count, const crypto::Hash256& head,
                   const std::array<std::uint8_t, 16>& id) {
        return journal::DeviceChain{count, head}.next(ByteView(id.data(), id.size())).head;
    };
    if (claimed < chain.claimed) {
        d.problems.push_back({d.seq, "device-chain-mismatch",
                              who + " claims " + std::to_string(claimed) +
                                  " acknowledged entries, fewer than the " +
                                  std::to_string(chain.claimed) +
                                  " an earlier entry of this device claimed: its entries were "
                                  "replaced or reordered"});
    } else if (claimed > held) {
        d.problems.push_back({d.seq, "device-entry-missing",
                              who + " had " + std::to_string(claimed) +
                                  " entries acknowledged before this one; the journal holds " +
                                  std::to_string(held) +
                                  ": an entry of this device was removed or withheld"});
        // From here on the device's own claim is the reference.
        chain.claimed = chain.base = claimed;
        chain.head = h.deviceHead;
        chain.ids.clear();
    } else if (claimed < chain.base) {
        // More entries in flight than a device ever has: only the empty chain can still be checked.
        if (claimed == 0 && h.deviceHead != crypto::Hash256{})
            d.problems.push_back({d.seq, "device-chain-mismatch",
                                  who + " claims no acknowledged entry but a chain over some"});
        chain.claimed = claimed;
    } else {
        crypto::Hash256 head = chain.head;
        const std::size_t covered = std::size_t(claimed - chain.base);
        for (std::size_t i = 0; i < covered; ++i)
            head = fold(chain.base + i, head, chain.ids[i]);
        if (head != h.deviceHead) {
            d.problems.push_back(
                {d.seq, "device-chain-mismatch",
                 who + "'s chain over its first " + std::to_string(claimed) +
                     " acknowledged entries differs from the journal's first " +
                     std::to_string(claimed) +
                     " entries of this device: an entry was replaced, inserted or reordered"});
            head = h.deviceHead;
        }
        chain.ids.erase(chain.ids.begin(), chain.ids.begin() + std::ptrdiff_t(covered));
        chain.claimed = chain.base = claimed;
        chain.head = head;
    }
    chain.ids.push_back(h.messageId);
    while (chain.ids.size() > kDeviceWindow) {
        chain.head = fold(chain.base, chain.head, chain.ids.front());
        ++chain.base;
        chain.ids.pop_front();
    }
}

} // namespace verbatim::compliance

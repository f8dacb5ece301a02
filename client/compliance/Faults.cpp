#include "compliance/Faults.h"

#include <array>

#include "compliance/Archive.h"

namespace verbatim::compliance {
namespace {

constexpr FaultInfo kFaults[] = {
    {"missing", "the log has no entry with this sequence number"},
    {"altered", "the entry's bytes do not produce its chain hash: changed after it was logged"},
    {"reordered", "the entry is stored at another position than the one it was logged at"},
    {"duplicate", "the sequence number occurs twice"},
    {"checkpoint-mismatch", "the chain differs from the relay's signed checkpoint"},
    {"bad-checkpoint-signature",
     "a checkpoint is not signed by the relay key in the firm manifest"},
    {"checkpoint-time-backwards", "a later checkpoint carries an earlier time"},
    {"truncated", "a signed checkpoint covers entries the log no longer holds"},
    {"malformed", "the entry does not parse"},
    {"unknown-device", "the signing device was never registered in the log (or only later)"},
    {"revoked-signer", "the entry was signed by a device after its revocation"},
    {"bad-signature", "the entry is not signed by the device it names"},
    {"no-journal-key", "sealed to a journal key this archive was not given"},
    {"decrypt-failed", "the entry does not decrypt: header or ciphertext altered"},
    {"record-malformed", "the decrypted record does not parse"},
    {"header-mismatch", "the record's id, sender or time differ from its signed header"},
    {"commitment-mismatch",
     "the journaled content does not open the commitment recipients received"},
    {"replayed-message-id", "a message id that an earlier entry already used"},
    {"forged-admin-action", "an administrative record not written by the relay"},
    {"mismatch-report",
     "a recipient reported that what it received differs from what was journaled"},
    {"attachment-unavailable", "an attachment could not be fetched from the relay"},
    {"attachment-mismatch", "an attachment does not match its committed digest"},
    {"forged-edit",
     "an edit or retraction sent by someone other than the message's author: not applied"},
    {"not-a-member",
     "the sender, or a recipient it names, was not a member of the conversation at this point"},
    {"no-notice", "an outside party sent into a conversation before accepting the recording notice "
                  "there (no acceptance of a "
                  "known notice earlier in the log)"},
    {"closed-matter", "an entry sent into a matter after it was closed (and before it was "
                      "reopened): the relay refuses those"},
    {"unapproved-device", "a device registered for a user who already had an active device, which "
                          "no device of that user approved "
                          "(or an entry it signed)"},
    {"identity-reset", "a new first device of a user whose every earlier device was revoked or "
                       "wiped: confirm with IT that the "
                       "user lost them all"},
    {"device-entry-missing", "the signing device had more entries acknowledged before this one "
                             "than the journal holds: one was removed "
                             "or withheld"},
    {"device-chain-mismatch", "the signing device's chain over its earlier entries differs from "
                              "the journal's: one was replaced, inserted "
                              "or reordered"},
    {"disposition-mismatch", "a disposition record names chain hashes the log does not hold at "
                             "the ends of a range it disposes of: it removes nothing"},
    {"disposed-without-record", "entries whose content is gone that no valid disposition record "
                                "covers: removed without a journaled decision"},
    {"disposed-without-facts", "disposed entries that keep no facts of their record (type, "
                               "conversation, sender): the disposal cannot be judged"},
    {"disposed-not-disposable", "a disposition removed entries that are never disposed of "
                                "(compliance, hold, access-log or relay records)"},
    {"disposed-under-hold", "a disposition removed entries under a legal hold open at its "
                            "point of the log"},
    {"disposed-before-retention", "a disposition removed entries not past their retention then "
                                  "(an open matter, no period set, or the period not over)"},
    {"notice-facts-mismatch", "a client accepted a recording notice that stated other facts "
                              "(inviter, matter, retention, privacy notice, erasure) than the "
                              "journal and the firm manifest in force say"},
    {"boundary-snapshot", "the relay's boundary snapshot this archive started from does not hold: "
                          "its signature or its chain, or a compliance acknowledgement that "
                          "should co-sign the chain through it, differs or is forged"},
    {"boundary-relay-word", "no co-signer known independently of the relay vouches for the "
                            "pruned prefix this archive started from (--trust-relay-prefix): "
                            "its state rests on the relay's word alone"},
    {"missing-entry", "a receipt or mismatch report names a message the journal does not hold "
                      "before it: removed or withheld"},
    {"forged-supervision", "a supervision record (policy, review, sample, access) not written by "
                           "a compliance device, or whose entry failed the signer checks: not "
                           "applied"},
    {"unsupported-supervision", "a supervision record of a later format, or with a field this "
                                "tool cannot use: not applied (update verbatim-journal)"},
    {"history-rewritten", "the relay now serves another log up to the archive's last pull than it "
                          "served then: entries were changed, "
                          "removed or inserted"},
    {"superseded-altered", "an entry kept from before a relay restore (superseded) no longer "
                           "matches what was pulled: its chain or the relay's signed checkpoints "
                           "disagree, or some were removed from the archive"},
    {"restore-pending", "the relay announced a restore from a backup that the compliance officer "
                        "has not accepted: nothing is pulled until it is accepted "
                        "(pull --accept-restore EPOCH)"},
    {"resend-differs", "after a relay restore, a message came again under the id of a superseded "
                       "one with other content: both versions are kept"},
};

} // namespace

std::span<const FaultInfo> faultTable() {
    return kFaults;
}

const char* faultDescription(const std::string& fault) {
    for (const auto& f : kFaults)
        if (f.id == fault) return f.description.data(); // literals: NUL-terminated
    return "unknown fault";
}

const char* chainFaultId(journal::ChainFault f) {
    using F = journal::ChainFault;
    switch (f) {
    case F::Missing:
        return "missing";
    case F::Reordered:
        return "reordered";
    case F::Duplicate:
        return "duplicate";
    case F::Altered:
        return "altered";
    case F::CheckpointMismatch:
        return "checkpoint-mismatch";
    case F::BadCheckpointSignature:
        return "bad-checkpoint-signature";
    case F::CheckpointTimeBackwards:
        return "checkpoint-time-backwards";
    case F::Truncated:
        return "truncated";
    }
    return "unknown";
}

const char* entryFaultId(journal::Fault f) {
    using F = journal::Fault;
    switch (f) {
    case F::None:
        return "none";
    case F::Malformed:
        return "malformed";
    case F::WrongJournalKey:
        return "no-journal-key";
    case F::BadSignature:
        return "bad-signature";
    case F::Decrypt:
        return "decrypt-failed";
    case F::RecordMalformed:
        return "record-malformed";
    case F::HeaderMismatch:
        return "header-mismatch";
    case F::CommitmentMismatch:
        return "commitment-mismatch";
    }
    return "unknown";
}

} // namespace verbatim::compliance

#pragma once
/// @file Faults.h
/// The fault ids the archive reports (stable: scripts and exports key on them) and their plain
/// English, in one table (Faults.cpp); the mapping from the journal library's own fault kinds.
#include <span>
#include <string>
#include <string_view>

#include "journal/HashChain.h"
#include "journal/JournalCrypto.h"

namespace verbatim::compliance {

struct FaultInfo {
    std::string_view id;          ///< e.g. "device-chain-mismatch"
    std::string_view description; ///< one line for the report
};
/// Every fault id an archive can report, with its description (docs/protocol.md, Compliance
/// verification, lists the same ids).
std::span<const FaultInfo> faultTable();
/// The id of a hash-chain fault (missing, altered, ...).
const char* chainFaultId(journal::ChainFault f);
/// The id of an opening fault (bad-signature, decrypt-failed, ...).
const char* entryFaultId(journal::Fault f);
// faultDescription(), declared in Archive.h, reads the same table.

} // namespace verbatim::compliance

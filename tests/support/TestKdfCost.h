#pragma once
/// @file TestKdfCost.h
/// Test executables only (every verbatim_add_test target links TestKdfCost.cpp): new passphrase
/// boxes get scrypt N = 2^10 instead of the production 2^17, so that the hundreds of profiles
/// the tests create cost milliseconds, not a third of a second each. crypto::scryptCost() reads
/// it through a weak symbol that no shipped program defines (crypto/PassphraseBox.h). Opening a
/// box always uses the parameters stored in it, whichever program opens it.

namespace verbatim::testsupport {

/// The log2(N) test programs give new boxes.
inline constexpr int kTestScryptLog2N = 10;
/// Whether new boxes in this process get the production cost (for the tests of that cost and
/// of the upgrade of cheaper profiles); false by default. Not thread-safe against boxes being
/// sealed at the same time.
void useProductionKdfCost(bool on);

} // namespace verbatim::testsupport

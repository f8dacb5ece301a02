#pragma once
// A client profile with many stored messages, for benchmarks: joined for real through a relay,
// then filled by writing the rows a receive would store straight into its database (receiving
// 100,000 messages for real would take minutes).

#include <string>

namespace verbatim::bench {

/// Joins `link` into a new profile at `dir`, opens the matter `title` on the relay, and writes
/// `count` incoming text messages into it. Returns false (after printing why) on failure.
bool seedProfile(const std::string& dir, const std::string& passphrase, const std::string& link,
                 const std::string& title, int count);

} // namespace verbatim::bench

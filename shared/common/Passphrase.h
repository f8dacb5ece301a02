#pragma once
/// @file Passphrase.h
/// Where the command-line tools get a passphrase: the file named by --passphrase-file, else
/// VERBATIM_PASSPHRASE, else a prompt on the terminal (echo off; asked twice when `confirm`).
/// The passphrase never appears in an error text.

#include <string>

#include "common/Result.h"

namespace verbatim {

[[nodiscard]] Result<std::string> readPassphrase(const std::string& file, const char* prompt, bool confirm = false,
                                                const char* envName = "VERBATIM_PASSPHRASE");

}  // namespace verbatim

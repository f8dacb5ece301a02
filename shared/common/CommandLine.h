#pragma once
/// @file CommandLine.h
/// One table-driven command-line parser for every Verbatim program (verbatim-relay,
/// verbatim-cli, verbatim-journal, the benchmarks). Each program declares its commands: the
/// words that select one, its options and its positional arguments. `parse` refuses, before the
/// program does anything, an unknown option (naming the closest known one: "did you mean
/// --wipe-after-failed-unlocks?"), an option of another command, a missing, empty or malformed
/// value, an option given twice that may be given once, a missing or stray positional argument
/// and an unknown command. `parseOrReport` prints the command's usage and that error to stderr
/// (the caller exits with kExitUsage, 2), or for `--help`/`-h` the usage to stdout (exit 0).
///
/// The rules, the same in every program:
/// - An option is `--name`. One that takes a value takes the next argument (`--data DIR`) or
///   the text after `=` (`--data=DIR`; the only way to give a value that starts with `--`, or
///   an empty one where that is allowed). The next argument is never taken as the value when it
///   looks like an option (`--firm --journal-key K` is "--firm needs a value").
/// - A flag takes no value (`--json`; `--json=1` is refused).
/// - Options may come before, between or after the positional arguments of their command, but
///   after the words that select the command: the options of `init` go after `init`. Options of
///   a group (`admin --data DIR` for every `admin` command, `verbatim-cli --profile DIR`) may
///   come anywhere after the group's word.
/// - `--` ends the options: every argument after it is positional (text that starts with `--`).
/// - `--help` or `-h` prints the usage of the command selected so far and exits 0.
/// - A single `-` followed by anything else is an ordinary argument (a negative number, text).
///
/// No Qt and no Boost: the relay, the tools and the tests all link it.

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <tl/expected.hpp>

namespace verbatim::cmdline {

/// Exit code of a program given a command line it refuses (BSD's EX_USAGE is 64; we keep the
/// shell convention every Verbatim program already documented).
constexpr int kExitUsage = 2;

/// Checks one value. Returns an empty string when it is acceptable, else what is wrong with it
/// (shown after the option's name: "--db-cache-mib: must be a whole number in 2..65536").
using Check = std::function<std::string(const std::string&)>;

/// A whole number in [lo, hi], digits only (a leading `-` when lo < 0).
Check number(long long lo, long long hi);
/// One of `choices`, exactly.
Check oneOf(std::vector<std::string> choices);

/// One option of a command, declared with the builders: `Option::value("data", "DIR").required()`.
struct Option {
    std::string name;           ///< without the leading "--"
    std::string valueName = {}; ///< what the value is ("DIR"); empty for a flag
    bool isRequired = false;
    bool isRepeatable = false; ///< may be given several times; every value is kept, in order
    bool emptyAllowed = false; ///< an empty value ("") is meaningful (e.g. "no pins")
    Check check = {};          ///< empty: any non-empty text

    static Option flag(std::string name);
    static Option value(std::string name, std::string valueName);
    Option required() const;
    Option repeatable() const;
    Option allowEmpty() const;
    Option checked(Check c) const;

    bool takesValue() const { return !valueName.empty(); }
};

/// One positional argument, in order. Required ones come before optional ones.
struct Positional {
    std::string name; ///< shown in errors: "missing USER"
    bool isOptional = false;
    Check check = {};

    static Positional required(std::string name, Check c = {});
    static Positional optional(std::string name, Check c = {});
};

struct Parsed;

/// A command: the words that select it and what it takes.
struct Command {
    /// The words after the program name that select it, space-separated ("admin enroll"); ""
    /// for a program that has no commands. A command whose path is a prefix of others' is a
    /// group: its options are options of all of them.
    std::string path;
    /// Its synopsis lines, printed by an error in it and by `--help` (the usage of a group is
    /// that of every command in it).
    std::string usage = {};
    std::vector<Option> options = {};
    std::vector<Positional> positionals = {};
    /// False for a group that selects but does not run ("admin" without a subcommand).
    bool runnable = true;
    /// Rules across options (one of two required, two that exclude each other): an empty
    /// string when they hold, else the error.
    std::function<std::string(const Parsed&)> check = {};
    /// Printed after the synopsis by `PROGRAM COMMAND --help` only.
    std::string details = {};
    /// The option that names a configuration file for this command ("config" for `verbatim-relay
    /// serve`), or "" for none. When it is given, `parse` reads the file (readConfigFile) and
    /// each `key = value` line sets the option `--key` of the command as if it had been given on
    /// the command line, with the same checks. An option given on the command line overrides the
    /// file's line. An unknown key, a bad value, a key given twice, or a flag whose value is not
    /// true or false is refused, naming the file, the line and the key.
    std::string configOption = {};
};

/// One `key = value` line of a configuration file.
struct Setting {
    std::string name; ///< the key before '=': an option's long name
    std::string value;
    int line = 0; ///< 1-based
};

/// Reads a configuration file: one `key = value` per line; blank lines and lines whose first
/// non-blank character is `#` are ignored, as is the rest of a line from a `#` that follows a
/// blank (` # comment`); blanks around the key and the value are dropped. On error returns the
/// message ("FILE:LINE: ..." or "cannot read configuration file FILE: ...").
[[nodiscard]] tl::expected<std::vector<Setting>, std::string>
readConfigFile(const std::string& path);

/// What a command line asked for.
struct Parsed {
    std::string command;            ///< the selected command's path ("admin enroll"; "" for none)
    std::vector<std::string> words; ///< the words of that path, in order
    std::vector<std::string> positionals; ///< the arguments after them, in order
    /// Each option given, by name without "--": its values in order (a flag: "1").
    std::map<std::string, std::vector<std::string>> options;
    bool help = false; ///< `--help` or `-h` was given: print usage(command) and exit 0

    bool has(const std::string& name) const { return options.count(name) > 0; }
    /// The (last) value of an option, or `def` when it was not given.
    std::string value(const std::string& name, const std::string& def = "") const;
    /// Every value of a repeatable option, in order.
    std::vector<std::string> values(const std::string& name) const;
    /// An option declared with `number()`, as a number; `def` when it was not given.
    long long integer(const std::string& name, long long def) const;
};

/// Why a command line was refused.
struct ParseError {
    std::string message;       ///< one line naming the offending argument, no program prefix
    std::string command;       ///< the command selected before the error ("" when none)
    bool inConfigFile = false; ///< the error is in a configuration file (no usage is printed)
};

/// A program's whole command-line grammar.
class CommandLine {
public:
    /// `program` is its name in messages; `notes` closes its full usage (where secrets come
    /// from, what exit codes mean). The commands are listed in `commands`' order.
    CommandLine(std::string program, std::vector<Command> commands, std::string notes = {});

    /// Parses `args` (without the program name). Refuses every error listed in the file comment.
    [[nodiscard]] tl::expected<Parsed, ParseError>
    parse(const std::vector<std::string>& args) const;

    /// Parses argv; on `--help` prints usage(command) to stdout and sets `exitCode` to 0, on an
    /// error prints usage(command) and "PROGRAM: ERROR" to stderr and sets `exitCode` to
    /// kExitUsage. Returns the parsed line only when the program should go on.
    std::optional<Parsed> parseOrReport(int argc, char** argv, int& exitCode) const;

    /// The usage of a command (or a group: every command in it), "usage:" first; the full usage
    /// with the notes for "".
    std::string usage(const std::string& command = "", bool withDetails = false) const;

    const std::string& program() const { return m_program; }

private:
    const Command* find(const std::string& path) const;
    bool hasChildren(const std::string& path) const;
    std::vector<const Option*> optionsOf(const std::string& path) const;
    std::string unknownOption(const std::string& name, const std::string& path) const;
    std::string unknownCommand(const std::string& word, const std::string& path) const;
    /// Sets the options `file` gives that the command line did not; "" or the error.
    std::string applyConfigFile(Parsed& p, const std::string& path, const std::string& file) const;

    std::string m_program;
    std::vector<Command> m_commands;
    std::string m_notes;
};

/// The known names closest to `given` (edit distance, or `given` a prefix of them), for "did
/// you mean"; empty when none is close. Shared with the app, which parses with Qt.
std::vector<std::string> closestNames(const std::string& given,
                                      const std::vector<std::string>& known);

/// " (did you mean --a?)" / " (did you mean --a or --b?)" / "" for closestNames' answer;
/// `prefix` is put before each name ("--" for options, "" for commands).
std::string didYouMean(const std::vector<std::string>& names, const std::string& prefix);

} // namespace verbatim::cmdline

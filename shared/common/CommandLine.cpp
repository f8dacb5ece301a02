#include "common/CommandLine.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace verbatim::cmdline {

namespace {

// An argument that an option's value may not be taken from: the user left the value out.
bool looksLikeOption(const std::string& s) {
    return s.size() >= 2 && s.compare(0, 2, "--") == 0;
}

// Arguments are echoed in errors so the user sees which one was refused; a long one (message
// text given in the wrong place) is cut so the error stays one readable line.
std::string shown(const std::string& s) {
    constexpr std::size_t kMax = 60;
    return s.size() <= kMax ? s : s.substr(0, kMax) + "...";
}

bool isPrefixPath(const std::string& group, const std::string& path) {
    return group.empty() || path == group ||
           (path.size() > group.size() && path.compare(0, group.size(), group) == 0 &&
            path[group.size()] == ' ');
}

// Optimal string alignment distance: an insertion, deletion, substitution or swap of two
// neighbours counts one, which covers the usual typing slips.
std::size_t editDistance(const std::string& a, const std::string& b) {
    const std::size_t n = a.size(), m = b.size();
    std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
    for (std::size_t i = 0; i <= n; ++i)
        d[i][0] = i;
    for (std::size_t j = 0; j <= m; ++j)
        d[0][j] = j;
    for (std::size_t i = 1; i <= n; ++i)
        for (std::size_t j = 1; j <= m; ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[n][m];
}

} // namespace

Check number(long long lo, long long hi) {
    return [lo, hi](const std::string& v) -> std::string {
        const std::string why = "must be a whole number in " + std::to_string(lo) + ".." +
                                std::to_string(hi) + ", not '" + shown(v) + "'";
        std::size_t digits = v.size() > 0 && v[0] == '-' && lo < 0 ? 1 : 0;
        if (v.size() == digits || v.size() - digits > 18 ||
            v.find_first_not_of("0123456789", digits) != std::string::npos)
            return why;
        const long long n = std::stoll(v);
        return n < lo || n > hi ? why : std::string();
    };
}

Check oneOf(std::vector<std::string> choices) {
    return [choices = std::move(choices)](const std::string& v) -> std::string {
        if (std::find(choices.begin(), choices.end(), v) != choices.end()) return {};
        std::string list;
        for (std::size_t i = 0; i < choices.size(); ++i)
            list += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
        return "must be " + list + ", not '" + shown(v) + "'" +
               didYouMean(closestNames(v, choices), "");
    };
}

Option Option::flag(std::string name) {
    return Option{std::move(name), {}, false, false, false, {}};
}
Option Option::value(std::string name, std::string valueName) {
    return Option{std::move(name), std::move(valueName), false, false, false, {}};
}
Option Option::required() const {
    Option o = *this;
    o.isRequired = true;
    return o;
}
Option Option::repeatable() const {
    Option o = *this;
    o.isRepeatable = true;
    return o;
}
Option Option::allowEmpty() const {
    Option o = *this;
    o.emptyAllowed = true;
    return o;
}
Option Option::checked(Check c) const {
    Option o = *this;
    o.check = std::move(c);
    return o;
}

Positional Positional::required(std::string name, Check c) {
    return Positional{std::move(name), false, std::move(c)};
}
Positional Positional::optional(std::string name, Check c) {
    return Positional{std::move(name), true, std::move(c)};
}

std::string Parsed::value(const std::string& name, const std::string& def) const {
    auto it = options.find(name);
    return it == options.end() || it->second.empty() ? def : it->second.back();
}

std::vector<std::string> Parsed::values(const std::string& name) const {
    auto it = options.find(name);
    return it == options.end() ? std::vector<std::string>{} : it->second;
}

long long Parsed::integer(const std::string& name, long long def) const {
    auto v = value(name);
    if (v.empty()) return def;
    try {
        return std::stoll(v);
    } catch (...) {
        return def; // not reached for an option declared with number(): parse checked it
    }
}

std::vector<std::string> closestNames(const std::string& given,
                                      const std::vector<std::string>& known) {
    if (given.empty()) return {};
    const std::size_t allowed = given.size() <= 4 ? 1 : given.size() <= 10 ? 2 : 3;
    std::size_t best = allowed + 1;
    std::vector<std::string> out;
    for (const auto& k : known) {
        const std::size_t d = editDistance(given, k);
        if (d < best) {
            best = d;
            out.clear();
        }
        if (d == best && std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
    }
    if (!out.empty()) return out;
    // "--wipe" for "--wipe-after-failed-unlocks": a beginning of a name is a near miss too.
    if (given.size() >= 3)
        for (const auto& k : known)
            if (k.size() > given.size() && k.compare(0, given.size(), given) == 0 &&
                std::find(out.begin(), out.end(), k) == out.end())
                out.push_back(k);
    if (out.size() > 3) out.clear(); // too short to point anywhere
    return out;
}

std::string didYouMean(const std::vector<std::string>& names, const std::string& prefix) {
    if (names.empty()) return {};
    std::string s = " (did you mean ";
    for (std::size_t i = 0; i < names.size(); ++i)
        s += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + prefix + names[i];
    return s + "?)";
}

tl::expected<std::vector<Setting>, std::string> readConfigFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return tl::unexpected("cannot read configuration file " + path + ": " +
                              std::strerror(errno));
    // A configuration file is a few kilobytes; a device or a huge file is a mistake.
    constexpr std::size_t kMaxBytes = 1 << 20;
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return tl::unexpected("cannot read configuration file " + path);
    if (text.size() > kMaxBytes)
        return tl::unexpected(path + ": larger than 1 MiB: not a configuration file");
    auto trim = [](std::string s) {
        const auto first = s.find_first_not_of(" \t\r");
        if (first == std::string::npos) return std::string();
        return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
    };
    std::vector<Setting> out;
    std::istringstream lines(text);
    std::string raw;
    for (int n = 1; std::getline(lines, raw); ++n) {
        const std::string where = path + ":" + std::to_string(n) + ": ";
        if (raw.find('\0') != std::string::npos)
            return tl::unexpected(where + "a NUL byte: not a text file");
        std::string line = trim(raw);
        if (line.empty() || line[0] == '#') continue;
        // A comment may follow a value after a blank; a '#' inside a value (no blank before it)
        // stays part of it.
        for (std::size_t i = 1; i < line.size(); ++i)
            if (line[i] == '#' && (line[i - 1] == ' ' || line[i - 1] == '\t')) {
                line = trim(line.substr(0, i));
                break;
            }
        const auto eq = line.find('=');
        if (eq == std::string::npos)
            return tl::unexpected(where + "expected key = value, not '" + shown(line) + "'");
        Setting s{trim(line.substr(0, eq)), trim(line.substr(eq + 1)), n};
        if (s.name.empty()) return tl::unexpected(where + "a line without a key before '='");
        out.push_back(std::move(s));
    }
    return out;
}

CommandLine::CommandLine(std::string program, std::vector<Command> commands, std::string notes)
    : m_program(std::move(program)), m_commands(std::move(commands)), m_notes(std::move(notes)) {}

const Command* CommandLine::find(const std::string& path) const {
    for (const auto& c : m_commands)
        if (c.path == path) return &c;
    return nullptr;
}

bool CommandLine::hasChildren(const std::string& path) const {
    return std::any_of(m_commands.begin(), m_commands.end(), [&](const Command& c) {
        return c.path != path && isPrefixPath(path, c.path);
    });
}

std::vector<const Option*> CommandLine::optionsOf(const std::string& path) const {
    std::vector<const Option*> out;
    for (const auto& c : m_commands)
        if (isPrefixPath(c.path, path))
            for (const auto& o : c.options)
                out.push_back(&o);
    return out;
}

std::string CommandLine::unknownOption(const std::string& name, const std::string& path) const {
    const std::string where = path.empty() ? "" : " for " + path;
    // An option of a command further down the path ("verbatim-cli --name X join"): it goes after
    // that command. An option of a different command: say whose it is.
    std::vector<std::string> owners;
    for (const auto& c : m_commands)
        for (const auto& o : c.options)
            if (o.name == name && std::find(owners.begin(), owners.end(), c.path) == owners.end())
                owners.push_back(c.path);
    if (!owners.empty()) {
        bool below = std::all_of(owners.begin(), owners.end(),
                                 [&](const std::string& o) { return isPrefixPath(path, o); });
        std::string list;
        for (std::size_t i = 0; i < owners.size() && i < 4; ++i)
            list += (i ? ", " : "") + owners[i];
        if (below) return "--" + name + " is an option of " + list + ": give it after the command";
        return "--" + name + " is not an option" + where + " (it belongs to " + list + ")";
    }
    std::vector<std::string> known;
    for (const Option* o : optionsOf(path))
        known.push_back(o->name);
    known.push_back("help");
    return "unknown option --" + name + where + didYouMean(closestNames(name, known), "--");
}

std::string CommandLine::unknownCommand(const std::string& word, const std::string& path) const {
    std::vector<std::string> children;
    const std::size_t skip = path.empty() ? 0 : path.size() + 1;
    for (const auto& c : m_commands) {
        if (c.path == path || !isPrefixPath(path, c.path)) continue;
        std::string next = c.path.substr(skip, c.path.find(' ', skip) == std::string::npos
                                                   ? std::string::npos
                                                   : c.path.find(' ', skip) - skip);
        if (std::find(children.begin(), children.end(), next) == children.end())
            children.push_back(next);
    }
    return "unknown command '" + shown(word) + "'" + (path.empty() ? "" : " for " + path) +
           didYouMean(closestNames(word, children), "");
}

tl::expected<Parsed, ParseError> CommandLine::parse(const std::vector<std::string>& args) const {
    Parsed p;
    std::string path;
    auto refuse = [&](std::string message) {
        return tl::unexpected(ParseError{std::move(message), path});
    };
    auto isNode = [&](const std::string& candidate) {
        return find(candidate) || hasChildren(candidate);
    };
    bool endOfOptions = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& s = args[i];
        if (!endOfOptions && s == "--") {
            endOfOptions = true;
            continue;
        }
        if (!endOfOptions && (s == "--help" || s == "-h")) {
            p.help = true;
            p.command = path;
            return p;
        }
        if (!endOfOptions && looksLikeOption(s)) {
            const auto eq = s.find('=');
            const std::string name =
                s.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
            const auto known = optionsOf(path);
            auto it = std::find_if(known.begin(), known.end(),
                                   [&](const Option* o) { return o->name == name; });
            if (it == known.end()) return refuse(unknownOption(name, path));
            const Option& o = **it;
            std::string v;
            if (!o.takesValue()) {
                if (eq != std::string::npos) return refuse("--" + name + " takes no value");
                v = "1";
            } else if (eq != std::string::npos) {
                v = s.substr(eq + 1);
            } else if (i + 1 >= args.size()) {
                return refuse("--" + name + " needs a value (" + o.valueName + ")");
            } else if (looksLikeOption(args[i + 1])) {
                return refuse("--" + name + " needs a value (" + o.valueName +
                              "), not the option " + shown(args[i + 1]) + " (write --" + name +
                              "=VALUE for a value that starts with --)");
            } else {
                v = args[++i];
            }
            if (o.takesValue() && v.empty() && !o.emptyAllowed)
                return refuse("--" + name + " needs a non-empty " + o.valueName);
            if (o.takesValue() && !v.empty() && o.check)
                if (auto why = o.check(v); !why.empty()) return refuse("--" + name + ": " + why);
            auto& values = p.options[name];
            if (!values.empty() && !o.isRepeatable)
                return refuse("--" + name + " given twice (it is taken once)");
            values.push_back(std::move(v));
            continue;
        }
        // A word selects a (sub)command until the command's first positional argument.
        if (!endOfOptions && p.positionals.empty()) {
            const std::string child = path.empty() ? s : path + " " + s;
            if (isNode(child)) {
                path = child;
                p.words.push_back(s);
                continue;
            }
            const Command* c = find(path);
            if (!c || !c->runnable) return refuse(unknownCommand(s, path));
        }
        p.positionals.push_back(s);
    }
    p.command = path;
    const Command* c = find(path);
    if (!c || !c->runnable)
        return refuse(path.empty() ? "no command given" : "no command given after " + path);
    const std::size_t max = c->positionals.size();
    const std::size_t min =
        std::size_t(std::count_if(c->positionals.begin(), c->positionals.end(),
                                  [](const Positional& a) { return !a.isOptional; }));
    if (p.positionals.size() < min)
        return refuse("missing " + c->positionals[p.positionals.size()].name);
    if (p.positionals.size() > max) {
        if (max == 0 && hasChildren(path)) return refuse(unknownCommand(p.positionals[0], path));
        return refuse("unexpected argument '" + shown(p.positionals[max]) + "'" +
                      (path.empty() ? "" : " for " + path));
    }
    for (std::size_t i = 0; i < p.positionals.size(); ++i)
        if (c->positionals[i].check)
            if (auto why = c->positionals[i].check(p.positionals[i]); !why.empty())
                return refuse(c->positionals[i].name + ": " + why);
    if (!c->configOption.empty() && p.has(c->configOption)) {
        if (auto why = applyConfigFile(p, path, p.value(c->configOption)); !why.empty())
            return tl::unexpected(ParseError{std::move(why), path, true});
    }
    for (const Option* o : optionsOf(path))
        if (o->isRequired && !p.has(o->name))
            return refuse("--" + o->name + (o->takesValue() ? " " + o->valueName : "") +
                          " is required" + (path.empty() ? "" : " for " + path));
    if (c->check)
        if (auto why = c->check(p); !why.empty()) return refuse(why);
    return p;
}

std::string CommandLine::applyConfigFile(Parsed& p, const std::string& path,
                                         const std::string& file) const {
    auto settings = readConfigFile(file);
    if (!settings) return settings.error();
    const Command* c = find(path);
    const auto known = optionsOf(path);
    std::map<std::string, int> seen; // key -> line
    std::map<std::string, std::vector<std::string>> fromFile;
    for (const Setting& s : *settings) {
        const std::string where = file + ":" + std::to_string(s.line) + ": ";
        auto it = std::find_if(known.begin(), known.end(),
                               [&](const Option* o) { return o->name == s.name; });
        if (s.name == c->configOption)
            return where + "key '" + s.name + "' cannot be set inside a configuration file";
        if (it == known.end()) {
            std::vector<std::string> names;
            for (const Option* o : known)
                if (o->name != c->configOption) names.push_back(o->name);
            return where + "unknown key '" + shown(s.name) + "'" +
                   didYouMean(closestNames(s.name, names), "");
        }
        const Option& o = **it;
        if (auto prev = seen.find(s.name); prev != seen.end() && !o.isRepeatable)
            return where + "key '" + s.name + "' is already set on line " +
                   std::to_string(prev->second);
        seen.emplace(s.name, s.line);
        std::string v = s.value;
        if (!o.takesValue()) {
            if (v == "true" || v == "yes" || v == "on")
                v = "1";
            else if (v == "false" || v == "no" || v == "off")
                continue;
            else
                return where + "key '" + s.name + "' must be true or false, not '" + shown(v) + "'";
        } else if (v.empty() && !o.emptyAllowed) {
            return where + "key '" + s.name + "' needs a value (" + o.valueName + ")";
        } else if (!v.empty() && o.check) {
            if (auto why = o.check(v); !why.empty()) return where + "key '" + s.name + "': " + why;
        }
        fromFile[s.name].push_back(std::move(v));
    }
    // The command line wins: a file's value fills only what the command line left out.
    for (auto& [name, values] : fromFile)
        if (!p.has(name)) p.options[name] = std::move(values);
    return {};
}

std::string CommandLine::usage(const std::string& command, bool withDetails) const {
    std::string out = "usage:\n";
    for (const auto& c : m_commands)
        if (isPrefixPath(c.path, command) || isPrefixPath(command, c.path)) out += c.usage;
    if (command.empty()) {
        out += m_notes;
    } else if (const Command* c = find(command); withDetails && c) {
        out += c->details;
    } else {
        out += "`" + m_program + " --help` shows every command and option.\n";
    }
    return out;
}

std::optional<Parsed> CommandLine::parseOrReport(int argc, char** argv, int& exitCode) const {
    std::vector<std::string> args(argv + std::min(argc, 1), argv + std::max(argc, 0));
    auto p = parse(args);
    if (!p) {
        // A mistake in a configuration file is not one of usage: the message names file and line.
        if (!p.error().inConfigFile) std::fputs(usage(p.error().command).c_str(), stderr);
        std::fprintf(stderr, "%s: %s\n", m_program.c_str(), p.error().message.c_str());
        exitCode = kExitUsage;
        return std::nullopt;
    }
    if (p->help) {
        std::fputs(usage(p->command, true).c_str(), stdout);
        exitCode = 0;
        return std::nullopt;
    }
    exitCode = 0;
    return std::move(*p);
}

} // namespace verbatim::cmdline

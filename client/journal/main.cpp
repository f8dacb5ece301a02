// verbatim-journal: the compliance tool. This first part makes the firm's journal key pair;
// pull, verify, search, show and export follow (issue 6).
//
//   verbatim-journal keygen --out DIR [--passphrase-file FILE]
//
// writes DIR/journal.pub (64 hex digits: give it to `verbatim-relay init --journal-key`) and
// DIR/journal.key (the private key sealed under the passphrase: scrypt + AES-256-GCM; never
// written in clear). Keep journal.key offline with the compliance officers.

#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <termios.h>
#include <unistd.h>

#include "crypto/PassphraseBox.h"
#include "crypto/X25519.h"

using namespace verbatim;
namespace fs = std::filesystem;

namespace {

int usage() {
    std::fputs("usage:\n"
               "  verbatim-journal keygen --out DIR [--passphrase-file FILE]\n"
               "The passphrase comes from VERBATIM_PASSPHRASE, --passphrase-file, or a prompt (asked twice).\n",
               stderr);
    return 2;
}

int die(const std::string& message) {
    std::fprintf(stderr, "verbatim-journal: %s\n", message.c_str());
    return 1;
}

std::string prompt(const char* label) {
    std::fputs(label, stderr);
    termios old{};
    tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~tcflag_t(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::string s;
    std::getline(std::cin, s);
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::fputs("\n", stderr);
    return s;
}

Result<std::string> passphrase(const std::map<std::string, std::string>& opts, bool confirm) {
    if (auto it = opts.find("passphrase-file"); it != opts.end()) {
        std::ifstream f(it->second, std::ios::binary);
        if (!f) return fail(ErrorCode::NotFound, "cannot read the passphrase file");
        std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
        return s;
    }
    if (const char* env = std::getenv("VERBATIM_PASSPHRASE"); env && *env) return std::string(env);
    if (!isatty(STDIN_FILENO)) return fail(ErrorCode::InvalidArgument, "set VERBATIM_PASSPHRASE or pass --passphrase-file");
    std::string a = prompt("Passphrase for the journal key: ");
    if (confirm && prompt("Again: ") != a) return fail(ErrorCode::InvalidArgument, "the passphrases differ");
    return a;
}

Result<void> writeNew(const fs::path& p, ByteView data, mode_t mode) {
    int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) return fail(ErrorCode::Storage, "cannot create " + p.string());
    bool ok = ::write(fd, data.data(), data.size()) == ssize_t(data.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) {
        ::unlink(p.c_str());
        return fail(ErrorCode::Storage, "cannot write " + p.string());
    }
    return {};
}

int keygen(const std::map<std::string, std::string>& opts) {
    auto out = opts.find("out");
    if (out == opts.end()) return usage();
    const fs::path dir = out->second;
    const fs::path pub = dir / "journal.pub", key = dir / "journal.key";
    std::error_code ec;
    if (fs::exists(pub, ec) || fs::exists(key, ec)) return die("refusing to overwrite a journal key in " + dir.string());
    auto pass = passphrase(opts, true);
    if (!pass) return die(pass.error().message);
    if (pass->size() < 12) return die("use a passphrase of at least 12 characters for the journal key");
    auto pair = crypto::X25519Key::generate();
    if (!pair) return die(pair.error().message);
    auto priv = pair->privateKey();
    if (!priv) return die(priv.error().message);
    auto box = crypto::passphraseSeal(*priv, view(*pass));
    if (!box) return die(box.error().message);
    fs::create_directories(dir, ec);
    if (ec) return die("cannot create " + dir.string());
    if (auto r = writeNew(key, *box, 0600); !r) return die(r.error().message);
    const std::string hex = toHex(pair->publicKey()) + "\n";
    if (auto r = writeNew(pub, view(hex), 0644); !r) {
        ::unlink(key.c_str());
        return die(r.error().message);
    }
    std::printf("journal public key: %s", hex.c_str());
    std::printf("wrote %s and %s (keep journal.key offline)\n", pub.c_str(), key.c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    prctl(PR_SET_DUMPABLE, 0);
    rlimit none{0, 0};
    setrlimit(RLIMIT_CORE, &none);
    if (argc < 2) return usage();
    const std::string cmd = argv[1];
    std::map<std::string, std::string> opts;
    for (int i = 2; i < argc; ++i) {
        std::string a = argv[i];
        if (a.rfind("--", 0) != 0 || i + 1 >= argc) return usage();
        opts[a.substr(2)] = argv[++i];
    }
    if (cmd == "keygen") return keygen(opts);
    return usage();
}

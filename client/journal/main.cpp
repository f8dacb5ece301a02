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
#include <map>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/Passphrase.h"
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

Result<std::string> passphrase(const std::map<std::string, std::string>& opts, bool confirm) {
    auto it = opts.find("passphrase-file");
    return readPassphrase(it == opts.end() ? std::string() : it->second, "Passphrase for the journal key: ", confirm);
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

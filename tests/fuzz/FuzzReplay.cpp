// The replay runner of the normal build: runs every file of a target's seed corpus and of its
// regressions through the target's body, once each, so that corpus and regressions run in every
// test run even without clang. Usage: tst_fuzz_replay TARGET DIR...
// Fails when the target is unknown, when the first DIR (the corpus) holds no file (a test that
// cannot fail is a defect), or when a body crashes (the process dies: CTest reports it).

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "FuzzTarget.h"

namespace verbatim::fuzz {

namespace {
std::map<std::string, Body>& registry() {
    static std::map<std::string, Body> targets;
    return targets;
}
} // namespace

bool registerTarget(const char* name, Body body) {
    registry()[name] = body;
    return true;
}

} // namespace verbatim::fuzz

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    using verbatim::fuzz::registry;
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s TARGET CORPUS_DIR [REGRESSION_DIR...]\n", argv[0]);
        return 2;
    }
    auto target = registry().find(argv[1]);
    if (target == registry().end()) {
        std::fprintf(stderr, "unknown fuzz target %s; known:", argv[1]);
        for (const auto& [name, body] : registry())
            std::fprintf(stderr, " %s", name.c_str());
        std::fprintf(stderr, "\n");
        return 2;
    }
    std::size_t corpusFiles = 0, total = 0;
    for (int i = 2; i < argc; ++i) {
        const fs::path dir = argv[i];
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) continue; // a target may have no regressions yet
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(dir))
            if (e.is_regular_file()) files.push_back(e.path());
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            std::ifstream in(f, std::ios::binary);
            std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)),
                                             std::istreambuf_iterator<char>());
            std::fprintf(stderr, "%s\n", f.string().c_str()); // the last one named is the culprit
            target->second(bytes.data(), bytes.size());
            ++total;
            if (i == 2) ++corpusFiles;
        }
    }
    if (corpusFiles == 0) {
        std::fprintf(stderr, "no seed corpus for %s in %s\n", argv[1], argv[2]);
        return 1;
    }
    std::printf("%s: %zu inputs replayed\n", argv[1], total);
    return 0;
}

#include "BenchProfile.h"

#include <cstdio>

#include "client/core/Client.h"
#include "client/core/Profile.h"
#include "crypto/Random.h"

namespace verbatim::bench {

bool seedProfile(const std::string& dir, const std::string& passphrase, const std::string& link,
                 const std::string& title, int count) {
    auto fail = [](const char* what) {
        std::fprintf(stderr, "seeding the profile failed: %s\n", what);
        return false;
    };
    {
        client::JoinOptions o;
        o.displayName = "Bench";
        auto c = client::Client::join(dir, passphrase, link, o);
        if (!c) return fail(c.error().message.c_str());
        (*c)->start();
        (*c)->waitUntilSynced(std::chrono::seconds(20));
        if (!(*c)->createInvite(title)) return fail("cannot open the matter"); // creates it
        (*c)->stop();
    }
    auto db = client::openProfile({dir}, passphrase);
    if (!db) return fail(db.error().message.c_str());
    auto conv = (*db)->prepare("SELECT id FROM conversations WHERE title = ?");
    if (!conv) return fail("query");
    conv->bind(1, std::string_view(title));
    if (!conv->step().value_or(false)) return fail("no matter");
    const std::string id = conv->columnText(0);
    if (!(*db)->begin()) return fail("begin");
    auto st = (*db)->prepare(
        "INSERT INTO messages (id, conversation, sender_user, sender_device, outgoing, kind, body, "
        "client_time_ms, "
        "server_time_ms, journal_seq, state) VALUES (?, ?, ?, 1, ?, 0, ?, ?, ?, ?, ?)");
    if (!st) return fail("prepare");
    for (int i = 0; i < count; ++i) {
        Bytes mid = crypto::randomBytes(16);
        const bool mine = i % 3 == 0;
        std::string body =
            "Message number " + std::to_string(i) + " about the estate, the will and clause " +
            std::to_string(i % 97) + " of the agreement." +
            (i % 5 == 0
                 ? " A longer note follows, "
                   "so that some bubbles wrap over two or three lines as real conversations do."
                 : "");
        st->bind(1, ByteView(mid))
            .bind(2, std::string_view(id))
            .bind(3, std::string_view(mine ? "bench" : "client-1"))
            .bind(4, std::int64_t(mine))
            .bind(5, std::string_view(body))
            .bind(6, std::int64_t(1764300000000LL + i))
            .bind(7, std::int64_t(1764300000000LL + i))
            .bind(8, std::int64_t(i + 1))
            .bind(9, std::int64_t(mine ? 2 : 4));
        if (!st->run()) return fail("insert");
    }
    if (!(*db)->commit()) return fail("commit");
    return true;
}

} // namespace verbatim::bench

// The relay's HTTP front (relay/net/RelayServer.cpp, HttpSession): a request as it arrives after
// TLS, through Beast's request parser with the relay's limits, then the relay's own reading of
// it: the route (register, manifest, blob upload and download, WebSocket upgrade), the device
// credentials and the blob id (relay/net/HttpFields.*), and a registration body. The routing
// steps below follow HttpSession::onHeader; the parsing is the relay's own code.

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "FuzzTarget.h"
#include "relay/net/HttpFields.h"
#include "relay/net/RelayServer.h"
#include "wire.pb.h"

using namespace verbatim;
using verbatim::fuzz::fuzzCheck;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {
// The limits HttpSession applies: relay::ServerConfig's defaults.
const relay::ServerConfig kConfig;
const std::uint32_t kMaxHttpHeader = std::uint32_t(kConfig.maxHttpHeader);
const std::uint64_t kMaxHttpBody = kConfig.maxHttpBody;
const std::uint64_t kMaxBlobBytes = kConfig.maxBlobBytes;

// Feeds `in` to the parser until it wants no more or fails; an input that ends early is an
// end of stream, as when the peer closes.
using Parser = http::request_parser<http::string_body>;
bool feed(Parser& parser, const std::uint8_t*& in, std::size_t& left, bool wholeMessage) {
    auto done = [&] { return wholeMessage ? parser.is_done() : parser.is_header_done(); };
    beast::error_code ec;
    while (!done()) {
        if (left == 0) {
            // The peer closed: as Beast's read loop does, end of stream before a byte is no
            // message at all, and after some bytes it is the parser's to judge.
            if (!parser.got_some()) return false;
            parser.put_eof(ec);
            return !ec && done();
        }
        auto used = parser.put(boost::asio::buffer(in, left), ec);
        in += used;
        left -= used;
        if (ec == http::error::need_more) ec = {};
        if (ec) return false;
        // Beast takes nothing more only when it needs more than there is: that is the end.
        if (used == 0) left = 0;
    }
    return true;
}

void checkCredentials(const http::request<http::string_body>& req) {
    auto who = req["X-Verbatim-Device"];
    auto auth = req[http::field::authorization];
    auto creds = relay::parseDeviceCredentials(std::string_view(who.data(), who.size()),
                                               std::string_view(auth.data(), auth.size()));
    if (!creds) return;
    fuzzCheck(!creds->user.empty() && creds->secret.size() == 32,
              "credentials without a user or a 32-byte secret");
}
} // namespace

VERBATIM_FUZZ_TARGET(relay_http) {
    Parser parser;
    parser.header_limit(kMaxHttpHeader);
    parser.body_limit(std::max(kMaxHttpBody, kMaxBlobBytes));
    const std::uint8_t* in = data;
    std::size_t left = size;
    if (!feed(parser, in, left, false)) return 0;
    const auto& req = parser.get();
    const std::string_view target(req.target().data(), req.target().size());
    if (parser.chunked()) return 0; // 411
    if (req.method() == http::verb::post && target == "/v1/blobs") {
        if (!parser.content_length() || *parser.content_length() > kMaxBlobBytes)
            return 0; // 411, 413
        checkCredentials(req);
        return 0;
    }
    if (req.method() == http::verb::get && target.starts_with("/v1/blobs/")) {
        if (auto id = relay::blobIdOfTarget(target)) {
            fuzzCheck(id->size() == 64 && id->find_first_of("./\\") == std::string_view::npos,
                      "a blob id that could leave the blob folder");
            checkCredentials(req);
        }
        return 0;
    }
    if (parser.content_length() && *parser.content_length() > kMaxHttpBody) return 0; // 413
    parser.body_limit(kMaxHttpBody);
    if (beast::websocket::is_upgrade(req)) {
        if (target == "/v1/ws") checkCredentials(req);
        return 0;
    }
    if (req.method() == http::verb::post && target == "/v1/register") {
        if (!feed(parser, in, left, true)) return 0;
        fuzzCheck(parser.get().body().size() <= kMaxHttpBody, "a body over the limit was read");
        proto::RegisterDevice registration;
        (void)registration.ParseFromString(parser.get().body());
    }
    return 0;
}

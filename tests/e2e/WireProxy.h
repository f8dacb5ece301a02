#pragma once
/// @file WireProxy.h
/// A TLS proxy in front of a real relay, for tests of what a client must not depend on and must
/// not send: it terminates the client's TLS with the relay's own certificate (so the link's pin
/// still matches), forwards every request to the relay, and can change what comes back (the
/// manifest's content type, the text of refusals) while recording the WebSocket messages the
/// client sends. The client under test talks to it exactly as to a relay; only the address in its
/// link differs, and the firm manifest must name that address too.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace verbatim::e2e {

class WireProxy {
public:
    /// Listens on a free loopback port and forwards to the relay at 127.0.0.1:`relayPort`,
    /// presenting `certFile` / `keyFile` (PEM) to clients. ok() says whether it listens.
    WireProxy(std::uint16_t relayPort, const std::string& certFile, const std::string& keyFile);
    ~WireProxy();
    WireProxy(const WireProxy&) = delete;
    WireProxy& operator=(const WireProxy&) = delete;

    bool ok() const;
    std::uint16_t port() const;

    /// The `Content-Type` put on `GET /v1/manifest` answers: a value, or "" to send none.
    /// nullopt (the default): the relay's own.
    void setManifestContentType(std::optional<std::string> type);
    /// How many manifest answers went out with the type above.
    int manifestsRetyped() const;
    /// The body put into `GET /v1/manifest` answers of status 200 (a node serving a tampered
    /// manifest, issue 20). nullopt (the default): the relay's own.
    void setManifestBody(std::optional<std::string> body);

    /// Rewrites the text of every relay answer: `refusal` replaces `Response.error` of every
    /// WebSocket answer whose status is not OK and the body of every HTTP answer whose status is
    /// not 200; `success` is put into `Response.error` of every OK answer. nullopt: unchanged.
    void setAnswerTexts(std::optional<std::string> refusal, std::optional<std::string> success);
    /// How many answers had their text rewritten.
    int answersRewritten() const;

    /// The payloads of the WebSocket data messages clients sent so far, reassembled, in order.
    std::vector<std::string> clientMessages() const;
    /// The head (request line and header fields) of every HTTP request clients sent, in order.
    std::vector<std::string> requestHeads() const;

    struct State; ///< the implementation (WireProxy.cpp)

private:
    std::shared_ptr<State> m;
};

} // namespace verbatim::e2e

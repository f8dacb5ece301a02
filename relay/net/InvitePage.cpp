#include "relay/net/InvitePage.h"

#include <openssl/evp.h>

#include "crypto/Digest.h"

namespace verbatim::relay {

namespace {

// The script: the fragment is the invite's query. It must be made only of what a link's
// parameters are made of (docs/protocol.md: host names, decimal ports, lowercase hex), name each
// parameter once (a reader taking the first `relay` and one taking the last would see two links)
// and name a relay, a 32-digit token and a firm fingerprint, with the optional ones well formed;
// anything else (a `javascript:` trick, markup, a link cut short by a mail client) gets the
// "incomplete" text instead of a link. The relay must be this very server (host and port as the
// browser reads them: lower case, IDN as xn--, the default port elided, IPv4 in dotted decimal)
// and the address must name no user (`firm@host` reads as another host): otherwise this page, on
// the firm's domain, would vouch for an attacker's relay, so it warns and offers no link. The host
// rules are Link.cpp's isValidHost. The fragment is then cleared from the address bar, so the
// token does not stay in the tab's URL, session history or a synced "current tab"; the Open link
// keeps it. The address left in the bar is copied to `data-address` on the root element, where a
// test that can only dump the DOM sees it. The app checks the link fully again before it connects anywhere (C-LINK-1).
constexpr std::string_view kScript = R"js(
(function () {
  "use strict";
  var query = window.location.hash.slice(1);
  function validHost(host) {
    var labels = host.split(".");
    if (host.length > 253) return false;
    for (var i = 0; i < labels.length; i++) {
      if (!/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(labels[i])) return false;
      if (/^xn--/i.test(labels[i])) return false;
    }
    var last = labels[labels.length - 1];
    if (!/^[0-9]+$/.test(last) && !/^0x/i.test(last)) return true;
    return labels.length === 4 && labels.every(function (l) {
      return /^(0|[1-9][0-9]{0,2})$/.test(l) && Number(l) <= 255;
    });
  }
  function parse(q) {
    if (!/^[A-Za-z0-9._:=&-]{1,2000}$/.test(q)) return null;
    var kv = Object.create(null);
    var pairs = q.split("&");
    for (var i = 0; i < pairs.length; i++) {
      var eq = pairs[i].indexOf("=");
      if (eq <= 0) return null;
      var name = pairs[i].slice(0, eq);
      if (Object.prototype.hasOwnProperty.call(kv, name)) return null;
      kv[name] = pairs[i].slice(eq + 1);
    }
    var m = /^(.+):([0-9]{1,5})$/.exec(kv.relay || "");
    if (!m || !validHost(m[1]) || Number(m[2]) < 1 || Number(m[2]) > 65535) return null;
    if (!/^[0-9a-f]{32}$/.test(kv.token || "") || !/^[0-9a-f]{32}$/.test(kv.firm || "")) return null;
    if (kv.tls && !/^[0-9a-f]{64}$/.test(kv.tls)) return null;
    if (kv.ls && !/^[0-9a-f]{64}$/.test(kv.ls)) return null;
    if (kv.lk && !/^[0-9a-f]{64}$/.test(kv.lk)) return null;
    if (kv.mv && !/^[0-9]{1,20}$/.test(kv.mv)) return null;
    return { host: m[1].toLowerCase(), port: Number(m[2]) };
  }
  var relay = parse(query);
  var here = window.location;
  var address = new URL(here.href); // (Location has no user name; a URL does)
  var herePort = Number(here.port || 443); // the relay speaks only TLS
  if (!relay) {
    document.getElementById("incomplete").hidden = false;
  } else if (relay.host !== here.hostname || relay.port !== herePort ||
             address.username !== "" || address.password !== "") {
    document.getElementById("foreign").hidden = false;
  } else {
    var link = document.getElementById("open-link");
    link.href = "verbatim://join?" + query;
    document.getElementById("open").hidden = false;
  }
  if (here.hash !== "" || here.href.indexOf("#") >= 0)
    window.history.replaceState(null, "", here.pathname + here.search);
  document.documentElement.setAttribute("data-address", here.href);
})();
)js";

constexpr std::string_view kStyle = R"css(
body { font-family: sans-serif; margin: 0; background: #f4f5f7; color: #1b1f24; }
main { max-width: 34em; margin: 3em auto; padding: 2em; background: #fff; border-radius: 8px; }
h1 { font-size: 1.4em; margin-top: 0; }
h2 { font-size: 1.1em; }
.open { display: inline-block; padding: 0.8em 1.4em; border-radius: 6px; background: #283593;
        color: #fff; font-weight: bold; text-decoration: none; }
.note { color: #4a5058; font-size: 0.9em; }
)css";

constexpr std::string_view kBodyBefore = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Verbatim invite</title>
<style>)html";

constexpr std::string_view kBodyMiddle = R"html(</style>
</head>
<body>
<main>
<h1>You are invited to a matter in Verbatim</h1>
<p>Your law firm uses Verbatim for end-to-end encrypted messages. Messages in a matter are
recorded in the firm's journal, as the app explains before you join.</p>
<div id="open" hidden>
<p><a id="open-link" class="open" href="#">Open in Verbatim</a></p>
<p class="note">The invite works once. If nothing happens, the app is not installed yet.</p>
</div>
<p id="incomplete" hidden>This invite link is incomplete or damaged. Open it again from the
message you received, or copy the whole link, including everything after the "#".</p>
<p id="foreign" hidden><strong>Warning: this link names another server</strong> than the one
showing this page, so this page cannot vouch for it. Do not open it; ask the person who invited
you, by phone, for a new invite.</p>
<h2>Don't have Verbatim yet?</h2>
<p>Ask the lawyer who invited you where to get the Verbatim app for your computer or phone,
install it, then open this link again. You can also paste the link into the app under
"Join with a link".</p>
<p class="note">This page never sends the invite anywhere: it stays in your browser until you
open it in the app.</p>
</main>
<script>)html";

constexpr std::string_view kBodyAfter = R"html(</script>
</body>
</html>
)html";

/// `'sha256-…'` for a CSP source list: base64 of SHA-256 of the exact text between the tags.
std::string cspHash(std::string_view text) {
    const auto digest = crypto::sha256(view(text));
    unsigned char b64[4 * ((32 + 2) / 3) + 1];
    const int n = EVP_EncodeBlock(b64, digest.data(), int(digest.size()));
    return "'sha256-" + std::string(reinterpret_cast<const char*>(b64), std::size_t(n)) + "'";
}

InvitePage build() {
    InvitePage page;
    page.html.append(kBodyBefore)
        .append(kStyle)
        .append(kBodyMiddle)
        .append(kScript)
        .append(kBodyAfter);
    // Nothing but the two inline blocks above: no other script, style, image, font, frame,
    // form target, connection or base URL, and no framing by other sites.
    page.contentSecurityPolicy = "default-src 'none'; script-src " + cspHash(kScript) +
                                 "; style-src " + cspHash(kStyle) +
                                 "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    return page;
}

} // namespace

const InvitePage& invitePage() {
    static const InvitePage page = build();
    return page;
}

bool isInvitePageTarget(std::string_view target) {
    return target == "/i/" || target == "/i";
}

} // namespace verbatim::relay

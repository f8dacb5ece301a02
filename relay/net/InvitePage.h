#pragma once
/// @file InvitePage.h
/// The page the relay serves at `/i/` (issue 23): the landing page of an invite's web form
/// `https://HOST:PORT/i/#relay=…&token=…&firm=…[&tls=…][&mv=…]`. Mail clients make an https link
/// clickable where they would not a `verbatim://` one; the invite's parameters ride in the URL
/// fragment, which browsers never send to a server, so the relay never sees (nor logs) the token
/// and the page is the same static bytes for everyone.
///
/// The page's script reads the fragment, checks that it holds only the characters and the
/// parameters an invite link has, each once (docs/protocol.md, "Links"), and that its `relay` is
/// this very server (the URL's host and port; no user name before the host), then offers "Open
/// in Verbatim" as a `verbatim://join?<fragment>` link; otherwise it says the link is incomplete,
/// or warns that it names another server. It then clears the fragment from the address bar
/// (`history.replaceState`), so the token does not stay in the tab's URL. Either way it
/// says how to get the app. No external resource, no inline handler: the script and the style
/// sheet are inline and allowed by their SHA-256 hashes in the Content-Security-Policy, which
/// forbids everything else. No Beast here: HttpSession serves it.

#include <string>
#include <string_view>

namespace verbatim::relay {

/// The page and the headers that must go with it. Built once; thread-safe to read.
struct InvitePage {
    std::string html;                  ///< the whole document, UTF-8
    std::string contentSecurityPolicy; ///< value of the Content-Security-Policy header
};

/// The page (built on first use from constants: the same for every request).
const InvitePage& invitePage();

/// Whether an HTTP request target asks for the page: exactly `/i/` or `/i` (a browser strips the
/// fragment; a query string or any other path is not the page).
bool isInvitePageTarget(std::string_view target);

} // namespace verbatim::relay

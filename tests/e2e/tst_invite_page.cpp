// Issue 23: the invite's web form. A real relay over TLS serves the landing page at /i/; a real
// headless browser (Debian's chromium) opens https://HOST:PORT/i/#<invite> through a proxy that
// records every request, and the page's script turns the fragment into the verbatim:// link
// (C-LINK-5); the token never reaches the relay. A real client joins with the web form as with
// the verbatim:// one (C-LINK-6).

#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <utility> // before Asio: Boost 1.74 uses std::exchange without it

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>

#include "ClientParty.h"
#include "E2EHarness.h"
#include "WireProxy.h"
#include "client/core/Link.h"
#include "crypto/Digest.h"

using namespace verbatim;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace http = boost::beast::http;

namespace {

// What chromium's --ignore-certificate-errors-spki-list takes: base64 of SHA-256 of the
// certificate's SubjectPublicKeyInfo (the test relay's certificate is self-signed, and a link's
// `tls` pin is not something a browser knows).
std::string spkiPin(const std::string& certFile) {
    std::FILE* f = std::fopen(certFile.c_str(), "r");
    if (!f) return {};
    X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    if (!cert) return {};
    unsigned char* der = nullptr;
    const int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
    X509_free(cert);
    if (len <= 0) return {};
    const auto digest = crypto::sha256(ByteView(der, std::size_t(len)));
    OPENSSL_free(der);
    unsigned char b64[64];
    const int n = EVP_EncodeBlock(b64, digest.data(), int(digest.size()));
    return std::string(reinterpret_cast<const char*>(b64), std::size_t(n));
}

struct Dom {
    bool ran = false;
    QString text;  ///< the document as the page's script left it
    QString error; ///< why it did not run, for the failure message
};

// Loads `url` in headless chromium and returns the DOM after the page's scripts ran.
Dom loadInChromium(const QString& url, const std::string& spki) {
    Dom out;
    const QString browser = QStandardPaths::findExecutable("chromium");
    if (browser.isEmpty()) {
        out.error = "chromium is not installed (Debian package chromium; packaging/dev.sh setup "
                    "installs it): the invite page cannot be tested without a real browser";
        return out;
    }
    QTemporaryDir profile;
    QProcess p;
    p.setProcessChannelMode(QProcess::SeparateChannels);
    p.start(browser,
            {"--headless", "--disable-gpu",
             // Tests run as root in containers, where chromium's sandbox (user namespaces, setuid
             // helper) is unavailable; chromium refuses to start as root with it on. The page is
             // ours and the only thing loaded.
             "--no-sandbox", "--no-first-run", "--no-default-browser-check",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", "--user-data-dir=" + profile.path(),
             "--ignore-certificate-errors-spki-list=" + QString::fromStdString(spki),
             "--virtual-time-budget=5000", "--dump-dom", url});
    if (!p.waitForStarted(10000)) {
        out.error = "chromium did not start: " + p.errorString();
        return out;
    }
    if (!p.waitForFinished(90000)) {
        p.kill();
        p.waitForFinished(5000);
        out.error = "chromium did not finish within 90 s";
        return out;
    }
    out.text = QString::fromUtf8(p.readAllStandardOutput());
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0 || out.text.isEmpty()) {
        out.error = QString("chromium failed (exit %1): %2")
                        .arg(p.exitCode())
                        .arg(QString::fromUtf8(p.readAllStandardError()).right(2000));
        return out;
    }
    out.ran = true;
    return out;
}

struct Answer {
    int status = 0;
    std::map<std::string, std::string> fields;
    std::string body;
};

// One GET over TLS to the relay, as a browser would make it (no client credentials).
Answer httpsGet(std::uint16_t port, const std::string& target) {
    Answer out;
    net::io_context io;
    ssl::context tls(ssl::context::tls_client);
    tls.set_verify_mode(ssl::verify_none); // the page's content is under test, not the chain
    ssl::stream<net::ip::tcp::socket> stream(io, tls);
    boost::system::error_code ec;
    stream.next_layer().connect({net::ip::make_address("127.0.0.1"), port}, ec);
    if (ec) return out;
    stream.handshake(ssl::stream_base::client, ec);
    if (ec) return out;
    http::request<http::empty_body> req(http::verb::get, target, 11);
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    http::write(stream, req, ec);
    if (ec) return out;
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(stream, buf, res, ec);
    if (ec && ec != http::error::end_of_stream) return out;
    out.status = int(res.result_int());
    for (const auto& f : res)
        out.fields[std::string(f.name_string())] = std::string(f.value());
    out.body = res.body();
    return out;
}

// The invite's parameters (what follows `verbatim://join?`).
std::string paramsOf(const std::string& verbatimLink) {
    const auto q = verbatimLink.find('?');
    return q == std::string::npos ? std::string() : verbatimLink.substr(q + 1);
}

} // namespace

class TestInvitePage : public QObject {
    Q_OBJECT

private slots:
    // C-LINK-5: the relay serves one static page at /i/ with a strict policy: no external
    // resource, the inline script and style allowed by hash only, never cached, no referrer;
    // other paths under it are not the page.
    void pageIsStaticWithAStrictPolicy() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto page = httpsGet(h.endpoint().port, "/i/");
        QCOMPARE(page.status, 200);
        QVERIFY(page.fields["Content-Type"].starts_with("text/html"));
        QCOMPARE(page.fields["Cache-Control"], std::string("no-store"));
        QCOMPARE(page.fields["Referrer-Policy"], std::string("no-referrer"));
        QCOMPARE(page.fields["X-Content-Type-Options"], std::string("nosniff"));
        const auto& csp = page.fields["Content-Security-Policy"];
        QVERIFY2(csp.starts_with("default-src 'none'; script-src 'sha256-"), csp.c_str());
        QVERIFY(csp.find("'unsafe-inline'") == std::string::npos);
        QVERIFY(csp.find("frame-ancestors 'none'") != std::string::npos);
        // No resource from anywhere: no src= or external href, no inline handlers.
        QVERIFY(page.body.find("src=") == std::string::npos);
        QVERIFY(page.body.find("http") == std::string::npos);
        QVERIFY(page.body.find(" onclick") == std::string::npos);
        QVERIFY(page.body.find("Open in Verbatim") != std::string::npos);
        QCOMPARE(httpsGet(h.endpoint().port, "/i").status, 200);
        QCOMPARE(httpsGet(h.endpoint().port, "/i/x").status, 404);
        QCOMPARE(httpsGet(h.endpoint().port, "/i/?token=00").status, 404);
    }

    // C-LINK-5: a real browser opens the web form of a real invite through a proxy that records
    // every request; the page offers the verbatim:// link built from the fragment, and no
    // request (line or header) carried the token.
    void browserOpensTheAppLinkAndTheRelayNeverSeesTheToken() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto lena = h.enrollStaff("lena", proto::ROLE_LAWYER);
        QVERIFY(lena);
        const std::string invite = h.inviteLink("lena", "Estate of Doe");
        QVERIFY(invite.starts_with("verbatim://join?"));
        const std::string token = e2e::linkToken(invite);
        QCOMPARE(token.size(), std::size_t(32));

        // The app's web form names the relay of the link and carries the same parameters.
        const std::string web = client::webInviteLink(invite);
        QCOMPARE(web, "https://127.0.0.1:" + std::to_string(h.endpoint().port) + "/i/#" +
                          paramsOf(invite));

        const auto dir = h.dataDir().toStdString();
        e2e::WireProxy proxy(h.endpoint().port, dir + "/tls.crt", dir + "/tls.key");
        QVERIFY(proxy.ok());
        const std::string spki = spkiPin(dir + "/tls.crt");
        QVERIFY(!spki.empty());
        const std::string viaProxy =
            "https://127.0.0.1:" + std::to_string(proxy.port()) + "/i/#" + paramsOf(invite);
        const Dom dom = loadInChromium(QString::fromStdString(viaProxy), spki);
        QVERIFY2(dom.ran, qPrintable(dom.error));

        // The DOM serializes `&` in attributes as `&amp;`.
        QString expected = QString::fromStdString("verbatim://join?" + paramsOf(invite));
        expected.replace("&", "&amp;");
        QVERIFY2(dom.text.contains("href=\"" + expected + "\""), qPrintable(dom.text));
        QVERIFY2(dom.text.contains("<div id=\"open\">"), qPrintable(dom.text)); // shown
        QVERIFY(dom.text.contains("<p id=\"incomplete\" hidden=\"\">"));

        const auto heads = proxy.requestHeads();
        QVERIFY(!heads.empty());
        bool sawPage = false;
        for (const auto& head : heads) {
            sawPage |= head.starts_with("GET /i/ ");
            QVERIFY2(head.find(token) == std::string::npos, "a request carried the token");
            QVERIFY2(head.find(token.substr(8)) == std::string::npos,
                     "a request carried part of the token");
            QVERIFY2(head.find("token=") == std::string::npos, head.c_str());
        }
        QVERIFY(sawPage);
    }

    // C-LINK-5: a fragment that is not an invite's parameters (markup, a script URL, a link cut
    // short) gets the "incomplete" text and no link at all.
    void browserRefusesAFragmentThatIsNoInvite() {
        e2e::Harness h;
        QVERIFY(h.ok());
        const auto dir = h.dataDir().toStdString();
        const std::string spki = spkiPin(dir + "/tls.crt");
        const std::string base = "https://127.0.0.1:" + std::to_string(h.endpoint().port) + "/i/#";
        const std::string firm = h.firmFingerprint();
        for (const std::string fragment :
             {"relay=127.0.0.1:1&token=javascript:alert(1)&firm=" + firm,
              "relay=127.0.0.1:1&firm=" + firm, // cut short: no token
              "relay=127.0.0.1:1&token=00112233445566778899aabbccddeeff&firm=" + firm +
                  "&x=\"><b>"}) {
            const Dom dom = loadInChromium(QString::fromStdString(base + fragment), spki);
            QVERIFY2(dom.ran, qPrintable(dom.error));
            // (The script's own text names the scheme; no attribute may.)
            QVERIFY2(!dom.text.contains("href=\"verbatim://"), qPrintable(dom.text));
            QVERIFY(dom.text.contains("<div id=\"open\" hidden=\"\">"));
            QVERIFY2(dom.text.contains("<p id=\"incomplete\">"), qPrintable(dom.text));
            QVERIFY(!dom.text.contains("<b>"));
        }
    }

    // C-LINK-6: a client joins with the web form exactly as with the verbatim:// link (the same
    // checks: firm, pin, manifest addresses), and a web form with another path is refused.
    void clientJoinsWithTheWebForm() {
        e2e::Harness h;
        QVERIFY(h.ok());
        auto lena = h.enrollStaff("lena", proto::ROLE_LAWYER);
        QVERIFY(lena);
        const std::string invite = h.inviteLink("lena", "Estate of Doe");
        const std::string web = client::webInviteLink(invite);
        QVERIFY(web.starts_with("https://"));
        auto parsed = client::parseLink(web);
        QVERIFY(parsed);
        QCOMPARE(parsed->kind, client::Link::Kind::Join);
        QCOMPARE(parsed->token, e2e::linkToken(invite));
        QVERIFY(!client::parseLink("https://127.0.0.1:1/x/#" + paramsOf(invite)));
        QVERIFY(client::webInviteLink("verbatim://enroll?" + paramsOf(invite)).empty());

        // The firm check still applies to the web form: another firm fingerprint is refused
        // before the token leaves.
        std::string otherFirm = web;
        const auto at = otherFirm.find("firm=") + 5;
        otherFirm.replace(at, 32, std::string(32, 'a'));
        QVERIFY(!e2e::parties::joinParty(otherFirm, "Carol"));

        auto carol = e2e::parties::joinParty(web, "Carol", true);
        QVERIFY(carol);
        auto convs = carol->conversations();
        QVERIFY(convs);
        QCOMPARE(convs->size(), std::size_t(1));
        QCOMPARE(convs->front().title, std::string("Estate of Doe"));
    }
};

QTEST_GUILESS_MAIN(TestInvitePage)
#include "tst_invite_page.moc"

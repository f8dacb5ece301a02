// Issue 23: the invite's web form. A real relay over TLS serves the landing page at /i/; a real
// headless browser (Debian's chromium) opens https://HOST:PORT/i/#<invite> through a proxy that
// records every request, and the page's script turns the fragment into the verbatim:// link
// (C-LINK-5); the token never reaches the relay. A real client joins with the web form as with
// the verbatim:// one (C-LINK-6).

#include <QProcess>
#include <QRegularExpression>
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

// Loads each of `urls` in headless chromium (a few at a time, each in its own profile) and
// returns the DOMs after the page's scripts ran, in order.
std::vector<Dom> loadAllInChromium(const QStringList& urls, const std::string& spki) {
    std::vector<Dom> out(std::size_t(urls.size()));
    const QString browser = QStandardPaths::findExecutable("chromium");
    if (browser.isEmpty()) {
        for (auto& d : out)
            d.error = "chromium is not installed (Debian package chromium; packaging/dev.sh setup "
                      "installs it): the invite page cannot be tested without a real browser";
        return out;
    }
    constexpr int kAtOnce = 4;
    for (int first = 0; first < urls.size(); first += kAtOnce) {
        const int n = std::min<int>(kAtOnce, int(urls.size()) - first);
        std::vector<std::unique_ptr<QTemporaryDir>> profiles;
        std::vector<std::unique_ptr<QProcess>> procs;
        for (int k = 0; k < n; ++k) {
            profiles.push_back(std::make_unique<QTemporaryDir>());
            procs.push_back(std::make_unique<QProcess>());
            auto& p = *procs.back();
            p.setProcessChannelMode(QProcess::SeparateChannels);
            p.start(browser,
                    {"--headless", "--disable-gpu",
                     // Tests run as root in containers, where chromium's sandbox (user
                     // namespaces, setuid helper) is unavailable; chromium refuses to start as
                     // root with it on. The page is ours and the only thing loaded.
                     "--no-sandbox", "--no-first-run", "--no-default-browser-check",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--disable-dev-shm-usage",
                     "--user-data-dir=" + profiles.back()->path(),
                     "--ignore-certificate-errors-spki-list=" + QString::fromStdString(spki),
                     "--virtual-time-budget=5000", "--dump-dom", urls[first + k]});
        }
        for (int k = 0; k < n; ++k) {
            auto& p = *procs[std::size_t(k)];
            auto& d = out[std::size_t(first + k)];
            if (!p.waitForStarted(10000)) {
                d.error = "chromium did not start: " + p.errorString();
                continue;
            }
            if (!p.waitForFinished(90000)) {
                p.kill();
                p.waitForFinished(5000);
                d.error = "chromium did not finish within 90 s";
                continue;
            }
            d.text = QString::fromUtf8(p.readAllStandardOutput());
            if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0 || d.text.isEmpty()) {
                d.error = QString("chromium failed (exit %1): %2")
                              .arg(p.exitCode())
                              .arg(QString::fromUtf8(p.readAllStandardError()).right(2000));
                continue;
            }
            d.ran = true;
        }
    }
    return out;
}

// Loads `url` in headless chromium and returns the DOM after the page's scripts ran.
Dom loadInChromium(const QString& url, const std::string& spki) {
    return loadAllInChromium({url}, spki).front();
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

// `params` with its relay set to 127.0.0.1:`port`.
std::string withRelay(std::string params, std::uint16_t port) {
    const auto at = params.find("relay=") + 6;
    params.replace(at, params.find('&', at) - at, "127.0.0.1:" + std::to_string(port));
    return params;
}

// Which of the page's three outcomes is shown: "open" (the Open in Verbatim button), "foreign"
// (the warning that the link names another server), "incomplete"; "none" when the page did not
// load (another page, a browser error page) or shows more than one.
QString pageState(const Dom& dom) {
    QStringList shown;
    if (dom.text.contains("<div id=\"open\">")) shown << "open";
    if (dom.text.contains("<p id=\"foreign\">")) shown << "foreign";
    if (dom.text.contains("<p id=\"incomplete\">")) shown << "incomplete";
    return shown.size() == 1 ? shown.front() : QString("none");
}

// The address the page left in the address bar (its script copies it to `data-address`).
QString addressLeft(const Dom& dom) {
    static const QRegularExpression re("data-address=\"([^\"]*)\"");
    const auto m = re.match(dom.text);
    return m.hasMatch() ? m.captured(1).replace("&amp;", "&") : QString("(no data-address)");
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
        // The browser talks to the proxy, so the link names the proxy's address: the page opens
        // only a link naming the server that shows it (issue 23 finding 1).
        const std::string proxied = withRelay(paramsOf(invite), proxy.port());
        const std::string viaProxy =
            "https://127.0.0.1:" + std::to_string(proxy.port()) + "/i/#" + proxied;
        const Dom dom = loadInChromium(QString::fromStdString(viaProxy), spki);
        QVERIFY2(dom.ran, qPrintable(dom.error));

        // The DOM serializes `&` in attributes as `&amp;`.
        QString expected = QString::fromStdString("verbatim://join?" + proxied);
        expected.replace("&", "&amp;");
        QVERIFY2(dom.text.contains("href=\"" + expected + "\""), qPrintable(dom.text));
        QCOMPARE(pageState(dom), QString("open"));
        // Finding 2: the fragment is gone from the address bar once the page read it (the Open
        // link above keeps it), so the token stays out of the tab's URL and session history.
        QCOMPARE(addressLeft(dom), QString("https://127.0.0.1:%1/i/").arg(proxy.port()));

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
        for (const std::string& fragment :
             {"relay=127.0.0.1:1&token=javascript:alert(1)&firm=" + firm,
              "relay=127.0.0.1:1&firm=" + firm, // cut short: no token
              "relay=127.0.0.1:1&token=00112233445566778899aabbccddeeff&firm=" + firm +
                  "&x=\"><b>"}) {
            const Dom dom = loadInChromium(QString::fromStdString(base + fragment), spki);
            QVERIFY2(dom.ran, qPrintable(dom.error));
            // (The script's own text names the scheme; no attribute may.)
            QVERIFY2(!dom.text.contains("href=\"verbatim://"), qPrintable(dom.text));
            QCOMPARE(pageState(dom), QString("incomplete"));
            QVERIFY(!dom.text.contains("<b>"));
            QVERIFY2(!addressLeft(dom).contains('#'), qPrintable(addressLeft(dom)));
        }
    }

    // Issue 23 findings 1, 3 and 4 (C-LINK-7): the page on the firm's server offers "Open in
    // Verbatim" only for a link naming that very server, once per parameter, and the app takes
    // the https link exactly when the page does. Every trick is loaded in real chromium (how the
    // browser reads the address is what the page sees) and given to parseLink.
    void pageAndAppAgreeOnWhichServerALinkNames() {
        e2e::Harness h;
        QVERIFY(h.ok());
        const auto dir = h.dataDir().toStdString();
        const std::string spki = spkiPin(dir + "/tls.crt");
        QVERIFY(!spki.empty());
        const std::string port = std::to_string(h.endpoint().port);
        const std::string other = std::to_string(h.endpoint().port == 1 ? 2 : 1);
        const std::string at = "127.0.0.1:" + port;
        const std::string rest =
            "&token=00112233445566778899aabbccddeeff&firm=" + h.firmFingerprint();
        struct Case {
            std::string url;
            QString page; ///< what the page shows
            /// Whether the app takes the https link: exactly when the page opens it, but for a
            /// user name before the host, which chromium drops before the page runs (the page
            /// then judges the host alone, rightly) and the app refuses outright.
            bool app = page == "open";
        };
        const std::vector<Case> cases = {
            {"https://" + at + "/i/#relay=" + at + rest, "open"},
            {"https://" + at + "/i#relay=" + at + rest, "open"}, // finding 3: /i as /i/
            // Finding 1: a link naming another relay, shown by the firm's page.
            {"https://" + at + "/i/#relay=attacker.example:443" + rest, "foreign"},
            {"https://" + at + "/i/#relay=127.0.0.1:" + other + rest, "foreign"},
            {"https://localhost:" + port + "/i/#relay=" + at + rest, "foreign"},
            // Duplicates, whichever comes first, known or not.
            {"https://" + at + "/i/#relay=" + at + "&relay=attacker.example:443" + rest,
             "incomplete"},
            {"https://" + at + "/i/#relay=attacker.example:443&relay=" + at + rest, "incomplete"},
            {"https://" + at + "/i/#relay=" + at + rest + "&token=ffeeddccbbaa99887766554433221100",
             "incomplete"},
            {"https://" + at + "/i/#relay=" + at + rest + "&x=1&x=1", "incomplete"},
            // Finding 4: how a browser reads the address, and hosts only one reading of which
            // is taken (IPv4 in dotted decimal, no IDN, no trailing dot).
            {"https://LOCALHOST:" + port + "/i/#relay=LocalHost:" + port + rest, "open"},
            {"https://%6Cocalhost:" + port + "/i/#relay=localhost:" + port + rest, "open"},
            {"https://127.0.0.1:0" + port + "/i/#relay=" + at + rest, "open"},
            {"https://2130706433:" + port + "/i/#relay=" + at + rest, "open"},
            {"https://" + at + "/i/#relay=0x7f.1:" + port + rest, "incomplete"},
            {"https://" + at + "/i/#relay=xn--lcalhost-ffg:" + port + rest, "incomplete"},
            {"https://localhost.:" + port + "/i/#relay=localhost:" + port + rest, "foreign"},
            {"https://firm@" + at + "/i/#relay=" + at + rest, "open", false},
            {"https://127.0.0.1%2F@localhost:" + port + "/i/#relay=" + at + rest, "foreign"},
            {"https://" + at + "/i/?x#relay=" + at + rest, "none"}, // not the page: 404
        };
        QStringList urls;
        for (const auto& c : cases)
            urls << QString::fromStdString(c.url);
        const auto doms = loadAllInChromium(urls, spki);
        for (std::size_t i = 0; i < cases.size(); ++i) {
            const auto& c = cases[i];
            QVERIFY2(doms[i].ran, qPrintable(doms[i].error));
            QVERIFY2(pageState(doms[i]) == c.page,
                     qPrintable(QString::fromStdString(c.url) + " shows " + pageState(doms[i])));
            QCOMPARE(doms[i].text.contains("href=\"verbatim://"), c.page == "open");
            if (c.page != "none")
                QVERIFY2(!addressLeft(doms[i]).contains('#'), qPrintable(addressLeft(doms[i])));
            const auto parsed = client::parseLink(c.url);
            QVERIFY2(
                bool(parsed) == c.app,
                qPrintable(QString::fromStdString(c.url) + " app: " +
                           QString::fromStdString(parsed ? "accepted" : parsed.error().message)));
            if (!parsed) QCOMPARE(parsed.error().code, ErrorCode::Malformed);
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

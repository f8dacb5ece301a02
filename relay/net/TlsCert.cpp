#include "relay/net/TlsCert.h"

#include <cstdio>
#include <ctime>
#include <fcntl.h>
#include <memory>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include "common/Bytes.h"

namespace verbatim::relay {

namespace {
struct FileCloser {
    void operator()(FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;
struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
} // namespace

Result<void> generateSelfSignedCertificate(const std::string& certPath, const std::string& keyPath,
                                           const std::string& commonName) {
    std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_EC_gen("P-256"));
    std::unique_ptr<X509, X509Free> cert(X509_new());
    if (!key || !cert) return fail(ErrorCode::Crypto, "certificate key generation failed");
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), long(std::time(nullptr)));
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("Verbatim relay (local)"), -1,
                               -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(commonName.c_str()), -1, -1,
                               0);
    X509_set_issuer_name(cert.get(), name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    std::string san = "DNS:localhost,IP:127.0.0.1,DNS:" + commonName;
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str());
    if (!ext) return fail(ErrorCode::Crypto, "certificate extension failed");
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0)
        return fail(ErrorCode::Crypto, "certificate signing failed");

    {
        int fd = ::open(keyPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0) return fail(ErrorCode::Storage, "cannot write TLS key file");
        FilePtr f(fdopen(fd, "w"));
        if (!f || !PEM_write_PrivateKey(f.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr))
            return fail(ErrorCode::Storage, "cannot write TLS key file");
    }
    FilePtr f(std::fopen(certPath.c_str(), "w"));
    if (!f || !PEM_write_X509(f.get(), cert.get()))
        return fail(ErrorCode::Storage, "cannot write certificate");
    return {};
}

Result<std::string> certificateFingerprint(const std::string& certPath) {
    FilePtr f(std::fopen(certPath.c_str(), "r"));
    if (!f) return fail(ErrorCode::NotFound, "certificate file not found");
    std::unique_ptr<X509, X509Free> cert(PEM_read_X509(f.get(), nullptr, nullptr, nullptr));
    if (!cert) return fail(ErrorCode::Malformed, "not a PEM certificate");
    unsigned char md[32];
    unsigned int len = 0;
    if (X509_digest(cert.get(), EVP_sha256(), md, &len) != 1)
        return fail(ErrorCode::Crypto, "certificate digest failed");
    return toHex(ByteView(md, len));
}

Result<std::string> certificateKeyPin(const std::string& certPath) {
    FilePtr f(std::fopen(certPath.c_str(), "r"));
    if (!f) return fail(ErrorCode::NotFound, "certificate file not found");
    std::unique_ptr<X509, X509Free> cert(PEM_read_X509(f.get(), nullptr, nullptr, nullptr));
    if (!cert) return fail(ErrorCode::Malformed, "not a PEM certificate");
    unsigned char* der = nullptr;
    const int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &der);
    if (len <= 0 || !der) return fail(ErrorCode::Crypto, "certificate public key encoding failed");
    unsigned char md[32];
    unsigned int mdLen = 0;
    const bool ok = EVP_Digest(der, std::size_t(len), md, &mdLen, EVP_sha256(), nullptr) == 1;
    OPENSSL_free(der);
    if (!ok) return fail(ErrorCode::Crypto, "public key digest failed");
    return toHex(ByteView(md, mdLen));
}

} // namespace verbatim::relay

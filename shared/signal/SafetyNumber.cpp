#include "signal/SafetyNumber.h"

#include <algorithm>
#include <signal/curve.h>
#include <signal/fingerprint.h>

#include "signal/SignalPtr.h"

namespace verbatim::signal {

namespace {

struct KeyList {
    ec_public_key_list* list = ec_public_key_list_alloc();
    ~KeyList() {
        if (list) ec_public_key_list_free(list);
    }
};

Result<void> fill(KeyList& out, std::vector<Bytes>& keys, signal_context* ctx) {
    if (!out.list) return fail(ErrorCode::Internal, "out of memory");
    if (keys.empty()) return fail(ErrorCode::NotFound, "no identity key known for this user");
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (const auto& k : keys) {
        SignalPtr<ec_public_key> pub;
        int rc = curve_decode_point(pub.out(), k.data(), k.size(), ctx);
        if (rc == 0)
            rc = ec_public_key_list_push_back(out.list, pub.get()); // the list takes a reference
        if (rc != 0) return tl::unexpected(SignalContext::toError(rc, "identity key"));
    }
    return {};
}

} // namespace

Result<std::string> safetyNumber(SignalContext& context, const std::string& localUser,
                                 std::vector<Bytes> localKeys, const std::string& remoteUser,
                                 std::vector<Bytes> remoteKeys) {
    auto lock = context.lock();
    KeyList local, remote;
    if (auto r = fill(local, localKeys, context.get()); !r) return tl::unexpected(r.error());
    if (auto r = fill(remote, remoteKeys, context.get()); !r) return tl::unexpected(r.error());
    fingerprint_generator* generator = nullptr;
    int rc = fingerprint_generator_create(&generator, 5200, 1, context.get());
    if (rc != 0) return tl::unexpected(SignalContext::toError(rc, "fingerprint generator"));
    SignalPtr<fingerprint> fp;
    rc = fingerprint_generator_create_for_list(generator, localUser.c_str(), local.list,
                                               remoteUser.c_str(), remote.list, fp.out());
    fingerprint_generator_free(generator);
    if (rc != 0) return tl::unexpected(SignalContext::toError(rc, "fingerprint"));
    const char* text = displayable_fingerprint_text(fingerprint_get_displayable(fp.get()));
    if (!text) return fail(ErrorCode::Internal, "fingerprint text");
    return std::string(text);
}

std::string formatSafetyNumber(const std::string& digits) {
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i && i % 5 == 0) out.push_back(' ');
        out.push_back(digits[i]);
    }
    return out;
}

} // namespace verbatim::signal

// Client, its UnifiedPush endpoint (issue 23): what a phone build registers once its distributor
// has given the app a URL, so that the relay can wake it while it is not connected.
#include "client/core/ClientImpl.h"
#include "common/Try.h"

namespace verbatim::client {

Result<void> Client::setPushEndpoint(const std::string& url) {
    proto::Request req;
    req.mutable_set_push_endpoint()->set_url(url);
    VERBATIM_TRY_LET(resp, m->call(req));
    if (resp->status() == proto::STATUS_BAD_REQUEST)
        return fail(ErrorCode::InvalidArgument, resp->error());
    if (resp->status() != proto::STATUS_OK)
        return fail(ErrorCode::Unavailable, "relay refused: " + resp->error());
    return {};
}

} // namespace verbatim::client

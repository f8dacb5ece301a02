#include "crypto/OpenSslUtil.h"

#include <openssl/err.h>

namespace verbatim::crypto {

tl::unexpected<Error> opensslFailure(const char* what, ErrorCode code) {
    unsigned long e = ERR_peek_last_error();
    ERR_clear_error();
    return fail(code, what, static_cast<int>(e & 0x7fffffff));
}

} // namespace verbatim::crypto

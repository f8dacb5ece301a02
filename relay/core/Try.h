#pragma once
/// @file Try.h
/// Early return of a failed Result, for the relay's storage jobs and handlers, where nearly
/// every statement can fail and the failure goes to the caller unchanged:
///
///     RELAY_TRY(st->run());                       // a failed Result returns its Error
///     RELAY_TRY_LET(st, db.prepare("SELECT ..."));  // declares `st` (the Result) and returns
///                                                   // its Error when it failed; use *st, st->
///
/// Either works in any function or lambda whose return type a `tl::unexpected<Error>` converts
/// to (any Result<T>). Macros, because only a macro can return from its caller.

#include "common/Result.h"

#define RELAY_TRY(...)                                                      \
    do {                                                                    \
        if (auto&& relayTryResult_ = (__VA_ARGS__); !relayTryResult_)       \
            return tl::unexpected(relayTryResult_.error());                 \
    } while (0)

#define RELAY_TRY_LET(name, ...) \
    auto name = (__VA_ARGS__);   \
    if (!name) return tl::unexpected(name.error())

#pragma once
/// @file Try.h
/// Early return of a failed Result, where nearly every statement can fail and the failure goes
/// to the caller unchanged (storage jobs, relay handlers, the client's and the archive's
/// database work):
///
///     VERBATIM_TRY(st->run());                        // a failed Result returns its Error
///     VERBATIM_TRY_LET(st, db.prepare("SELECT ..."));  // declares `st` (the Result) and returns
///                                                      // its Error when it failed; use *st, st->
///
/// Either works in any function or lambda whose return type a `tl::unexpected<Error>` converts
/// to (any Result<T>). Macros, because only a macro can return from its caller.

#include "common/Result.h"

#define VERBATIM_TRY(...)                                                                          \
    do {                                                                                           \
        if (auto&& verbatimTryResult_ = (__VA_ARGS__); !verbatimTryResult_)                        \
            return tl::unexpected(verbatimTryResult_.error());                                     \
    } while (0)

#define VERBATIM_TRY_LET(name, ...)                                                                \
    auto name = (__VA_ARGS__);                                                                     \
    if (!name) return tl::unexpected(name.error())

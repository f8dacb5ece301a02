#pragma once
/// @file SearchParser.h
/// The compliance search language (issue 16 item 8), parsed here and translated into an FTS5
/// MATCH expression built from the parse tree, every term quoted as an FTS5 string. Before
/// this, the text typed went to FTS5 as written: `12-34-56` failed with "no such column: 34",
/// and `O'Brien`, `non-disclosure`, `AND` and `NEAR(` failed too. `verbatim-journal search`
/// and the app's compliance page both search through Archive::search, which parses here.
///
/// The language (README "Compliance", "The search language"), in the habits of e-discovery:
///  - `contract` a word. Case and accents do not matter. Punctuation inside a word splits it as
///    the index does and the parts must follow each other: `O'Brien` is "o brien", `12-34-56`
///    is "12 34 56", `non-disclosure` is "non disclosure".
///  - `"breach of contract"` a phrase: these words in this order. Curly quotes work too.
///    Inside quotes everything is text.
///  - `contract breach` both (the default operator is AND); `contract AND breach` the same.
///  - `contract OR agreement` either; `contract NOT draft` and `contract AND NOT draft`: the
///    first without the second.
///  - `contract w/5 breach` within 5 words of each other, in either order (`NEAR/5` is the
///    same; N from 0 to 1,000). Each side is a word, a phrase, a prefix or a parenthesised OR of
///    those: `(contract OR agreement) w/5 breach`. `a w/5 b w/3 c` means a within 5 words of b,
///    and b within 3 words of c.
///  - `negligen*` words that start with "negligen" (a trailing `*`).
///  - `( … )` groups. Without them w/N binds tightest, then NOT, then AND, then OR:
///    `a OR b c` is `a OR (b AND c)`.
///  - The operators are AND, OR, NOT, w/N and NEAR/N, upper case (w/N also `W/N`). Anything else
///    is text: lower-case `and`, an operator with nothing on one side (`AND` alone, `NOT x` at the
///    start), an unmatched `"`, `(` or `)` (reported in `notes`), `col:value`, `^`, `NEAR(`, a
///    leading `-`, a `*` not at the end of a word. Characters that are neither letters nor
///    digits only separate words; a term made of nothing else is ignored.
///
/// Errors (ErrorCode::InvalidArgument, a message for a person): nothing to search for, more than
/// SearchLimits::maxBytes of text or maxTerms terms, parentheses nested deeper than maxDepth, a
/// w/N side that is an AND or NOT group, a w/N of OR groups that expands to more than
/// maxNearGroups NEAR groups. A query never reaches SQLite as it was typed.
/// No Qt, no database; safe from any thread.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/Result.h"

namespace verbatim::compliance {

struct SearchLimits {
    std::size_t maxBytes = 16384;   ///< of query text
    std::size_t maxTerms = 1000;    ///< words, phrases and prefixes
    std::size_t maxDepth = 32;      ///< nested parentheses
    std::size_t maxNearGroups = 64; ///< NEAR groups one w/N between OR groups expands to
    unsigned maxDistance = 1000;    ///< the N of w/N; larger reads as text
};

struct ParsedSearch {
    std::string fts5;       ///< the MATCH expression
    std::string normalized; ///< the query as understood, written in the language, fully grouped
    std::vector<std::string> notes; ///< what was read as text rather than as syntax
    std::size_t terms = 0;
};

/// Parses `query` (any bytes: invalid UTF-8 and control characters only separate words).
[[nodiscard]] Result<ParsedSearch> parseSearch(std::string_view query,
                                               const SearchLimits& limits = {});

} // namespace verbatim::compliance

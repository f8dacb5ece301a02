#include "compliance/SearchParser.h"
#include "common/Try.h"

#include <cstdint>
#include <locale.h>
#include <wctype.h>

namespace verbatim::compliance {

namespace {

// ---- characters ---------------------------------------------------------------------------------

/// Decodes valid UTF-8 at `s[i]` (the parser cleans its input first); advances `i`.
char32_t nextCodePoint(std::string_view s, std::size_t& i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t n = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
    char32_t cp = n == 1 ? b0 : n == 2 ? (b0 & 0x1F) : n == 3 ? (b0 & 0x0F) : (b0 & 0x07);
    for (std::size_t k = 1; k < n && i + k < s.size(); ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += n;
    return cp;
}

/// Control characters and invalid UTF-8 become spaces: they separate words in the index too,
/// and a NUL would end the expression inside FTS5.
std::string cleanInput(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const auto b0 = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        if (b0 < 0x80)
            n = 1;
        else if (b0 >= 0xC2 && b0 <= 0xDF)
            n = 2;
        else if (b0 >= 0xE0 && b0 <= 0xEF)
            n = 3;
        else if (b0 >= 0xF0 && b0 <= 0xF4)
            n = 4;
        bool ok = n > 0 && i + n <= s.size();
        for (std::size_t k = 1; ok && k < n; ++k)
            ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
        if (ok && n >= 3) {
            const auto b1 = static_cast<unsigned char>(s[i + 1]);
            // overlongs, surrogates, beyond U+10FFFF
            ok = !(b0 == 0xE0 && b1 < 0xA0) && !(b0 == 0xED && b1 > 0x9F) &&
                 !(b0 == 0xF0 && b1 < 0x90) && !(b0 == 0xF4 && b1 > 0x8F);
        }
        if (!ok) {
            out.push_back(' ');
            ++i;
            continue;
        }
        if (n == 1)
            out.push_back(b0 < 0x20 || b0 == 0x7F ? ' ' : char(b0));
        else if (n == 2 && b0 == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0)
            out.push_back(' '); // C1
        else
            out.append(s.substr(i, n));
        i += n;
    }
    return out;
}

/// Whether the index's tokenizer (unicode61: letters, numbers, private use; combining marks
/// with remove_diacritics) keeps `c` in a token. Exact for ASCII; for the rest glibc's Unicode
/// classes, which can only err towards dropping a term (a broader search), never towards an
/// empty phrase (which would match nothing).
bool isTokenChar(char32_t c) {
    if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    static const locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t(nullptr));
    if (!utf8) return c != 0xFFFD;
    if (iswalnum_l(wint_t(c), utf8)) return true;
    if (c >= 0x300 && c <= 0x36F) return true; // combining diacritics
    if (c == 0xB2 || c == 0xB3 || c == 0xB9 || (c >= 0xBC && c <= 0xBE)) return true; // ² ³ ¹ ¼ ½ ¾
    if (c >= 0xE000 && c <= 0xF8FF) return true;                                      // private use
    return false;
}

bool hasTokenChar(std::string_view s) {
    for (std::size_t i = 0; i < s.size();)
        if (isTokenChar(nextCodePoint(s, i))) return true;
    return false;
}

/// The length of an opening or closing quote mark at `s[i]` (", “ or ”), 0 if none.
std::size_t quoteAt(std::string_view s, std::size_t i) {
    if (s[i] == '"') return 1;
    if (s.compare(i, 3, "\u201C") == 0 || s.compare(i, 3, "\u201D") == 0) return 3;
    return 0;
}

// ---- tokens -------------------------------------------------------------------------------------

enum class Kind { Term, LParen, RParen, And, Or, Not, Near };

struct Token {
    Kind kind = Kind::Term;
    std::string text; ///< a term's text; an operator's spelling
    bool phrase = false;
    bool prefix = false;
    unsigned distance = 0;
};

bool startsOperand(const Token& t) {
    return t.kind == Kind::Term || t.kind == Kind::LParen;
}
bool endsOperand(const Token& t) {
    return t.kind == Kind::Term || t.kind == Kind::RParen;
}
bool isOperator(const Token& t) {
    return t.kind == Kind::And || t.kind == Kind::Or || t.kind == Kind::Not || t.kind == Kind::Near;
}

/// `w/5`, `W/5`, `NEAR/5` with N up to `max`: the distance; else -1.
long proximity(std::string_view w, unsigned max) {
    std::string_view digits;
    if (w.size() > 2 && (w[0] == 'w' || w[0] == 'W') && w[1] == '/')
        digits = w.substr(2);
    else if (w.size() > 5 && w.substr(0, 5) == "NEAR/")
        digits = w.substr(5);
    else
        return -1;
    if (digits.empty() || digits.size() > 5) return -1;
    long n = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return -1;
        n = n * 10 + (c - '0');
    }
    return n <= long(max) ? n : -1;
}

struct Notes {
    std::vector<std::string> list;
    std::size_t dropped = 0;
    void add(std::string s) {
        // A 1,000-term query must not produce 1,000 notes.
        if (list.size() < 10)
            list.push_back(std::move(s));
        else
            ++dropped;
    }
};

std::string shown(std::string_view s) {
    return s.size() <= 40 ? std::string(s) : std::string(s.substr(0, 37)) + "...";
}

std::vector<Token> lex(std::string_view s, const SearchLimits& limits, Notes& notes) {
    std::vector<Token> out;
    for (std::size_t i = 0; i < s.size();) {
        if (s[i] == ' ') {
            ++i;
            continue;
        }
        if (std::size_t q = quoteAt(s, i)) {
            std::size_t j = i + q, close = 0;
            for (; j < s.size(); ++j)
                if ((close = quoteAt(s, j))) break;
            if (j < s.size()) {
                out.push_back({Kind::Term, std::string(s.substr(i + q, j - i - q)), true});
                i = j + close;
            } else {
                notes.add("an unmatched quote mark was read as text");
                i += q;
            }
            continue;
        }
        if (s[i] == '(' || s[i] == ')') {
            out.push_back({s[i] == '(' ? Kind::LParen : Kind::RParen, std::string(1, s[i])});
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < s.size() && s[j] != ' ' && s[j] != '(' && s[j] != ')' && !quoteAt(s, j))
            ++j;
        std::string_view w = s.substr(i, j - i);
        i = j;
        Token t{Kind::Term, std::string(w)};
        if (w == "AND")
            t.kind = Kind::And;
        else if (w == "OR")
            t.kind = Kind::Or;
        else if (w == "NOT")
            t.kind = Kind::Not;
        else if (long n = proximity(w, limits.maxDistance); n >= 0) {
            t.kind = Kind::Near;
            t.distance = unsigned(n);
        } else {
            while (!t.text.empty() && t.text.back() == '*') {
                t.text.pop_back();
                t.prefix = true;
            }
        }
        out.push_back(std::move(t));
    }
    return out;
}

// ---- the tree -----------------------------------------------------------------------------------

struct Node {
    enum class Type { Term, And, Or, Not, Near } type = Type::Term;
    std::string text;
    bool phrase = false;
    bool prefix = false;
    std::vector<Node> kids;          ///< Not: the first without any of the others
    std::vector<unsigned> distances; ///< Near: between kids[i] and kids[i + 1]
};

/// `left op right`, flattening a chain of one operator (FTS5 limits expression depth).
Node combine(Node::Type type, Node left, Node right) {
    Node n;
    n.type = type;
    if (left.type == type)
        n.kids = std::move(left.kids);
    else
        n.kids.push_back(std::move(left));
    if (right.type == type && type != Node::Type::Not) {
        for (auto& k : right.kids)
            n.kids.push_back(std::move(k));
    } else {
        n.kids.push_back(std::move(right));
    }
    return n;
}

/// Recursive descent over tokens already made well formed: every operator stands between two
/// operands and every parenthesis is matched.
class Parser {
public:
    explicit Parser(const std::vector<Token>& t) : m_t(t) {}
    Result<Node> parse() {
        auto n = orExpr();
        if (!n) return n;
        if (m_i != m_t.size())
            return fail(ErrorCode::InvalidArgument, "the search query could not be read");
        return n;
    }

private:
    const Token* peek() const { return m_i < m_t.size() ? &m_t[m_i] : nullptr; }

    Result<Node> orExpr() {
        auto left = andExpr();
        while (left && peek() && peek()->kind == Kind::Or) {
            ++m_i;
            auto right = andExpr();
            if (!right) return right;
            left = combine(Node::Type::Or, std::move(*left), std::move(*right));
        }
        return left;
    }
    Result<Node> andExpr() {
        auto left = notExpr();
        while (left && peek() && (peek()->kind == Kind::And || startsOperand(*peek()))) {
            if (peek()->kind == Kind::And) ++m_i;
            auto right = notExpr();
            if (!right) return right;
            left = combine(Node::Type::And, std::move(*left), std::move(*right));
        }
        return left;
    }
    Result<Node> notExpr() {
        auto left = nearExpr();
        while (left && peek() && peek()->kind == Kind::Not) {
            ++m_i;
            auto right = nearExpr();
            if (!right) return right;
            left = combine(Node::Type::Not, std::move(*left), std::move(*right));
        }
        return left;
    }
    Result<Node> nearExpr() {
        auto first = primary();
        if (!first || !peek() || peek()->kind != Kind::Near) return first;
        Node n;
        n.type = Node::Type::Near;
        n.kids.push_back(std::move(*first));
        while (peek() && peek()->kind == Kind::Near) {
            n.distances.push_back(peek()->distance);
            ++m_i;
            auto next = primary();
            if (!next) return next;
            n.kids.push_back(std::move(*next));
        }
        return n;
    }
    Result<Node> primary() {
        const Token* t = peek();
        if (!t) return fail(ErrorCode::InvalidArgument, "the search query ends too early");
        if (t->kind == Kind::Term) {
            ++m_i;
            Node n;
            n.text = t->text;
            n.phrase = t->phrase;
            n.prefix = t->prefix;
            return n;
        }
        if (t->kind != Kind::LParen)
            return fail(ErrorCode::InvalidArgument, "the search query could not be read");
        ++m_i;
        auto inner = orExpr();
        if (!inner) return inner;
        if (!peek() || peek()->kind != Kind::RParen)
            return fail(ErrorCode::InvalidArgument, "the search query could not be read");
        ++m_i;
        return inner;
    }

    const std::vector<Token>& m_t;
    std::size_t m_i = 0;
};

// ---- output -------------------------------------------------------------------------------------

std::string ftsString(const Node& term) {
    std::string out = "\"";
    for (char c : term.text) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    if (term.prefix) out += '*';
    return out;
}

std::string joined(const std::vector<std::string>& parts, const char* op) {
    if (parts.size() == 1) return parts[0];
    std::string out = "(";
    for (std::size_t i = 0; i < parts.size(); ++i)
        out += (i ? op : "") + parts[i];
    return out + ")";
}

/// The terms one side of a w/N stands for: itself, or the terms of an OR group.
Result<std::vector<const Node*>> nearSide(const Node& n) {
    if (n.type == Node::Type::Term) return std::vector<const Node*>{&n};
    if (n.type == Node::Type::Or) {
        std::vector<const Node*> out;
        for (const auto& k : n.kids) {
            if (k.type != Node::Type::Term) break;
            out.push_back(&k);
        }
        if (out.size() == n.kids.size()) return out;
    }
    return fail(
        ErrorCode::InvalidArgument,
        "w/N joins words, phrases, prefixes or (x OR y) groups of them, not an AND or NOT group: "
        "write (a w/5 c) AND (b w/5 c)");
}

Result<std::string> fts(const Node& n, const SearchLimits& limits) {
    using T = Node::Type;
    if (n.type == T::Term) return ftsString(n);
    if (n.type == T::Near) {
        std::vector<std::string> pairs;
        for (std::size_t i = 0; i + 1 < n.kids.size(); ++i) {
            auto a = nearSide(n.kids[i]);
            if (!a) return tl::unexpected(a.error());
            auto b = nearSide(n.kids[i + 1]);
            if (!b) return tl::unexpected(b.error());
            if (a->size() * b->size() > limits.maxNearGroups)
                return fail(ErrorCode::InvalidArgument,
                            "the w/N groups expand to more than " +
                                std::to_string(limits.maxNearGroups) +
                                " proximity searches: use fewer alternatives");
            std::vector<std::string> alternatives;
            for (const Node* x : *a)
                for (const Node* y : *b)
                    alternatives.push_back("NEAR(" + ftsString(*x) + " " + ftsString(*y) + ", " +
                                           std::to_string(n.distances[i]) + ")");
            pairs.push_back(joined(alternatives, " OR "));
        }
        return joined(pairs, " AND ");
    }
    std::vector<std::string> parts;
    for (const auto& k : n.kids) {
        auto p = fts(k, limits);
        if (!p) return p;
        parts.push_back(std::move(*p));
    }
    if (n.type == T::Not) {
        // a NOT b NOT c is a NOT (b OR c): flat, however long the chain.
        std::vector<std::string> negatives(parts.begin() + 1, parts.end());
        return "(" + parts[0] + " NOT " + joined(negatives, " OR ") + ")";
    }
    return joined(parts, n.type == T::And ? " AND " : " OR ");
}

std::string normalized(const Node& n, bool top) {
    using T = Node::Type;
    if (n.type == T::Term) {
        const bool keyword =
            n.text == "AND" || n.text == "OR" || n.text == "NOT" || proximity(n.text, ~0u) >= 0;
        std::string t = n.phrase || keyword ? "\"" + n.text + "\"" : n.text;
        return n.prefix ? t + "*" : t;
    }
    std::string out;
    for (std::size_t i = 0; i < n.kids.size(); ++i) {
        if (i) {
            switch (n.type) {
            case T::And:
                out += " AND ";
                break;
            case T::Or:
                out += " OR ";
                break;
            case T::Not:
                out += " NOT ";
                break;
            default:
                out += " w/" + std::to_string(n.distances[i - 1]) + " ";
                break;
            }
        }
        out += normalized(n.kids[i], false);
    }
    return top ? out : "(" + out + ")";
}

std::size_t countTerms(const Node& n) {
    if (n.type == Node::Type::Term) return 1;
    std::size_t c = 0;
    for (const auto& k : n.kids)
        c += countTerms(k);
    return c;
}

} // namespace

Result<ParsedSearch> parseSearch(std::string_view query, const SearchLimits& limits) {
    if (query.size() > limits.maxBytes)
        return fail(ErrorCode::InvalidArgument, "the search query is longer than " +
                                                    std::to_string(limits.maxBytes) + " bytes");
    const std::string text = cleanInput(query);
    Notes notes;
    auto raw = lex(text, limits, notes);

    // Terms with no letter or digit match nothing in the index: leave them out.
    std::vector<Token> tokens;
    for (auto& t : raw) {
        if (t.kind == Kind::Term && !hasTokenChar(t.text)) {
            notes.add("\"" + shown(t.text) + (t.prefix ? "*" : "") +
                      "\" has no letters or digits and was left out");
            continue;
        }
        tokens.push_back(std::move(t));
    }

    // Parentheses: an unmatched one is text (a separator); an empty pair is dropped.
    std::vector<bool> keep(tokens.size(), true);
    {
        std::vector<std::size_t> open;
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            if (tokens[i].kind == Kind::LParen)
                open.push_back(i);
            else if (tokens[i].kind == Kind::RParen) {
                if (open.empty()) {
                    keep[i] = false;
                    notes.add("an unmatched ) was read as text");
                } else {
                    open.pop_back();
                }
            }
        }
        for (auto i : open)
            keep[i] = false;
        if (!open.empty()) notes.add("an unmatched ( was read as text");
    }
    std::vector<Token> grouped;
    {
        std::vector<std::size_t> open; // positions in `grouped`
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            if (!keep[i]) continue;
            if (tokens[i].kind == Kind::LParen) {
                open.push_back(grouped.size());
                if (open.size() > limits.maxDepth)
                    return fail(ErrorCode::InvalidArgument,
                                "the search query nests parentheses deeper than " +
                                    std::to_string(limits.maxDepth) + " levels");
            } else if (tokens[i].kind == Kind::RParen) {
                const std::size_t at = open.back();
                open.pop_back();
                if (at + 1 == grouped.size()) {
                    grouped.pop_back();
                    continue;
                }
            }
            grouped.push_back(std::move(tokens[i]));
        }
    }

    // Operators: one with no operand on a side is a word. AND NOT is NOT.
    std::vector<Token> wellFormed;
    for (std::size_t i = 0; i < grouped.size(); ++i) {
        Token& t = grouped[i];
        if (isOperator(t)) {
            const bool before = !wellFormed.empty() && endsOperand(wellFormed.back());
            const bool after = i + 1 < grouped.size() && startsOperand(grouped[i + 1]);
            if (t.kind == Kind::And && before && i + 2 < grouped.size() &&
                grouped[i + 1].kind == Kind::Not && startsOperand(grouped[i + 2]))
                continue;
            if (before && after) {
                wellFormed.push_back(std::move(t));
                continue;
            }
            notes.add(t.text + " has nothing on its " + (before ? "right" : "left") +
                      " and was read as a word");
            t.kind = Kind::Term;
        }
        wellFormed.push_back(std::move(t));
    }

    std::size_t terms = 0;
    for (const auto& t : wellFormed)
        terms += t.kind == Kind::Term;
    if (terms == 0)
        return fail(ErrorCode::InvalidArgument,
                    "nothing to search for: the query has no word with a letter or digit");
    if (terms > limits.maxTerms)
        return fail(ErrorCode::InvalidArgument,
                    "the search query has " + std::to_string(terms) + " terms; at most " +
                        std::to_string(limits.maxTerms) + " are allowed");

    VERBATIM_TRY_LET(tree, Parser(wellFormed).parse());
    VERBATIM_TRY_LET(expr, fts(*tree, limits));
    ParsedSearch out;
    out.fts5 = std::move(*expr);
    out.normalized = normalized(*tree, true);
    out.notes = std::move(notes.list);
    if (notes.dropped) out.notes.push_back("and " + std::to_string(notes.dropped) + " more");
    out.terms = countTerms(*tree);
    return out;
}

} // namespace verbatim::compliance

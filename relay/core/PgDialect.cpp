/// @file PgDialect.cpp
/// SQLite's SQL as PostgreSQL takes it (PgStore.h, postgresDialect), and the engine's translation
/// of each statement when it is prepared: what kind it is, which table it writes, and the
/// ON CONFLICT and RETURNING clauses that need the table's catalog entry.
#include "relay/core/PgEngine.h"
#include "relay/core/PgStore.h"

#include <algorithm>
#include <cctype>

namespace verbatim::relay {

namespace pg {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}
bool startsWithWord(std::string_view s, std::string_view word) {
    return s.size() >= word.size() && iequals(s.substr(0, word.size()), word) &&
           (s.size() == word.size() ||
            !(std::isalnum(static_cast<unsigned char>(s[word.size()])) || s[word.size()] == '_'));
}
bool isWordChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}
std::string_view trim(std::string_view s) {
    while (!s.empty() && (std::isspace(static_cast<unsigned char>(s.front())) || s.front() == ';'))
        s.remove_prefix(1);
    while (!s.empty() && (std::isspace(static_cast<unsigned char>(s.back())) || s.back() == ';'))
        s.remove_suffix(1);
    return s;
}

namespace {
// From `open` (a '(' in `sql`), whether its parenthesis holds a comma at its own depth.
bool hasTopLevelComma(std::string_view sql, std::size_t open) {
    int depth = 0;
    for (std::size_t i = open; i < sql.size(); ++i) {
        char c = sql[i];
        if (c == '\'') {
            for (++i; i < sql.size() && sql[i] != '\''; ++i) {
            }
            continue;
        }
        if (c == '(') ++depth;
        if (c == ')' && --depth == 0) return false;
        if (c == ',' && depth == 1) return true;
    }
    return false;
}
// From `open` (a '(' in `sql`), the position of the ')' that closes it, or npos.
std::size_t closingParen(std::string_view sql, std::size_t open) {
    int depth = 0;
    for (std::size_t i = open; i < sql.size(); ++i) {
        char c = sql[i];
        if (c == '\'') {
            for (++i; i < sql.size() && sql[i] != '\''; ++i) {
            }
            continue;
        }
        if (c == '(') ++depth;
        if (c == ')' && --depth == 0) return i;
    }
    return std::string_view::npos;
}

// `INSERT INTO t (a, b) VALUES (x, y)` (translated, `params` parameters, from `at` just past
// the table's name) as `INSERT INTO t (id, a, b) VALUES ($n, x, y)` with n = params + 1; empty
// for any other shape (several rows, a SELECT, an ON CONFLICT clause).
std::string explicitIdInsert(std::string_view sql, std::size_t at, int params) {
    while (at < sql.size() && std::isspace(static_cast<unsigned char>(sql[at])))
        ++at;
    if (at >= sql.size() || sql[at] != '(') return {};
    const std::size_t columnsOpen = at, columnsClose = closingParen(sql, at);
    if (columnsClose == std::string_view::npos) return {};
    std::size_t p = columnsClose + 1;
    if (!iequals(nextWord(sql, p), "VALUES")) return {};
    while (p < sql.size() && std::isspace(static_cast<unsigned char>(sql[p])))
        ++p;
    if (p >= sql.size() || sql[p] != '(') return {};
    const std::size_t valuesOpen = p, valuesClose = closingParen(sql, p);
    if (valuesClose == std::string_view::npos || !trim(sql.substr(valuesClose + 1)).empty())
        return {};
    std::string out(sql.substr(0, columnsOpen + 1));
    out += "id, ";
    out.append(sql.substr(columnsOpen + 1, valuesOpen - columnsOpen));
    out += "$" + std::to_string(params + 1) + ", ";
    out.append(sql.substr(valuesOpen + 1));
    return out;
}
} // namespace

// The next word of `s` from `at` (skipping spaces), moving `at` past it.
std::string nextWord(std::string_view s, std::size_t& at) {
    while (at < s.size() && std::isspace(static_cast<unsigned char>(s[at])))
        ++at;
    std::size_t start = at;
    if (at < s.size() && s[at] == '"') {
        for (++at; at < s.size() && s[at] != '"'; ++at) {
        }
        if (at < s.size()) ++at;
        return std::string(s.substr(start, at - start));
    }
    while (at < s.size() && isWordChar(s[at]))
        ++at;
    return std::string(s.substr(start, at - start));
}

std::string unquote(std::string s) {
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
    return s;
}
std::string quoteIdent(const std::string& s) {
    return s == "user" ? "\"user\"" : s;
}

Result<const TableInfo*> PgEngine::tableInfo(const std::string& table) {
    if (auto it = m_tables.find(table); it != m_tables.end()) return &it->second;
    VERBATIM_TRY(flushPipeline());
    VERBATIM_TRY(ensureConnected());
    const char* values[1] = {table.c_str()};
    PGresult* r =
        PQexecParams(m_conn,
                     "SELECT a.attname, coalesce(i.indisprimary, false), a.attidentity <> '' "
                     "FROM pg_attribute a LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND "
                     "i.indisprimary AND a.attnum = ANY(i.indkey) "
                     "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped "
                     "ORDER BY a.attnum",
                     1, nullptr, values, nullptr, nullptr, 0);
    if (!r || PQresultStatus(r) != PGRES_TUPLES_OK) {
        Error e = errorOf(r, "cannot read the table's columns");
        if (r) PQclear(r);
        return tl::unexpected(e);
    }
    TableInfo info;
    for (int i = 0; i < PQntuples(r); ++i) {
        std::string name = PQgetvalue(r, i, 0);
        if (PQgetvalue(r, i, 1)[0] == 't') info.primaryKey.push_back(name);
        if (name == "id" && PQgetvalue(r, i, 2)[0] == 't') info.identityId = true;
    }
    PQclear(r);
    return &m_tables.emplace(table, std::move(info)).first->second;
}

Result<PgEngine::Translated> PgEngine::translate(std::string_view sql) {
    Translated t;
    if (startsWithWord(sql, "PRAGMA")) {
        std::size_t at = 6;
        const std::string name = nextWord(sql, at);
        if (iequals(name, "data_version")) {
            t.kind = Kind::DataVersion;
            return t;
        }
        if (iequals(name, "database_list")) { // no file: nothing to list
            t.sql = "SELECT 0, '', '' WHERE false";
            return t;
        }
        return fail(ErrorCode::Unsupported, "PRAGMA " + name + " is for SQLite only");
    }
    bool replace = false;
    t.sql = postgresDialect(sql, &t.params, &replace);
    std::string_view s = t.sql;
    for (const char* word : {"SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "CREATE",
                             "DROP", "ALTER", "DEALLOCATE"})
        if (startsWithWord(s, word) && t.params == 0) t.kind = Kind::Simple;
    std::size_t at = 0;
    const std::string first = nextWord(s, at);
    if (iequals(first, "SELECT")) {
        std::size_t p = at;
        if (iequals(nextWord(s, p), "pg_notify")) t.kind = Kind::Notify;
    }
    if (iequals(first, "INSERT")) {
        nextWord(s, at); // INTO
        t.table = unquote(nextWord(s, at));
        VERBATIM_TRY_LET(info, tableInfo(t.table));
        if (replace) {
            // INSERT OR REPLACE: on a primary key conflict, the row takes the new values.
            std::vector<std::string> columns;
            auto open = t.sql.find('(', at);
            auto close = open == std::string::npos ? open : t.sql.find(')', open);
            if (close == std::string::npos)
                return fail(ErrorCode::Unsupported, "INSERT OR REPLACE needs a column list");
            std::string_view list(t.sql.data() + open + 1, close - open - 1);
            for (std::size_t p = 0; p < list.size();) {
                std::string c = nextWord(list, p);
                if (c.empty()) break;
                columns.push_back(unquote(c));
                while (p < list.size() &&
                       (list[p] == ',' || std::isspace(static_cast<unsigned char>(list[p]))))
                    ++p;
            }
            const auto& pk = (*info)->primaryKey;
            std::string target, sets;
            for (const auto& k : pk)
                target += (target.empty() ? "" : ", ") + quoteIdent(k);
            for (const auto& c : columns) {
                if (std::find(pk.begin(), pk.end(), c) != pk.end()) continue;
                sets += (sets.empty() ? "" : ", ") + quoteIdent(c) + " = EXCLUDED." + quoteIdent(c);
            }
            if (target.empty())
                return fail(ErrorCode::Unsupported,
                            "INSERT OR REPLACE into a table without a primary key");
            t.sql += " ON CONFLICT (" + target + ") DO " +
                     (sets.empty() ? std::string("NOTHING") : "UPDATE SET " + sets);
        }
        if ((*info)->identityId) {
            if (!replace) t.explicitIdSql = explicitIdInsert(t.sql, at, t.params);
            t.sql += " RETURNING id";
            t.returningId = true;
        }
    } else if (iequals(first, "UPDATE")) {
        t.table = unquote(nextWord(s, at));
    } else if (iequals(first, "DELETE")) {
        nextWord(s, at); // FROM
        t.table = unquote(nextWord(s, at));
    }
    return t;
}

} // namespace pg

using namespace pg;

bool isPostgresUrl(std::string_view store) {
    return store.rfind("postgresql://", 0) == 0 || store.rfind("postgres://", 0) == 0;
}

std::string postgresDialect(std::string_view sql, int* parameterCount, bool* orReplace) {
    sql = trim(sql);
    std::string out;
    out.reserve(sql.size() + 32);
    int params = 0;
    bool orIgnore = false;
    if (orReplace) *orReplace = false;
    // INSERT OR IGNORE INTO ... -> INSERT INTO ... ON CONFLICT DO NOTHING; INSERT OR REPLACE
    // loses its OR REPLACE here and gets its ON CONFLICT clause from the caller.
    if (startsWithWord(sql, "INSERT")) {
        std::size_t at = 6;
        std::string w = nextWord(sql, at);
        if (iequals(w, "OR")) {
            std::size_t after = at;
            const std::string what = nextWord(sql, after);
            if (iequals(what, "IGNORE") || iequals(what, "REPLACE")) {
                (iequals(what, "IGNORE") ? orIgnore : *(orReplace ? orReplace : &orIgnore)) = true;
                out = "INSERT";
                sql.remove_prefix(after);
            }
        }
    }
    if (startsWithWord(sql, "BEGIN")) return "BEGIN";
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (c == '\'') { // a string literal, as it is
            std::size_t end = i + 1;
            while (end < sql.size()) {
                if (sql[end] == '\'' && end + 1 < sql.size() && sql[end + 1] == '\'') {
                    end += 2;
                    continue;
                }
                if (sql[end] == '\'') break;
                ++end;
            }
            out.append(sql.substr(i, end - i + 1));
            i = end;
            continue;
        }
        if (c == '"') {
            std::size_t end = sql.find('"', i + 1);
            if (end == std::string_view::npos) end = sql.size() - 1;
            out.append(sql.substr(i, end - i + 1));
            i = end;
            continue;
        }
        if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') { // a comment, to its line's end
            std::size_t end = sql.find('\n', i);
            if (end == std::string_view::npos) end = sql.size();
            i = end - 1;
            continue;
        }
        if (c == '?') {
            out += '$';
            out += std::to_string(++params);
            continue;
        }
        if (isWordChar(c) && (i == 0 || !isWordChar(sql[i - 1]))) {
            std::size_t end = i;
            while (end < sql.size() && isWordChar(sql[end]))
                ++end;
            std::string_view word = sql.substr(i, end - i);
            if ((word == "x" || word == "X") && end < sql.size() && sql[end] == '\'') {
                std::size_t close = sql.find('\'', end + 1);
                if (close != std::string_view::npos) { // x'0102' -> '\x0102'::bytea
                    out += "'\\x";
                    out.append(sql.substr(end + 1, close - end - 1));
                    out += "'::bytea";
                    i = close;
                    continue;
                }
            }
            if (word == "user" || word == "USER") {
                out += "\"user\"";
            } else if (iequals(word, "max") || iequals(word, "min")) {
                std::size_t p = end;
                while (p < sql.size() && std::isspace(static_cast<unsigned char>(sql[p])))
                    ++p;
                if (p < sql.size() && sql[p] == '(' && hasTopLevelComma(sql, p))
                    out += iequals(word, "max") ? "greatest" : "least";
                else
                    out.append(word);
            } else if (iequals(word, "AUTOINCREMENT")) {
                // only SQLite's schemas use it; PostgreSQL schemas are written for PostgreSQL
                out.append(word);
            } else {
                out.append(word);
            }
            i = end - 1;
            continue;
        }
        out += c;
    }
    if (orIgnore) out += " ON CONFLICT DO NOTHING";
    if (parameterCount) *parameterCount = params;
    return out;
}

} // namespace verbatim::relay

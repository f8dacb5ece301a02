// The compliance search language (issue 16 item 8), without a relay: what each query means (its
// FTS5 translation and its normalised form), the errors and limits, and that every expression
// the parser builds, however hostile the query, runs in SQLite's FTS5 with the archive's
// tokenizer and finds exactly the rows it should. The same table runs against a real archive
// pulled from a real relay in tst_compliance_input.

#include <QTemporaryDir>
#include <QtTest>

#include "compliance/SearchParser.h"
#include "crypto/Random.h"
#include "storage/Database.h"

using namespace verbatim;
using compliance::parseSearch;

namespace {

/// The archive's full-text index (Archive.cpp), with these rows.
const std::vector<std::string> kRows = {
    /*1*/ "The contract was breached by the other party",
    /*2*/ "Mr O'Brien called about the account 12-34-56",
    /*3*/ "Please sign the non-disclosure agreement",
    /*4*/ "AND the draft contract is attached",
    /*5*/ "NEAR( is not a function, col:value ^ caret",
    /*6*/ "Negligence claims and negligent misstatement",
    /*7*/ "A breach of contract claim is likely; the contract draft follows",
    /*8*/ "Café résumé naïve",
};

} // namespace

class TestSearchParser : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<storage::Database> m_db;

    std::vector<std::int64_t> hits(const std::string& match) {
        auto st = m_db->prepare("SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid");
        if (!st) return {-1};
        st->bind(1, std::string_view(match));
        std::vector<std::int64_t> out;
        while (true) {
            auto row = st->step();
            if (!row) {
                qWarning("FTS5 refused %s: %s", match.c_str(), row.error().message.c_str());
                return {-1};
            }
            if (!*row) return out;
            out.push_back(st->columnInt(0));
        }
    }

private slots:
    void initTestCase() {
        auto key = crypto::randomBytes(32);
        auto db = storage::Database::open((m_dir.path() + "/fts.db").toStdString(), key);
        QVERIFY(db);
        m_db = std::move(*db);
        QVERIFY(m_db->exec("CREATE VIRTUAL TABLE fts USING fts5 (body, content='', "
                           "tokenize='unicode61 remove_diacritics 2')"));
        for (std::size_t i = 0; i < kRows.size(); ++i) {
            auto ins = m_db->prepare("INSERT INTO fts (rowid, body) VALUES (?, ?)");
            ins->bind(1, std::int64_t(i + 1)).bind(2, std::string_view(kRows[i]));
            QVERIFY(ins->run());
        }
    }

    // What each form of the language becomes: FTS5 strings only, grouped from the tree.
    void translatesEachFormIntoQuotedFts5() {
        struct Case {
            const char* query;
            const char* fts5;
            const char* normalized;
        };
        const Case cases[] = {
            {"contract", "\"contract\"", "contract"},
            {"12-34-56", "\"12-34-56\"", "12-34-56"},
            {"O'Brien", "\"O'Brien\"", "O'Brien"},
            {"contract breach", "(\"contract\" AND \"breach\")", "contract AND breach"},
            {"contract AND breach", "(\"contract\" AND \"breach\")", "contract AND breach"},
            {"\"breach of contract\"", "\"breach of contract\"", "\"breach of contract\""},
            {"\u201Cbreach of contract\u201D", "\"breach of contract\"", "\"breach of contract\""},
            {"contract OR agreement", "(\"contract\" OR \"agreement\")", "contract OR agreement"},
            {"contract NOT draft", "(\"contract\" NOT \"draft\")", "contract NOT draft"},
            {"contract AND NOT draft", "(\"contract\" NOT \"draft\")", "contract NOT draft"},
            {"a NOT b NOT c", "(\"a\" NOT (\"b\" OR \"c\"))", "a NOT b NOT c"},
            {"contract w/5 breach", "NEAR(\"contract\" \"breach\", 5)", "contract w/5 breach"},
            {"contract NEAR/5 breach", "NEAR(\"contract\" \"breach\", 5)", "contract w/5 breach"},
            {"a w/5 b w/3 c", "(NEAR(\"a\" \"b\", 5) AND NEAR(\"b\" \"c\", 3))", "a w/5 b w/3 c"},
            {"(contract OR agreement) w/5 breach",
             "(NEAR(\"contract\" \"breach\", 5) OR NEAR(\"agreement\" \"breach\", 5))",
             "(contract OR agreement) w/5 breach"},
            {"negligen*", "\"negligen\"*", "negligen*"},
            {"a OR b c", "(\"a\" OR (\"b\" AND \"c\"))", "a OR (b AND c)"},
            {"(a OR b) c", "((\"a\" OR \"b\") AND \"c\")", "(a OR b) AND c"},
            // Operators with nothing on one side, lower case, unbalanced marks: text.
            {"AND", "\"AND\"", "\"AND\""},
            {"AND AND", "(\"AND\" AND \"AND\")", "\"AND\" AND \"AND\""},
            {"NOT privileged", "(\"NOT\" AND \"privileged\")", "\"NOT\" AND privileged"},
            {"contract and breach", "(\"contract\" AND \"and\" AND \"breach\")",
             "contract AND and AND breach"},
            {"NEAR(", "\"NEAR\"", "NEAR"},
            {"\"contract breach", "(\"contract\" AND \"breach\")", "contract AND breach"},
            {"(contract", "\"contract\"", "contract"},
            {"contract)", "\"contract\"", "contract"},
            {"col:value", "\"col:value\"", "col:value"},
            {"^ contract", "\"contract\"", "contract"},
            {"contract \"\"\" ", "\"contract\"", "contract"},
            {"say \"x\"\"y\"", "(\"say\" AND \"x\" AND \"y\")", "say AND \"x\" AND \"y\""},
            {"contract w/5", "(\"contract\" AND \"w/5\")", "contract AND \"w/5\""},
            {"contract w/99999 breach", "(\"contract\" AND \"w/99999\" AND \"breach\")",
             "contract AND \"w/99999\" AND breach"},
            {"() contract", "\"contract\"", "contract"},
        };
        for (const auto& c : cases) {
            auto p = parseSearch(c.query);
            QVERIFY2(p, c.query);
            QCOMPARE(QString::fromStdString(p->fts5), QString::fromUtf8(c.fts5));
            QCOMPARE(QString::fromStdString(p->normalized), QString::fromUtf8(c.normalized));
        }
        // A NUL inside the query separates words: it never ends the expression inside FTS5.
        auto nul = parseSearch(std::string_view("con\0tract", 9));
        QVERIFY(nul);
        QCOMPARE(QString::fromStdString(nul->fts5), QString("(\"con\" AND \"tract\")"));
        // Unmatched marks and misplaced operators are reported, not silently dropped.
        auto noted = parseSearch("(\"contract AND");
        QVERIFY(noted);
        QCOMPARE(noted->notes.size(), std::size_t(3));
    }

    // The queries the issue names and hostile ones: each runs in FTS5 and finds exactly these rows.
    void everyQueryRunsAndFindsExactlyItsRows() {
        struct Case {
            std::string query;
            std::vector<std::int64_t> rows;
        };
        const std::vector<Case> cases = {
            {"12-34-56", {2}},
            {"O'Brien", {2}},
            {"o'brien", {2}},
            {"non-disclosure", {3}},
            {"AND", {4, 6}}, // the word "and"
            {"NEAR(", {5}},
            {"col:value", {5}},
            {"^ caret", {5}},
            {"contract", {1, 4, 7}},
            {"contract breach", {7}},
            {"contract OR agreement", {1, 3, 4, 7}},
            {"contract NOT draft", {1}},
            {"contract AND NOT draft", {1}},
            {"contract w/2 breached", {1}},
            {"contract w/1 breached", {1}}, // one word between
            {"contract w/0 breached", {}},
            {"breach w/2 contract", {7}},
            {"(contract OR agreement) w/1 disclosure", {3}},
            {"\"breach of contract\"", {7}},
            {"\"contract of breach\"", {}},
            {"negligen*", {6}},
            {"non-disc*", {3}},
            {"cafe resume", {8}},
            {"\"contract", {1, 4, 7}},
            {"contract)", {1, 4, 7}},
            {"(draft OR claim) contract", {4, 7}},
            {"draft OR claim contract", {4, 7}},
            {"a w/5 b w/3 c", {}},
            {std::string("Bri\0en", 6), {}},
        };
        for (const auto& c : cases) {
            auto p = parseSearch(c.query);
            QVERIFY2(p, c.query.c_str());
            QCOMPARE(hits(p->fts5), c.rows);
        }
    }

    // Queries with nothing to search for, and over the limits: a clear error, never SQL.
    void refusesWhatCannotBeSearchedWithAClearError() {
        struct Case {
            std::string query;
            const char* message;
        };
        const std::vector<Case> cases = {
            {"", "nothing to search for"},
            {"   ", "nothing to search for"},
            {"*", "nothing to search for"},
            {"^", "nothing to search for"},
            {"\"", "nothing to search for"},
            {"\"\"", "nothing to search for"},
            {"()", "nothing to search for"},
            {"- + ; ' \u2014", "nothing to search for"},
            {std::string(1, '\0'), "nothing to search for"},
            {"\xff\xfe", "nothing to search for"},
            {std::string(16385, 'a'), "longer than 16384 bytes"},
            {std::string(33, '(') + "a" + std::string(33, ')'), "deeper than 32 levels"},
            {"(a AND b) w/5 c", "w/N joins words"},
            {"(a b) w/5 c", "w/N joins words"},
            {"(a OR b OR c OR d OR e OR f OR g OR h OR i) w/5 (j OR k OR l OR m OR n OR o OR p OR "
             "q)",
             "more than 64 proximity searches"},
        };
        for (const auto& c : cases) {
            auto p = parseSearch(c.query);
            QVERIFY2(!p, c.query.substr(0, 40).c_str());
            QCOMPARE(p.error().code, ErrorCode::InvalidArgument);
            QVERIFY2(p.error().message.find(c.message) != std::string::npos,
                     p.error().message.c_str());
        }
        // Deep but within the limit is fine.
        QVERIFY(parseSearch(std::string(32, '(') + "a" + std::string(32, ')')));
    }

    // 1,000 terms are searchable in every arrangement (FTS5's expression depth is 256: the
    // parser writes chains flat); 1,001 are refused.
    void thousandTermsRunFlatAndMoreAreRefused() {
        for (const char* op : {" ", " AND ", " OR ", " NOT ", " w/3 "}) {
            std::string q;
            for (int i = 0; i < 1000; ++i)
                q += (i ? op : "") + std::string("t") + std::to_string(i);
            auto p = parseSearch(q);
            QVERIFY2(p, op);
            QCOMPARE(p->terms, std::size_t(1000));
            QVERIFY(hits(p->fts5) != std::vector<std::int64_t>{-1});
            auto more = parseSearch(q + op + "extra");
            QVERIFY(!more);
            QVERIFY(more.error().message.find("at most 1000") != std::string::npos);
        }
        // A 10,000-character word and 1,000 quote marks and parentheses run too.
        auto longWord = parseSearch(std::string(10000, 'x'));
        QVERIFY(longWord);
        QCOMPARE(hits(longWord->fts5), std::vector<std::int64_t>{});
        std::string marks;
        for (int i = 0; i < 500; ++i)
            marks += "\"( contract ";
        auto p = parseSearch(marks);
        QVERIFY(p);
        QVERIFY(hits(p->fts5) != std::vector<std::int64_t>{-1});
    }

    // Random bytes never give an expression FTS5 refuses.
    void randomBytesNeverReachFts5AsSyntax() {
        static const std::string alphabet[] = {
            "\"",    "(",      ")",      "*",        "AND", "OR",   "NOT",
            "w/2",   "NEAR/1", ":",      "^",        "-",   "+",    "'",
            " ",     "\u201C", "\u201D", "contract", "x",   "\xff", std::string(1, '\0'),
            "NEAR(", "{",      "}",      "\\"};
        for (int round = 0; round < 2000; ++round) {
            std::string q;
            auto bytes = crypto::randomBytes(12);
            for (auto b : bytes)
                q += alphabet[b % std::size(alphabet)];
            auto p = parseSearch(q);
            if (!p) {
                QCOMPARE(p.error().code, ErrorCode::InvalidArgument);
                continue;
            }
            QVERIFY2(hits(p->fts5) != std::vector<std::int64_t>{-1}, q.c_str());
        }
    }
};

QTEST_GUILESS_MAIN(TestSearchParser)
#include "tst_search_parser.moc"

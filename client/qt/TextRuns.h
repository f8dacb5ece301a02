#pragma once
/// @file TextRuns.h
/// Text that a participant (or the relay) chose, made safe to show: links found by our own strict
/// rules instead of by HTML, names with their invisible and direction-changing characters made
/// visible, and isolation for a participant's text inside one of our sentences. The rules are in
/// docs/protocol.md, "Rendering participant text". Every label that shows such text renders it as
/// Text.PlainText; nothing here produces markup.
///
/// Pure functions on QString (any thread), and a QML singleton `TextRuns` over them for the
/// screens (GUI thread).

#include <QObject>
#include <QString>
#include <QStringList>
#include <QUrl>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

#include <vector>

namespace verbatim::qt {

class TextRuns : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON

public:
    /// A piece of a text: plain, or a link. Offsets and lengths count UTF-16 code units of the
    /// text given to split(), as QString and QML strings do.
    struct Run {
        int start = 0;
        int length = 0;
        QString url; ///< the link as written (http or https); empty for plain text
    };

    /// The longest text, in UTF-16 code units, still taken for a link; a longer one stays text.
    static constexpr int kMaxLinkLength = 2048;
    /// Links found in one text at most; the rest of it stays plain.
    static constexpr int kMaxLinks = 100;
    /// A name longer than this many UTF-16 code units is shortened for display (with "…").
    static constexpr int kMaxNameLength = 100;
    /// Combining marks kept on one base character; more are dropped from names (they stack
    /// over the lines around the name).
    static constexpr int kMaxMarks = 4;

    using QObject::QObject;

    /// Splits `text` into plain runs and links, in order, covering all of it. A link starts
    /// with "http://" or "https://" (any case) at the start of a word and names a host (letters,
    /// digits and hyphens in dot-separated labels with an alphabetic top level, an IPv4 address,
    /// or localhost) with an optional port; no user info ("@" before the path); then a path,
    /// query and fragment of URL characters, letters and digits. Trailing sentence punctuation
    /// and an unbalanced ")" stay outside. Anything else (javascript:, file:, data:, www.…)
    /// stays text. Linear in the length of `text`.
    static std::vector<Run> split(const QString& text);

    /// `url` if it may be opened in a browser: it passes the rules of split() as a whole, else
    /// an invalid QUrl.
    static QUrl openable(const QString& url);

    /// A name, title or file name as shown: format characters (bidi embeddings, overrides,
    /// isolates and marks, zero-width characters, the BOM, tags, soft hyphen), invisible fillers,
    /// unassigned default-ignorable code points and unpaired surrogates appear as "[U+XXXX]"; controls, line breaks and unusual spaces
    /// become one space; runs of spaces collapse; ends are trimmed; more than kMaxMarks combining
    /// marks on one character are dropped. A zero-width joiner or non-joiner between two
    /// non-ASCII characters is kept (emoji sequences, Persian and Indic scripts need them).
    /// Longer than `maxLength` (0: no limit): cut with "…", at the end, or in the middle when
    /// `keepEnd` (file names, whose extension matters).
    static QString safeName(const QString& name, int maxLength = kMaxNameLength,
                            bool keepEnd = false);

    /// `text` for a one-line preview (the conversation list): embedding, override and isolate
    /// controls dropped, so that a name the core put into a sentence ("… accepted the
    /// recording notice") cannot reorder it; the message itself shows them.
    static QString preview(const QString& text);

    /// `text` between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE: placed inside a longer
    /// string, its direction and any embedding, override or isolate it opens end with it (a
    /// PDI of its own without an initiator is dropped, so it cannot close ours).
    static QString isolated(const QString& text);

    /// For QML: the runs of `text` as {text, url} maps.
    Q_INVOKABLE QVariantList runs(const QString& text) const;
    /// For QML: the link covering UTF-16 offset `index` of `text`, or "".
    Q_INVOKABLE QString linkAt(const QString& text, int index) const;
    /// For QML: the first link in `text`, or "".
    Q_INVOKABLE QString firstLink(const QString& text) const;
    /// For QML: `pattern` with %1..%9 replaced by `args` in one pass, so that an argument that
    /// itself holds "%2" stays as it is (chained arg() calls would substitute into it).
    Q_INVOKABLE QString fill(const QString& pattern, const QStringList& args) const;
    /// For QML: safeName() with its defaults.
    Q_INVOKABLE QString name(const QString& name) const { return safeName(name); }
    /// For QML: isolated().
    Q_INVOKABLE QString isolate(const QString& text) const { return isolated(text); }
    /// For QML: the first character of `name` (a whole code point) in upper case, for an
    /// avatar; "?" when there is none.
    Q_INVOKABLE QString initial(const QString& name) const;
    /// For QML: an account's role ("lawyer", "client", "supervisor", "compliance", "admin", as
    /// the core names them) in the language shown; another text comes back as it is, isolated.
    Q_INVOKABLE QString roleName(const QString& role) const;
    /// For QML: a device's status as the core names it (client::DeviceView::status(): "active",
    /// "revoked", "wipe pending", "wiped", "awaiting approval") in the language shown; another
    /// text comes back as it is, isolated.
    Q_INVOKABLE QString deviceStatus(const QString& status) const;
    /// A policy's direction as the journal names it ("to-clients", "internal"; issue 21) in the
    /// language shown; another text comes back as it is, isolated.
    static QString policyDirection(const QString& direction);
    /// For QML: the host `url` opens, as the browser will see it (IDNA ASCII form); "" when
    /// it may not be opened.
    Q_INVOKABLE QString linkHost(const QString& url) const;
    /// Opens `url` with the desktop's browser, only if openable(); false otherwise.
    Q_INVOKABLE bool openLink(const QString& url) const;
};

} // namespace verbatim::qt

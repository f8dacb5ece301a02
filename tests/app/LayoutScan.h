#pragma once
/// @file LayoutScan.h
/// Whether a translated screen fits (issue 23): every visible text of a window that is elided
/// where that is not the design, that runs past its own box (no wrap, no elide), that holds a word
/// wider than its wrapping box, and every control or text whose right edge leaves its popup or the
/// window. tests/app/tst_pseudo_locale_app.cpp makes these checks on its pseudo texts and
/// tst_german_app.cpp on a real language, each with its own Rules. Header-only, for the app tests.

#include <QHash>
#include <QQuickItem>
#include <QString>
#include <QStringList>

namespace verbatim::apptest::layout {

/// Texts eliding on purpose, by objectName, each with why that is the design.
inline const QHash<QString, QString>& allowedElisions() {
    static const QHash<QString, QString> allowed{
        {"conversationTitle", "a long matter title in a list row: the open chat shows it whole"},
        {"conversationPreview", "a message preview in a list row is a preview"},
        {"ownDeviceName", "a device's name and system in its row: the rename field shows this "
                          "device's whole"},
        {"searchField", "a field's hint (placeholder): its tooltip shows it whole"},
        {"newMatterNumberField", "a field's hint (placeholder): its tooltip shows it whole"},
        {"newColleaguesField", "a field's hint (placeholder): its tooltip shows it whole"},
        {"complianceSearchField", "a field's hint (placeholder): its tooltip shows it whole"},
        {"journalKeyField", "a field's hint (placeholder): its tooltip shows it whole"},
        {"policyQueryField", "a field's hint (placeholder): its tooltip shows it whole"},
        {"sampleSeedField", "a field's hint (placeholder): its tooltip shows it whole"},
    };
    return allowed;
}

/// What a caller takes as the design rather than an offender.
struct Rules {
    /// Texts that may elide, by objectName (of the text or of its control), each with why.
    QHash<QString, QString> allowedElisions = layout::allowedElisions();
    /// A Flickable that holds more than it shows is left out (its items scroll into view) only
    /// when it clips; false: whether it clips or not (a TabBar's list does not).
    bool sidewaysNeedsClip = true;
};

/// The nearest objectNames at or above `item`, for a reader to find it in qml/.
inline QString where(QQuickItem* item) {
    QStringList path;
    for (QQuickItem* i = item; i && path.size() < 3; i = i->parentItem())
        if (!i->objectName().isEmpty()) path << i->objectName();
    return path.isEmpty() ? QStringLiteral("(unnamed)") : path.join('<');
}

struct Scan {
    QStringList texts; ///< the visible, non-empty texts looked at
    QStringList found; ///< offenders, one line each
};

/// What `item` is, for a reader: its objectName path, its type and its text.
inline QString describe(QQuickItem* item) {
    const QString text = item->property("text").toString();
    QString type = QString::fromLatin1(item->metaObject()->className()).section("_QML", 0, 0);
    return QStringLiteral("%1 %2 \"%3\"").arg(where(item), type, text.left(40));
}

/// Every visible item's right edge stays inside its Popup's box, or the window's, within 1 px:
/// past it, a clip or the screen's edge hides it. `right` is that edge in window coordinates.
inline void scanEdges(QQuickItem* item, qreal right, Scan& s, const Rules& rules = {}) {
    if (!item || !item->isVisible() || item->opacity() == 0) return;
    // A bar that scrolls sideways holds more than it shows by design: its items scroll into
    // view, so only the bar itself is checked.
    const bool scrollsSideways = item->inherits("QQuickFlickable") &&
                                 (item->clip() || !rules.sidewaysNeedsClip) &&
                                 item->property("contentWidth").toReal() > item->width() + 1;
    if (item->inherits("QQuickPopupItem"))
        right = item->mapToItem(nullptr, QPointF(item->width(), 0)).x();
    // Controls, texts and layouts; not a control's decoration (a ripple, a shadow's layer).
    else if (item->width() > 0 && item->height() > 0 &&
             (item->inherits("QQuickControl") || item->inherits("QQuickText") ||
              item->inherits("QQuickTextInput") || item->inherits("QQuickLayout"))) {
        const qreal edge = item->mapToItem(nullptr, QPointF(item->width(), 0)).x();
        if (edge > right + 1)
            s.found << QStringLiteral("past the right edge (%1 > %2): ")
                               .arg(qRound(edge))
                               .arg(qRound(right)) +
                           describe(item);
    }
    if (scrollsSideways) return;
    for (auto* child : item->childItems())
        scanEdges(child, right, s, rules);
}

/// Every visible Text under `item`: elided (unless allowed), overflowing, or a word too wide.
inline void scanTexts(QQuickItem* item, Scan& s, const Rules& rules = {}) {
    if (!item || !item->isVisible() || item->opacity() == 0) return;
    if (item->inherits("QQuickText")) {
        const QString text = item->property("text").toString();
        if (!text.isEmpty() && item->width() > 0) {
            s.texts << text;
            const bool elides = item->property("elide").toInt() != 0;
            const bool wraps = item->property("wrapMode").toInt() != 0;
            // The text itself or, for a control's inner text (a placeholder), its control.
            const QString name = where(item).section('<', 0, 0);
            const QString what = QStringLiteral("%1 \"%2\"").arg(where(item), text.left(60));
            if (elides && item->property("truncated").toBool() &&
                !rules.allowedElisions.contains(name))
                s.found << QStringLiteral("elided: ") + what;
            if (!elides && !wraps && item->implicitWidth() > item->width() + 1)
                s.found << QStringLiteral("overflows (%1 > %2): ")
                                   .arg(qRound(item->implicitWidth()))
                                   .arg(qRound(item->width())) +
                               what;
            if (wraps && item->property("contentWidth").toReal() > item->width() + 1)
                s.found << QStringLiteral("a word wider than its box: ") + what;
        }
    }
    for (auto* child : item->childItems())
        scanTexts(child, s, rules);
}

/// Both scans of a window's content item, `width` wide.
inline Scan scanWindow(QQuickItem* content, qreal width, const Rules& rules = {}) {
    Scan s;
    scanTexts(content, s, rules);
    scanEdges(content, width, s, rules);
    return s;
}

} // namespace verbatim::apptest::layout

/// @file tst_contrast.cpp
/// Issue 23 ("Look and accessibility"): the app's colours meet WCAG 2 contrast in the light and
/// the dark theme. The Theme singleton (qml/common/Theme.qml) is instantiated in a QQmlEngine and
/// its properties and functions are read there; Material's text colour comes from the Material
/// style itself. Text on its background needs 4.5:1, icons and large UI (avatar initials, bars)
/// 3:1. Every failing pair is listed by name.
#include <QColor>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QtTest>
#include <cmath>

#include "client/qt/QmlModules.h"

namespace {

double channel(double c) {
    return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
}

// WCAG 2 relative luminance of an opaque colour.
double luminance(const QColor& c) {
    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF());
}

// `fg` drawn over `bg` (fg may be translucent, as Material's text is).
QColor over(const QColor& fg, const QColor& bg) {
    const double a = fg.alphaF();
    return QColor::fromRgbF(float(fg.redF() * a + bg.redF() * (1 - a)),
                            float(fg.greenF() * a + bg.greenF() * (1 - a)),
                            float(fg.blueF() * a + bg.blueF() * (1 - a)));
}

double contrast(const QColor& fg, const QColor& bg) {
    const double a = luminance(over(fg, bg)), b = luminance(bg);
    return (std::max(a, b) + 0.05) / (std::min(a, b) + 0.05);
}

} // namespace

class TestContrast : public QObject {
    Q_OBJECT

    QQmlEngine m_engine;
    std::unique_ptr<QObject> m_root;
    QObject* m_theme = nullptr;

    // Theme.<name>(dark) for a function, Theme.<name> for a constant.
    QColor themed(const char* name, bool dark) {
        const QMetaObject* meta = m_theme->metaObject();
        const QByteArray signature = QByteArray(name) + "(QVariant)";
        if (meta->indexOfMethod(signature.constData()) >= 0) {
            QVariant out;
            if (!QMetaObject::invokeMethod(m_theme, name, Q_RETURN_ARG(QVariant, out),
                                           Q_ARG(QVariant, QVariant(dark))))
                return {};
            return QColor(out.toString());
        }
        const QVariant v = m_theme->property(name);
        return v.isValid() ? v.value<QColor>() : QColor();
    }

private slots:
    void initTestCase() {
        verbatim::qt::addQmlImportPath(m_engine);
        QQmlComponent component(&m_engine);
        component.setData("import QtQuick\n"
                          "import QtQuick.Controls.Material\n"
                          "import Verbatim.Common\n"
                          "Item {\n"
                          "  property QtObject theme: Theme\n"
                          "  property Item light: Item { Material.theme: Material.Light }\n"
                          "  property Item dark: Item { Material.theme: Material.Dark }\n"
                          "  property color lightText: light.Material.foreground\n"
                          "  property color darkText: dark.Material.foreground\n"
                          "  property color lightBackground: light.Material.background\n"
                          "  property color darkBackground: dark.Material.background\n"
                          "}\n",
                          QUrl("qrc:/tst_contrast.qml"));
        m_root.reset(component.create());
        QVERIFY2(m_root, qPrintable(component.errorString()));
        m_theme = m_root->property("theme").value<QObject*>();
        QVERIFY2(m_theme, "the Theme singleton did not load");
    }

    void themeColoursMeetWcagContrast() {
        struct Pair {
            const char* fg;
            const char* bg;
            double minimum;
        };
        // What the screens draw on what (the names are Theme's; "text" is Material's
        // foreground, "white" the toolbar's and the avatars' letters, "background" Material's
        // page background).
        const std::vector<Pair> pairs = {
            // Text, 4.5:1.
            {"ok", "okBackground", 4.5},
            {"bad", "badBackground", 4.5},
            {"warn", "warnBackground", 4.5},
            {"neutral", "neutralBackground", 4.5},
            {"text", "bubbleOut", 4.5},
            {"text", "bubbleIn", 4.5},
            {"text", "attachmentBackground", 4.5},
            {"text", "replyBackground", 4.5},
            {"text", "bar", 4.5},
            {"text", "rowHeader", 4.5},
            {"link", "bubbleIn", 4.5},
            {"link", "bubbleOut", 4.5},
            {"link", "background", 4.5},
            {"white", "header", 4.5},
            {"white", "primary", 4.5},
            {"error", "bannerErrorBackground", 4.5},
            {"bannerWarn", "bannerWarnBackground", 4.5},
            {"bannerInfo", "bannerInfoBackground", 4.5},
            // Icons and large UI, 3:1.
            {"readReceipt", "bubbleOut", 3.0},
            {"white", "matterAccent", 3.0},
            {"white", "directAccent", 3.0},
            {"weeklyBar", "bar", 3.0},
            {"weeklyBar", "warnBackground", 3.0},
            {"weeklyBar", "badBackground", 3.0},
        };
        QStringList failing;
        int checked = 0;
        for (bool dark : {false, true}) {
            auto colour = [&](const char* name) -> QColor {
                const QByteArray n(name);
                if (n == "text")
                    return m_root->property(dark ? "darkText" : "lightText").value<QColor>();
                if (n == "background")
                    return m_root->property(dark ? "darkBackground" : "lightBackground")
                        .value<QColor>();
                if (n == "white") return QColor(Qt::white);
                return themed(name, dark);
            };
            for (const auto& p : pairs) {
                const QColor fg = colour(p.fg), bg = colour(p.bg);
                QVERIFY2(
                    fg.isValid() && bg.isValid(),
                    qPrintable(QString("%1 on %2: not a colour of the theme").arg(p.fg, p.bg)));
                const double ratio = contrast(fg, bg);
                ++checked;
                if (ratio < p.minimum)
                    failing << QString("%1 %2 on %3: %4:1 (%5 on %6), needs %7:1")
                                   .arg(dark ? "dark" : "light", p.fg, p.bg)
                                   .arg(ratio, 0, 'f', 2)
                                   .arg(fg.name(QColor::HexArgb), bg.name())
                                   .arg(p.minimum);
            }
        }
        QCOMPARE(checked, int(pairs.size()) * 2);
        QVERIFY2(failing.isEmpty(), qPrintable("\n" + failing.join("\n")));
    }
};

QTEST_MAIN(TestContrast)
#include "tst_contrast.moc"

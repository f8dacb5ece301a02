/// @file tst_contrast.cpp
/// Issue 23 ("Look and accessibility"): the app's colours meet WCAG 2 contrast in the light and
/// the dark theme. The Theme singleton (qml/common/Theme.qml) is instantiated in a QQmlEngine and
/// its properties and functions are read there; Material's text colour comes from the Material
/// style itself. Text on its background needs 4.5:1, icons and large UI (avatar initials, bars)
/// 3:1. Every failing pair is listed by name. Icons (IconButton, the phone toolbar's connection
/// icon) are measured as drawn: the colour of an IconButton's glyph, plain and destructive, in
/// each theme. Every icon of Icons.qml is checked against the codepoint list of Debian's
/// fonts-material-design-icons-iconfont and the font built into the app.
#include <QColor>
#include <QFile>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QRawFont>
#include <QRegularExpression>
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
        component.setData(
            "import QtQuick\n"
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
            "  property QtObject icons: Icons\n"
            "  property Item lightIcon: IconButton { Material.theme: Material.Light }\n"
            "  property Item darkIcon: IconButton { Material.theme: Material.Dark }\n"
            "  property Item lightBadIcon: IconButton {\n"
            "    Material.theme: Material.Light; destructive: true }\n"
            "  property Item darkBadIcon: IconButton {\n"
            "    Material.theme: Material.Dark; destructive: true }\n"
            "  property Item headerIcon: IconButton { Material.foreground: \"white\" }\n"
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
            // Icons (IconButton's glyph as drawn): on the page, the bars and the toolbar.
            {"icon", "background", 3.0},
            {"icon", "bar", 3.0},
            {"icon", "rowHeader", 3.0},
            {"badIcon", "background", 3.0},
            {"badIcon", "bar", 3.0},
            {"headerIcon", "header", 3.0},
            {"offline", "header", 3.0},
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
                if (n == "icon" || n == "badIcon" || n == "headerIcon") {
                    const char* item = n == "headerIcon" ? "headerIcon"
                                       : n == "icon"     ? (dark ? "darkIcon" : "lightIcon")
                                                         : (dark ? "darkBadIcon" : "lightBadIcon");
                    auto* button = m_root->property(item).value<QObject*>();
                    auto* glyph =
                        button ? button->property("contentItem").value<QObject*>() : nullptr;
                    return glyph ? glyph->property("color").value<QColor>() : QColor();
                }
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

    // Each icon is the glyph its name has in the package's codepoint list, and the font built
    // into the app (qrc, from the installed package) draws it: not a glyph of some other font.
    void iconsAreTheFontsGlyphsByName() {
        QFile list(QStringLiteral(VERBATIM_ICON_CODEPOINTS));
        QVERIFY2(list.open(QIODevice::ReadOnly), VERBATIM_ICON_CODEPOINTS);
        QHash<QString, char32_t> codepoints;
        const QRegularExpression line(QStringLiteral("^\\s*\"([a-z0-9_]+)\":\\s*([0-9a-f]+),?$"));
        for (const QByteArray& raw : list.readAll().split('\n')) {
            const auto m = line.match(QString::fromUtf8(raw));
            if (m.hasMatch()) codepoints.insert(m.captured(1), m.captured(2).toUInt(nullptr, 16));
        }
        QVERIFY2(codepoints.size() > 1000, "the codepoint list did not parse");

        QObject* icons = m_root->property("icons").value<QObject*>();
        QVERIFY(icons);
        QObject* loader = icons->property("loader").value<QObject*>();
        QVERIFY(loader);
        // FontLoader.Ready (1): the font in the app's resources loaded.
        QVERIFY(QTest::qWaitFor([&] { return loader->property("status").toInt() == 1; }));
        QFile file(QStringLiteral(":/verbatim/fonts/MaterialIcons-Regular.ttf"));
        QVERIFY2(file.open(QIODevice::ReadOnly), "the icon font is not in the resources");
        const QRawFont font(file.readAll(), 24);
        QVERIFY(font.isValid());
        QCOMPARE(icons->property("family").toString(), font.familyName());
        const QMetaObject* meta = icons->metaObject();
        int checked = 0;
        for (int i = meta->propertyOffset(); i < meta->propertyCount(); ++i) {
            const QString name = QString::fromLatin1(meta->property(i).name());
            if (name == "loader" || name == "family") continue;
            const QString glyph = meta->property(i).read(icons).toString();
            QVERIFY2(glyph.size() == 1, qPrintable(name));
            QVERIFY2(codepoints.contains(name),
                     qPrintable(name + " is not an icon of the package"));
            QCOMPARE(char32_t(glyph.at(0).unicode()), codepoints.value(name));
            QVERIFY2(font.supportsCharacter(glyph.at(0)), qPrintable(name + " is not in the font"));
            ++checked;
        }
        QVERIFY(checked >= 10);
        // A codepoint the font lacks is told apart (the check above can fail).
        QVERIFY(!font.supportsCharacter(QChar(u'A')));
    }
};

QTEST_MAIN(TestContrast)
#include "tst_contrast.moc"

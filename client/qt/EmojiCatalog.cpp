#include "client/qt/EmojiCatalog.h"

#include <QFontDatabase>
#include <QVariantMap>
#include <iterator>

namespace verbatim::qt {

namespace {

// Chosen from Unicode 15 emoji that Noto Color Emoji 2.042 (Debian 12) draws; text-style
// symbols carry U+FE0F so that they are drawn as emoji.
// clang-format off
const char* const kCommon[] = {"👍", "❤️", "😂", "😮", "😢", "🙏", "✔️"};
// Smileys
const char* const kSmileys[] = {"😀", "😁", "😂", "😃", "😄", "😅", "😆", "😇", "😈", "😉", "😊", "😋", "😌", "😍", "😎", "😏", "😐", "😑", "😒", "😓", "😔", "😕", "😖", "😗", "😘", "😙", "😚", "😛", "😜", "😝", "😞", "😟", "😠", "😡", "😢", "😣", "😤", "😥", "😦", "😧", "😨", "😩", "😪", "😫", "😬", "😭", "😮", "😯", "😰", "😱", "😲", "😳", "😴", "😵", "😶", "😷", "🙁", "🙂", "🙃", "🙄", "🤐", "🤑", "🤒", "🤓", "🤔", "🤕", "🤗", "🤠", "🤡", "🤢", "🤣", "🤤", "🤥", "🤧", "🤨", "🤩", "🤪", "🤫", "🤬", "🤭", "🤮", "🤯", "🥰", "🥳", "🥴", "🥵", "🥶", "🥺", "🧐"};
// People
const char* const kPeople[] = {"👊", "👋", "👌", "👍", "👎", "👏", "👐", "✌️", "✍️", "☝️", "🖐", "🖖", "🙋", "🙌", "🙏", "🤚", "🤛", "🤜", "🤝", "🤞", "🤟", "🤘", "🤙", "💪", "👀", "🧠", "👶", "👦", "👧", "👨", "👩", "👴", "👵", "👮", "👷", "👸", "🤴", "🤵", "🤰", "🙍", "🙎", "🙅", "🙆", "💁", "🙇", "🤦", "🤷"};
// Nature
const char* const kNature[] = {"🐀", "🐁", "🐂", "🐃", "🐄", "🐅", "🐆", "🐇", "🐈", "🐉", "🐊", "🐋", "🐌", "🐍", "🐎", "🐏", "🐐", "🐑", "🐒", "🐓", "🐔", "🐕", "🐖", "🐗", "🐘", "🐙", "🐚", "🐛", "🐜", "🐝", "🐞", "🐟", "🐠", "🐡", "🐢", "🐣", "🐤", "🐥", "🐦", "🐧", "🐨", "🐩", "🐪", "🐫", "🐬", "🐭", "🐮", "🐯", "🐰", "🐱", "🐲", "🐳", "🐴", "🐵", "🐶", "🐷", "🐸", "🐹", "🐺", "🐻", "🐼", "🌱", "🌲", "🌳", "🌴", "🌵", "🌶", "🌷", "🌸", "🌹", "🌺", "🌻", "🌼", "🍀", "🍁", "🍂", "🍃", "🍄", "☀️", "☁️", "⛅️", "☔️", "❄️", "🌈", "🌊", "🌙", "⭐️", "🔥"};
// Food
const char* const kFood[] = {"🍅", "🍆", "🍇", "🍈", "🍉", "🍊", "🍋", "🍌", "🍍", "🍎", "🍏", "🍐", "🍑", "🍒", "🍓", "🍔", "🍕", "🍖", "🍗", "🍘", "🍙", "🍚", "🍛", "🍜", "🍝", "🍞", "🍟", "🍠", "🍡", "🍢", "🍣", "🍤", "🍥", "🍦", "🍧", "🍨", "🍩", "🍪", "🍫", "🍬", "🍭", "🍮", "🍯", "🍰", "🍱", "🍲", "🍳", "🍴", "🍵", "🍶", "🍷", "🍸", "🍹", "🍺", "🍻", "🍼", "🍽", "🍾", "🍿", "☕️", "🥐", "🥑", "🥕", "🥖", "🥞", "🥪", "🥭"};
// Activities
const char* const kActivities[] = {"🎀", "🎁", "🎂", "🎃", "🎄", "🎅", "🎆", "🎇", "🎈", "🎉", "🎊", "🎋", "🎌", "🎍", "🎎", "🎏", "🎐", "🎑", "🎒", "🎓", "⚽️", "⚾️", "🏀", "🏈", "🎾", "🏐", "🏓", "🏸", "🥊", "🎯", "🎲", "♟️", "🎮", "🎵", "🎶", "🎨", "🎭", "🏆", "🥇", "🥈", "🥉"};
// Travel
const char* const kTravel[] = {"🚀", "🚁", "🚂", "🚃", "🚄", "🚅", "🚆", "🚇", "🚈", "🚉", "🚊", "🚋", "🚌", "🚍", "🚎", "🚏", "🚐", "🚑", "🚒", "🚓", "🚔", "🚕", "🚖", "🚗", "🚘", "🚙", "🚚", "🚛", "🚜", "🚝", "🚞", "🚟", "🚠", "🚡", "🚢", "🚣", "🚤", "✈️", "⛵️", "🏠", "🏢", "🏦", "🏛", "🏫", "🏥", "⛪️", "🗽", "🌍", "🗺"};
// Objects
const char* const kObjects[] = {"💻", "💼", "💽", "💾", "💿", "📀", "📁", "📂", "📃", "📄", "📅", "📆", "📇", "📈", "📉", "📊", "📋", "📌", "📍", "📎", "📏", "📐", "📑", "📒", "📓", "📔", "📕", "📖", "📗", "📘", "📙", "📚", "📝", "📧", "📨", "📩", "📎", "📌", "📍", "✂️", "🔒", "🔓", "🔑", "🔨", "⚖️", "💡", "🔍", "📞", "☎️", "📱", "⌚️", "⏰️", "⌛️", "💰", "💳", "💼", "💎", "🎁", "🕯"};
// Symbols
const char* const kSymbols[] = {"❤️", "🧡", "💛", "💚", "💙", "💜", "🖤", "🤍", "🤎", "💔", "❣️", "💕", "💞", "💓", "💗", "💖", "💘", "💝", "✅️", "✔️", "☑️", "❌️", "❎️", "❗️", "❓️", "❕️", "❔️", "‼️", "⁉️", "💯", "💢", "💥", "💫", "💦", "💨", "💬", "💭", "💤", "⚠️", "🚫", "⛔️", "⭕️", "🔴", "🟠", "🟡", "🟢", "🔵", "🟣", "⚫️", "⚪️", "➕️", "➖️", "➗️", "➡️", "⬅️", "⬆️", "⬇️", "🔄", "🆕", "🆗", "🆘", "🆙", "🆒"};
// Flags
const char* const kFlags[] = {"🏁", "🚩", "🎌", "🏴", "🏳️", "🏳️‍🌈", "🇪🇺", "🇺🇳", "🇬🇧", "🇺🇸", "🇩🇪", "🇫🇷", "🇮🇹", "🇪🇸", "🇳🇱", "🇧🇪", "🇨🇭", "🇦🇹", "🇮🇪", "🇵🇹", "🇸🇪", "🇳🇴", "🇩🇰", "🇫🇮", "🇵🇱", "🇨🇿", "🇨🇦", "🇦🇺", "🇳🇿", "🇯🇵", "🇨🇳", "🇮🇳", "🇧🇷", "🇲🇽", "🇿🇦", "🇺🇦"};
// clang-format on

struct Category {
    const char* name; ///< untranslated; categories() translates
    const char* icon; ///< the emoji on its tab
    const char* const* first;
    const char* const* last;
};

template <std::size_t N>
Category category(const char* name, const char* icon, const char* const (&list)[N]) {
    return {name, icon, std::begin(list), std::end(list)};
}

const Category kCategories[] = {
    category(QT_TRANSLATE_NOOP("EmojiCatalog", "Smileys"), "😀", kSmileys),
    category(QT_TRANSLATE_NOOP("EmojiCatalog", "People"), "👋", kPeople),
    category(QT_TRANSLATE_NOOP("EmojiCatalog", "Nature"), "🌻", kNature),
    category(QT_TRANSLATE_NOOP("EmojiCatalog", "Food"), "🍎", kFood),
    category(QT_TRANSLATE_NOOP("EmojiCatalog", "Activities"), "⚽", kActivities),
    category(QT_TRANSLATE_NOOP("EmojiCatalog", "Travel"), "🚗", kTravel),
    category(QT_TRANSLATE_NOOP("EmojiCatalog", "Objects"), "💡", kObjects),
    category(QT_TRANSLATE_NOOP("EmojiCatalog", "Symbols"), "❤️", kSymbols),
    category(QT_TRANSLATE_NOOP("EmojiCatalog", "Flags"), "🏁", kFlags),
};

QStringList list(const char* const* first, const char* const* last) {
    QStringList out;
    for (auto* p = first; p != last; ++p)
        out << QString::fromUtf8(*p);
    return out;
}

} // namespace

QStringList EmojiCatalog::common() {
    return list(std::begin(kCommon), std::end(kCommon));
}

QVariantList EmojiCatalog::categories() {
    QVariantList out;
    for (const auto& c : kCategories) {
        QStringList emoji = list(c.first, c.last);
        out << QVariantMap{{QStringLiteral("name"), tr(c.name)},
                           {QStringLiteral("icon"), QString::fromUtf8(c.icon)},
                           {QStringLiteral("emoji"), emoji}};
    }
    return out;
}

QStringList EmojiCatalog::all() {
    QStringList out = common();
    for (const auto& c : kCategories)
        for (const QString& e : list(c.first, c.last))
            if (!out.contains(e)) out << e;
    return out;
}

QString EmojiCatalog::fontFamily() {
    static const QString family = [] {
        for (const char* f : {"Noto Color Emoji", "Apple Color Emoji", "Segoe UI Emoji"})
            if (QFontDatabase::hasFamily(QString::fromLatin1(f))) return QString::fromLatin1(f);
        return QString();
    }();
    return family;
}

QFont EmojiCatalog::font(int pixelSize) {
    QFont f;
    if (!fontFamily().isEmpty()) f.setFamilies({fontFamily()});
    f.setPixelSize(pixelSize);
    return f;
}

} // namespace verbatim::qt

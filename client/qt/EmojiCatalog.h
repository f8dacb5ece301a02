#pragma once
/// @file EmojiCatalog.h
/// The emoji the reaction picker offers (QML singleton `EmojiCatalog`): the common reactions for
/// its first row and the rest by category, every one a single emoji as client/core/Emoji.h
/// defines it (tests check each), and the font that draws them in colour when the system has
/// one (Debian: fonts-noto-color-emoji). Constant data; GUI thread.

#include <QFont>
#include <QObject>
#include <QStringList>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

namespace verbatim::qt {

class EmojiCatalog : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON
    /// The picker's first row: 👍 ❤️ 😂 😮 😢 🙏 ✔️.
    Q_PROPERTY(QStringList common READ common CONSTANT)
    /// [{name: "Smileys", icon: "😀", emoji: [...]}], in the picker's order.
    Q_PROPERTY(QVariantList categories READ categories CONSTANT)
    /// The colour emoji font's family when one is installed, else "" (the system's fallback).
    Q_PROPERTY(QString fontFamily READ fontFamily CONSTANT)

public:
    using QObject::QObject;
    static QStringList common();
    static QVariantList categories();
    static QString fontFamily();
    /// Every emoji of every category and the common row, each once (for tests).
    static QStringList all();
    /// A font of `pixelSize` that draws emoji in colour where the system can.
    Q_INVOKABLE static QFont font(int pixelSize);
};

} // namespace verbatim::qt

import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material

// A toolbar or action button drawn as an icon (issue 23: icons, not glyphs or text buttons).
// `text` says what it does and is never drawn: it is the accessible name and the tooltip, shown
// on hover and while pressed (a long press on a phone). `destructive` draws the icon in the
// theme's bad colour (revoke, wipe, delete); tests/app/tst_contrast.cpp measures both colours.
ToolButton {
    id: button
    /// The icon: one of Icons' properties (Icons.settings).
    property string symbol
    /// Drawn in Theme.bad: an action that removes or cuts off something.
    property bool destructive: false
    /// A count drawn on the icon's corner (0: none), as in "3 overdue".
    property int badge: 0
    /// The tooltip, when it says more than `text`.
    property string toolTipText: text
    /// The icon's size in pixels.
    property int iconSize: 24
    readonly property bool dark: Material.theme === Material.Dark
    display: AbstractButton.IconOnly
    Accessible.name: text
    // A device's or a person's name can be part of the text: drawn plain.
    PlainToolTip {
        text: button.toolTipText
        visible: (button.hovered || button.pressed) && button.toolTipText !== ""
    }

    contentItem: Text {
        objectName: "iconGlyph"
        text: button.symbol
        textFormat: Text.PlainText
        font.family: Icons.family
        font.pixelSize: button.iconSize
        // A toggle that is on (filters shown) in the link colour, which tst_contrast measures.
        color: button.destructive ? Theme.bad(button.dark)
             : button.checked ? Theme.link(button.dark) : button.Material.foreground
        opacity: button.enabled ? 1 : 0.38
        horizontalAlignment: Text.AlignHCenter
        verticalAlignment: Text.AlignVCenter
        Accessible.ignored: true

        Rectangle {
            objectName: "iconBadge"
            visible: button.badge > 0
            x: parent.width / 2 + 4
            y: parent.height / 2 - 16
            width: Math.max(16, badgeText.implicitWidth + 8)
            height: 16
            radius: 8
            color: Theme.error
            Text {
                id: badgeText
                anchors.centerIn: parent
                text: button.badge > 99 ? "99+" : button.badge
                textFormat: Text.PlainText
                color: "white"
                font.pixelSize: 11
                font.bold: true
            }
        }
    }
}

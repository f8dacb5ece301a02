import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim

// The reaction picker (issue 23): the common reactions in a first row, then every emoji by
// category. One reaction per user and message: a pick replaces this user's reaction, "Remove"
// takes it away. Keyboard: the first row has the focus when it opens; arrows move, Enter or
// Space picks, Tab goes on to the categories and the grid, Escape closes. On a phone it spans
// the window's width.
Popup {
    id: picker
    objectName: "emojiPicker"
    /// Sends the reaction.
    required property ChatController chat
    /// The message reacted to, and this user's reaction to it ("" when none): set before open().
    property string messageId
    property string current
    /// The category shown in the grid (index into EmojiCatalog.categories).
    property int category: 0

    /// Reacts with `emoji` ("" removes) and closes.
    function pick(emoji) {
        if (chat.react(messageId, emoji)) close()
    }

    readonly property real cell: 40
    readonly property int columns: Math.max(5, Math.floor((width - leftPadding - rightPadding) / cell))
    anchors.centerIn: Overlay.overlay
    width: Math.min(Overlay.overlay ? Overlay.overlay.width - 16 : 360, 9 * cell + leftPadding + rightPadding)
    height: Math.min(Overlay.overlay ? Overlay.overlay.height - 16 : 420, 420)
    padding: 8
    modal: true
    focus: true
    Material.elevation: 0  // the elevation shadow is a layer the software renderer leaves blank
    background: Rectangle {
        color: picker.Material.dialogColor
        border.color: picker.Material.dividerColor
        radius: 8
    }
    onAboutToShow: category = 0
    onOpened: if (content.item) content.item.focusFirstRow()

    // One emoji as a button: drawn in the colour emoji font, marked when it is this user's.
    component EmojiButton: ItemDelegate {
        id: button
        required property string emoji
        required property bool isCurrent
        width: picker.cell
        height: picker.cell
        padding: 0
        focusPolicy: Qt.NoFocus  // the list or grid around it has the keyboard
        Accessible.name: emoji
        contentItem: Label {
            textFormat: Text.PlainText
            text: button.emoji
            font: EmojiCatalog.font(22)
            horizontalAlignment: Text.AlignHCenter
            verticalAlignment: Text.AlignVCenter
        }
        background: Rectangle {
            radius: 6
            color: button.isCurrent ? Qt.rgba(picker.Material.accent.r, picker.Material.accent.g, picker.Material.accent.b, 0.25)
                                    : button.highlighted || button.hovered ? picker.Material.listHighlightColor : "transparent"
            border.color: button.highlighted ? picker.Material.accent : "transparent"
            border.width: 2
        }
        onClicked: picker.pick(emoji)
    }

    // Made when the picker opens and dropped when it closes: the chat's first frame does not
    // pay for some 500 emoji.
    contentItem: Loader {
        id: content
        active: picker.visible
        sourceComponent: ColumnLayout {
            /// The first row takes the keyboard, on this user's reaction if it is there.
            function focusFirstRow() {
                commonRow.currentIndex = Math.max(0, EmojiCatalog.common.indexOf(picker.current))
                commonRow.forceActiveFocus()
            }
            spacing: 6
            RowLayout {
                Layout.fillWidth: true
                spacing: 4
                ListView {
                    id: commonRow
                    objectName: "emojiCommonRow"
                    Layout.fillWidth: true
                    Layout.preferredHeight: picker.cell
                    orientation: ListView.Horizontal
                    interactive: false
                    clip: true
                    model: EmojiCatalog.common
                    keyNavigationEnabled: true
                    activeFocusOnTab: true
                    highlightFollowsCurrentItem: false
                    Accessible.role: Accessible.List
                    Accessible.name: qsTr("Common reactions")
                    delegate: EmojiButton {
                        objectName: "emojiCommon"
                        required property string modelData
                        required property int index
                        emoji: modelData
                        isCurrent: modelData === picker.current
                        highlighted: ListView.isCurrentItem && commonRow.activeFocus
                    }
                    Keys.onReturnPressed: if (currentItem) picker.pick(currentItem.emoji)
                    Keys.onEnterPressed: if (currentItem) picker.pick(currentItem.emoji)
                    Keys.onSpacePressed: if (currentItem) picker.pick(currentItem.emoji)
                }
                Button {
                    objectName: "removeReactionButton"
                    visible: picker.current !== ""
                    flat: true
                    text: qsTr("Remove")
                    Accessible.name: qsTr("Remove your reaction")
                    onClicked: picker.pick("")
                }
            }
            TabBar {
                id: categories
                objectName: "emojiCategories"
                Layout.fillWidth: true
                currentIndex: picker.category
                onCurrentIndexChanged: picker.category = currentIndex
                Repeater {
                    model: EmojiCatalog.categories
                    TabButton {
                        id: tab
                        required property var modelData
                        objectName: "emojiCategory"
                        implicitWidth: picker.cell  // the bar shares its width among them
                        text: modelData.icon
                        font: EmojiCatalog.font(18)
                        Accessible.name: modelData.name
                        contentItem: Label {
                            textFormat: Text.PlainText
                            text: tab.text
                            font: tab.font
                            horizontalAlignment: Text.AlignHCenter
                            verticalAlignment: Text.AlignVCenter
                        }
                    }
                }
            }
            Label {
                objectName: "emojiCategoryName"
                textFormat: Text.PlainText
                text: EmojiCatalog.categories[picker.category].name
                font.pixelSize: 12
                opacity: 0.75
            }
            GridView {
                id: grid
                objectName: "emojiGrid"
                Layout.fillWidth: true
                Layout.fillHeight: true
                clip: true
                cellWidth: Math.floor(width / picker.columns)
                cellHeight: picker.cell
                model: EmojiCatalog.categories[picker.category].emoji
                keyNavigationEnabled: true
                activeFocusOnTab: true
                Accessible.role: Accessible.List
                Accessible.name: qsTr("Emoji: %1").arg(EmojiCatalog.categories[picker.category].name)
                delegate: EmojiButton {
                    objectName: "emojiGridItem"
                    required property string modelData
                    emoji: modelData
                    isCurrent: modelData === picker.current
                    highlighted: GridView.isCurrentItem && grid.activeFocus
                }
                Keys.onReturnPressed: if (currentItem) picker.pick(currentItem.emoji)
                Keys.onEnterPressed: if (currentItem) picker.pick(currentItem.emoji)
                Keys.onSpacePressed: if (currentItem) picker.pick(currentItem.emoji)
                ScrollBar.vertical: ScrollBar {}
            }
        }
    }
}

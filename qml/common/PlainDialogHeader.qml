import QtQuick
import QtQuick.Controls
import QtQuick.Controls.impl
import QtQuick.Controls.Material
import QtQuick.Templates as T

// A dialog's title, drawn like the style's own header but as plain text: the style's header
// guesses rich text, and a title can hold a name or matter title a participant chose.
Label {
    /// The dialog whose title this shows.
    property T.Popup dialog
    objectName: "dialogTitle"
    text: dialog ? dialog.title : ""
    visible: text !== ""
    textFormat: Text.PlainText
    elide: Label.ElideRight
    padding: 24
    bottomPadding: 0
    font.bold: true
    font.pixelSize: 16
    background: PaddedRectangle {
        radius: 2
        color: dialog ? dialog.Material.dialogColor : "transparent"
        bottomPadding: -2
        clip: true
    }
}

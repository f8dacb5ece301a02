import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import Verbatim
import Verbatim.Common

// A device's status as a coloured chip: active, revoked, wipe pending, wiped.
Rectangle {
    id: chip
    objectName: "deviceStatus"
    /// active | revoked | wipe pending | wiped
    property string status: ""
    /// What the chip says (translated by the model).
    property string text: ""
    readonly property bool dark: Material.theme === Material.Dark
    implicitWidth: label.implicitWidth + 16
    implicitHeight: label.implicitHeight + 6
    radius: height / 2
    color: status === "active" ? Theme.okBackground(dark)
         : status === "wipe pending" ? Theme.warnBackground(dark)
         : status === "revoked" ? Theme.badBackground(dark)
         : Theme.neutralBackground(dark)
    Accessible.role: Accessible.StaticText
    Accessible.name: text
    Label {
        id: label
        anchors.centerIn: parent
        textFormat: Text.PlainText
        text: chip.text
        font.pixelSize: 12
        font.bold: true
        color: chip.status === "active" ? Theme.ok(chip.dark)
             : chip.status === "wipe pending" ? Theme.warn(chip.dark)
             : chip.status === "revoked" ? Theme.bad(chip.dark)
             : Theme.neutral(chip.dark)
    }
}

import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material

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
    color: status === "active" ? (dark ? "#1b3a1e" : "#e8f5e9")
         : status === "wipe pending" ? (dark ? "#4e342e" : "#fff3e0")
         : status === "revoked" ? (dark ? "#4a1c1c" : "#ffebee")
         : (dark ? "#37474f" : "#eceff1")
    Accessible.role: Accessible.StaticText
    Accessible.name: text
    Label {
        id: label
        anchors.centerIn: parent
        textFormat: Text.PlainText
        text: chip.text
        font.pixelSize: 12
        font.bold: true
        color: chip.status === "active" ? (chip.dark ? "#81c784" : "#1b5e20")
             : chip.status === "wipe pending" ? (chip.dark ? "#ffcc80" : "#e65100")
             : chip.status === "revoked" ? (chip.dark ? "#ef9a9a" : "#b71c1c")
             : (chip.dark ? "#cfd8dc" : "#455a64")
    }
}

import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts

// The 60-digit safety number with another user, to compare in person or on a call.
Dialog {
    id: dialog
    property string user: ""
    property string digits: ""
    title: qsTr("Safety number")
    modal: true
    anchors.centerIn: Overlay.overlay
    standardButtons: Dialog.Close
    onOpened: digits = app.safetyNumber(user)

    ColumnLayout {
        spacing: 12
        Label {
            Layout.maximumWidth: 320
            wrapMode: Text.WordWrap
            text: qsTr("Compare these numbers with %1. If they match on both devices, your conversation is private.").arg(dialog.user)
        }
        GridLayout {
            columns: 4
            columnSpacing: 16
            Repeater {
                model: 12
                Label {
                    text: dialog.digits.substring(index * 5, index * 5 + 5)
                    font.family: "monospace"
                    font.pixelSize: 18
                }
            }
        }
        Button {
            visible: app.safetyChangedUser === dialog.user
            text: qsTr("Numbers match: accept")
            highlighted: true
            Material.elevation: 0  // shadows need a GPU; the software renderer draws none
            Accessible.name: qsTr("Accept the new safety number")
            onClicked: { app.acceptSafetyNumber(dialog.user); dialog.close() }
        }
    }
}

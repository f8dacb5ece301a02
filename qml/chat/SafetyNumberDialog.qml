import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// The 60-digit safety number with another user, in twelve groups of five, to compare in person
// or on a call. When it changed (a new device of theirs, or a reinstall) it says so and offers to
// accept it, which sends the held messages.
Dialog {
    id: dialog
    /// The app's chat controller (chat), passed in by whoever shows this.
    required property ChatController chat
    objectName: "safetyNumberDialog"
    property string user: ""
    /// Shown instead of the user id when known.
    property string name: ""
    property string digits: ""
    property bool changed: false
    readonly property string who: name !== "" ? name : user
    title: qsTr("Safety number")
    header: PlainDialogHeader { dialog: dialog }
    modal: true
    Material.elevation: 0  // the elevation shadow is a layer the software renderer leaves blank
    anchors.centerIn: Overlay.overlay
    width: Math.min(Overlay.overlay ? Overlay.overlay.width - 32 : 380, 380)
    standardButtons: Dialog.Close
    onOpened: refresh()

    function refresh() {
        digits = chat.safetyNumber(user)
        changed = chat.safetyNumberChanged(user)
    }

    Connections {
        target: chat
        function onBannersChanged() { if (dialog.opened) dialog.refresh() }
        // The first look at someone never met: their keys came from the relay.
        function onSafetyNumberUpdated(who) { if (dialog.opened && who === dialog.user) dialog.refresh() }
    }

    ColumnLayout {
        width: parent.width
        spacing: 12
        Rectangle {
            objectName: "safetyChangedNotice"
            visible: dialog.changed
            Layout.fillWidth: true
            implicitHeight: changedLabel.implicitHeight + 16
            radius: 4
            color: Theme.bannerWarnBackground
            Label {
                id: changedLabel
                anchors.fill: parent
                anchors.margins: 8
                wrapMode: Text.WordWrap
                color: Theme.bannerWarn
                textFormat: Text.PlainText
                text: qsTr("The safety number of %1 changed: they may have a new device. Messages to them are held until you accept it.").arg(TextRuns.isolate(dialog.who))
            }
        }
        Label {
            Layout.fillWidth: true
            wrapMode: Text.WordWrap
            textFormat: Text.PlainText
            text: qsTr("Compare these numbers with %1. If they match on both devices, your conversation is private.").arg(TextRuns.isolate(dialog.who))
        }
        GridLayout {
            objectName: "safetyDigits"
            Layout.alignment: Qt.AlignHCenter
            columns: 4
            columnSpacing: 16
            rowSpacing: 6
            Accessible.role: Accessible.StaticText
            Accessible.name: qsTr("Safety number: %1").arg(dialog.digits)
            Repeater {
                model: 12
                Label {
                    objectName: "safetyDigitGroup"
                    textFormat: Text.PlainText
                    text: dialog.digits.substring(index * 5, index * 5 + 5)
                    font.family: "monospace"
                    font.pixelSize: 18
                }
            }
        }
        Button {
            objectName: "acceptSafetyButton"
            visible: dialog.changed
            Layout.alignment: Qt.AlignHCenter
            text: qsTr("Numbers match: accept")
            highlighted: true
            Material.elevation: 0  // shadows need a GPU; the software renderer draws none
            Accessible.name: qsTr("Accept the new safety number of %1").arg(dialog.who)
            onClicked: if (chat.acceptSafetyNumber(dialog.user)) dialog.close()
        }
    }
}

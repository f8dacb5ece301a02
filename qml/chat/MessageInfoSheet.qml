import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// Message info (issue 23), for a message this user sent: when the relay stored it, and for each
// device it went to, when that device confirmed delivery and when it was read. Opened from the
// message's actions; the rows stay current while it is open (receipts arriving). Plain text.
Dialog {
    id: sheet
    objectName: "messageInfo"
    /// Fills and keeps current chat.messageInfo.
    required property ChatController chat
    readonly property MessageInfoModel info: chat.messageInfo
    /// Opens the sheet for own message `id`.
    function show(id) {
        if (chat.showMessageInfo(id)) open()
    }
    title: qsTr("Message info")
    header: PlainDialogHeader { dialog: sheet }
    anchors.centerIn: Overlay.overlay
    width: Math.min(Overlay.overlay ? Overlay.overlay.width - 16 : 440, 440)
    // As high as its rows need, up to the window's height.
    height: Math.min(Overlay.overlay ? Overlay.overlay.height - 32 : 520, implicitHeight)
    modal: true
    standardButtons: Dialog.Close
    Material.elevation: 0  // the elevation shadow is a layer the software renderer leaves blank
    onClosed: chat.hideMessageInfo()

    ColumnLayout {
        anchors.fill: parent
        spacing: 8
        Label {
            objectName: "messageInfoBody"
            Layout.fillWidth: true
            visible: text !== ""
            textFormat: Text.PlainText
            text: sheet.info.body
            maximumLineCount: 3
            wrapMode: Text.Wrap
            elide: Text.ElideRight
            opacity: 0.8
        }
        // A copy a history transfer brought from another device of this user's: what that
        // device recorded, not checked here (issue 23, profile schema v6).
        Label {
            objectName: "messageInfoImported"
            Layout.fillWidth: true
            visible: sheet.info.importedFromDevice > 0
            textFormat: Text.PlainText
            wrapMode: Text.Wrap
            color: Theme.warn(Material.theme === Material.Dark)
            text: qsTr("Copied from your device %1 by a history transfer, and not verified on this device. Who received and read it is known on device %1.").arg(sheet.info.importedFromDevice)
        }
        Label {
            objectName: "messageInfoSent"
            Layout.fillWidth: true
            textFormat: Text.PlainText
            text: qsTr("Sent: %1").arg(sheet.info.sentText)
            font.bold: true
        }
        Label {
            Layout.fillWidth: true
            visible: !sheet.info.recipientsKnown && sheet.info.importedFromDevice === 0
            textFormat: Text.PlainText
            wrapMode: Text.Wrap
            opacity: 0.75
            text: qsTr("This device did not keep where this message went (sent before this version, or not yet sent).")
        }
        ListView {
            id: rows
            objectName: "messageInfoList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            implicitHeight: contentHeight
            clip: true
            model: sheet.info
            spacing: 4
            activeFocusOnTab: true
            keyNavigationEnabled: true
            Accessible.name: qsTr("Recipients")
            ScrollBar.vertical: ScrollBar {}
            delegate: Rectangle {
                id: row
                required property string name
                required property string deviceText
                required property string deliveredText
                required property string readText
                required property bool ownDevice
                objectName: "messageInfoRow"
                width: ListView.view.width
                implicitHeight: column.implicitHeight + 12
                radius: 6
                color: Theme.neutralBackground(sheet.Material.theme === Material.Dark)
                border.color: ListView.isCurrentItem && rows.activeFocus ? sheet.Material.accent : "transparent"
                Accessible.role: Accessible.ListItem
                Accessible.name: qsTr("%1, %2: delivered %3, read %4").arg(name).arg(deviceText).arg(deliveredText).arg(readText)
                ColumnLayout {
                    id: column
                    x: 10
                    y: 6
                    width: parent.width - 20
                    spacing: 2
                    Label {
                        objectName: "messageInfoName"
                        Layout.fillWidth: true
                        textFormat: Text.PlainText
                        elide: Text.ElideRight
                        font.bold: true
                        text: TextRuns.fill(qsTr("%1 \u00b7 %2"), [row.name, row.deviceText])
                    }
                    Label {
                        objectName: "messageInfoDelivered"
                        Layout.fillWidth: true
                        textFormat: Text.PlainText
                        elide: Text.ElideRight
                        text: qsTr("Delivered: %1").arg(row.deliveredText)
                    }
                    Label {
                        objectName: "messageInfoRead"
                        Layout.fillWidth: true
                        textFormat: Text.PlainText
                        elide: Text.ElideRight
                        text: qsTr("Read: %1").arg(row.readText)
                    }
                }
            }
        }
    }
}

import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// The admin's device inventory (DESIGN.md section 8): every device of every user with its
// platform, app version, enrolment, last contact and status; revoke or wipe one after a
// confirmation that names it. Laptop: a table; phone: one card per device.
Pane {
    id: page
    /// The app's session controller (session), passed in by whoever shows this.
    required property SessionController session
    objectName: "adminPage"
    padding: 0
    property AdminController controller
    readonly property bool wide: width >= 720
    readonly property bool dark: Material.theme === Material.Dark
    readonly property color barColor: Theme.bar(dark)
    readonly property color badColor: Theme.bad(dark)

    // Column widths of the table (laptop); the user column takes the rest.
    readonly property int roleWidth: 100
    readonly property int deviceWidth: 70
    readonly property int platformWidth: 150
    readonly property int enrolledWidth: 140
    readonly property int seenWidth: 120
    readonly property int statusWidth: 170
    readonly property int actionsWidth: 190

    Component.onCompleted: if (controller) controller.refresh()

    function ask(action, user, name, device) {
        confirm.action = action
        confirm.user = user
        confirm.name = name
        confirm.device = device
        confirm.open()
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        // Title, explanation, filter and refresh.
        Rectangle {
            Layout.fillWidth: true
            implicitHeight: top.implicitHeight + 20
            color: page.barColor
            ColumnLayout {
                id: top
                anchors.left: parent.left
                anchors.right: parent.right
                anchors.verticalCenter: parent.verticalCenter
                anchors.leftMargin: 16
                anchors.rightMargin: 16
                spacing: 6
                RowLayout {
                    Layout.fillWidth: true
                    Label {
                        Layout.fillWidth: true
                        textFormat: Text.PlainText
                        text: qsTr("Devices")
                        font.pixelSize: 20
                        font.bold: true
                        Accessible.role: Accessible.Heading
                    }
                    BusyIndicator {
                        visible: page.controller && page.controller.busy
                        running: visible
                        implicitWidth: 28
                        implicitHeight: 28
                    }
                    IconButton {
                        objectName: "refreshDevicesButton"
                        symbol: Icons.refresh
                        text: qsTr("Refresh the device list")
                        enabled: page.controller && !page.controller.busy
                        onClicked: page.controller.refresh()
                    }
                }
                Label {
                    Layout.fillWidth: true
                    wrapMode: Text.WordWrap
                    font.pixelSize: 12
                    opacity: 0.75
                    textFormat: Text.PlainText
                    text: qsTr("Every device enrolled at %1. Revoking cuts a device off at once; wiping erases its messages and keys the next time it connects, and it confirms.").arg(session.firmName)
                }
                GridLayout {
                    Layout.fillWidth: true
                    columns: page.wide ? 2 : 1
                    columnSpacing: 12
                    rowSpacing: 0
                    TextField {
                        id: filterField
                        objectName: "deviceFilterField"
                        Layout.fillWidth: true
                        Layout.maximumWidth: 420
                        placeholderText: qsTr("Filter by user (name or id)")
                        Accessible.name: qsTr("Filter the devices by user")
                        onTextChanged: if (page.controller) page.controller.devices.filter = text
                    }
                    Label {
                        objectName: "deviceCount"
                        Layout.fillWidth: true
                        font.pixelSize: 12
                        opacity: 0.7
                        elide: Text.ElideRight
                        textFormat: Text.PlainText
                        text: (filterField.text !== "" ? qsTr("%1 of %n device(s)", "", page.controller ? page.controller.devices.total : 0).arg(list.count)
                                                        : qsTr("%n device(s)", "", list.count))
                              + (page.controller && page.controller.updated.getTime() > 0
                                 ? " \u00b7 " + qsTr("updated %1").arg(Qt.formatTime(page.controller.updated, "hh:mm:ss")) : "")
                    }
                }
            }
        }

        Label {
            objectName: "adminError"
            Layout.fillWidth: true
            Layout.leftMargin: 16
            Layout.rightMargin: 16
            Layout.topMargin: 6
            visible: page.controller && page.controller.error !== ""
            textFormat: Text.PlainText
            text: page.controller ? page.controller.error : ""
            color: page.badColor
            wrapMode: Text.WordWrap
        }

        // Column headings (laptop).
        RowLayout {
            Layout.fillWidth: true
            Layout.leftMargin: 16
            Layout.rightMargin: 16
            Layout.topMargin: 8
            visible: page.wide
            spacing: 8
            Label { Layout.fillWidth: true; textFormat: Text.PlainText; text: qsTr("User"); font.pixelSize: 12; font.bold: true; opacity: 0.7 }
            Label { Layout.preferredWidth: page.roleWidth; textFormat: Text.PlainText; text: qsTr("Role"); font.pixelSize: 12; font.bold: true; opacity: 0.7 }
            Label { Layout.preferredWidth: page.deviceWidth; textFormat: Text.PlainText; text: qsTr("Device"); font.pixelSize: 12; font.bold: true; opacity: 0.7 }
            Label { Layout.preferredWidth: page.platformWidth; textFormat: Text.PlainText; text: qsTr("Platform, version"); font.pixelSize: 12; font.bold: true; opacity: 0.7 }
            Label { Layout.preferredWidth: page.enrolledWidth; textFormat: Text.PlainText; text: qsTr("Enrolled"); font.pixelSize: 12; font.bold: true; opacity: 0.7 }
            Label { Layout.preferredWidth: page.seenWidth; textFormat: Text.PlainText; text: qsTr("Last seen"); font.pixelSize: 12; font.bold: true; opacity: 0.7 }
            Label { Layout.preferredWidth: page.statusWidth; textFormat: Text.PlainText; text: qsTr("Status"); font.pixelSize: 12; font.bold: true; opacity: 0.7 }
            Item { Layout.preferredWidth: page.actionsWidth }
        }
        Rectangle {
            Layout.fillWidth: true
            Layout.leftMargin: 16
            Layout.rightMargin: 16
            Layout.topMargin: 6
            visible: page.wide
            height: 2
            color: Material.dividerColor
        }

        ListView {
            id: list
            objectName: "adminDeviceList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            Layout.topMargin: page.wide ? 0 : 6
            clip: true
            spacing: page.wide ? 0 : 8
            model: page.controller ? page.controller.devices : null
            Accessible.name: qsTr("Devices")
            ScrollBar.vertical: ScrollBar {}

            delegate: Item {
                id: row
                width: list.width
                height: page.wide ? tableRow.implicitHeight + 16 : card.implicitHeight + 24
                Accessible.role: Accessible.ListItem
                Accessible.name: qsTr("%1 (%2), %3, device %4, %5").arg(name).arg(user).arg(TextRuns.roleName(role)).arg(device).arg(statusText)

                // Laptop: one table row.
                RowLayout {
                    id: tableRow
                    visible: page.wide
                    anchors.left: parent.left
                    anchors.right: parent.right
                    anchors.verticalCenter: parent.verticalCenter
                    anchors.leftMargin: 16
                    anchors.rightMargin: 16
                    spacing: 8
                    ColumnLayout {
                        Layout.fillWidth: true
                        spacing: 0
                        Label {
                            Layout.fillWidth: true
                            textFormat: Text.PlainText
                            text: TextRuns.isolate(name) + (thisDevice ? "  " + qsTr("(you, this device)") : "")
                            font.bold: true
                            elide: Text.ElideRight
                        }
                        Label { Layout.fillWidth: true; textFormat: Text.PlainText; text: user; font.pixelSize: 12; opacity: 0.6; elide: Text.ElideRight }
                    }
                    Label { Layout.preferredWidth: page.roleWidth; textFormat: Text.PlainText; text: TextRuns.roleName(role); elide: Text.ElideRight }
                    Label { Layout.preferredWidth: page.deviceWidth; textFormat: Text.PlainText; text: "#" + device }
                    Label {
                        Layout.preferredWidth: page.platformWidth
                        textFormat: Text.PlainText
                        // The name its user gave it first (issue 23), then what it enrolled as.
                        text: (deviceName !== "" ? TextRuns.isolate(deviceName) + " \u00b7 " : "") + TextRuns.isolate(platform) + " \u00b7 " + TextRuns.isolate(appVersion)
                        // Wrapped, not cut: which system a device runs is what an admin looks for.
                        wrapMode: Text.Wrap
                        font.pixelSize: 13
                    }
                    Label { Layout.preferredWidth: page.enrolledWidth; textFormat: Text.PlainText; text: enrolledText; font.pixelSize: 13 }
                    Label { objectName: "lastSeenLabel"; Layout.preferredWidth: page.seenWidth; textFormat: Text.PlainText; text: lastSeenText; font.pixelSize: 13 }
                    Item {
                        Layout.preferredWidth: page.statusWidth
                        implicitHeight: tableChip.implicitHeight
                        DeviceStatusChip { id: tableChip; status: model.status; text: statusText }
                    }
                    // Revoke and wipe keep their places, whichever is offered.
                    Row {
                        Layout.preferredWidth: page.actionsWidth
                        Item {
                            width: page.actionsWidth / 2
                            height: tableRevoke.implicitHeight
                            IconButton {
                                id: tableRevoke
                                objectName: "revokeButton"
                                anchors.right: parent.right
                                property string deviceKey: model.deviceKey
                                visible: page.wide && canRevoke
                                symbol: Icons.block
                                destructive: true
                                text: qsTr("Revoke device %1 of %2").arg(device).arg(name)
                                onClicked: page.ask("revoke", user, name, device)
                            }
                        }
                        Item {
                            width: page.actionsWidth / 2
                            height: tableWipe.implicitHeight
                            IconButton {
                                id: tableWipe
                                objectName: "wipeButton"
                                anchors.right: parent.right
                                property string deviceKey: model.deviceKey
                                visible: page.wide && canWipe
                                symbol: Icons.phonelink_erase
                                destructive: true
                                text: qsTr("Wipe device %1 of %2").arg(device).arg(name)
                                onClicked: page.ask("wipe", user, name, device)
                            }
                        }
                    }
                }
                Rectangle {
                    visible: page.wide
                    anchors.bottom: parent.bottom
                    anchors.left: parent.left
                    anchors.right: parent.right
                    anchors.leftMargin: 16
                    anchors.rightMargin: 16
                    height: 1
                    color: Material.dividerColor
                }

                // Phone: a card.
                Rectangle {
                    visible: !page.wide
                    anchors.fill: parent
                    anchors.leftMargin: 10
                    anchors.rightMargin: 10
                    radius: 10
                    color: Theme.rowHeader(page.dark)
                    ColumnLayout {
                        id: card
                        anchors.left: parent.left
                        anchors.right: parent.right
                        anchors.top: parent.top
                        anchors.margins: 12
                        spacing: 4
                        RowLayout {
                            Layout.fillWidth: true
                            spacing: 10
                            Rectangle {
                                width: 36; height: 36; radius: 18
                                color: role === "client" ? Theme.directAccent : Theme.matterAccent
                                Label {
                                    anchors.centerIn: parent
                                    textFormat: Text.PlainText
                                    text: TextRuns.initial(name)
                                    color: "white"
                                    font.bold: true
                                }
                            }
                            ColumnLayout {
                                Layout.fillWidth: true
                                spacing: 0
                                Label {
                                    Layout.fillWidth: true
                                    textFormat: Text.PlainText
                                    text: TextRuns.isolate(name) + (thisDevice ? "  " + qsTr("(this device)") : "")
                                    font.bold: true
                                    // A phone row wraps its name and details rather than cut them.
                                    wrapMode: Text.Wrap
                                }
                                Label {
                                    Layout.fillWidth: true
                                    textFormat: Text.PlainText
                                    text: TextRuns.isolate(user) + " \u00b7 " + TextRuns.roleName(role) + " \u00b7 " + qsTr("device #%1").arg(device)
                                    font.pixelSize: 12
                                    opacity: 0.65
                                    wrapMode: Text.Wrap
                                }
                            }
                            DeviceStatusChip { status: model.status; text: statusText }
                        }
                        Label {
                            Layout.fillWidth: true
                            Layout.topMargin: 4
                            wrapMode: Text.WordWrap
                            font.pixelSize: 12
                            opacity: 0.8
                            textFormat: Text.PlainText
                            text: (deviceName !== "" ? TextRuns.isolate(deviceName) + " \u00b7 " : "") + TextRuns.fill(qsTr("%1 %2 \u00b7 enrolled %3"), [TextRuns.isolate(platform), TextRuns.isolate(appVersion), enrolledText])
                        }
                        Label {
                            Layout.fillWidth: true
                            wrapMode: Text.WordWrap
                            font.pixelSize: 12
                            opacity: 0.8
                            textFormat: Text.PlainText
                            text: qsTr("Last seen %1").arg(lastSeenText)
                        }
                        Row {
                            Layout.alignment: Qt.AlignRight
                            spacing: 4
                            visible: canRevoke || canWipe
                            IconButton {
                                objectName: "revokeButton"
                                property string deviceKey: model.deviceKey
                                visible: !page.wide && canRevoke
                                symbol: Icons.block
                                destructive: true
                                text: qsTr("Revoke device %1 of %2").arg(device).arg(name)
                                onClicked: page.ask("revoke", user, name, device)
                            }
                            IconButton {
                                objectName: "wipeButton"
                                property string deviceKey: model.deviceKey
                                visible: !page.wide && canWipe
                                symbol: Icons.phonelink_erase
                                destructive: true
                                text: qsTr("Wipe device %1 of %2").arg(device).arg(name)
                                onClicked: page.ask("wipe", user, name, device)
                            }
                        }
                    }
                }
            }

            Label {
                anchors.centerIn: parent
                visible: list.count === 0 && page.controller && !page.controller.busy
                textFormat: Text.PlainText
                text: filterField.text !== "" ? qsTr("No device of a user matching \u201c%1\u201d").arg(TextRuns.isolate(filterField.text))
                                              : qsTr("No devices")
                opacity: 0.6
            }
        }
    }

    // Revoke or wipe, after naming exactly what.
    Dialog {
        id: confirm
        objectName: "deviceActionDialog"
        property string action: "revoke" // or "wipe"
        property string user: ""
        property string name: ""
        property int device: 0
        modal: true
        Material.elevation: 0  // the elevation shadow is a layer the software renderer leaves blank
        anchors.centerIn: Overlay.overlay
        width: Math.min(page.width - 32, 460)
        title: action === "wipe" ? qsTr("Wipe device #%1 of %2?").arg(device).arg(TextRuns.isolate(name))
                                 : qsTr("Revoke device #%1 of %2?").arg(device).arg(TextRuns.isolate(name))
        header: PlainDialogHeader { dialog: confirm }
        Label {
            objectName: "deviceActionText"
            width: confirm.availableWidth
            wrapMode: Text.WordWrap
            textFormat: Text.PlainText
            text: confirm.action === "wipe"
                  ? TextRuns.fill(qsTr("Device #%1 of %2 (%3) will erase its messages and keys the next time it connects, and confirm it. Until then it shows as wipe pending. This cannot be undone."),
                                  [confirm.device, TextRuns.isolate(confirm.name), TextRuns.isolate(confirm.user)])
                  : TextRuns.fill(qsTr("Device #%1 of %2 (%3) is cut off at once: it can no longer connect, and nothing new is encrypted to it. What it already holds stays on it unless you also wipe it."),
                                  [confirm.device, TextRuns.isolate(confirm.name), TextRuns.isolate(confirm.user)])
        }
        footer: DialogButtonBox {
            Button {
                objectName: "deviceActionCancel"
                text: qsTr("Cancel")
                flat: true
                DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
                Accessible.name: qsTr("Cancel")
            }
            Button {
                objectName: "deviceActionConfirm"
                text: confirm.action === "wipe" ? qsTr("Wipe device") : qsTr("Revoke device")
                flat: true
                Material.foreground: page.badColor
                DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole
                Accessible.name: confirm.action === "wipe" ? qsTr("Wipe device %1 of %2").arg(confirm.device).arg(confirm.name)
                                                           : qsTr("Revoke device %1 of %2").arg(confirm.device).arg(confirm.name)
            }
        }
        onAccepted: {
            if (action === "wipe") page.controller.wipe(user, device)
            else page.controller.revoke(user, device)
        }
    }
}

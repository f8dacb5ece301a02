import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// The firm's ethical walls (H6, issue 22): each wall with its two sides by name, who made it and
// when, and what already crosses it (conversations, supervisions) for the administrator to
// resolve. Administrators add and remove walls here; compliance officers read. Laptop: the two
// sides side by side in each card; phone: stacked.
Pane {
    id: page
    objectName: "wallsPage"
    padding: 0
    property WallsController controller
    readonly property bool wide: width >= 720
    readonly property bool dark: Material.theme === Material.Dark
    readonly property bool canEdit: controller && controller.canEdit
    readonly property color badColor: Theme.bad(dark)

    Component.onCompleted: if (controller) controller.refresh()

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        Rectangle {
            Layout.fillWidth: true
            implicitHeight: top.implicitHeight + 20
            color: Theme.bar(page.dark)
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
                        text: qsTr("Ethical walls")
                        font.pixelSize: 20
                        font.bold: true
                        elide: Text.ElideRight
                        Accessible.role: Accessible.Heading
                    }
                    BusyIndicator {
                        visible: page.controller && page.controller.busy
                        running: visible
                        implicitWidth: 28
                        implicitHeight: 28
                    }
                    Button {
                        objectName: "refreshWallsButton"
                        text: qsTr("Refresh")
                        flat: true
                        enabled: page.controller && !page.controller.busy
                        Accessible.name: qsTr("Refresh the list of walls")
                        onClicked: page.controller.refresh()
                    }
                    Button {
                        objectName: "addWallButton"
                        visible: page.canEdit
                        text: qsTr("Add a wall")
                        flat: true
                        font.bold: true
                        Material.foreground: Material.accent
                        Accessible.name: qsTr("Add an ethical wall")
                        onClicked: addDialog.open()
                    }
                }
                Label {
                    objectName: "wallsExplanation"
                    Layout.fillWidth: true
                    wrapMode: Text.WordWrap
                    font.pixelSize: 12
                    opacity: 0.75
                    textFormat: Text.PlainText
                    text: (page.canEdit
                           ? qsTr("A wall keeps two groups apart: the relay refuses any conversation, invite or join that would put people of both sides together, and tells the refused person only the wall's name. Adding a wall removes nobody: what already crosses it is listed below for you to resolve.")
                           : qsTr("Read only: the firm's administrators add and remove walls. A wall keeps two groups apart; what already crosses it is listed below."))
                          + (page.controller && page.controller.updated.getTime() > 0
                             ? " " + qsTr("Updated %1.").arg(Qt.formatTime(page.controller.updated, "hh:mm:ss")) : "")
                }
            }
        }

        Label {
            objectName: "wallsError"
            Layout.fillWidth: true
            Layout.leftMargin: 16
            Layout.rightMargin: 16
            Layout.topMargin: 6
            visible: page.controller && page.controller.error !== "" && !addDialog.visible
            textFormat: Text.PlainText
            text: page.controller ? page.controller.error : ""
            color: page.badColor
            wrapMode: Text.WordWrap
        }

        ListView {
            id: list
            objectName: "wallList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            Layout.topMargin: 8
            clip: true
            spacing: 10
            model: page.controller ? page.controller.walls : null
            Accessible.name: qsTr("Ethical walls")
            ScrollBar.vertical: ScrollBar {}

            delegate: Item {
                id: row
                required property string name
                required property string createdText
                required property string sideAPeople
                required property string sideAMatters
                required property string sideBPeople
                required property string sideBMatters
                required property int conflictCount
                required property var conflicts
                width: list.width
                height: card.implicitHeight + 24
                Accessible.role: Accessible.ListItem
                Accessible.name: qsTr("Wall %1, conflicts: %2").arg(name).arg(conflictCount)

                Rectangle {
                    anchors.fill: parent
                    anchors.leftMargin: page.wide ? 16 : 10
                    anchors.rightMargin: page.wide ? 16 : 10
                    radius: 10
                    color: Theme.rowHeader(page.dark)
                    border.width: row.conflictCount > 0 ? 1 : 0
                    border.color: Theme.warn(page.dark)

                    ColumnLayout {
                        id: card
                        anchors.left: parent.left
                        anchors.right: parent.right
                        anchors.top: parent.top
                        anchors.margins: 12
                        spacing: 6

                        RowLayout {
                            Layout.fillWidth: true
                            spacing: 8
                            ColumnLayout {
                                Layout.fillWidth: true
                                spacing: 0
                                Label {
                                    objectName: "wallName"
                                    Layout.fillWidth: true
                                    textFormat: Text.PlainText
                                    text: row.name
                                    font.bold: true
                                    font.pixelSize: 16
                                    elide: Text.ElideRight
                                }
                                Label {
                                    Layout.fillWidth: true
                                    textFormat: Text.PlainText
                                    text: qsTr("Created %1").arg(row.createdText)
                                    font.pixelSize: 12
                                    opacity: 0.65
                                    wrapMode: Text.WordWrap
                                }
                            }
                            Button {
                                objectName: "removeWallButton"
                                property string wallName: row.name
                                visible: page.canEdit
                                text: qsTr("Remove")
                                flat: true
                                Material.foreground: page.badColor
                                Accessible.name: qsTr("Remove the wall %1").arg(row.name)
                                onClicked: {
                                    confirm.wall = row.name
                                    confirm.open()
                                }
                            }
                        }

                        // The two sides: side by side on a laptop, one above the other on a phone.
                        GridLayout {
                            Layout.fillWidth: true
                            columns: page.wide ? 3 : 1
                            columnSpacing: 12
                            rowSpacing: 6
                            Repeater {
                                model: [
                                    { label: qsTr("Side A"), people: row.sideAPeople, matters: row.sideAMatters },
                                    { label: qsTr("Side B"), people: row.sideBPeople, matters: row.sideBMatters }
                                ]
                                delegate: ColumnLayout {
                                    required property var modelData
                                    required property int index
                                    Layout.fillWidth: true
                                    Layout.preferredWidth: 1
                                    Layout.column: page.wide ? index * 2 : 0
                                    Layout.row: page.wide ? 0 : index * 2
                                    spacing: 2
                                    Label {
                                        textFormat: Text.PlainText
                                        text: modelData.label
                                        font.pixelSize: 12
                                        font.bold: true
                                        opacity: 0.7
                                    }
                                    Label {
                                        objectName: "wallSidePeople"
                                        Layout.fillWidth: true
                                        visible: modelData.people !== ""
                                        textFormat: Text.PlainText
                                        text: modelData.people
                                        wrapMode: Text.WordWrap
                                    }
                                    Label {
                                        objectName: "wallSideMatters"
                                        Layout.fillWidth: true
                                        visible: modelData.matters !== ""
                                        textFormat: Text.PlainText
                                        text: qsTr("Matters: %1").arg(modelData.matters)
                                        wrapMode: Text.WordWrap
                                        font.italic: true
                                    }
                                }
                            }
                            Label {
                                Layout.column: page.wide ? 1 : 0
                                Layout.row: page.wide ? 0 : 1
                                Layout.alignment: page.wide ? Qt.AlignVCenter : Qt.AlignLeft
                                textFormat: Text.PlainText
                                text: page.wide ? "\u2016" : "\u2550\u2550"
                                font.pixelSize: 20
                                opacity: 0.5
                                Accessible.ignored: true
                            }
                        }

                        Label {
                            objectName: "wallConflictSummary"
                            Layout.fillWidth: true
                            Layout.topMargin: 4
                            textFormat: Text.PlainText
                            wrapMode: Text.WordWrap
                            font.bold: row.conflictCount > 0
                            color: row.conflictCount > 0 ? Theme.warn(page.dark) : Theme.ok(page.dark)
                            text: row.conflictCount === 0
                                  ? qsTr("Nothing crosses this wall.")
                                  : row.conflictCount === 1
                                    ? qsTr("1 conflict: nobody was removed; resolve it with the admin commands (wall cut, offboard, supervisor remove).")
                                    : qsTr("%1 conflicts: nobody was removed; resolve each with the admin commands (wall cut, offboard, supervisor remove).").arg(row.conflictCount)
                        }
                        Repeater {
                            model: row.conflicts
                            delegate: Label {
                                required property string modelData
                                objectName: "wallConflict"
                                Layout.fillWidth: true
                                Layout.leftMargin: 10
                                textFormat: Text.PlainText
                                wrapMode: Text.WordWrap
                                font.pixelSize: 13
                                text: "\u2022 " + modelData
                            }
                        }
                    }
                }
            }

            Label {
                anchors.centerIn: parent
                width: Math.min(parent.width - 32, 420)
                horizontalAlignment: Text.AlignHCenter
                visible: list.count === 0 && page.controller && !page.controller.busy
                textFormat: Text.PlainText
                wrapMode: Text.WordWrap
                text: qsTr("No walls. Everyone may talk to everyone in the firm.")
                opacity: 0.6
            }
        }
    }

    // Add a wall: its name (shown to refused users), and each side's people and matters.
    Dialog {
        id: addDialog
        objectName: "addWallDialog"
        modal: true
        Material.elevation: 0  // the elevation shadow is a layer the software renderer leaves blank
        anchors.centerIn: Overlay.overlay
        width: Math.min(page.width - 24, 520)
        height: Math.min(implicitHeight, page.height - 24)
        title: qsTr("Add an ethical wall")
        header: PlainDialogHeader { dialog: addDialog }
        property bool waiting: false
        onOpened: {
            page.controller.clearError()
            wallName.text = ""
            usersA.text = ""
            mattersA.text = ""
            usersB.text = ""
            mattersB.text = ""
            wallName.forceActiveFocus()
        }
        readonly property bool acceptable: wallName.text.trim() !== ""
                                           && (usersA.text.trim() !== "" || mattersA.text.trim() !== "")
                                           && (usersB.text.trim() !== "" || mattersB.text.trim() !== "")
        ScrollView {
            anchors.fill: parent
            contentWidth: availableWidth
            clip: true
            ColumnLayout {
                width: addDialog.availableWidth
                spacing: 6
                Label {
                    Layout.fillWidth: true
                    wrapMode: Text.WordWrap
                    font.pixelSize: 12
                    opacity: 0.75
                    textFormat: Text.PlainText
                    text: qsTr("People by user id and matters by id or exact title, separated by commas. A refused user sees the wall's name, so choose one that may be shown.")
                }
                TextField {
                    id: wallName
                    objectName: "wallNameField"
                    Layout.fillWidth: true
                    placeholderText: qsTr("Name, e.g. Acme v Beta")
                    maximumLength: 100
                    Accessible.name: qsTr("The wall's name")
                }
                Label { textFormat: Text.PlainText; text: qsTr("Side A"); font.bold: true }
                TextField {
                    id: usersA
                    objectName: "wallUsersAField"
                    Layout.fillWidth: true
                    placeholderText: qsTr("People (user ids)")
                    Accessible.name: qsTr("People on side A")
                }
                TextField {
                    id: mattersA
                    objectName: "wallMattersAField"
                    Layout.fillWidth: true
                    placeholderText: qsTr("Matters (optional)")
                    Accessible.name: qsTr("Matters on side A")
                }
                Label { textFormat: Text.PlainText; text: qsTr("Side B"); font.bold: true }
                TextField {
                    id: usersB
                    objectName: "wallUsersBField"
                    Layout.fillWidth: true
                    placeholderText: qsTr("People (user ids)")
                    Accessible.name: qsTr("People on side B")
                }
                TextField {
                    id: mattersB
                    objectName: "wallMattersBField"
                    Layout.fillWidth: true
                    placeholderText: qsTr("Matters (optional)")
                    Accessible.name: qsTr("Matters on side B")
                }
                Label {
                    objectName: "addWallError"
                    Layout.fillWidth: true
                    visible: page.controller && page.controller.error !== ""
                    textFormat: Text.PlainText
                    text: page.controller ? page.controller.error : ""
                    color: page.badColor
                    wrapMode: Text.WordWrap
                }
            }
        }
        footer: DialogButtonBox {
            Button {
                objectName: "addWallCancel"
                text: qsTr("Cancel")
                flat: true
                DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
            }
            Button {
                objectName: "addWallConfirm"
                text: qsTr("Add wall")
                flat: true
                enabled: addDialog.acceptable && !addDialog.waiting
                // Stays open until the relay answers: a refusal is shown here, with its reason.
                onClicked: {
                    addDialog.waiting = true
                    page.controller.addWall(wallName.text, usersA.text, mattersA.text, usersB.text, mattersB.text)
                }
            }
        }
        Connections {
            target: page.controller
            function onAdded(ok, name, conflicts) {
                addDialog.waiting = false
                if (ok) addDialog.close()
            }
        }
    }

    Dialog {
        id: confirm
        objectName: "removeWallDialog"
        property string wall: ""
        modal: true
        Material.elevation: 0
        anchors.centerIn: Overlay.overlay
        width: Math.min(page.width - 32, 460)
        title: qsTr("Remove the wall \u201c%1\u201d?").arg(wall)
        header: PlainDialogHeader { dialog: confirm }
        Label {
            width: confirm.availableWidth
            wrapMode: Text.WordWrap
            textFormat: Text.PlainText
            text: qsTr("From now on the relay allows what this wall refused: its two sides may talk, be invited and join each other's matters. The removal is journaled.")
        }
        footer: DialogButtonBox {
            Button {
                objectName: "removeWallCancel"
                text: qsTr("Cancel")
                flat: true
                DialogButtonBox.buttonRole: DialogButtonBox.RejectRole
            }
            Button {
                objectName: "removeWallConfirm"
                text: qsTr("Remove wall")
                flat: true
                Material.foreground: page.badColor
                DialogButtonBox.buttonRole: DialogButtonBox.AcceptRole
            }
        }
        onAccepted: page.controller.removeWall(wall)
    }
}

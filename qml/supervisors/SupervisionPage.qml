import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// The supervising partner's page (issue 21): every matter of the lawyers they supervise, with
// metadata only (participants, how long a client has waited for an answer, messages per week),
// flagged matters first. Never content: a matter opens only when the supervisor is a member.
// One card per matter, at laptop and phone width alike.
Pane {
    id: page
    objectName: "supervisionPage"
    padding: 0
    required property SupervisorsController controller
    /// Opens a matter the supervisor is a member of (the window switches to the chat).
    signal openRequested(string conversationId)
    readonly property bool wide: width >= 720
    readonly property bool dark: Material.theme === Material.Dark

    Component.onCompleted: controller.refresh()

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
                spacing: 4
                RowLayout {
                    Layout.fillWidth: true
                    Label {
                        Layout.fillWidth: true
                        textFormat: Text.PlainText
                        text: qsTr("Supervision")
                        font.pixelSize: 20
                        font.bold: true
                        Accessible.role: Accessible.Heading
                    }
                    BusyIndicator {
                        visible: page.controller.busy
                        running: visible
                        implicitWidth: 28
                        implicitHeight: 28
                    }
                    IconButton {
                        objectName: "refreshSupervisionButton"
                        symbol: Icons.refresh
                        text: qsTr("Refresh")
                        enabled: !page.controller.busy
                        onClicked: page.controller.refresh()
                    }
                }
                Label {
                    Layout.fillWidth: true
                    textFormat: Text.PlainText
                    wrapMode: Text.Wrap
                    opacity: 0.75
                    text: qsTr("Matters of %1. Metadata only: no message is shown here.")
                          .arg(page.controller.lawyers)
                }
                Label {
                    objectName: "supervisionSummary"
                    Layout.fillWidth: true
                    textFormat: Text.PlainText
                    wrapMode: Text.Wrap
                    color: page.controller.matters.overdueCount > 0 ? Theme.bad(page.dark) : Material.foreground
                    // The firm's threshold in whole hours (the admin command sets hours; under an
                    // hour, as tests set it, in minutes).
                    readonly property string limit: page.controller.thresholdHours >= 1
                                                    ? qsTr("%1 h").arg(Math.round(page.controller.thresholdHours))
                                                    : qsTr("%1 min").arg(Math.max(1, Math.round(page.controller.thresholdHours * 60)))
                    text: page.controller.thresholdHours <= 0
                          ? qsTr("The firm has set no waiting threshold.")
                          : (page.controller.matters.overdueCount === 1
                             ? qsTr("1 matter where a client has waited over %1").arg(limit)
                             : qsTr("%1 matters where a client has waited over %2")
                               .arg(page.controller.matters.overdueCount).arg(limit))
                }
                Label {
                    visible: page.controller.error !== ""
                    Layout.fillWidth: true
                    textFormat: Text.PlainText
                    wrapMode: Text.Wrap
                    color: Theme.bad(page.dark)
                    text: page.controller.error
                }
            }
        }

        ListView {
            id: list
            objectName: "supervisedMattersList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            spacing: 8
            topMargin: 8
            bottomMargin: 8
            model: page.controller.matters
            ScrollBar.vertical: ScrollBar {}

            Label {
                anchors.centerIn: parent
                visible: list.count === 0 && !page.controller.busy
                textFormat: Text.PlainText
                text: qsTr("No matters yet.")
                opacity: 0.6
            }

            delegate: Frame {
                id: card
                required property string conversationId
                required property string title
                required property string matterNumber
                required property string clientName
                required property string participants
                required property string supervised
                required property bool waiting
                required property string waitingText
                required property bool overdue
                required property string lastClientText
                required property var weekly
                required property int weeklyMax
                required property var weeklyTotal
                required property bool closed
                required property bool member
                objectName: "supervisedMatter_" + index
                required property int index
                x: 12
                width: list.width - 24
                padding: 12
                background: Rectangle {
                    radius: 6
                    color: card.overdue ? Theme.badBackground(page.dark)
                                        : (card.waiting ? Theme.warnBackground(page.dark) : Theme.bar(page.dark))
                    border.color: card.overdue ? Theme.bad(page.dark) : Material.dividerColor
                }
                Accessible.name: title + ", " + waitingText

                GridLayout {
                    width: parent.width
                    columns: page.wide ? 2 : 1
                    columnSpacing: 16
                    rowSpacing: 6

                    ColumnLayout {
                        Layout.fillWidth: true
                        spacing: 4
                        RowLayout {
                            Layout.fillWidth: true
                            Label {
                                Layout.fillWidth: true
                                textFormat: Text.PlainText
                                text: card.title
                                font.bold: true
                                font.pixelSize: 16
                                elide: Label.ElideRight
                            }
                            Label {
                                visible: card.overdue
                                textFormat: Text.PlainText
                                text: qsTr("Overdue")
                                color: Theme.bad(page.dark)
                                font.bold: true
                            }
                            Label {
                                visible: card.closed
                                textFormat: Text.PlainText
                                text: qsTr("Closed")
                                opacity: 0.7
                            }
                        }
                        Label {
                            Layout.fillWidth: true
                            visible: card.matterNumber !== "" || card.clientName !== ""
                            textFormat: Text.PlainText
                            elide: Label.ElideRight
                            opacity: 0.8
                            text: [card.matterNumber, card.clientName].filter(s => s !== "").join(" \u00b7 ")
                        }
                        Label {
                            objectName: "waitingText"
                            Layout.fillWidth: true
                            textFormat: Text.PlainText
                            wrapMode: Text.Wrap
                            font.bold: card.waiting
                            color: card.overdue ? Theme.bad(page.dark)
                                                : (card.waiting ? Theme.warn(page.dark) : Theme.ok(page.dark))
                            text: card.waitingText
                        }
                        Label {
                            Layout.fillWidth: true
                            textFormat: Text.PlainText
                            wrapMode: Text.Wrap
                            opacity: 0.8
                            text: qsTr("Last client message: %1").arg(card.lastClientText)
                        }
                        Label {
                            Layout.fillWidth: true
                            textFormat: Text.PlainText
                            wrapMode: Text.Wrap
                            opacity: 0.8
                            text: qsTr("Participants: %1").arg(card.participants)
                        }
                    }

                    ColumnLayout {
                        Layout.fillWidth: !page.wide
                        Layout.preferredWidth: page.wide ? 220 : -1
                        spacing: 4
                        Label {
                            textFormat: Text.PlainText
                            opacity: 0.8
                            text: card.weeklyTotal == 1
                                  ? qsTr("1 message in %1 weeks").arg(card.weekly.length)
                                  : qsTr("%1 messages in %2 weeks").arg(card.weeklyTotal).arg(card.weekly.length)
                        }
                        // Messages per week, oldest on the left; the last bar is this week.
                        Row {
                            objectName: "volumeBars"
                            height: 40
                            spacing: 3
                            Accessible.name: qsTr("Messages per week: %1").arg(card.weekly.join(", "))
                            Repeater {
                                model: card.weekly
                                delegate: Rectangle {
                                    required property var modelData
                                    width: 18
                                    height: Math.max(2, 40 * modelData / card.weeklyMax)
                                    anchors.bottom: parent ? parent.bottom : undefined
                                    radius: 2
                                    color: modelData > 0 ? Theme.weeklyBar(page.dark) : Material.dividerColor
                                }
                            }
                        }
                        Button {
                            objectName: "openSupervisedMatter"
                            visible: card.member
                            text: qsTr("Open")
                            Accessible.name: qsTr("Open %1").arg(card.title)
                            onClicked: page.openRequested(card.conversationId)
                        }
                    }
                }
            }
        }
    }
}

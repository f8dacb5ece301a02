import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// The unlocked journal's actions (pull, verify, export, lock) and the progress of the one in
// flight.
Rectangle {
    id: toolbar
    /// The page's ComplianceController.
    required property ComplianceController compliance
    readonly property bool dark: Material.theme === Material.Dark
    /// The export options are shown (the page owns the state; the button asks to flip it).
    property bool showExport: false
    signal exportToggled()
    Layout.fillWidth: true
    implicitHeight: actions.implicitHeight + 12
    color: Theme.bar(toolbar.dark)
    Flow {
        id: actions
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.verticalCenter: parent.verticalCenter
        anchors.leftMargin: 8
        anchors.rightMargin: 8
        spacing: 6
        // Icons, each named by its tooltip and accessible name (issue 23).
        IconButton {
            objectName: "pullButton"
            symbol: Icons.cloud_download
            text: qsTr("Pull the journal from the relay")
            enabled: !compliance.busy
            onClicked: compliance.pull()
        }
        IconButton {
            objectName: "verifyButton"
            symbol: Icons.verified_user
            text: qsTr("Verify the whole archive again")
            enabled: !compliance.busy
            onClicked: compliance.verify()
        }
        IconButton {
            objectName: "exportToggle"
            symbol: Icons.ios_share
            checkable: true
            checked: toolbar.showExport
            text: toolbar.showExport ? qsTr("Hide the export options") : qsTr("Show the export options")
            onClicked: toolbar.exportToggled()
        }
        IconButton {
            objectName: "lockJournalButton"
            symbol: Icons.lock
            text: qsTr("Close the archive and forget the journal key")
            onClicked: compliance.lock()
        }
        Row {
            spacing: 6
            height: 48
            // Determinate while a pull knows how far it is (issue 21), else indeterminate.
            ProgressBar {
                objectName: "complianceProgressBar"
                anchors.verticalCenter: parent.verticalCenter
                visible: compliance.busy
                width: 96
                from: 0
                to: 1
                indeterminate: compliance.progressFraction < 0
                value: Math.max(compliance.progressFraction, 0)
                Accessible.name: qsTr("Progress of the archive work")
            }
            Label {
                objectName: "complianceProgressPercent"
                anchors.verticalCenter: parent.verticalCenter
                visible: compliance.busy && compliance.progressFraction >= 0
                textFormat: Text.PlainText
                text: qsTr("%1 %").arg(Math.round(compliance.progressFraction * 100))
                font.pixelSize: 12
            }
            Label {
                objectName: "complianceProgress"
                anchors.verticalCenter: parent.verticalCenter
                width: Math.min(implicitWidth, toolbar.width - 24)
                textFormat: Text.PlainText
                text: compliance.progress
                wrapMode: Text.Wrap
                font.pixelSize: 12
                opacity: 0.8
            }
        }
    }
}

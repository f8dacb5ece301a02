import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// The audit trail (issue 21), as `verbatim-journal audit` prints it: the firm's admin actions
// (enrolments, revocations, invites, holds) and the devices' edits, retractions and acceptances,
// with the relay's time and full date. Loaded on the archive's worker when the tab is shown.
ColumnLayout {
    id: auditView
    /// The page's ComplianceController.
    required property ComplianceController compliance
    spacing: 0
    function when(t) { return t ? Qt.formatDateTime(t, "yyyy-MM-dd hh:mm:ss") : qsTr("(no time)") }
    function reload() { if (compliance.unlocked) compliance.loadAudit() }
    onVisibleChanged: if (visible) reload()
    Connections {
        target: compliance
        function onStatusChanged() { if (auditView.visible) auditView.reload() }
    }
    RowLayout {
        Layout.fillWidth: true
        Layout.leftMargin: 14
        Layout.rightMargin: 8
        Label {
            Layout.fillWidth: true
            textFormat: Text.PlainText
            text: qsTr("%n audit record(s)", "", auditList.count)
            opacity: 0.8
        }
        Button {
            objectName: "auditReloadButton"
            text: qsTr("Reload")
            flat: true
            enabled: compliance.unlocked
            Accessible.name: qsTr("Reload the audit trail")
            onClicked: auditView.reload()
        }
    }
    ListView {
        id: auditList
        objectName: "auditList"
        Layout.fillWidth: true
        Layout.fillHeight: true
        clip: true
        model: compliance.audit
        Accessible.name: qsTr("Audit trail")
        delegate: ItemDelegate {
            objectName: "auditRow"
            // Roles through `model`, as in the access log.
            required property var model
            width: auditList.width
            Accessible.name: qsTr("%1 by %2").arg(model.kind).arg(model.who)
            contentItem: ColumnLayout {
                spacing: 2
                Label {
                    objectName: "auditHeading"
                    Layout.fillWidth: true
                    textFormat: Text.PlainText
                    text: auditView.when(model.time) + "  \u00b7  " + model.kind + "  \u00b7  " + TextRuns.isolate(model.who)
                    font.bold: true
                    // A phone wraps the heading rather than cut off who did it.
                    wrapMode: Text.Wrap
                }
                Label {
                    objectName: "auditDetail"
                    Layout.fillWidth: true
                    textFormat: Text.PlainText
                    text: (model.target !== "" ? model.target + "  " : "") + model.detail + "  (#" + model.sequence + ")"
                    wrapMode: Text.WrapAnywhere
                    font.pixelSize: 12
                    opacity: 0.8
                }
            }
        }
        Label {
            anchors.centerIn: parent
            width: Math.min(implicitWidth, parent.width - 32)
            wrapMode: Text.Wrap
            horizontalAlignment: Text.AlignHCenter
            visible: auditList.count === 0
            textFormat: Text.PlainText
            text: qsTr("No admin actions or key changes in the archive yet")
            opacity: 0.6
        }
        ScrollBar.vertical: ScrollBar {}
    }
}

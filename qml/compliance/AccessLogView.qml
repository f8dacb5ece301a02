import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// The access log (issue 21): every search, view and export by compliance, from every officer's
// device, as the journal holds it (SUPERVISION records, sealed and chained like messages).
ListView {
    id: accessList
    objectName: "accessLogList"
    /// The page's SupervisionController.
    required property SupervisionController supervision
    clip: true
    model: supervision.accessLog
    Accessible.name: qsTr("Access log")
    function when(t) { return t ? Qt.formatDateTime(t, "yyyy-MM-dd hh:mm:ss") : "" }
    delegate: ItemDelegate {
        objectName: "accessRow"
        // Roles through `model`: "action" would shadow the delegate's own (final) property.
        required property var model
        width: accessList.width
        Accessible.name: qsTr("%1 by %2").arg(model.action).arg(model.who)
        contentItem: ColumnLayout {
            spacing: 2
            Label {
                Layout.fillWidth: true
                textFormat: Text.PlainText
                text: accessList.when(model.time) + "  \u00b7  " + model.action + "  \u00b7  " + TextRuns.isolate(model.who)
                font.bold: true
                elide: Text.ElideRight
            }
            Label {
                objectName: "accessDetail"
                Layout.fillWidth: true
                textFormat: Text.PlainText
                text: model.detail + "  (#" + model.sequence + ")"
                wrapMode: Text.Wrap
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
        visible: accessList.count === 0
        textFormat: Text.PlainText
        text: qsTr("No searches, views or exports by compliance journaled yet")
        opacity: 0.6
    }
    ScrollBar.vertical: ScrollBar {}
}

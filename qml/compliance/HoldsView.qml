import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// Legal holds (issue 22): every hold the journal holds (hold and release records, sealed and
// chained like messages), open ones first: the matter or custodian, why, the firm's reference,
// who placed it and when, and the release. Placing and releasing: verbatim-journal hold.
ListView {
    id: holdsList
    objectName: "holdsList"
    /// The page's SupervisionController.
    required property SupervisionController supervision
    clip: true
    model: supervision.holds
    Accessible.name: qsTr("Legal holds")
    function when(t) { return t ? Qt.formatDateTime(t, "yyyy-MM-dd hh:mm") : "" }
    delegate: ItemDelegate {
        objectName: "holdRow"
        required property var model
        width: holdsList.width
        Accessible.name: qsTr("Hold %1 on %2").arg(model.holdId).arg(model.scope)
        contentItem: ColumnLayout {
            spacing: 2
            Label {
                Layout.fillWidth: true
                textFormat: Text.PlainText
                text: (model.open ? qsTr("OPEN") : qsTr("released")) + "  \u00b7  " + TextRuns.isolate(model.scope)
                      + "  \u00b7  " + qsTr("hold %1").arg(model.holdId)
                font.bold: model.open
                elide: Text.ElideRight
            }
            Label {
                objectName: "holdReason"
                Layout.fillWidth: true
                textFormat: Text.PlainText
                text: model.reference.length > 0 ? qsTr("%1 (reference %2)").arg(model.reason).arg(model.reference)
                                                 : model.reason
                wrapMode: Text.Wrap
            }
            Label {
                Layout.fillWidth: true
                textFormat: Text.PlainText
                text: qsTr("Placed by %1, %2").arg(TextRuns.isolate(model.placedBy)).arg(holdsList.when(model.placed))
                font.pixelSize: 12
                opacity: 0.8
            }
            Label {
                Layout.fillWidth: true
                visible: !model.open
                textFormat: Text.PlainText
                text: model.released
                wrapMode: Text.Wrap
                font.pixelSize: 12
                opacity: 0.8
            }
        }
    }
    Label {
        anchors.centerIn: parent
        visible: holdsList.count === 0
        textFormat: Text.PlainText
        text: qsTr("No legal holds journaled")
        opacity: 0.6
    }
    ScrollBar.vertical: ScrollBar {}
}

import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// The verdict of the last verification (ok, problems, empty, not verified yet) and, under it,
// the problems found, one per line.
Rectangle {
    id: banner
    /// The page's ComplianceController.
    required property ComplianceController compliance
    readonly property bool dark: Material.theme === Material.Dark
    /// The problem list grows to this height, then scrolls.
    property real maxProblemsHeight: 200
    objectName: "verificationBanner"
    Layout.fillWidth: true
    readonly property string verdict: compliance.verification
    implicitHeight: bannerColumn.implicitHeight + 16
    color: verdict === "ok" ? Theme.okBackground(banner.dark)
         : verdict === "problems" ? Theme.badBackground(banner.dark)
         : Theme.neutralBackground(banner.dark)
    ColumnLayout {
        id: bannerColumn
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.top: parent.top
        anchors.margins: 8
        anchors.leftMargin: 14
        spacing: 4
        Label {
            objectName: "verificationText"
            Layout.fillWidth: true
            wrapMode: Text.WordWrap
            font.bold: true
            color: banner.verdict === "ok" ? Theme.ok(banner.dark) : banner.verdict === "problems" ? Theme.bad(banner.dark) : Material.foreground
            textFormat: Text.PlainText
            text: banner.verdict === "ok"
                  ? qsTr("\u2714 Journal verified: %1 entries, head #%2").arg(compliance.entries).arg(compliance.headSequence)
                  : banner.verdict === "problems"
                  ? qsTr("\u26a0 %n problem(s) in the journal", "", compliance.problemCount)
                  : banner.verdict === "empty"
                  ? qsTr("Nothing pulled yet: press Pull.")
                  : qsTr("Not verified since unlocking: %1 entries, head #%2").arg(compliance.entries).arg(compliance.headSequence)
            Accessible.name: text
        }
        ListView {
            id: problemList
            objectName: "problemList"
            Layout.fillWidth: true
            Layout.preferredHeight: Math.min(contentHeight, banner.maxProblemsHeight)
            visible: banner.verdict === "problems"
            clip: true
            model: compliance.problems
            Accessible.name: qsTr("Problems found")
            delegate: Label {
                width: problemList.width
                wrapMode: Text.WordWrap
                font.pixelSize: 12
                color: Theme.bad(banner.dark)
                textFormat: Text.PlainText
                text: TextRuns.fill(qsTr("#%1 %2: %3"), [sequence, description, TextRuns.isolate(detail)])
                Accessible.name: text
            }
            ScrollBar.vertical: ScrollBar {}
        }
    }
}

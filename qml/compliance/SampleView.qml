import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// Sampling (issue 21): a reproducible random sample of one participant's or one matter's
// messages over a period, for routine supervision without a lexicon hit. The seed (random unless
// given) is shown and journaled with the sample, so anyone with the archive draws the same one;
// the sampled entries join the review queue. Below, every sample the journal holds.
Item {
    id: sampler
    /// The page's SupervisionController.
    required property SupervisionController supervision
    property bool wide: true
    function when(t) { return t ? Qt.formatDateTime(t, "yyyy-MM-dd hh:mm") : "" }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        Flow {
            Layout.fillWidth: true
            Layout.margins: 8
            spacing: 6
            ComboBox {
                id: kindBox
                objectName: "sampleKindBox"
                model: [qsTr("Participant"), qsTr("Matter")]
                Accessible.name: qsTr("Sample one participant's or one matter's messages")
            }
            TextField {
                id: whoField
                objectName: "sampleWhoField"
                width: sampler.wide ? 200 : sampler.width - 16
                placeholderText: kindBox.currentIndex === 0 ? qsTr("Participant id") : qsTr("Matter title or id")
                Accessible.name: placeholderText
            }
            TextField {
                id: fromField
                objectName: "sampleFromField"
                width: 130
                placeholderText: qsTr("From YYYY-MM-DD")
                Accessible.name: qsTr("First day of the period")
            }
            TextField {
                id: toField
                objectName: "sampleToField"
                width: 130
                placeholderText: qsTr("To YYYY-MM-DD")
                Accessible.name: qsTr("Last day of the period")
            }
            TextField {
                id: percentField
                objectName: "samplePercentField"
                width: 90
                text: "10"
                placeholderText: qsTr("Percent")
                inputMethodHints: Qt.ImhFormattedNumbersOnly
                Accessible.name: qsTr("Percentage of the messages to sample")
            }
            TextField {
                id: seedField
                objectName: "sampleSeedField"
                width: 170
                placeholderText: qsTr("Seed (random if empty)")
                // A hint longer than the field elides: the tooltip shows it whole.
                ToolTip.visible: (hovered || pressed) && text === ""
                ToolTip.text: placeholderText
                inputMethodHints: Qt.ImhDigitsOnly
                Accessible.name: qsTr("Seed: the same seed draws the same sample")
            }
            Button {
                objectName: "sampleDrawButton"
                text: qsTr("Draw and journal")
                highlighted: true
                Material.elevation: 0
                enabled: !supervision.working && whoField.text.trim() !== "" && percentField.text.trim() !== ""
                onClicked: supervision.drawSample(kindBox.currentIndex === 0 ? whoField.text : "",
                                                  kindBox.currentIndex === 1 ? whoField.text : "",
                                                  fromField.text, toField.text, percentField.text, seedField.text)
            }
        }

        ListView {
            id: sampleList
            objectName: "sampleList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: supervision.samples
            Accessible.name: qsTr("Samples journaled")
            delegate: ItemDelegate {
                objectName: "sampleRow"
                required property var modelData
                width: sampleList.width
                Accessible.name: qsTr("Sample of %1, seed %2").arg(modelData.scope).arg(modelData.seed)
                contentItem: ColumnLayout {
                    spacing: 2
                    Label {
                        Layout.fillWidth: true
                        textFormat: Text.PlainText
                        text: TextRuns.fill(qsTr("#%1 \u00b7 %2 \u00b7 %3 to %4 \u00b7 %5 % \u00b7 %6 entries"),
                                            [String(modelData.sequence), TextRuns.isolate(modelData.scope),
                                             modelData.from !== "" ? modelData.from : qsTr("the beginning"),
                                             modelData.to !== "" ? modelData.to : qsTr("now"),
                                             String(modelData.percent), String(modelData.items)])
                        font.bold: true
                        elide: Text.ElideRight
                    }
                    Label {
                        objectName: "sampleSeed"
                        Layout.fillWidth: true
                        textFormat: Text.PlainText
                        text: TextRuns.fill(qsTr("seed %1 \u00b7 drawn by %2, %3"),
                                            [String(modelData.seed), TextRuns.isolate(modelData.who), sampler.when(modelData.time)])
                        font.pixelSize: 12
                        opacity: 0.75
                        elide: Text.ElideRight
                    }
                }
            }
            Label {
                anchors.centerIn: parent
                visible: sampleList.count === 0
                width: parent.width - 32
                wrapMode: Text.WordWrap
                horizontalAlignment: Text.AlignHCenter
                textFormat: Text.PlainText
                text: qsTr("No samples yet. A sample's entries join the review queue; its seed draws it again.")
                opacity: 0.6
            }
            ScrollBar.vertical: ScrollBar {}
        }
    }
}

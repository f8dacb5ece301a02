import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// The composer's voice note row while recording: a red dot, the time recorded, a level meter,
// Cancel and Send. Hidden otherwise (VoiceRecordButton starts a recording).
RowLayout {
    id: recorder
    property VoiceController voice: null
    visible: !!voice && voice.recording
    spacing: 10

    Rectangle {
        implicitWidth: 12
        implicitHeight: 12
        radius: 6
        color: Theme.error
        SequentialAnimation on opacity {
            running: recorder.visible
            loops: Animation.Infinite
            NumberAnimation { to: 0.3; duration: 600 }
            NumberAnimation { to: 1; duration: 600 }
        }
    }
    Label {
        objectName: "recordingTime"
        textFormat: Text.PlainText
        font.bold: true
        text: recorder.voice ? recorder.voice.durationText(recorder.voice.recordedMs) : ""
        Accessible.name: qsTr("Recording, %1").arg(text)
    }
    ProgressBar {
        objectName: "recordingLevel"
        Layout.fillWidth: true
        from: 0
        to: 1
        value: recorder.voice ? Math.sqrt(recorder.voice.level) : 0
        Accessible.name: qsTr("Sound level")
    }
    Button {
        objectName: "cancelRecordingButton"
        flat: true
        text: qsTr("Cancel")
        Accessible.name: qsTr("Cancel the voice note")
        onClicked: recorder.voice.cancelRecording()
    }
    Button {
        objectName: "sendRecordingButton"
        highlighted: true
        Material.elevation: 0
        text: qsTr("Send")
        Accessible.name: qsTr("Send the voice note")
        onClicked: recorder.voice.stopAndSend()
    }
}

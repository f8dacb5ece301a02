import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import Verbatim

// The composer's microphone button: click to start a voice note (VoiceRecorder then shows the
// time, Cancel and Send), or hold to record and let go to send. Without a microphone the app's
// error line says so, and so does the tooltip.
ToolButton {
    id: button
    required property VoiceController voice
    /// Held down past the press-and-hold delay: letting go sends.
    property bool holding: false
    objectName: "recordVoiceButton"
    enabled: !voice.recording
    Accessible.name: qsTr("Record a voice note")
    ToolTip.visible: hovered
    ToolTip.text: voice.microphoneProblem !== "" ? voice.microphoneProblem
                                                 : qsTr("Record a voice note (click, or hold and let go to send)")
    onHoveredChanged: if (hovered) voice.checkMicrophone()
    onClicked: if (!holding) voice.startRecording()
    onPressAndHold: holding = voice.startRecording()
    onReleased: if (holding) { holding = false; voice.stopAndSend() }
    onCanceled: if (holding) { holding = false; voice.cancelRecording() }

    // A microphone: capsule, cradle and stand (drawn: no icon font needed).
    Item {
        anchors.centerIn: parent
        width: 16
        height: 22
        opacity: button.enabled ? 1 : 0.4
        Rectangle {
            x: 4; y: 0; width: 8; height: 13; radius: 4
            color: button.Material.foreground
        }
        Item { // the cradle: the lower half of a ring
            x: 1; y: 9; width: 14; height: 8
            clip: true
            Rectangle {
                y: -6; width: 14; height: 14; radius: 7
                color: "transparent"
                border.width: 2
                border.color: button.Material.foreground
            }
        }
        Rectangle { x: 7; y: 17; width: 2; height: 4; color: button.Material.foreground }
        Rectangle { x: 3; y: 20; width: 10; height: 2; radius: 1; color: button.Material.foreground }
    }
}

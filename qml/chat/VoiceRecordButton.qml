import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import Verbatim
import Verbatim.Common

// The composer's microphone button: click to start a voice note (VoiceRecorder then shows the
// time, Cancel and Send), or hold to record and let go to send. Without a microphone the app's
// error line says so, and so does the tooltip. The icon is Icons.mic.
IconButton {
    id: button
    required property VoiceController voice
    /// Held down past the press-and-hold delay: letting go sends.
    property bool holding: false
    objectName: "recordVoiceButton"
    enabled: !voice.recording
    symbol: Icons.mic
    text: qsTr("Record a voice note")
    toolTipText: voice.microphoneProblem !== "" ? voice.microphoneProblem
                                                : qsTr("Record a voice note (click, or hold and let go to send)")
    onHoveredChanged: if (hovered) voice.checkMicrophone()
    onClicked: if (!holding) voice.startRecording()
    onPressAndHold: holding = voice.startRecording()
    onReleased: if (holding) { holding = false; voice.stopAndSend() }
    onCanceled: if (holding) { holding = false; voice.cancelRecording() }
}

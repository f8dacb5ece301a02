import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// A voice note inside a message bubble: play / pause, the waveform filling up as it plays, and
// the time (the note's length, or where playback is). Numbers come from the sender's record,
// clamped by the core; playing decodes the file itself (VoiceController).
RowLayout {
    id: note
    /// Plays and pauses (null: the note is shown, not playable).
    property VoiceController voice: null
    property string messageId: ""
    property int attachmentIndex: 0
    /// The length and peaks (0..1) as the record gives them.
    property int durationMs: 0
    property var waveform: []
    /// Play asks for playRequested() instead of fetching through the chat: the compliance page
    /// plays the archive's copy (ComplianceMediaController).
    property bool playsElsewhere: false
    signal playRequested()
    readonly property bool current: !!voice && voice.playingMessage === messageId
    readonly property bool playing: current && !voice.paused
    readonly property bool loading: !!voice && voice.loadingMessage === messageId
    readonly property real progress: current && voice.playingDurationMs > 0
                                     ? Math.min(1, voice.positionMs / voice.playingDurationMs) : 0
    spacing: 8

    RoundButton {
        id: playButton
        objectName: "voicePlayButton"
        property string messageKey: note.messageId
        implicitWidth: 40
        implicitHeight: 40
        flat: true
        enabled: !!note.voice && !note.loading
        Material.elevation: 0
        Accessible.name: note.playing ? qsTr("Pause the voice note") : qsTr("Play the voice note")
        onClicked: note.playing ? note.voice.pause()
                   : note.playsElsewhere ? note.playRequested()
                   : note.voice.play(note.messageId, note.attachmentIndex)
        // A triangle to play, two bars to pause (drawn: no icon font needed).
        Canvas {
            anchors.centerIn: parent
            width: 16
            height: 16
            property bool pauseShape: note.playing
            property color ink: note.Material.foreground
            onPauseShapeChanged: requestPaint()
            onInkChanged: requestPaint()
            onPaint: {
                const ctx = getContext("2d")
                ctx.reset()
                ctx.fillStyle = ink
                if (pauseShape) {
                    ctx.fillRect(2, 1, 4, 14)
                    ctx.fillRect(10, 1, 4, 14)
                } else {
                    ctx.beginPath()
                    ctx.moveTo(3, 1)
                    ctx.lineTo(15, 8)
                    ctx.lineTo(3, 15)
                    ctx.closePath()
                    ctx.fill()
                }
            }
        }
    }
    ColumnLayout {
        spacing: 2
        Layout.fillWidth: true
        // The waveform: one bar per peak, the played part in the accent colour.
        Row {
            id: bars
            objectName: "voiceWaveform"
            readonly property int count: Math.max(1, note.waveform.length)
            Layout.preferredWidth: 160
            Layout.preferredHeight: 28
            spacing: 1
            Repeater {
                model: note.waveform.length > 0 ? note.waveform : 32
                Rectangle {
                    required property int index
                    readonly property real peak: note.waveform.length > 0 ? note.waveform[index] : 0
                    width: Math.max(1, (bars.Layout.preferredWidth - (bars.count - 1)) / bars.count)
                    height: Math.max(2, peak * bars.Layout.preferredHeight)
                    anchors.verticalCenter: parent.verticalCenter
                    radius: 1
                    color: (index + 0.5) / bars.count <= note.progress ? note.Material.accent
                                                                       : note.Material.foreground
                    opacity: (index + 0.5) / bars.count <= note.progress ? 1 : 0.45
                }
            }
        }
        Label {
            objectName: "voiceDuration"
            textFormat: Text.PlainText
            font.pixelSize: 11
            opacity: 0.7
            text: !note.voice ? "" : note.loading ? qsTr("Loading\u2026")
                  : note.current ? note.voice.durationText(note.voice.positionMs) + " / " + note.voice.durationText(note.voice.playingDurationMs)
                  : note.voice.durationText(note.durationMs)
            Accessible.name: qsTr("Voice note, %1").arg(text)
        }
    }
}

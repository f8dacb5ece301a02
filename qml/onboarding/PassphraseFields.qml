import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts
import Verbatim
import Verbatim.Common

// Choosing a passphrase (issue 23): typed twice, a show/hide toggle, and a strength hint the
// session computes on this device (never stored, logged or sent). A mismatch is said plainly;
// `acceptable` is what the page's Continue button waits for.
ColumnLayout {
    id: fields
    /// Grades the passphrase (passphraseScore, passphraseHint).
    required property SessionController session
    /// Prefix of the fields' objectNames, so that two sets in one window stay apart.
    property string prefix: ""
    /// What the first field is for, shown above it (wrapping) and as its accessible name.
    property string placeholder: qsTr("New passphrase")
    /// The passphrase as typed the first time.
    readonly property string text: first.text
    /// 0 breaks the rule, 1 weak, 2 fair, 3 good, 4 strong.
    readonly property int score: session.passphraseScore(first.text)
    readonly property bool matches: first.text === second.text
    /// Both typed, the same, and within the rule.
    readonly property bool acceptable: first.text.length > 0 && matches && score > 0
    readonly property bool dark: Material.theme === Material.Dark
    /// Enter in the second field.
    signal accepted()
    /// Forgets what was typed.
    function clear() {
        first.text = ""
        second.text = ""
        show.checked = false
    }
    spacing: 8

    // Each field's hint is a caption above it that wraps, not a placeholder: a placeholder elides
    // in a narrow field or a longer language, and a phone has no hover to show a tooltip.
    Label {
        objectName: fields.prefix + "PassphraseCaption"
        Layout.fillWidth: true
        textFormat: Text.PlainText
        wrapMode: Text.WordWrap
        font.pixelSize: 12
        opacity: 0.75
        text: fields.placeholder
    }
    RowLayout {
        Layout.fillWidth: true
        TextField {
            id: first
            objectName: fields.prefix + "Passphrase"
            Layout.fillWidth: true
            echoMode: show.checked ? TextInput.Normal : TextInput.Password
            inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase
            Accessible.name: fields.placeholder
            KeyNavigation.tab: second
        }
        Switch {
            id: show
            objectName: fields.prefix + "ShowPassphrase"
            text: qsTr("Show")
            Accessible.name: checked ? qsTr("Hide the passphrase") : qsTr("Show the passphrase")
        }
    }
    Label {
        objectName: fields.prefix + "PassphraseAgainCaption"
        Layout.fillWidth: true
        textFormat: Text.PlainText
        wrapMode: Text.WordWrap
        font.pixelSize: 12
        opacity: 0.75
        text: qsTr("The same passphrase again")
    }
    TextField {
        id: second
        objectName: fields.prefix + "PassphraseAgain"
        Layout.fillWidth: true
        echoMode: show.checked ? TextInput.Normal : TextInput.Password
        inputMethodHints: Qt.ImhSensitiveData | Qt.ImhNoPredictiveText | Qt.ImhNoAutoUppercase
        Accessible.name: qsTr("Repeat the passphrase")
        onAccepted: fields.accepted()
    }
    // Four segments fill with the score: red, orange, then green.
    Row {
        objectName: fields.prefix + "PassphraseMeter"
        visible: first.text.length > 0
        spacing: 4
        Layout.fillWidth: true
        Repeater {
            model: 4
            Rectangle {
                width: (fields.width - 12) / 4
                height: 4
                radius: 2
                color: index < fields.score
                       ? (fields.score <= 1 ? Theme.bad(fields.dark)
                          : fields.score === 2 ? Theme.warn(fields.dark) : Theme.ok(fields.dark))
                       : Theme.neutralBackground(fields.dark)
            }
        }
    }
    Label {
        objectName: fields.prefix + "PassphraseHint"
        Layout.fillWidth: true
        visible: text !== ""
        textFormat: Text.PlainText
        wrapMode: Text.WordWrap
        font.pixelSize: 12
        text: fields.session.passphraseHint(first.text)
        color: fields.score <= 1 ? Theme.bad(fields.dark) : Material.foreground
        Accessible.name: text
    }
    Label {
        objectName: fields.prefix + "PassphraseMismatch"
        Layout.fillWidth: true
        visible: second.text.length > 0 && !fields.matches
        textFormat: Text.PlainText
        wrapMode: Text.WordWrap
        text: qsTr("The two passphrases are not the same.")
        color: Theme.bad(fields.dark)
        font.bold: true
        Accessible.role: Accessible.AlertMessage
        Accessible.name: text
    }
}

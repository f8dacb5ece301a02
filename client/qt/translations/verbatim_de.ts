<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de" sourcelanguage="en">
<context>
    <name>AccessLogView</name>
    <message>
        <source>Access log</source>
        <translation>Zugriffsprotokoll</translation>
    </message>
    <message>
        <source>%1 by %2</source>
        <translation>%1 von %2</translation>
    </message>
    <message>
        <source>No searches, views or exports by compliance journaled yet</source>
        <translation>Noch keine Suchen, Ansichten oder Exporte der Compliance im Journal</translation>
    </message>
</context>
<context>
    <name>AdminPage</name>
    <message>
        <source>Devices</source>
        <translation>Geräte</translation>
    </message>
    <message>
        <source>Refresh the device list</source>
        <translation>Geräteliste aktualisieren</translation>
    </message>
    <message>
        <source>Every device enrolled at %1. Revoking cuts a device off at once; wiping erases its messages and keys the next time it connects, and it confirms.</source>
        <translation>Alle bei %1 registrierten Geräte. Sperren trennt ein Gerät sofort; Löschen entfernt seine Nachrichten und Schlüssel, sobald es sich das nächste Mal verbindet, und es bestätigt das.</translation>
    </message>
    <message>
        <source>Filter by user (name or id)</source>
        <translation>Nach Benutzer filtern (Name oder ID)</translation>
    </message>
    <message>
        <source>Filter the devices by user</source>
        <translation>Geräte nach Benutzer filtern</translation>
    </message>
    <message numerus="yes">
        <source>%1 of %n device(s)</source>
        <translation>
            <numerusform>%1 von %n Gerät</numerusform>
            <numerusform>%1 von %n Geräten</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n device(s)</source>
        <translation>
            <numerusform>%n Gerät</numerusform>
            <numerusform>%n Geräte</numerusform>
        </translation>
    </message>
    <message>
        <source>updated %1</source>
        <translation>aktualisiert %1</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Rolle</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>Gerät</translation>
    </message>
    <message>
        <source>Platform, version</source>
        <translation>Plattform, Version</translation>
    </message>
    <message>
        <source>Enrolled</source>
        <translation>Registriert</translation>
    </message>
    <message>
        <source>Last seen</source>
        <translation>Zuletzt gesehen</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>%1 (%2), %3, device %4, %5</source>
        <translation>%1 (%2), %3, Gerät %4, %5</translation>
    </message>
    <message>
        <source>(you, this device)</source>
        <translation>(Sie, dieses Gerät)</translation>
    </message>
    <message>
        <source>Revoke device %1 of %2</source>
        <translation>Gerät %1 von %2 sperren</translation>
    </message>
    <message>
        <source>Wipe device %1 of %2</source>
        <translation>Gerät %1 von %2 löschen</translation>
    </message>
    <message>
        <source>(this device)</source>
        <translation>(dieses Gerät)</translation>
    </message>
    <message>
        <source>device #%1</source>
        <translation>Gerät Nr. %1</translation>
    </message>
    <message>
        <source>%1 %2 · enrolled %3</source>
        <translation>%1 %2 · registriert %3</translation>
    </message>
    <message>
        <source>Last seen %1</source>
        <translation>Zuletzt gesehen %1</translation>
    </message>
    <message>
        <source>No device of a user matching “%1”</source>
        <translation>Kein Gerät eines Benutzers, der zu „%1“ passt</translation>
    </message>
    <message>
        <source>No devices</source>
        <translation>Keine Geräte</translation>
    </message>
    <message>
        <source>Wipe device #%1 of %2?</source>
        <translation>Gerät Nr. %1 von %2 löschen?</translation>
    </message>
    <message>
        <source>Revoke device #%1 of %2?</source>
        <translation>Gerät Nr. %1 von %2 sperren?</translation>
    </message>
    <message>
        <source>Device #%1 of %2 (%3) will erase its messages and keys the next time it connects, and confirm it. Until then it shows as wipe pending. This cannot be undone.</source>
        <translation>Gerät Nr. %1 von %2 (%3) löscht seine Nachrichten und Schlüssel, sobald es sich das nächste Mal verbindet, und bestätigt das. Bis dahin steht es auf „Löschung ausstehend“. Das lässt sich nicht rückgängig machen.</translation>
    </message>
    <message>
        <source>Device #%1 of %2 (%3) is cut off at once: it can no longer connect, and nothing new is encrypted to it. What it already holds stays on it unless you also wipe it.</source>
        <translation>Gerät Nr. %1 von %2 (%3) wird sofort getrennt: Es kann sich nicht mehr verbinden, und nichts Neues wird mehr dafür verschlüsselt. Was es bereits gespeichert hat, bleibt darauf, sofern Sie es nicht auch löschen.</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Wipe device</source>
        <translation>Gerät löschen</translation>
    </message>
    <message>
        <source>Revoke device</source>
        <translation>Gerät sperren</translation>
    </message>
</context>
<context>
    <name>ArchiveFiles</name>
    <message>
        <source>Open %1 in the viewer</source>
        <translation>%1 in der Ansicht öffnen</translation>
    </message>
    <message>
        <source>Open in the viewer</source>
        <translation>In der Ansicht öffnen</translation>
    </message>
    <message>
        <source>View %1</source>
        <translation>%1 ansehen</translation>
    </message>
    <message>
        <source>not available</source>
        <translation>nicht verfügbar</translation>
    </message>
</context>
<context>
    <name>ArchiveImageViewer</name>
    <message>
        <source>Zoom out</source>
        <translation>Verkleinern</translation>
    </message>
    <message>
        <source>Zoom in</source>
        <translation>Vergrößern</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>Einpassen</translation>
    </message>
    <message>
        <source>Fit to the window</source>
        <translation>An Fenster anpassen</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <source>Close the viewer (Esc)</source>
        <translation>Ansicht schließen (Esc)</translation>
    </message>
    <message>
        <source>This image cannot be shown: %1</source>
        <translation>Dieses Bild kann nicht angezeigt werden: %1</translation>
    </message>
</context>
<context>
    <name>ArchiveList</name>
    <message>
        <source>Conversations in the journal</source>
        <translation>Gespräche im Journal</translation>
    </message>
    <message numerus="yes">
        <source>%1, %n journal record(s)</source>
        <translation>
            <numerusform>%1, %n Journaleintrag</numerusform>
            <numerusform>%1, %n Journaleinträge</numerusform>
        </translation>
    </message>
    <message>
        <source>Matter</source>
        <translation>Mandat</translation>
    </message>
    <message>
        <source>Direct</source>
        <translation>Direkt</translation>
    </message>
    <message numerus="yes">
        <source>%n journal record(s)</source>
        <translation>
            <numerusform>%n Journaleintrag</numerusform>
            <numerusform>%n Journaleinträge</numerusform>
        </translation>
    </message>
    <message>
        <source>No conversations in the archive yet</source>
        <translation>Noch keine Gespräche im Archiv</translation>
    </message>
    <message>
        <source>Search results</source>
        <translation>Suchergebnisse</translation>
    </message>
    <message numerus="yes">
        <source>%n hit(s)</source>
        <translation>
            <numerusform>%n Treffer</numerusform>
            <numerusform>%n Treffer</numerusform>
        </translation>
    </message>
    <message>
        <source>deleted</source>
        <translation>gelöscht</translation>
    </message>
    <message>
        <source>Deleted for everyone — original text kept</source>
        <translation>Für alle gelöscht – Originaltext bleibt erhalten</translation>
    </message>
    <message>
        <source>Text of an edit</source>
        <translation>Text einer Bearbeitung</translation>
    </message>
    <message>
        <source>Edited later</source>
        <translation>Später bearbeitet</translation>
    </message>
    <message>
        <source>Nothing found</source>
        <translation>Nichts gefunden</translation>
    </message>
</context>
<context>
    <name>AttachmentDialogs</name>
    <message>
        <source>Attach files</source>
        <translation>Dateien anhängen</translation>
    </message>
    <message>
        <source>Save the attachment</source>
        <translation>Anhang speichern</translation>
    </message>
    <message>
        <source>Attach a file</source>
        <translation>Datei anhängen</translation>
    </message>
    <message>
        <source>/path/to/file.pdf</source>
        <translation>/pfad/zur/datei.pdf</translation>
    </message>
    <message>
        <source>Path of the file to attach</source>
        <translation>Pfad der anzuhängenden Datei</translation>
    </message>
    <message>
        <source>Where to save the attachment</source>
        <translation>Speicherort für den Anhang</translation>
    </message>
</context>
<context>
    <name>AttachmentTile</name>
    <message>
        <source>Image %1, %2: show it</source>
        <translation>Bild %1, %2: anzeigen</translation>
    </message>
    <message>
        <source>Opening…</source>
        <translation>Wird geöffnet …</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Öffnen</translation>
    </message>
    <message>
        <source>Open %1</source>
        <translation>%1 öffnen</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>Wird gespeichert …</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Speichern</translation>
    </message>
    <message>
        <source>Save %1</source>
        <translation>%1 speichern</translation>
    </message>
</context>
<context>
    <name>AuditView</name>
    <message>
        <source>(no time)</source>
        <translation>(keine Zeit)</translation>
    </message>
    <message numerus="yes">
        <source>%n audit record(s)</source>
        <translation>
            <numerusform>%n Audit-Eintrag</numerusform>
            <numerusform>%n Audit-Einträge</numerusform>
        </translation>
    </message>
    <message>
        <source>Reload</source>
        <translation>Neu laden</translation>
    </message>
    <message>
        <source>Reload the audit trail</source>
        <translation>Audit-Trail neu laden</translation>
    </message>
    <message>
        <source>Audit trail</source>
        <translation>Audit-Trail</translation>
    </message>
    <message>
        <source>%1 by %2</source>
        <translation>%1 von %2</translation>
    </message>
    <message>
        <source>No admin actions or key changes in the archive yet</source>
        <translation>Noch keine Administratoraktionen oder Schlüsseländerungen im Archiv</translation>
    </message>
</context>
<context>
    <name>ChatBanners</name>
    <message>
        <source>Matter information</source>
        <translation>Mandatsinformationen</translation>
    </message>
    <message>
        <source>End-to-end encrypted. This matter is journaled: %1 keeps a copy of every message, including deleted ones.</source>
        <translation>Ende-zu-Ende-verschlüsselt. Dieses Mandat wird im Journal festgehalten: %1 bewahrt eine Kopie jeder Nachricht auf, auch gelöschter.</translation>
    </message>
    <message>
        <source>The safety number of %1 changed. Messages to them are held.</source>
        <translation>Die Sicherheitsnummer von %1 hat sich geändert. Nachrichten an diese Person werden zurückgehalten.</translation>
    </message>
    <message>
        <source>Verify</source>
        <translation>Verifizieren</translation>
    </message>
    <message>
        <source>Verify the new safety number</source>
        <translation>Neue Sicherheitsnummer verifizieren</translation>
    </message>
    <message>
        <source>Approve</source>
        <translation>Freigeben</translation>
    </message>
    <message>
        <source>Approve the new device; only if it is yours</source>
        <translation>Neues Gerät freigeben – nur, wenn es Ihres ist</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>Ausblenden</translation>
    </message>
    <message>
        <source>⚠ A message here did not match its journal copy. It was withheld and reported.</source>
        <translation>⚠ Eine Nachricht hier stimmte nicht mit ihrer Journalkopie überein. Sie wurde zurückgehalten und gemeldet.</translation>
    </message>
</context>
<context>
    <name>ChatPane</name>
    <message>
        <source>Choose a conversation</source>
        <translation>Wählen Sie ein Gespräch</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>Nachrichten</translation>
    </message>
</context>
<context>
    <name>CompliancePage</name>
    <message>
        <source>Journal</source>
        <translation>Journal</translation>
    </message>
    <message>
        <source>Review queue (%1)</source>
        <translation>Prüfliste (%1)</translation>
    </message>
    <message>
        <source>Review queue</source>
        <translation>Prüfliste</translation>
    </message>
    <message>
        <source>Policies</source>
        <translation>Richtlinien</translation>
    </message>
    <message>
        <source>Access log</source>
        <translation>Zugriffsprotokoll</translation>
    </message>
    <message>
        <source>Reports</source>
        <translation>Berichte</translation>
    </message>
    <message>
        <source>Holds</source>
        <translation>Legal Holds</translation>
    </message>
    <message>
        <source>Samples</source>
        <translation>Stichproben</translation>
    </message>
    <message>
        <source>Audit</source>
        <translation>Audit</translation>
    </message>
</context>
<context>
    <name>ComplianceToolbar</name>
    <message>
        <source>Pull the journal from the relay</source>
        <translation>Journal vom Relay abrufen</translation>
    </message>
    <message>
        <source>Verify the whole archive again</source>
        <translation>Gesamtes Archiv erneut prüfen</translation>
    </message>
    <message>
        <source>Hide the export options</source>
        <translation>Exportoptionen ausblenden</translation>
    </message>
    <message>
        <source>Show the export options</source>
        <translation>Exportoptionen anzeigen</translation>
    </message>
    <message>
        <source>Close the archive and forget the journal key</source>
        <translation>Archiv schließen und Journalschlüssel vergessen</translation>
    </message>
    <message>
        <source>Progress of the archive work</source>
        <translation>Fortschritt der Archivarbeit</translation>
    </message>
    <message>
        <source>%1 %</source>
        <translation>%1 %</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <source>Encrypting and uploading %1</source>
        <translation>%1 wird verschlüsselt und hochgeladen</translation>
    </message>
    <message>
        <source>%1%</source>
        <translation>%1 %</translation>
    </message>
    <message>
        <source>Upload of %1</source>
        <translation>Hochladen von %1</translation>
    </message>
    <message>
        <source>Editing message</source>
        <translation>Nachricht bearbeiten</translation>
    </message>
    <message>
        <source>Replying to: %1</source>
        <translation>Antwort auf: %1</translation>
    </message>
    <message>
        <source>Cancel the edit</source>
        <translation>Bearbeitung abbrechen</translation>
    </message>
    <message>
        <source>Cancel the reply</source>
        <translation>Antwort abbrechen</translation>
    </message>
    <message>
        <source>Attach a file</source>
        <translation>Datei anhängen</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Nachricht</translation>
    </message>
    <message>
        <source>Message text</source>
        <translation>Nachrichtentext</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Speichern</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Senden</translation>
    </message>
    <message>
        <source>Save the edit</source>
        <translation>Änderung speichern</translation>
    </message>
    <message>
        <source>Send message</source>
        <translation>Nachricht senden</translation>
    </message>
</context>
<context>
    <name>ConversationList</name>
    <message>
        <source>Search messages (Ctrl+F)</source>
        <translation>Nachrichten durchsuchen (Strg+F)</translation>
    </message>
    <message>
        <source>Search messages</source>
        <translation>Nachrichten durchsuchen</translation>
    </message>
    <message>
        <source>New</source>
        <translation>Neu</translation>
    </message>
    <message>
        <source>New matter or conversation (Ctrl+N)</source>
        <translation>Neues Mandat oder Gespräch (Strg+N)</translation>
    </message>
    <message>
        <source>Conversations</source>
        <translation>Gespräche</translation>
    </message>
    <message>
        <source>, matter number %1</source>
        <translation>, Mandatsnummer %1</translation>
    </message>
    <message>
        <source>, client %1</source>
        <translation>, Mandant %1</translation>
    </message>
    <message numerus="yes">
        <source>, %n unread</source>
        <translation>
            <numerusform>, %n ungelesen</numerusform>
            <numerusform>, %n ungelesen</numerusform>
        </translation>
    </message>
    <message>
        <source>, draft</source>
        <translation>, Entwurf</translation>
    </message>
    <message>
        <source>No. %1</source>
        <translation>Nr. %1</translation>
    </message>
    <message>
        <source>Client: %1</source>
        <translation>Mandant: %1</translation>
    </message>
    <message>
        <source>Draft:</source>
        <translation>Entwurf:</translation>
    </message>
    <message>
        <source>Matter · journaled</source>
        <translation>Mandat · im Journal</translation>
    </message>
    <message>
        <source>No conversations yet</source>
        <translation>Noch keine Gespräche</translation>
    </message>
    <message>
        <source>Search results</source>
        <translation>Suchergebnisse</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>Nothing found</source>
        <translation>Nichts gefunden</translation>
    </message>
</context>
<context>
    <name>Dates</name>
    <message>
        <source>ddd d MMM yyyy</source>
        <extracomment>A QLocale date pattern (ddd: the day&apos;s short name, MMM: the month&apos;s); &quot;Mon 3 Nov 2025&quot;</extracomment>
        <translation>ddd, d. MMM yyyy</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>Heute</translation>
    </message>
    <message>
        <source>Yesterday</source>
        <translation>Gestern</translation>
    </message>
    <message>
        <source>d MMM yyyy</source>
        <extracomment>A QLocale date pattern without the day&apos;s name; &quot;3 Nov 2025&quot;</extracomment>
        <translation>d. MMM yyyy</translation>
    </message>
</context>
<context>
    <name>DeviceStatus</name>
    <message>
        <source>active</source>
        <translation>aktiv</translation>
    </message>
    <message>
        <source>revoked</source>
        <translation>gesperrt</translation>
    </message>
    <message>
        <source>wipe pending</source>
        <translation>Löschung ausstehend</translation>
    </message>
    <message>
        <source>wiped</source>
        <translation>gelöscht</translation>
    </message>
    <message>
        <source>awaiting approval</source>
        <translation>wartet auf Freigabe</translation>
    </message>
</context>
<context>
    <name>DevicesSection</name>
    <message>
        <source>Your devices</source>
        <translation>Ihre Geräte</translation>
    </message>
    <message>
        <source>Device %1</source>
        <translation>Gerät %1</translation>
    </message>
    <message>
        <source>%1 (this device)</source>
        <translation>%1 (dieses Gerät)</translation>
    </message>
    <message>
        <source>%1 · Verbatim %2 · #%3 · %4 · last seen %5</source>
        <translation>%1 · Verbatim %2 · Nr. %3 · %4 · zuletzt gesehen %5</translation>
    </message>
    <message>
        <source>Unlink</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Unlink %1</source>
        <translation>%1 entfernen</translation>
    </message>
    <message>
        <source>Unlink and erase</source>
        <translation>Entfernen und löschen</translation>
    </message>
    <message>
        <source>Unlink %1 and erase it</source>
        <translation>%1 entfernen und löschen</translation>
    </message>
    <message>
        <source>This device&apos;s name</source>
        <translation>Name dieses Geräts</translation>
    </message>
    <message>
        <source>Name shown in your devices list</source>
        <translation>Name in Ihrer Geräteliste</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>Umbenennen</translation>
    </message>
    <message>
        <source>Rename this device</source>
        <translation>Dieses Gerät umbenennen</translation>
    </message>
    <message>
        <source>Unlink and erase this device?</source>
        <translation>Dieses Gerät entfernen und löschen?</translation>
    </message>
    <message>
        <source>Unlink this device?</source>
        <translation>Dieses Gerät entfernen?</translation>
    </message>
    <message>
        <source>%1 stops receiving messages at once, and erases its messages and keys the next time it connects.</source>
        <translation>%1 empfängt sofort keine Nachrichten mehr und löscht seine Nachrichten und Schlüssel, sobald es sich das nächste Mal verbindet.</translation>
    </message>
    <message>
        <source>%1 stops receiving messages at once and cannot connect again. What it already holds stays on it; erase it too if it was lost.</source>
        <translation>%1 empfängt sofort keine Nachrichten mehr und kann sich nicht wieder verbinden. Was es bereits gespeichert hat, bleibt darauf; löschen Sie es ebenfalls, wenn es verloren gegangen ist.</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
</context>
<context>
    <name>EmojiCatalog</name>
    <message>
        <source>Smileys</source>
        <translation>Smileys</translation>
    </message>
    <message>
        <source>People</source>
        <translation>Menschen</translation>
    </message>
    <message>
        <source>Nature</source>
        <translation>Natur</translation>
    </message>
    <message>
        <source>Food</source>
        <translation>Essen</translation>
    </message>
    <message>
        <source>Activities</source>
        <translation>Aktivitäten</translation>
    </message>
    <message>
        <source>Travel</source>
        <translation>Reisen</translation>
    </message>
    <message>
        <source>Objects</source>
        <translation>Objekte</translation>
    </message>
    <message>
        <source>Symbols</source>
        <translation>Symbole</translation>
    </message>
    <message>
        <source>Flags</source>
        <translation>Flaggen</translation>
    </message>
</context>
<context>
    <name>EmojiPicker</name>
    <message>
        <source>Common reactions</source>
        <translation>Häufige Reaktionen</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Remove your reaction</source>
        <translation>Ihre Reaktion entfernen</translation>
    </message>
    <message>
        <source>Emoji: %1</source>
        <translation>Emoji: %1</translation>
    </message>
</context>
<context>
    <name>ErasedPage</name>
    <message>
        <source>This device was erased by %1</source>
        <translation>Dieses Gerät wurde von %1 gelöscht</translation>
    </message>
    <message>
        <source>This device erased itself</source>
        <translation>Dieses Gerät hat sich selbst gelöscht</translation>
    </message>
    <message>
        <source>Nothing of your conversations is left on this device, and its keys can no longer read them. To use Verbatim here again, ask your firm for a new enrollment link (staff) or your lawyer for a new invite (clients).</source>
        <translation>Von Ihren Gesprächen ist auf diesem Gerät nichts mehr vorhanden, und seine Schlüssel können sie nicht mehr lesen. Um Verbatim hier wieder zu nutzen, bitten Sie Ihre Kanzlei um einen neuen Registrierungslink (Mitarbeitende) oder Ihre Anwältin bzw. Ihren Anwalt um eine neue Einladung (Mandanten).</translation>
    </message>
    <message>
        <source>Set up again</source>
        <translation>Neu einrichten</translation>
    </message>
    <message>
        <source>Set up Verbatim again with a new link</source>
        <translation>Verbatim mit einem neuen Link neu einrichten</translation>
    </message>
</context>
<context>
    <name>ExportBar</name>
    <message>
        <source>Every conversation of the participant</source>
        <translation>Alle Gespräche der Person</translation>
    </message>
    <message>
        <source>Choose a matter…</source>
        <translation>Mandat wählen …</translation>
    </message>
    <message>
        <source>Whole firm</source>
        <translation>Gesamte Kanzlei</translation>
    </message>
    <message>
        <source>Matter to export</source>
        <translation>Zu exportierendes Mandat</translation>
    </message>
    <message>
        <source>Participant (optional)</source>
        <translation>Person (optional)</translation>
    </message>
    <message>
        <source>Only what this participant sent or received (user id or name)</source>
        <translation>Nur, was diese Person gesendet oder empfangen hat (Benutzer-ID oder Name)</translation>
    </message>
    <message>
        <source>From YYYY-MM-DD</source>
        <translation>Von JJJJ-MM-TT</translation>
    </message>
    <message>
        <source>Export from date (empty: from the start)</source>
        <translation>Export ab Datum (leer: vom Anfang an)</translation>
    </message>
    <message>
        <source>To YYYY-MM-DD</source>
        <translation>Bis JJJJ-MM-TT</translation>
    </message>
    <message>
        <source>Export to date, inclusive (empty: to the end)</source>
        <translation>Export bis Datum einschließlich (leer: bis zum Ende)</translation>
    </message>
    <message>
        <source>RSMF 2.0</source>
        <translation>RSMF 2.0</translation>
    </message>
    <message>
        <source>Export as RSMF 2.0</source>
        <translation>Als RSMF 2.0 exportieren</translation>
    </message>
    <message>
        <source>EML</source>
        <translation>EML</translation>
    </message>
    <message>
        <source>Export as EML</source>
        <translation>Als EML exportieren</translation>
    </message>
    <message>
        <source>JSON Lines</source>
        <translation>JSON Lines</translation>
    </message>
    <message>
        <source>Export as JSON Lines</source>
        <translation>Als JSON Lines exportieren</translation>
    </message>
    <message>
        <source>File or folder, e.g. /home/me/%1</source>
        <translation>Datei oder Ordner, z. B. /home/ich/%1</translation>
    </message>
    <message>
        <source>Export file or folder</source>
        <translation>Exportdatei oder -ordner</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>Exportieren</translation>
    </message>
    <message>
        <source>Export the whole firm</source>
        <translation>Gesamte Kanzlei exportieren</translation>
    </message>
    <message>
        <source>Export the participant&apos;s messages</source>
        <translation>Nachrichten der Person exportieren</translation>
    </message>
    <message>
        <source>Export the chosen matter</source>
        <translation>Gewähltes Mandat exportieren</translation>
    </message>
    <message>
        <source>Export the whole firm?</source>
        <translation>Gesamte Kanzlei exportieren?</translation>
    </message>
    <message>
        <source>This produces every conversation of the firm, %1 journal record(s) before the date range, privileged material included. Export a matter instead unless the whole firm is what was asked for.</source>
        <translation>Damit wird jedes Gespräch der Kanzlei exportiert, %1 Journaleinträge vor Anwendung des Zeitraums, vertrauliches Material eingeschlossen. Exportieren Sie stattdessen ein Mandat, sofern nicht ausdrücklich die gesamte Kanzlei angefordert wurde.</translation>
    </message>
</context>
<context>
    <name>HistoryText</name>
    <message>
        <source>copied from device %3: messages %1, conversations %2</source>
        <translation>von Gerät %3 kopiert: Nachrichten %1, Unterhaltungen %2</translation>
    </message>
    <message>
        <source> (%1 already here)</source>
        <translation> (%1 bereits vorhanden)</translation>
    </message>
    <message>
        <source>; not verified on this device</source>
        <translation>; auf diesem Gerät nicht verifiziert</translation>
    </message>
    <message>
        <source>; left out, as the relay does not list them to you: conversations %1 (messages %2)</source>
        <translation>; ausgelassen, da das Relay sie Ihnen nicht auflistet: Unterhaltungen %1 (Nachrichten %2)</translation>
    </message>
</context>
<context>
    <name>HoldsView</name>
    <message>
        <source>Legal holds</source>
        <translation>Legal Holds</translation>
    </message>
    <message>
        <source>Hold %1 on %2</source>
        <translation>Legal Hold %1 für %2</translation>
    </message>
    <message>
        <source>OPEN</source>
        <translation>AKTIV</translation>
    </message>
    <message>
        <source>released</source>
        <translation>aufgehoben</translation>
    </message>
    <message>
        <source>hold %1</source>
        <translation>Legal Hold %1</translation>
    </message>
    <message>
        <source>%1 (reference %2)</source>
        <translation>%1 (Aktenzeichen %2)</translation>
    </message>
    <message>
        <source>Placed by %1, %2</source>
        <translation>Verhängt von %1, %2</translation>
    </message>
    <message>
        <source>No legal holds journaled</source>
        <translation>Keine Legal Holds im Journal</translation>
    </message>
</context>
<context>
    <name>ImageViewer</name>
    <message>
        <source>Zoom out (-)</source>
        <translation>Verkleinern (-)</translation>
    </message>
    <message>
        <source>Zoom in (+)</source>
        <translation>Vergrößern (+)</translation>
    </message>
    <message>
        <source>Fit to the window</source>
        <translation>An Fenster anpassen</translation>
    </message>
    <message>
        <source>Open with another application</source>
        <translation>Mit anderer Anwendung öffnen</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Speichern</translation>
    </message>
    <message>
        <source>Close the viewer (Esc)</source>
        <translation>Ansicht schließen (Esc)</translation>
    </message>
    <message>
        <source>This image cannot be shown: %1</source>
        <translation>Dieses Bild kann nicht angezeigt werden: %1</translation>
    </message>
</context>
<context>
    <name>InvitesDialog</name>
    <message>
        <source>Your invites</source>
        <translation>Ihre Einladungen</translation>
    </message>
    <message>
        <source>Invites to %1</source>
        <translation>Einladungen zu %1</translation>
    </message>
    <message>
        <source>An invite works once. Revoke one you sent to the wrong person: its link then lets nobody join.</source>
        <translation>Eine Einladung funktioniert nur einmal. Widerrufen Sie eine, die Sie an die falsche Person geschickt haben: Über ihren Link kann dann niemand mehr beitreten.</translation>
    </message>
    <message>
        <source>Matter:</source>
        <translation>Mandat:</translation>
    </message>
    <message>
        <source>All matters</source>
        <translation>Alle Mandate</translation>
    </message>
    <message>
        <source>Show the invites to one matter</source>
        <translation>Einladungen zu einem Mandat anzeigen</translation>
    </message>
    <message>
        <source>New invite</source>
        <translation>Neue Einladung</translation>
    </message>
    <message>
        <source>Make a new invite link to %1</source>
        <translation>Neuen Einladungslink zu %1 erstellen</translation>
    </message>
    <message>
        <source>QR code of the invite link</source>
        <translation>QR-Code des Einladungslinks</translation>
    </message>
    <message>
        <source>Invite link</source>
        <translation>Einladungslink</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Copy the invite link</source>
        <translation>Einladungslink kopieren</translation>
    </message>
    <message>
        <source>You have not made any invites.</source>
        <translation>Sie haben noch keine Einladungen erstellt.</translation>
    </message>
    <message>
        <source>No invites to this matter yet.</source>
        <translation>Noch keine Einladungen zu diesem Mandat.</translation>
    </message>
    <message>
        <source>Revoke</source>
        <translation>Widerrufen</translation>
    </message>
    <message>
        <source>Revoke the invite to %1</source>
        <translation>Einladung an %1 widerrufen</translation>
    </message>
</context>
<context>
    <name>JournalSearchBar</name>
    <message>
        <source>Search the journal (deleted and edited text too)</source>
        <translation>Journal durchsuchen (auch gelöschte und bearbeitete Texte)</translation>
    </message>
    <message>
        <source>Search the journal</source>
        <translation>Journal durchsuchen</translation>
    </message>
    <message>
        <source>Show the search filters</source>
        <translation>Suchfilter anzeigen</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>Suchen</translation>
    </message>
    <message>
        <source>Matter (title or id)</source>
        <translation>Mandat (Titel oder ID)</translation>
    </message>
    <message>
        <source>Only this matter</source>
        <translation>Nur dieses Mandat</translation>
    </message>
    <message>
        <source>Participant (name or user id)</source>
        <translation>Person (Name oder Benutzer-ID)</translation>
    </message>
    <message>
        <source>Only this participant</source>
        <translation>Nur diese Person</translation>
    </message>
    <message>
        <source>From YYYY-MM-DD</source>
        <translation>Von JJJJ-MM-TT</translation>
    </message>
    <message>
        <source>Search from date (empty: from the start)</source>
        <translation>Suche ab Datum (leer: vom Anfang an)</translation>
    </message>
    <message>
        <source>To YYYY-MM-DD</source>
        <translation>Bis JJJJ-MM-TT</translation>
    </message>
    <message>
        <source>Search to date, inclusive (empty: to the end)</source>
        <translation>Suche bis Datum einschließlich (leer: bis zum Ende)</translation>
    </message>
    <message>
        <source>Hide the search filters</source>
        <translation>Suchfilter ausblenden</translation>
    </message>
</context>
<context>
    <name>JournalTimeline</name>
    <message>
        <source>Back to the conversations</source>
        <translation>Zurück zu den Gesprächen</translation>
    </message>
    <message numerus="yes">
        <source>%n event(s)</source>
        <translation>
            <numerusform>%n Ereignis</numerusform>
            <numerusform>%n Ereignisse</numerusform>
        </translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>Zeitverlauf</translation>
    </message>
    <message>
        <source>%1 accepted the recording notice</source>
        <translation>%1 hat den Aufzeichnungshinweis akzeptiert</translation>
    </message>
    <message>
        <source>%1 joined by invite</source>
        <translation>%1 ist per Einladung beigetreten</translation>
    </message>
    <message>
        <source>%1 accepted a changed safety number</source>
        <translation>%1 hat eine geänderte Sicherheitsnummer akzeptiert</translation>
    </message>
    <message>
        <source>%1 %2</source>
        <translation>%1 %2</translation>
    </message>
    <message>
        <source>%1 reported a journal mismatch: %2</source>
        <translation>%1 hat eine Journalabweichung gemeldet: %2</translation>
    </message>
    <message>
        <source>deleted</source>
        <translation>gelöscht</translation>
    </message>
    <message>
        <source>edited</source>
        <translation>bearbeitet</translation>
    </message>
    <message>
        <source>✔ verified</source>
        <translation>✔ verifiziert</translation>
    </message>
    <message>
        <source>Deleted by %1 at %2 — original text kept</source>
        <translation>Gelöscht von %1 am %2 – Originaltext bleibt erhalten</translation>
    </message>
    <message>
        <source>Edit history</source>
        <translation>Bearbeitungsverlauf</translation>
    </message>
    <message>
        <source>Attachments: %1</source>
        <translation>Anhänge: %1</translation>
    </message>
    <message>
        <source>Choose a conversation or a search hit</source>
        <translation>Wählen Sie ein Gespräch oder einen Suchtreffer</translation>
    </message>
</context>
<context>
    <name>JournalUnlockView</name>
    <message>
        <source>Compliance journal</source>
        <translation>Compliance-Journal</translation>
    </message>
    <message>
        <source>Unlock the firm&apos;s journal key to pull the journal from the relay, verify it, search it and export it. The archive on this computer is encrypted under the same key.</source>
        <translation>Entsperren Sie den Journalschlüssel der Kanzlei, um das Journal vom Relay abzurufen, zu prüfen, zu durchsuchen und zu exportieren. Das Archiv auf diesem Computer ist mit demselben Schlüssel verschlüsselt.</translation>
    </message>
    <message>
        <source>Journal key</source>
        <translation>Journalschlüssel</translation>
    </message>
    <message>
        <source>Journal key file (journal.key; after a rotation, all of them, comma-separated)</source>
        <translation>Journalschlüsseldatei (journal.key; nach einem Schlüsselwechsel alle, durch Kommas getrennt)</translation>
    </message>
    <message>
        <source>Journal key file</source>
        <translation>Journalschlüsseldatei</translation>
    </message>
    <message>
        <source>Passphrase of the journal key</source>
        <translation>Passphrase des Journalschlüssels</translation>
    </message>
    <message>
        <source>Archive on this computer (encrypted)</source>
        <translation>Archiv auf diesem Computer (verschlüsselt)</translation>
    </message>
    <message>
        <source>Archive file</source>
        <translation>Archivdatei</translation>
    </message>
    <message>
        <source>Unlock journal</source>
        <translation>Journal entsperren</translation>
    </message>
    <message>
        <source>Unlock the journal key</source>
        <translation>Journalschlüssel entsperren</translation>
    </message>
</context>
<context>
    <name>LinkDeviceDialog</name>
    <message>
        <source>Bring my history to the new device</source>
        <translation>Meinen Verlauf auf das neue Gerät übertragen</translation>
    </message>
    <message>
        <source>Once the new device has joined, this device sends it your conversations and messages, encrypted for that device alone. The server stores only an unreadable copy for a day; your firm&apos;s journal records that the history was copied.</source>
        <translation>Sobald das neue Gerät beigetreten ist, sendet dieses Gerät ihm Ihre Gespräche und Nachrichten, allein für jenes Gerät verschlüsselt. Der Server speichert nur eine unlesbare Kopie für einen Tag; das Journal Ihrer Kanzlei hält fest, dass der Verlauf kopiert wurde.</translation>
    </message>
    <message>
        <source>Link a new device</source>
        <translation>Neues Gerät verknüpfen</translation>
    </message>
    <message>
        <source>On the new phone or computer, open Verbatim and scan this code, or paste the link into it. Making the link is this device&apos;s approval: the new device joins as you (%1).</source>
        <translation>Öffnen Sie Verbatim auf dem neuen Smartphone oder Computer und scannen Sie diesen Code oder fügen Sie dort den Link ein. Mit dem Erstellen des Links gibt dieses Gerät seine Zustimmung: Das neue Gerät tritt als Sie bei (%1).</translation>
    </message>
    <message>
        <source>QR code of the device link</source>
        <translation>QR-Code des Geräte-Links</translation>
    </message>
    <message>
        <source>Works once, until %1 (%2 minutes).</source>
        <translation>Einmal gültig, bis %1 (%2 Minuten).</translation>
    </message>
    <message>
        <source>Device link</source>
        <translation>Geräte-Link</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Copy the device link</source>
        <translation>Geräte-Link kopieren</translation>
    </message>
    <message>
        <source>This link expired unused.</source>
        <translation>Dieser Link ist ungenutzt abgelaufen.</translation>
    </message>
    <message>
        <source>Make a new link</source>
        <translation>Neuen Link erstellen</translation>
    </message>
    <message>
        <source>Make a new device link</source>
        <translation>Neuen Geräte-Link erstellen</translation>
    </message>
    <message>
        <source>Anyone who has this link can add a device to your account until it is used or expires. Show it only to your own new device; don&apos;t send it by email or chat.</source>
        <translation>Wer diesen Link hat, kann Ihrem Konto ein Gerät hinzufügen, bis er verwendet wird oder abläuft. Zeigen Sie ihn nur Ihrem eigenen neuen Gerät; versenden Sie ihn nicht per E-Mail oder Chat.</translation>
    </message>
    <message>
        <source>The new device makes its own keys. Messages already on this device stay here; the people you talk to see a new safety number for you. Your firm&apos;s administrator sees every device you link.</source>
        <translation>Das neue Gerät erzeugt eigene Schlüssel. Nachrichten, die bereits auf diesem Gerät sind, bleiben hier; Ihre Gesprächspartner sehen für Sie eine neue Sicherheitsnummer. Die Administration Ihrer Kanzlei sieht jedes Gerät, das Sie verknüpfen.</translation>
    </message>
</context>
<context>
    <name>LinkDialog</name>
    <message>
        <source>Open this link?</source>
        <translation>Diesen Link öffnen?</translation>
    </message>
    <message>
        <source>Your browser will open this address; the site then learns that you followed it, and when. It goes to:</source>
        <translation>Ihr Browser öffnet diese Adresse; die Website erfährt dann, dass Sie ihr gefolgt sind, und wann. Das Ziel ist:</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Copy link</source>
        <translation>Link kopieren</translation>
    </message>
    <message>
        <source>Open in browser</source>
        <translation>Im Browser öffnen</translation>
    </message>
</context>
<context>
    <name>Main</name>
    <message>
        <source>(%1) %2</source>
        <translation>(%1) %2</translation>
    </message>
    <message>
        <source>Back to the chats</source>
        <translation>Zurück zu den Chats</translation>
    </message>
    <message>
        <source>Back to conversations</source>
        <translation>Zurück zu den Gesprächen</translation>
    </message>
    <message>
        <source>online</source>
        <translation>online</translation>
    </message>
    <message>
        <source>connecting…</source>
        <translation>verbinde …</translation>
    </message>
    <message>
        <source>Connected to the relay</source>
        <translation>Mit dem Relay verbunden</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Nicht verbunden</translation>
    </message>
    <message>
        <source>Matter information</source>
        <translation>Mandatsinformationen</translation>
    </message>
    <message>
        <source>Supervision (%1)</source>
        <translation>Aufsicht (%1)</translation>
    </message>
    <message>
        <source>Supervision</source>
        <translation>Aufsicht</translation>
    </message>
    <message>
        <source>Matters of the lawyers you supervise</source>
        <translation>Mandate der Anwälte unter Ihrer Aufsicht</translation>
    </message>
    <message>
        <source>Devices of the firm</source>
        <translation>Geräte der Kanzlei</translation>
    </message>
    <message>
        <source>Invites</source>
        <translation>Einladungen</translation>
    </message>
    <message>
        <source>Your invite links: who joined, revoke one</source>
        <translation>Ihre Einladungslinks: wer beigetreten ist, Widerruf</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Matters of the lawyers you supervise, %1 overdue</source>
        <translation>Mandate der Anwälte unter Ihrer Aufsicht, %1 überfällig</translation>
    </message>
    <message>
        <source>The firm&apos;s ethical walls</source>
        <translation>Die Informationsbarrieren der Kanzlei</translation>
    </message>
</context>
<context>
    <name>MatterInfo</name>
    <message>
        <source>Every message in this matter is sealed to %1&apos;s journal. Deleting or editing a message never removes the journal copy.</source>
        <translation>Jede Nachricht in diesem Mandat wird für das Journal von %1 versiegelt. Das Löschen oder Bearbeiten einer Nachricht entfernt niemals die Journalkopie.</translation>
    </message>
    <message>
        <source>End-to-end encrypted.</source>
        <translation>Ende-zu-Ende-verschlüsselt.</translation>
    </message>
    <message>
        <source>Matter number: %1</source>
        <translation>Mandatsnummer: %1</translation>
    </message>
    <message>
        <source>Mute notifications</source>
        <translation>Benachrichtigungen stummschalten</translation>
    </message>
    <message>
        <source>Mute notifications of this conversation</source>
        <translation>Benachrichtigungen für dieses Gespräch stummschalten</translation>
    </message>
    <message>
        <source>Participants</source>
        <translation>Beteiligte</translation>
    </message>
    <message>
        <source>Safety number</source>
        <translation>Sicherheitsnummer</translation>
    </message>
    <message>
        <source>Safety number with %1</source>
        <translation>Sicherheitsnummer mit %1</translation>
    </message>
    <message>
        <source>Invite a client</source>
        <translation>Mandanten einladen</translation>
    </message>
    <message>
        <source>Create an invite link for a client</source>
        <translation>Einladungslink für einen Mandanten erstellen</translation>
    </message>
    <message>
        <source>QR code of the invite link</source>
        <translation>QR-Code des Einladungslinks</translation>
    </message>
    <message>
        <source>Invite link</source>
        <translation>Einladungslink</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Copy the invite link</source>
        <translation>Einladungslink kopieren</translation>
    </message>
</context>
<context>
    <name>MessageActions</name>
    <message>
        <source>Reply</source>
        <translation>Antworten</translation>
    </message>
    <message>
        <source>Reply to this message</source>
        <translation>Auf diese Nachricht antworten</translation>
    </message>
    <message>
        <source>React…</source>
        <translation>Reagieren …</translation>
    </message>
    <message>
        <source>React with an emoji</source>
        <translation>Mit einem Emoji reagieren</translation>
    </message>
    <message>
        <source>Message info</source>
        <translation>Nachrichteninfo</translation>
    </message>
    <message>
        <source>When this message was sent, delivered and read</source>
        <translation>Wann diese Nachricht gesendet, zugestellt und gelesen wurde</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>Bearbeiten</translation>
    </message>
    <message>
        <source>Edit this message</source>
        <translation>Diese Nachricht bearbeiten</translation>
    </message>
    <message>
        <source>Delete for everyone</source>
        <translation>Für alle löschen</translation>
    </message>
    <message>
        <source>Delete this message for everyone</source>
        <translation>Diese Nachricht für alle löschen</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Copy the text</source>
        <translation>Text kopieren</translation>
    </message>
    <message>
        <source>Open link…</source>
        <translation>Link öffnen …</translation>
    </message>
    <message>
        <source>Open the first link in this message</source>
        <translation>Ersten Link in dieser Nachricht öffnen</translation>
    </message>
</context>
<context>
    <name>MessageBubble</name>
    <message>
        <source>⚠ A message from %1 did not match its journal copy and is not shown. It was reported to the firm.</source>
        <translation>⚠ Eine Nachricht von %1 stimmte nicht mit ihrer Journalkopie überein und wird nicht angezeigt. Sie wurde der Kanzlei gemeldet.</translation>
    </message>
    <message>
        <source>You</source>
        <translation>Sie</translation>
    </message>
    <message>
        <source>message deleted</source>
        <translation>Nachricht gelöscht</translation>
    </message>
    <message>
        <source>attachment %1, %2</source>
        <translation>Anhang %1, %2</translation>
    </message>
    <message>
        <source>This message was deleted</source>
        <translation>Diese Nachricht wurde gelöscht</translation>
    </message>
    <message>
        <source>edited</source>
        <translation>bearbeitet</translation>
    </message>
    <message>
        <source>copied from your device %1; not verified on this device</source>
        <translation>von Ihrem Gerät %1 kopiert; auf diesem Gerät nicht geprüft</translation>
    </message>
    <message>
        <source>held</source>
        <translation>zurückgehalten</translation>
    </message>
</context>
<context>
    <name>MessageInfoSheet</name>
    <message>
        <source>Message info</source>
        <translation>Nachrichteninfo</translation>
    </message>
    <message>
        <source>Sent: %1</source>
        <translation>Gesendet: %1</translation>
    </message>
    <message>
        <source>This device did not keep where this message went (sent before this version, or not yet sent).</source>
        <translation>Dieses Gerät hat nicht gespeichert, wohin diese Nachricht ging (vor dieser Version oder noch nicht gesendet).</translation>
    </message>
    <message>
        <source>Recipients</source>
        <translation>Empfänger</translation>
    </message>
    <message>
        <source>%1, %2: delivered %3, read %4</source>
        <translation>%1, %2: zugestellt %3, gelesen %4</translation>
    </message>
    <message>
        <source>%1 · %2</source>
        <translation>%1 · %2</translation>
    </message>
    <message>
        <source>Delivered: %1</source>
        <translation>Zugestellt: %1</translation>
    </message>
    <message>
        <source>Read: %1</source>
        <translation>Gelesen: %1</translation>
    </message>
    <message>
        <source>Copied from your device %1 by a history transfer, and not verified on this device. Who received and read it is known on device %1.</source>
        <translation>Durch eine Verlaufsübertragung von Ihrem Gerät %1 kopiert und auf diesem Gerät nicht verifiziert. Wer sie erhalten und gelesen hat, ist auf Gerät %1 bekannt.</translation>
    </message>
</context>
<context>
    <name>NewMatterDialog</name>
    <message>
        <source>New conversation</source>
        <translation>Neues Gespräch</translation>
    </message>
    <message>
        <source>Matter started</source>
        <translation>Mandat angelegt</translation>
    </message>
    <message>
        <source>Conversation started</source>
        <translation>Gespräch begonnen</translation>
    </message>
    <message>
        <source>Matter</source>
        <translation>Mandat</translation>
    </message>
    <message>
        <source>Direct conversation</source>
        <translation>Direktes Gespräch</translation>
    </message>
    <message>
        <source>Every message in a matter is sealed to %1&apos;s journal. You invite the client next.</source>
        <translation>Jede Nachricht in einem Mandat wird für das Journal von %1 versiegelt. Als Nächstes laden Sie den Mandanten ein.</translation>
    </message>
    <message>
        <source>A direct conversation with one colleague of the firm.</source>
        <translation>Ein direktes Gespräch mit einer Kollegin oder einem Kollegen der Kanzlei.</translation>
    </message>
    <message>
        <source>Title, e.g. Estate of Doe</source>
        <translation>Titel, z. B. Nachlass Müller</translation>
    </message>
    <message>
        <source>Title (optional)</source>
        <translation>Titel (optional)</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>Titel</translation>
    </message>
    <message>
        <source>Matter number (optional), e.g. 2026-0142</source>
        <translation>Mandatsnummer (optional), z. B. 2026-0142</translation>
    </message>
    <message>
        <source>Matter number</source>
        <translation>Mandatsnummer</translation>
    </message>
    <message>
        <source>Client&apos;s name (optional)</source>
        <translation>Name des Mandanten (optional)</translation>
    </message>
    <message>
        <source>Client&apos;s name</source>
        <translation>Name des Mandanten</translation>
    </message>
    <message>
        <source>Colleagues to add: user ids, comma-separated</source>
        <translation>Hinzuzufügende Kollegen: Benutzer-IDs, durch Kommas getrennt</translation>
    </message>
    <message>
        <source>Colleague&apos;s user id</source>
        <translation>Benutzer-ID der Kollegin oder des Kollegen</translation>
    </message>
    <message>
        <source>Colleagues to add</source>
        <translation>Hinzuzufügende Kollegen</translation>
    </message>
    <message>
        <source>Colleague</source>
        <translation>Kollegin oder Kollege</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Start matter</source>
        <translation>Mandat anlegen</translation>
    </message>
    <message>
        <source>Start conversation</source>
        <translation>Gespräch beginnen</translation>
    </message>
    <message>
        <source>Send this invite to the client. It works once and expires in 7 days; Invites lists it.</source>
        <translation>Senden Sie diese Einladung an den Mandanten. Sie funktioniert einmal und läuft in 7 Tagen ab; unter „Einladungen“ ist sie aufgeführt.</translation>
    </message>
    <message>
        <source>QR code of the invite link</source>
        <translation>QR-Code des Einladungslinks</translation>
    </message>
    <message>
        <source>Invite link</source>
        <translation>Einladungslink</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Copy the invite link</source>
        <translation>Einladungslink kopieren</translation>
    </message>
    <message>
        <source>Open the matter</source>
        <translation>Mandat öffnen</translation>
    </message>
</context>
<context>
    <name>NoticePage</name>
    <message>
        <source>Invite declined</source>
        <translation>Einladung abgelehnt</translation>
    </message>
    <message>
        <source>Recording notice</source>
        <translation>Aufzeichnungshinweis</translation>
    </message>
    <message>
        <source>From %1 (notice version %2)</source>
        <translation>Von %1 (Hinweis Version %2)</translation>
    </message>
    <message>
        <source>Open the firm&apos;s privacy notice: %1</source>
        <translation>Datenschutzhinweise der Kanzlei öffnen: %1</translation>
    </message>
    <message>
        <source>Accept and join</source>
        <translation>Akzeptieren und beitreten</translation>
    </message>
    <message>
        <source>I understand and accept</source>
        <translation>Ich habe verstanden und akzeptiere</translation>
    </message>
    <message>
        <source>Accept the recording notice</source>
        <translation>Aufzeichnungshinweis akzeptieren</translation>
    </message>
    <message>
        <source>Decline</source>
        <translation>Ablehnen</translation>
    </message>
    <message>
        <source>Decline the invite: nothing is sent and you do not join</source>
        <translation>Einladung ablehnen: Es wird nichts gesendet und Sie treten nicht bei</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Fertig</translation>
    </message>
    <message>
        <source>Translation, for reading: what you accept is the text above</source>
        <translation>Übersetzung zum Lesen: Sie akzeptieren den Text oben</translation>
    </message>
</context>
<context>
    <name>OnboardingPage</name>
    <message>
        <source>Welcome to Verbatim</source>
        <translation>Willkommen bei Verbatim</translation>
    </message>
    <message>
        <source>Secure messaging with your law firm. Paste the link you received from the firm (it starts with verbatim://).</source>
        <translation>Sichere Kommunikation mit Ihrer Kanzlei. Fügen Sie den Link ein, den Sie von der Kanzlei erhalten haben (er beginnt mit verbatim://).</translation>
    </message>
    <message>
        <source>verbatim://join?…</source>
        <translation>verbatim://join?…</translation>
    </message>
    <message>
        <source>Invitation or enrollment link</source>
        <translation>Einladungs- oder Registrierungslink</translation>
    </message>
    <message>
        <source>Your name, as the firm will see it</source>
        <translation>Ihr Name, wie die Kanzlei ihn sieht</translation>
    </message>
    <message>
        <source>Your name</source>
        <translation>Ihr Name</translation>
    </message>
    <message>
        <source>A passphrase to lock Verbatim on this device</source>
        <translation>Eine Passphrase, die Verbatim auf diesem Gerät sperrt</translation>
    </message>
    <message>
        <source>The passphrase encrypts everything Verbatim keeps on this device. Nobody, not even the firm, can recover it.</source>
        <translation>Die Passphrase verschlüsselt alles, was Verbatim auf diesem Gerät speichert. Niemand, nicht einmal die Kanzlei, kann sie wiederherstellen.</translation>
    </message>
    <message>
        <source>This device&apos;s name</source>
        <translation>Name dieses Geräts</translation>
    </message>
    <message>
        <source>This device&apos;s name, as your devices list shows it</source>
        <translation>Name dieses Geräts, wie er in Ihrer Geräteliste erscheint</translation>
    </message>
    <message>
        <source>The name tells your devices apart in Settings, so that you can unlink one you lose.</source>
        <translation>Der Name unterscheidet Ihre Geräte in den Einstellungen, damit Sie ein verlorenes Gerät entfernen können.</translation>
    </message>
    <message>
        <source>Join</source>
        <translation>Beitreten</translation>
    </message>
    <message>
        <source>Join with this link</source>
        <translation>Mit diesem Link beitreten</translation>
    </message>
</context>
<context>
    <name>PassphraseFields</name>
    <message>
        <source>New passphrase</source>
        <translation>Neue Passphrase</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Anzeigen</translation>
    </message>
    <message>
        <source>Hide the passphrase</source>
        <translation>Passphrase verbergen</translation>
    </message>
    <message>
        <source>Show the passphrase</source>
        <translation>Passphrase anzeigen</translation>
    </message>
    <message>
        <source>The same passphrase again</source>
        <translation>Dieselbe Passphrase noch einmal</translation>
    </message>
    <message>
        <source>Repeat the passphrase</source>
        <translation>Passphrase wiederholen</translation>
    </message>
    <message>
        <source>The two passphrases are not the same.</source>
        <translation>Die beiden Passphrasen stimmen nicht überein.</translation>
    </message>
</context>
<context>
    <name>PassphraseStrength</name>
    <message>
        <source>A passphrase needs at least 12 characters, at least 5 of them different (a few unrelated words are easy to remember).</source>
        <translation>Eine Passphrase braucht mindestens 12 Zeichen, davon mindestens 5 verschiedene (ein paar unzusammenhängende Wörter kann man sich gut merken).</translation>
    </message>
    <message>
        <source>Too short or too repetitive: </source>
        <translation>Zu kurz oder zu gleichförmig: </translation>
    </message>
    <message>
        <source>Weak: it contains a well-known password, which is guessed first. Use a few unrelated words instead.</source>
        <translation>Schwach: Sie enthält ein bekanntes Passwort, das als Erstes erraten wird. Verwenden Sie stattdessen ein paar unzusammenhängende Wörter.</translation>
    </message>
    <message>
        <source>Strong.</source>
        <translation>Stark.</translation>
    </message>
    <message>
        <source>Good. A few more characters or another word make it strong.</source>
        <translation>Gut. Ein paar Zeichen mehr oder ein weiteres Wort machen sie stark.</translation>
    </message>
    <message>
        <source>Fair. Another unrelated word makes it much harder to guess.</source>
        <translation>Mittel. Ein weiteres unzusammenhängendes Wort macht sie viel schwerer zu erraten.</translation>
    </message>
    <message>
        <source>Weak: it contains a run like “abcde” or “12345”. Use a few unrelated words instead.</source>
        <translation>Schwach: Sie enthält eine Folge wie „abcde“ oder „12345“. Verwenden Sie stattdessen ein paar unzusammenhängende Wörter.</translation>
    </message>
</context>
<context>
    <name>PolicyDirection</name>
    <message>
        <source>to or from clients</source>
        <translation>an oder von Mandanten</translation>
    </message>
    <message>
        <source>internal</source>
        <translation>intern</translation>
    </message>
</context>
<context>
    <name>PolicyEditorView</name>
    <message>
        <source>Policy name</source>
        <translation>Name der Richtlinie</translation>
    </message>
    <message>
        <source>Words, &quot;phrases&quot;, AND/OR/NOT, w/3, prefix wildcards</source>
        <translation>Wörter, „Phrasen“, AND/OR/NOT, w/3, Platzhalter am Wortende</translation>
    </message>
    <message>
        <source>Policy query</source>
        <translation>Suchausdruck der Richtlinie</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>Schweregrad</translation>
    </message>
    <message>
        <source>Every message</source>
        <translation>Jede Nachricht</translation>
    </message>
    <message>
        <source>To or from clients</source>
        <translation>An oder von Mandanten</translation>
    </message>
    <message>
        <source>Internal only</source>
        <translation>Nur intern</translation>
    </message>
    <message>
        <source>Which messages</source>
        <translation>Welche Nachrichten</translation>
    </message>
    <message>
        <source>Matter (optional)</source>
        <translation>Mandat (optional)</translation>
    </message>
    <message>
        <source>Only in this matter</source>
        <translation>Nur in diesem Mandat</translation>
    </message>
    <message>
        <source>Participant id (optional)</source>
        <translation>Personen-ID (optional)</translation>
    </message>
    <message>
        <source>Only this participant&apos;s messages</source>
        <translation>Nur Nachrichten dieser Person</translation>
    </message>
    <message>
        <source>Add policy</source>
        <translation>Richtlinie hinzufügen</translation>
    </message>
    <message>
        <source>Load the example set</source>
        <translation>Beispielsatz laden</translation>
    </message>
    <message>
        <source>Journal the example policies (labelled as examples)</source>
        <translation>Die Beispielrichtlinien ins Journal schreiben (als Beispiele gekennzeichnet)</translation>
    </message>
    <message>
        <source>[example]</source>
        <translation>[Beispiel]</translation>
    </message>
    <message>
        <source>(disabled)</source>
        <translation>(deaktiviert)</translation>
    </message>
    <message>
        <source>version %1 by %2, %3</source>
        <translation>Version %1 von %2, %3</translation>
    </message>
    <message>
        <source>v%1 · %2 · %3%4 · by %5, %6</source>
        <translation>v%1 · %2 · %3%4 · von %5, %6</translation>
    </message>
    <message>
        <source>disabled</source>
        <translation>deaktiviert</translation>
    </message>
    <message>
        <source>Hide versions</source>
        <translation>Versionen ausblenden</translation>
    </message>
    <message>
        <source>Versions</source>
        <translation>Versionen</translation>
    </message>
    <message>
        <source>Show every version of the policy %1</source>
        <translation>Alle Versionen der Richtlinie %1 anzeigen</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>Deaktivieren</translation>
    </message>
    <message>
        <source>Disable the policy %1</source>
        <translation>Richtlinie %1 deaktivieren</translation>
    </message>
    <message>
        <source>No policies yet. Add one, or load the example set and tune it.</source>
        <translation>Noch keine Richtlinien. Fügen Sie eine hinzu oder laden Sie den Beispielsatz und passen Sie ihn an.</translation>
    </message>
    <message>
        <source>high</source>
        <translation>hoch</translation>
    </message>
    <message>
        <source>medium</source>
        <translation>mittel</translation>
    </message>
    <message>
        <source>low</source>
        <translation>niedrig</translation>
    </message>
</context>
<context>
    <name>RecordingNotice</name>
    <message>
        <source>This conversation is recorded.

The firm is required to keep records. Every message you send or receive here, including messages that are later edited or deleted, is also kept in the firm&apos;s encrypted journal and may be reviewed by its compliance officers.

Messages are end-to-end encrypted: the service that carries them cannot read them. Only you, the people in the conversation and the firm&apos;s journal can.

By accepting, you agree that your messages in this conversation are recorded in this way.</source>
        <translation>Diese Unterhaltung wird aufgezeichnet.

Die Kanzlei ist verpflichtet, Aufzeichnungen aufzubewahren. Jede Nachricht, die Sie hier senden oder empfangen, auch Nachrichten, die später bearbeitet oder gelöscht werden, wird zusätzlich im verschlüsselten Journal der Kanzlei aufbewahrt und kann von ihren Compliance-Beauftragten geprüft werden.

Nachrichten sind Ende-zu-Ende-verschlüsselt: Der Dienst, der sie überträgt, kann sie nicht lesen. Nur Sie, die Personen in der Unterhaltung und das Journal der Kanzlei können das.

Mit Ihrer Zustimmung erklären Sie sich damit einverstanden, dass Ihre Nachrichten in dieser Unterhaltung auf diese Weise aufgezeichnet werden.</translation>
    </message>
</context>
<context>
    <name>ReportView</name>
    <message>
        <source>From YYYY-MM-DD</source>
        <translation>Von JJJJ-MM-TT</translation>
    </message>
    <message>
        <source>First day of the report</source>
        <translation>Erster Tag des Berichts</translation>
    </message>
    <message>
        <source>To YYYY-MM-DD</source>
        <translation>Bis JJJJ-MM-TT</translation>
    </message>
    <message>
        <source>Last day of the report</source>
        <translation>Letzter Tag des Berichts</translation>
    </message>
    <message>
        <source>HTML</source>
        <translation>HTML</translation>
    </message>
    <message>
        <source>CSV</source>
        <translation>CSV</translation>
    </message>
    <message>
        <source>Metadata only (CSV)</source>
        <translation>Nur Metadaten (CSV)</translation>
    </message>
    <message>
        <source>Who talked to whom, when and how much: no content</source>
        <translation>Wer mit wem, wann und wie viel kommuniziert hat: keine Inhalte</translation>
    </message>
    <message>
        <source>File to write, e.g. /home/me/report.%1</source>
        <translation>Zieldatei, z. B. /home/ich/bericht.%1</translation>
    </message>
    <message>
        <source>Report file</source>
        <translation>Berichtsdatei</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Auswählen …</translation>
    </message>
    <message>
        <source>Write report</source>
        <translation>Bericht schreiben</translation>
    </message>
    <message>
        <source>Written to %1</source>
        <translation>Geschrieben nach %1</translation>
    </message>
    <message>
        <source>Write the report to</source>
        <translation>Bericht schreiben nach</translation>
    </message>
</context>
<context>
    <name>RetractDialog</name>
    <message>
        <source>Delete for everyone?</source>
        <translation>Für alle löschen?</translation>
    </message>
    <message>
        <source>The message disappears from every member&apos;s devices. The firm&apos;s journal keeps it.</source>
        <translation>Die Nachricht verschwindet von den Geräten aller Beteiligten. Das Journal der Kanzlei bewahrt sie auf.</translation>
    </message>
    <message>
        <source>Delete for everyone</source>
        <translation>Für alle löschen</translation>
    </message>
</context>
<context>
    <name>ReviewQueueView</name>
    <message>
        <source>In review</source>
        <translation>In Prüfung</translation>
    </message>
    <message>
        <source>Escalated</source>
        <translation>Eskaliert</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>Abgeschlossen</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Offen</translation>
    </message>
    <message>
        <source>All</source>
        <translation>Alle</translation>
    </message>
    <message>
        <source>Show %1 alerts</source>
        <translation>Meldungen anzeigen: %1</translation>
    </message>
    <message numerus="yes">
        <source>%n not closed</source>
        <translation>
            <numerusform>%n nicht abgeschlossen</numerusform>
            <numerusform>%n nicht abgeschlossen</numerusform>
        </translation>
    </message>
    <message>
        <source>Pull every</source>
        <translation>Automatisch abrufen alle</translation>
    </message>
    <message>
        <source>Pull the journal automatically while this page is open</source>
        <translation>Das Journal automatisch abrufen, solange diese Seite geöffnet ist</translation>
    </message>
    <message>
        <source>Minutes between automatic pulls</source>
        <translation>Minuten zwischen automatischen Abrufen</translation>
    </message>
    <message>
        <source>min</source>
        <translation>Min.</translation>
    </message>
    <message>
        <source>Review queue</source>
        <translation>Prüfliste</translation>
    </message>
    <message>
        <source>%1 alert in %2: %3</source>
        <translation>Meldung %1 in %2: %3</translation>
    </message>
    <message>
        <source>last review: %1</source>
        <translation>letzte Prüfung: %1</translation>
    </message>
    <message>
        <source>Matched: %1</source>
        <translation>Treffer: %1</translation>
    </message>
    <message>
        <source>Nothing to review. Alerts appear here when a pull finds a policy&apos;s words.</source>
        <translation>Nichts zu prüfen. Meldungen erscheinen hier, wenn ein Abruf die Begriffe einer Richtlinie findet.</translation>
    </message>
    <message>
        <source>Entry #%1 in %2, by %3, %4 (%5)</source>
        <translation>Eintrag Nr. %1 in %2, von %3, %4 (%5)</translation>
    </message>
    <message>
        <source>Attachment: %1 (%2, %3 bytes)%4</source>
        <translation>Anhang: %1 (%2, %3 Byte)%4</translation>
    </message>
    <message>
        <source>not in the archive</source>
        <translation>nicht im Archiv</translation>
    </message>
    <message>
        <source>Open %1 (journaled)</source>
        <translation>%1 öffnen (wird protokolliert)</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Speichern</translation>
    </message>
    <message>
        <source>Save %1 to the file or folder given (journaled)</source>
        <translation>%1 in die angegebene Datei bzw. den Ordner speichern (wird protokolliert)</translation>
    </message>
    <message>
        <source>Save attachments to (file or folder)</source>
        <translation>Anhänge speichern nach (Datei oder Ordner)</translation>
    </message>
    <message>
        <source>Where to save an attachment</source>
        <translation>Speicherort für einen Anhang</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <source>Note by %1: %2</source>
        <translation>Notiz von %1: %2</translation>
    </message>
    <message>
        <source>Note (journaled with the action)</source>
        <translation>Notiz (wird mit der Aktion protokolliert)</translation>
    </message>
    <message>
        <source>Review note</source>
        <translation>Prüfnotiz</translation>
    </message>
    <message>
        <source>Assign to me</source>
        <translation>Mir zuweisen</translation>
    </message>
    <message>
        <source>Escalate</source>
        <translation>Eskalieren</translation>
    </message>
    <message>
        <source>Disposition</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>high</source>
        <translation>hoch</translation>
    </message>
    <message>
        <source>medium</source>
        <translation>mittel</translation>
    </message>
    <message>
        <source>low</source>
        <translation>niedrig</translation>
    </message>
    <message>
        <source>no issue</source>
        <translation>ohne Befund</translation>
    </message>
    <message>
        <source>breach</source>
        <translation>Verstoß</translation>
    </message>
    <message>
        <source>training</source>
        <translation>Schulung</translation>
    </message>
    <message>
        <source>referred</source>
        <translation>weitergeleitet</translation>
    </message>
    <message>
        <source>Close</source>
        <comment>alert</comment>
        <extracomment>Closes the alert with the disposition beside it</extracomment>
        <translation>Abschließen</translation>
    </message>
</context>
<context>
    <name>Roles</name>
    <message>
        <source>lawyer</source>
        <translation>Anwalt</translation>
    </message>
    <message>
        <source>client</source>
        <translation>Mandant</translation>
    </message>
    <message>
        <source>supervisor</source>
        <translation>Aufsicht</translation>
    </message>
    <message>
        <source>compliance</source>
        <translation>Compliance</translation>
    </message>
    <message>
        <source>admin</source>
        <translation>Admin</translation>
    </message>
</context>
<context>
    <name>SafetyNumberDialog</name>
    <message>
        <source>Safety number</source>
        <translation>Sicherheitsnummer</translation>
    </message>
    <message>
        <source>The safety number of %1 changed: they may have a new device. Messages to them are held until you accept it.</source>
        <translation>Die Sicherheitsnummer von %1 hat sich geändert: Die Person hat möglicherweise ein neues Gerät. Nachrichten an sie werden zurückgehalten, bis Sie die neue Nummer akzeptieren.</translation>
    </message>
    <message>
        <source>Compare these numbers with %1. If they match on both devices, your conversation is private.</source>
        <translation>Vergleichen Sie diese Nummern mit %1. Stimmen sie auf beiden Geräten überein, ist Ihr Gespräch vertraulich.</translation>
    </message>
    <message>
        <source>Safety number: %1</source>
        <translation>Sicherheitsnummer: %1</translation>
    </message>
    <message>
        <source>Numbers match: accept</source>
        <translation>Nummern stimmen überein: akzeptieren</translation>
    </message>
    <message>
        <source>Accept the new safety number of %1</source>
        <translation>Neue Sicherheitsnummer von %1 akzeptieren</translation>
    </message>
</context>
<context>
    <name>SampleView</name>
    <message>
        <source>Participant</source>
        <translation>Person</translation>
    </message>
    <message>
        <source>Matter</source>
        <translation>Mandat</translation>
    </message>
    <message>
        <source>Sample one participant&apos;s or one matter&apos;s messages</source>
        <translation>Stichprobe aus den Nachrichten einer Person oder eines Mandats</translation>
    </message>
    <message>
        <source>Participant id</source>
        <translation>Personen-ID</translation>
    </message>
    <message>
        <source>Matter title or id</source>
        <translation>Titel oder ID des Mandats</translation>
    </message>
    <message>
        <source>From YYYY-MM-DD</source>
        <translation>Von JJJJ-MM-TT</translation>
    </message>
    <message>
        <source>First day of the period</source>
        <translation>Erster Tag des Zeitraums</translation>
    </message>
    <message>
        <source>To YYYY-MM-DD</source>
        <translation>Bis JJJJ-MM-TT</translation>
    </message>
    <message>
        <source>Last day of the period</source>
        <translation>Letzter Tag des Zeitraums</translation>
    </message>
    <message>
        <source>Percent</source>
        <translation>Prozent</translation>
    </message>
    <message>
        <source>Percentage of the messages to sample</source>
        <translation>Anteil der Nachrichten für die Stichprobe (in Prozent)</translation>
    </message>
    <message>
        <source>Seed (random if empty)</source>
        <translation>Startwert (leer: zufällig)</translation>
    </message>
    <message>
        <source>Seed: the same seed draws the same sample</source>
        <translation>Startwert: Derselbe Startwert zieht dieselbe Stichprobe</translation>
    </message>
    <message>
        <source>Draw and journal</source>
        <translation>Ziehen und protokollieren</translation>
    </message>
    <message>
        <source>Samples journaled</source>
        <translation>Protokollierte Stichproben</translation>
    </message>
    <message>
        <source>Sample of %1, seed %2</source>
        <translation>Stichprobe aus %1, Startwert %2</translation>
    </message>
    <message>
        <source>#%1 · %2 · %3 to %4 · %5 % · %6 entries</source>
        <translation>Nr. %1 · %2 · %3 bis %4 · %5 % · %6 Einträge</translation>
    </message>
    <message>
        <source>the beginning</source>
        <translation>Beginn</translation>
    </message>
    <message>
        <source>now</source>
        <translation>jetzt</translation>
    </message>
    <message>
        <source>seed %1 · drawn by %2, %3</source>
        <translation>Startwert %1 · gezogen von %2, %3</translation>
    </message>
    <message>
        <source>No samples yet. A sample&apos;s entries join the review queue; its seed draws it again.</source>
        <translation>Noch keine Stichproben. Die Einträge einer Stichprobe kommen in die Prüfliste; mit ihrem Startwert lässt sie sich erneut ziehen.</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Never</source>
        <translation>Nie</translation>
    </message>
    <message>
        <source>1 minute</source>
        <translation>1 Minute</translation>
    </message>
    <message>
        <source>%1 minutes</source>
        <translation>%1 Minuten</translation>
    </message>
    <message>
        <source>User id: %1</source>
        <translation>Benutzer-ID: %1</translation>
    </message>
    <message>
        <source>Link a new device</source>
        <translation>Neues Gerät verknüpfen</translation>
    </message>
    <message>
        <source>Link a new device to your account</source>
        <translation>Ein neues Gerät mit Ihrem Konto verknüpfen</translation>
    </message>
    <message>
        <source>Your firm&apos;s device policy</source>
        <translation>Geräterichtlinie Ihrer Kanzlei</translation>
    </message>
    <message>
        <source>Notifications</source>
        <translation>Benachrichtigungen</translation>
    </message>
    <message>
        <source>Desktop notifications</source>
        <translation>Desktop-Benachrichtigungen</translation>
    </message>
    <message>
        <source>Show message text in notifications</source>
        <translation>Nachrichtentext in Benachrichtigungen anzeigen</translation>
    </message>
    <message>
        <source>Off: a notification only says “New message in” and the matter, so a locked screen never shows what a client wrote.</source>
        <translation>Aus: Eine Benachrichtigung lautet nur „Neue Nachricht in“ und nennt das Mandat, sodass ein gesperrter Bildschirm nie zeigt, was ein Mandant geschrieben hat.</translation>
    </message>
    <message>
        <source>Change passphrase</source>
        <translation>Passphrase ändern</translation>
    </message>
    <message>
        <source>Current passphrase</source>
        <translation>Aktuelle Passphrase</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>Sperre</translation>
    </message>
    <message>
        <source>Lock after no use for</source>
        <translation>Sperren nach Inaktivität von</translation>
    </message>
    <message>
        <source>Lock Verbatim after this long without use</source>
        <translation>Verbatim nach dieser Zeit ohne Nutzung sperren</translation>
    </message>
    <message>
        <source>Lock now (Ctrl+L)</source>
        <translation>Jetzt sperren (Strg+L)</translation>
    </message>
    <message>
        <source>Lock Verbatim</source>
        <translation>Verbatim sperren</translation>
    </message>
    <message>
        <source>Sign out and erase this device</source>
        <translation>Abmelden und dieses Gerät löschen</translation>
    </message>
    <message>
        <source>Erase this device?</source>
        <translation>Dieses Gerät löschen?</translation>
    </message>
    <message>
        <source>All messages and keys on this device will be deleted. The firm&apos;s journal keeps its copy.</source>
        <translation>Alle Nachrichten und Schlüssel auf diesem Gerät werden gelöscht. Das Journal der Kanzlei behält seine Kopie.</translation>
    </message>
    <message numerus="yes">
        <source>%n hour(s)</source>
        <translation>
            <numerusform>%n Stunde</numerusform>
            <numerusform>%n Stunden</numerusform>
        </translation>
    </message>
    <message>
        <source>Your firm&apos;s policy locks Verbatim after at most %1 without use, so longer times and Never are not offered.</source>
        <translation>Die Richtlinie Ihrer Kanzlei sperrt Verbatim nach höchstens %1 ohne Nutzung; längere Zeiten und „Nie“ stehen daher nicht zur Wahl.</translation>
    </message>
</context>
<context>
    <name>SupervisionPage</name>
    <message>
        <source>Supervision</source>
        <translation>Aufsicht</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Aktualisieren</translation>
    </message>
    <message>
        <source>Matters of %1. Metadata only: no message is shown here.</source>
        <translation>Mandate von %1. Nur Metadaten: Hier wird keine Nachricht angezeigt.</translation>
    </message>
    <message>
        <source>%1 h</source>
        <translation>%1 Std.</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 Min.</translation>
    </message>
    <message>
        <source>The firm has set no waiting threshold.</source>
        <translation>Die Kanzlei hat keine Wartefrist festgelegt.</translation>
    </message>
    <message>
        <source>1 matter where a client has waited over %1</source>
        <translation>1 Mandat, in dem ein Mandant länger als %1 wartet</translation>
    </message>
    <message>
        <source>%1 matters where a client has waited over %2</source>
        <translation>%1 Mandate, in denen ein Mandant länger als %2 wartet</translation>
    </message>
    <message>
        <source>No matters yet.</source>
        <translation>Noch keine Mandate.</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>Überfällig</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>Abgeschlossen</translation>
    </message>
    <message>
        <source>Last client message: %1</source>
        <translation>Letzte Nachricht des Mandanten: %1</translation>
    </message>
    <message>
        <source>Participants: %1</source>
        <translation>Beteiligte: %1</translation>
    </message>
    <message>
        <source>1 message in %1 weeks</source>
        <translation>1 Nachricht in %1 Wochen</translation>
    </message>
    <message>
        <source>%1 messages in %2 weeks</source>
        <translation>%1 Nachrichten in %2 Wochen</translation>
    </message>
    <message>
        <source>Messages per week: %1</source>
        <translation>Nachrichten pro Woche: %1</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Öffnen</translation>
    </message>
    <message>
        <source>Open %1</source>
        <translation>%1 öffnen</translation>
    </message>
</context>
<context>
    <name>SystemText</name>
    <message>
        <source>You accepted the recording notice</source>
        <translation>Sie haben den Aufzeichnungshinweis akzeptiert</translation>
    </message>
    <message>
        <source>%1 accepted the recording notice</source>
        <translation>%1 hat den Aufzeichnungshinweis akzeptiert</translation>
    </message>
    <message>
        <source>You accepted a new safety number</source>
        <translation>Sie haben eine neue Sicherheitsnummer akzeptiert</translation>
    </message>
    <message>
        <source>A message from %1 could not be decrypted.</source>
        <translation>Eine Nachricht von %1 konnte nicht entschlüsselt werden.</translation>
    </message>
    <message>
        <source>A malformed message from %1 was dropped.</source>
        <translation>Eine fehlerhafte Nachricht von %1 wurde verworfen.</translation>
    </message>
    <message>
        <source>The safety number of %1 changed. Verify it, then accept to keep sending.</source>
        <translation>Die Sicherheitsnummer von %1 hat sich geändert. Verifizieren Sie sie und akzeptieren Sie sie, um weiter senden zu können.</translation>
    </message>
    <message>
        <source>%1&apos;s device reported a message whose journal copy does not match.</source>
        <translation>Ein Gerät von %1 hat eine Nachricht gemeldet, deren Journalkopie nicht übereinstimmt.</translation>
    </message>
    <message numerus="yes">
        <source>The relay was restored from a backup; %n message(s) of yours here that it lost were sent again.</source>
        <translation>
            <numerusform>Das Relay wurde aus einer Sicherung wiederhergestellt; %n Nachricht von Ihnen, die dabei verloren ging, wurde erneut gesendet.</numerusform>
            <numerusform>Das Relay wurde aus einer Sicherung wiederhergestellt; %n Nachrichten von Ihnen, die dabei verloren gingen, wurden erneut gesendet.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Thumbnail</name>
    <message>
        <source>this file is not an image the viewer shows</source>
        <translation>diese Datei ist kein Bild, das die Ansicht anzeigen kann</translation>
    </message>
    <message>
        <source>the image is too large to show</source>
        <translation>das Bild ist zu groß für die Anzeige</translation>
    </message>
    <message>
        <source>the image does not decode</source>
        <translation>das Bild lässt sich nicht dekodieren</translation>
    </message>
</context>
<context>
    <name>UnlockPage</name>
    <message>
        <source>Verbatim is locked</source>
        <translation>Verbatim ist gesperrt</translation>
    </message>
    <message>
        <source>Locked after a minute without use.</source>
        <translation>Nach einer Minute ohne Nutzung gesperrt.</translation>
    </message>
    <message>
        <source>Locked after an hour without use.</source>
        <translation>Nach einer Stunde ohne Nutzung gesperrt.</translation>
    </message>
    <message>
        <source>Locked after %1 minutes without use.</source>
        <translation>Nach %1 Minuten ohne Nutzung gesperrt.</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation>Passphrase</translation>
    </message>
    <message>
        <source>Unlocking…</source>
        <translation>Wird entsperrt …</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>Entsperren</translation>
    </message>
    <message numerus="yes">
        <source>Locked after %n hour(s) without use.</source>
        <translation>
            <numerusform>Nach %n Stunde ohne Nutzung gesperrt.</numerusform>
            <numerusform>Nach %n Stunden ohne Nutzung gesperrt.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>VerificationBanner</name>
    <message>
        <source>✔ Journal verified: %1 entries, head #%2</source>
        <translation>✔ Journal verifiziert: %1 Einträge, Kopf Nr. %2</translation>
    </message>
    <message numerus="yes">
        <source>⚠ %n problem(s) in the journal</source>
        <translation>
            <numerusform>⚠ %n Problem im Journal</numerusform>
            <numerusform>⚠ %n Probleme im Journal</numerusform>
        </translation>
    </message>
    <message>
        <source>Nothing pulled yet: press Pull.</source>
        <translation>Noch nichts abgerufen: Klicken Sie auf „Abrufen“.</translation>
    </message>
    <message>
        <source>Not verified since unlocking: %1 entries, head #%2</source>
        <translation>Seit dem Entsperren nicht verifiziert: %1 Einträge, Kopf Nr. %2</translation>
    </message>
    <message>
        <source>Problems found</source>
        <translation>Gefundene Probleme</translation>
    </message>
    <message>
        <source>#%1 %2: %3</source>
        <translation>Nr. %1 %2: %3</translation>
    </message>
</context>
<context>
    <name>VoiceAudio</name>
    <message>
        <source>No microphone was found, so voice notes cannot be recorded on this computer.</source>
        <translation>Es wurde kein Mikrofon gefunden; Sprachnachrichten können auf diesem Computer daher nicht aufgenommen werden.</translation>
    </message>
    <message>
        <source>The microphone cannot record 48 kHz mono sound.</source>
        <translation>Das Mikrofon kann keinen 48-kHz-Mono-Ton aufnehmen.</translation>
    </message>
    <message>
        <source>The microphone could not start.</source>
        <translation>Das Mikrofon konnte nicht gestartet werden.</translation>
    </message>
    <message>
        <source>No speaker or headphones were found.</source>
        <translation>Es wurden keine Lautsprecher oder Kopfhörer gefunden.</translation>
    </message>
    <message>
        <source>The sound could not be played.</source>
        <translation>Der Ton konnte nicht abgespielt werden.</translation>
    </message>
</context>
<context>
    <name>VoiceNoteBubble</name>
    <message>
        <source>Pause the voice note</source>
        <translation>Sprachnachricht pausieren</translation>
    </message>
    <message>
        <source>Play the voice note</source>
        <translation>Sprachnachricht abspielen</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Wird geladen …</translation>
    </message>
    <message>
        <source>Voice note, %1</source>
        <translation>Sprachnachricht, %1</translation>
    </message>
</context>
<context>
    <name>VoiceRecordButton</name>
    <message>
        <source>Record a voice note</source>
        <translation>Sprachnachricht aufnehmen</translation>
    </message>
    <message>
        <source>Record a voice note (click, or hold and let go to send)</source>
        <translation>Sprachnachricht aufnehmen (klicken oder gedrückt halten und zum Senden loslassen)</translation>
    </message>
</context>
<context>
    <name>VoiceRecorder</name>
    <message>
        <source>Recording, %1</source>
        <translation>Aufnahme, %1</translation>
    </message>
    <message>
        <source>Sound level</source>
        <translation>Pegel</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Cancel the voice note</source>
        <translation>Sprachnachricht verwerfen</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Senden</translation>
    </message>
    <message>
        <source>Send the voice note</source>
        <translation>Sprachnachricht senden</translation>
    </message>
</context>
<context>
    <name>WallsPage</name>
    <message>
        <source>Ethical walls</source>
        <translation>Informationsbarrieren</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Aktualisieren</translation>
    </message>
    <message>
        <source>Refresh the list of walls</source>
        <translation>Liste der Informationsbarrieren aktualisieren</translation>
    </message>
    <message>
        <source>Add a wall</source>
        <translation>Barriere hinzufügen</translation>
    </message>
    <message>
        <source>Add an ethical wall</source>
        <translation>Informationsbarriere hinzufügen</translation>
    </message>
    <message>
        <source>A wall keeps two groups apart: the relay refuses any conversation, invite or join that would put people of both sides together, and tells the refused person only the wall&apos;s name. Adding a wall removes nobody: what already crosses it is listed below for you to resolve.</source>
        <translation>Eine Informationsbarriere trennt zwei Gruppen: Das Relay lehnt jedes Gespräch, jede Einladung und jeden Beitritt ab, der Personen beider Seiten zusammenbrächte, und nennt der abgewiesenen Person nur den Namen der Barriere. Das Hinzufügen einer Barriere entfernt niemanden: Was sie bereits überschreitet, ist unten aufgeführt, damit Sie es auflösen.</translation>
    </message>
    <message>
        <source>Read only: the firm&apos;s administrators add and remove walls. A wall keeps two groups apart; what already crosses it is listed below.</source>
        <translation>Nur lesen: Die Administration der Kanzlei fügt Informationsbarrieren hinzu und entfernt sie. Eine Barriere trennt zwei Gruppen; was sie bereits überschreitet, ist unten aufgeführt.</translation>
    </message>
    <message>
        <source>Updated %1.</source>
        <translation>Aktualisiert %1.</translation>
    </message>
    <message>
        <source>Created %1</source>
        <translation>Angelegt %1</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Remove the wall %1</source>
        <translation>Barriere %1 entfernen</translation>
    </message>
    <message>
        <source>Side A</source>
        <translation>Seite A</translation>
    </message>
    <message>
        <source>Side B</source>
        <translation>Seite B</translation>
    </message>
    <message>
        <source>Matters: %1</source>
        <translation>Mandate: %1</translation>
    </message>
    <message>
        <source>Nothing crosses this wall.</source>
        <translation>Nichts überschreitet diese Barriere.</translation>
    </message>
    <message>
        <source>No walls. Everyone may talk to everyone in the firm.</source>
        <translation>Keine Informationsbarrieren. In der Kanzlei darf jeder mit jedem kommunizieren.</translation>
    </message>
    <message>
        <source>People by user id and matters by id or exact title, separated by commas. A refused user sees the wall&apos;s name, so choose one that may be shown.</source>
        <translation>Personen nach Benutzer-ID und Mandate nach ID oder genauem Titel, durch Kommas getrennt. Eine abgewiesene Person sieht den Namen der Barriere; wählen Sie also einen, der gezeigt werden darf.</translation>
    </message>
    <message>
        <source>Name, e.g. Acme v Beta</source>
        <translation>Name, z. B. Acme ./. Beta</translation>
    </message>
    <message>
        <source>The wall&apos;s name</source>
        <translation>Name der Barriere</translation>
    </message>
    <message>
        <source>People (user ids)</source>
        <translation>Personen (Benutzer-IDs)</translation>
    </message>
    <message>
        <source>People on side A</source>
        <translation>Personen auf Seite A</translation>
    </message>
    <message>
        <source>Matters (optional)</source>
        <translation>Mandate (optional)</translation>
    </message>
    <message>
        <source>Matters on side A</source>
        <translation>Mandate auf Seite A</translation>
    </message>
    <message>
        <source>People on side B</source>
        <translation>Personen auf Seite B</translation>
    </message>
    <message>
        <source>Matters on side B</source>
        <translation>Mandate auf Seite B</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Add wall</source>
        <translation>Barriere hinzufügen</translation>
    </message>
    <message>
        <source>Remove the wall “%1”?</source>
        <translation>Barriere „%1“ entfernen?</translation>
    </message>
    <message>
        <source>From now on the relay allows what this wall refused: its two sides may talk, be invited and join each other&apos;s matters. The removal is journaled.</source>
        <translation>Ab jetzt erlaubt das Relay, was diese Barriere abgelehnt hat: Ihre beiden Seiten dürfen miteinander kommunizieren, eingeladen werden und den Mandaten der anderen Seite beitreten. Das Entfernen wird im Journal festgehalten.</translation>
    </message>
    <message>
        <source>Remove wall</source>
        <translation>Barriere entfernen</translation>
    </message>
    <message>
        <source>Wall %1, conflicts: %2</source>
        <translation>Barriere %1, Konflikte: %2</translation>
    </message>
    <message>
        <source>1 conflict: nobody was removed; resolve it with the admin commands (wall cut, offboard, supervisor remove).</source>
        <translation>1 Konflikt: Niemand wurde entfernt; lösen Sie ihn mit den Administrationsbefehlen (wall cut, offboard, supervisor remove).</translation>
    </message>
    <message>
        <source>%1 conflicts: nobody was removed; resolve each with the admin commands (wall cut, offboard, supervisor remove).</source>
        <translation>%1 Konflikte: Niemand wurde entfernt; lösen Sie jeden mit den Administrationsbefehlen (wall cut, offboard, supervisor remove).</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>%1 needs a value (%2)</source>
        <translation>%1 braucht einen Wert (%2)</translation>
    </message>
    <message>
        <source>%1 needs a value (%2), not the option %3 (write %1=VALUE for a value that starts with --)</source>
        <translation>%1 braucht einen Wert (%2), nicht die Option %3 (schreiben Sie %1=WERT für einen Wert, der mit -- beginnt)</translation>
    </message>
    <message>
        <source>unknown option %1%2</source>
        <translation>unbekannte Option %1%2</translation>
    </message>
    <message>
        <source>--%1 given twice (it is taken once)</source>
        <translation>--%1 zweimal angegeben (es wird einmal angenommen)</translation>
    </message>
    <message>
        <source>--%1 needs a non-empty %2</source>
        <translation>--%1 braucht einen nicht leeren Wert %2</translation>
    </message>
    <message>
        <source>--size: must be WIDTHxHEIGHT in pixels (100..20000 each), not &apos;%1&apos;</source>
        <translation>--size: muss BREITExHÖHE in Pixeln sein (je 100..20000), nicht „%1“</translation>
    </message>
    <message>
        <source>--locale: &apos;%1&apos; is not a language the app speaks (%2, or system)</source>
        <translation>--locale: „%1“ ist keine Sprache der App (%2 oder system)</translation>
    </message>
    <message>
        <source>unexpected argument &apos;%1&apos; (one link at most)</source>
        <translation>unerwartetes Argument „%1“ (höchstens ein Link)</translation>
    </message>
    <message>
        <source>unexpected argument &apos;%1&apos; (a link starts with verbatim:// or https://)</source>
        <translation>unerwartetes Argument „%1“ (ein Link beginnt mit verbatim:// oder https://)</translation>
    </message>
    <message>
        <source>Verbatim: encrypted, journaled messaging for law firms</source>
        <translation>Verbatim: verschlüsselte, journalisierte Kommunikation für Kanzleien</translation>
    </message>
    <message>
        <source>Profile directory.</source>
        <translation>Profilverzeichnis.</translation>
    </message>
    <message>
        <source>Unlock with the passphrase in FILE.</source>
        <translation>Mit der Passphrase aus DATEI entsperren.</translation>
    </message>
    <message>
        <source>Open the conversation with this title.</source>
        <translation>Das Gespräch mit diesem Titel öffnen.</translation>
    </message>
    <message>
        <source>Window size, e.g. 390x844 (phone) or 1280x800 (laptop).</source>
        <translation>Fenstergröße, z. B. 390x844 (Smartphone) oder 1280x800 (Laptop).</translation>
    </message>
    <message>
        <source>Dark theme.</source>
        <translation>Dunkles Design.</translation>
    </message>
    <message>
        <source>Render, save a PNG and exit.</source>
        <translation>Darstellen, als PNG speichern und beenden.</translation>
    </message>
    <message>
        <source>Window title.</source>
        <translation>Fenstertitel.</translation>
    </message>
    <message>
        <source>Show every text pseudo-localised (longer, accented) to find truncation; also VERBATIM_PSEUDO_LOCALE=1.</source>
        <translation>Jeden Text pseudolokalisiert anzeigen (länger, mit Akzenten), um Abschneidungen zu finden; auch VERBATIM_PSEUDO_LOCALE=1.</translation>
    </message>
    <message>
        <source>The app&apos;s language and date format: de, en, a locale such as de_AT, or system (the default: LANG, LC_ALL, LC_MESSAGES).</source>
        <translation>Sprache und Datumsformat der App: de, en, ein Gebietsschema wie de_AT oder system (Standard: LANG, LC_ALL, LC_MESSAGES).</translation>
    </message>
    <message>
        <source>A verbatim:// enrollment or invite link to join with.</source>
        <translation>Ein verbatim://-Registrierungs- oder Einladungslink zum Beitreten.</translation>
    </message>
</context>
<context>
    <name>verbatim::qt::AdminController</name>
    <message>
        <source>Verbatim is locked.</source>
        <translation>Verbatim ist gesperrt.</translation>
    </message>
    <message>
        <source>Could not revoke device %1 of %2: %3</source>
        <translation>Gerät %1 von %2 konnte nicht gesperrt werden: %3</translation>
    </message>
    <message>
        <source>Could not wipe device %1 of %2: %3</source>
        <translation>Gerät %1 von %2 konnte nicht gelöscht werden: %3</translation>
    </message>
    <message>
        <source>Could not list the devices: %1</source>
        <translation>Die Geräte konnten nicht aufgelistet werden: %1</translation>
    </message>
</context>
<context>
    <name>verbatim::qt::AdminDevicesModel</name>
    <message>
        <source>Wiped at %1</source>
        <translation>Gelöscht am %1</translation>
    </message>
    <message>
        <source>Wipe pending</source>
        <translation>Löschung ausstehend</translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>Gesperrt</translation>
    </message>
    <message>
        <source>Awaiting approval</source>
        <translation>Wartet auf Freigabe</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Aktiv</translation>
    </message>
    <message>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <source>just now</source>
        <translation>gerade eben</translation>
    </message>
    <message numerus="yes">
        <source>%n min ago</source>
        <translation>
            <numerusform>vor %n Min.</numerusform>
            <numerusform>vor %n Min.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n h ago</source>
        <translation>
            <numerusform>vor %n Std.</numerusform>
            <numerusform>vor %n Std.</numerusform>
        </translation>
    </message>
    <message>
        <source>yesterday %1</source>
        <translation>gestern %1</translation>
    </message>
</context>
<context>
    <name>verbatim::qt::AppController</name>
    <message>
        <source>This device was unlinked from your account, or revoked by the firm.</source>
        <translation>Dieses Gerät wurde von Ihrem Konto entfernt oder von der Kanzlei gesperrt.</translation>
    </message>
    <message>
        <source>This device is connected elsewhere: another copy of this profile is online. Close it, then restart Verbatim here.</source>
        <translation>Dieses Gerät ist an anderer Stelle verbunden: Eine weitere Kopie dieses Profils ist online. Schließen Sie diese und starten Sie Verbatim hier neu.</translation>
    </message>
    <message>
        <source>The server offers a journal key your firm did not sign. Messages stay on this device.</source>
        <translation>Der Server bietet einen Journalschlüssel an, den Ihre Kanzlei nicht signiert hat. Die Nachrichten bleiben auf diesem Gerät.</translation>
    </message>
</context>
<context>
    <name>verbatim::qt::AttachmentsController</name>
    <message>
        <source>Your firm&apos;s device policy is not known yet on this device.</source>
        <translation>Die Geräterichtlinie Ihrer Kanzlei ist auf diesem Gerät noch nicht bekannt.</translation>
    </message>
    <message>
        <source>allowed</source>
        <translation>erlaubt</translation>
    </message>
    <message>
        <source>allowed for staff, not allowed for clients</source>
        <translation>für Mitarbeitende erlaubt, für Mandanten nicht erlaubt</translation>
    </message>
    <message>
        <source>allowed for clients, not allowed for staff</source>
        <translation>für Mandanten erlaubt, für Mitarbeitende nicht erlaubt</translation>
    </message>
    <message>
        <source>not allowed</source>
        <translation>nicht erlaubt</translation>
    </message>
    <message>
        <source>Messages are kept on this device for 1 day, then removed from it (your firm&apos;s journal keeps them).</source>
        <translation>Nachrichten bleiben 1 Tag auf diesem Gerät und werden dann davon entfernt (das Journal Ihrer Kanzlei bewahrt sie auf).</translation>
    </message>
    <message>
        <source>Messages are kept on this device for %1 days, then removed from it (your firm&apos;s journal keeps them).</source>
        <translation>Nachrichten bleiben %1 Tage auf diesem Gerät und werden dann davon entfernt (das Journal Ihrer Kanzlei bewahrt sie auf).</translation>
    </message>
    <message>
        <source>Messages are kept on this device until you delete them.</source>
        <translation>Nachrichten bleiben auf diesem Gerät, bis Sie sie löschen.</translation>
    </message>
    <message>
        <source>Saving attachments outside Verbatim: %1.</source>
        <translation>Anhänge außerhalb von Verbatim speichern: %1.</translation>
    </message>
    <message>
        <source>Copying message text: %1.</source>
        <translation>Nachrichtentext kopieren: %1.</translation>
    </message>
    <message>
        <source>Your firm may erase clients&apos; devices remotely.</source>
        <translation>Ihre Kanzlei darf die Geräte von Mandanten aus der Ferne löschen.</translation>
    </message>
    <message>
        <source>Your firm may not erase clients&apos; devices remotely.</source>
        <translation>Ihre Kanzlei darf die Geräte von Mandanten nicht aus der Ferne löschen.</translation>
    </message>
    <message>
        <source>Saves are recorded in your firm&apos;s journal. These rules bind this app; they cannot stop a photo of the screen.</source>
        <translation>Speichervorgänge werden im Journal Ihrer Kanzlei festgehalten. Diese Regeln gelten für diese App; ein Foto des Bildschirms können sie nicht verhindern.</translation>
    </message>
    <message>
        <source>Choose a file to attach.</source>
        <translation>Wählen Sie eine Datei zum Anhängen.</translation>
    </message>
    <message>
        <source>At most %1 files can go in one message; you chose %2. Nothing was sent.</source>
        <translation>Eine Nachricht kann höchstens %1 Dateien enthalten; Sie haben %2 gewählt. Es wurde nichts gesendet.</translation>
    </message>
    <message>
        <source>%1 files</source>
        <translation>%1 Dateien</translation>
    </message>
    <message>
        <source>a file</source>
        <translation>eine Datei</translation>
    </message>
    <message>
        <source>attachment</source>
        <translation>Anhang</translation>
    </message>
    <message>
        <source>Choose where to save the file.</source>
        <translation>Wählen Sie, wo die Datei gespeichert werden soll.</translation>
    </message>
    <message>
        <source>Could not save the attachment: %1</source>
        <translation>Der Anhang konnte nicht gespeichert werden: %1</translation>
    </message>
    <message>
        <source>Could not open the attachment: %1</source>
        <translation>Der Anhang konnte nicht geöffnet werden: %1</translation>
    </message>
    <message>
        <source>No application on this device opens this kind of file.</source>
        <translation>Keine Anwendung auf diesem Gerät öffnet diese Art von Datei.</translation>
    </message>
    <message>
        <source>The image could not be shown.</source>
        <translation>Das Bild konnte nicht angezeigt werden.</translation>
    </message>
    <message>
        <source>Your firm does not allow saving attachments</source>
        <translation>Ihre Kanzlei erlaubt das Speichern von Anhängen nicht</translation>
    </message>
    <message>
        <source>Your firm does not allow copying message text</source>
        <translation>Ihre Kanzlei erlaubt das Kopieren von Nachrichtentext nicht</translation>
    </message>
</context>
<context>
    <name>verbatim::qt::ComplianceController</name>
    <message>
        <source>The archive worker failed; try again.</source>
        <translation>Der Archivdienst ist fehlgeschlagen; versuchen Sie es erneut.</translation>
    </message>
    <message>
        <source>Give the journal key file (journal.key).</source>
        <translation>Geben Sie die Journalschlüsseldatei an (journal.key).</translation>
    </message>
    <message>
        <source>Enter the passphrase of the journal key.</source>
        <translation>Geben Sie die Passphrase des Journalschlüssels ein.</translation>
    </message>
    <message>
        <source>Give a file for the archive.</source>
        <translation>Geben Sie eine Datei für das Archiv an.</translation>
    </message>
    <message>
        <source>Unlocking the journal key…</source>
        <translation>Journalschlüssel wird entsperrt …</translation>
    </message>
    <message>
        <source>Cannot read the journal key file %1.</source>
        <translation>Die Journalschlüsseldatei %1 kann nicht gelesen werden.</translation>
    </message>
    <message>
        <source>Wrong passphrase, or %1 is not a journal key file. Nothing was written.</source>
        <translation>Falsche Passphrase, oder %1 ist keine Journalschlüsseldatei. Es wurde nichts geschrieben.</translation>
    </message>
    <message>
        <source>%1 does not hold a usable journal key.</source>
        <translation>%1 enthält keinen verwendbaren Journalschlüssel.</translation>
    </message>
    <message>
        <source>This journal key does not open the archive %1.</source>
        <translation>Dieser Journalschlüssel öffnet das Archiv %1 nicht.</translation>
    </message>
    <message>
        <source>Cannot open the archive: %1</source>
        <translation>Das Archiv kann nicht geöffnet werden: %1</translation>
    </message>
    <message>
        <source>Cannot read the archive: %1</source>
        <translation>Das Archiv kann nicht gelesen werden: %1</translation>
    </message>
    <message numerus="yes">
        <source>Unlocked. The archive holds %n journal entries.</source>
        <translation>
            <numerusform>Entsperrt. Das Archiv enthält %n Journaleintrag.</numerusform>
            <numerusform>Entsperrt. Das Archiv enthält %n Journaleinträge.</numerusform>
        </translation>
    </message>
    <message>
        <source>Unlock the journal key first.</source>
        <translation>Entsperren Sie zuerst den Journalschlüssel.</translation>
    </message>
    <message>
        <source>Only a compliance account can pull the journal.</source>
        <translation>Nur ein Compliance-Konto kann das Journal abrufen.</translation>
    </message>
    <message>
        <source>The profile is locked.</source>
        <translation>Das Profil ist gesperrt.</translation>
    </message>
    <message>
        <source>Connecting to the relay…</source>
        <translation>Verbindung zum Relay wird hergestellt …</translation>
    </message>
    <message>
        <source>The archive is closed.</source>
        <translation>Das Archiv ist geschlossen.</translation>
    </message>
    <message>
        <source>The pull was cancelled.</source>
        <translation>Der Abruf wurde abgebrochen.</translation>
    </message>
    <message>
        <source>Cannot reach the relay. Try again when online.</source>
        <translation>Das Relay ist nicht erreichbar. Versuchen Sie es erneut, wenn Sie online sind.</translation>
    </message>
    <message>
        <source>Pulling the journal…</source>
        <translation>Journal wird abgerufen …</translation>
    </message>
    <message>
        <source>Pulled %1 new entries (relay head #%2)…</source>
        <translation>%1 neue Einträge abgerufen (Relay-Kopf Nr. %2) …</translation>
    </message>
    <message>
        <source>The pull was cancelled; what was stored is kept.</source>
        <translation>Der Abruf wurde abgebrochen; was gespeichert wurde, bleibt erhalten.</translation>
    </message>
    <message>
        <source>The pull stopped (what was stored is kept; pull again): %1</source>
        <translation>Der Abruf wurde unterbrochen (Gespeichertes bleibt erhalten; erneut abrufen): %1</translation>
    </message>
    <message>
        <source>Verifying the archive…</source>
        <translation>Archiv wird geprüft …</translation>
    </message>
    <message>
        <source>Verification could not run: %1</source>
        <translation>Die Prüfung konnte nicht ausgeführt werden: %1</translation>
    </message>
    <message>
        <source>Pulled %1 new entries and %2 attachment(s); %3 new alert(s).</source>
        <translation>%1 neue Einträge und %2 Anhang/Anhänge abgerufen; %3 neue Meldung(en).</translation>
    </message>
    <message>
        <source>Verified.</source>
        <translation>Verifiziert.</translation>
    </message>
    <message>
        <source>Verified: see the problems.</source>
        <translation>Verifiziert: siehe Probleme.</translation>
    </message>
    <message>
        <source>Search: %1</source>
        <translation>Suche: %1</translation>
    </message>
    <message>
        <source>“To” is not a date (YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SSZ in UTC). Nothing was searched.</source>
        <translation>„Bis“ ist kein Datum (JJJJ-MM-TT oder JJJJ-MM-TTThh:mm:ssZ in UTC). Es wurde nichts gesucht.</translation>
    </message>
    <message>
        <source>The date range starts after it ends (%1 is after %2). Nothing was searched.</source>
        <translation>Der Zeitraum beginnt nach seinem Ende (%1 liegt nach %2). Es wurde nichts gesucht.</translation>
    </message>
    <message>
        <source>The search was not journaled, so it did not run: %1</source>
        <translation>Die Suche wurde nicht protokolliert und daher nicht ausgeführt: %1</translation>
    </message>
    <message>
        <source>Search failed: %1</source>
        <translation>Suche fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Search journaled in the access log.</source>
        <translation>Suche im Zugriffsprotokoll festgehalten.</translation>
    </message>
    <message>
        <source>Cannot show the conversation: %1</source>
        <translation>Das Gespräch kann nicht angezeigt werden: %1</translation>
    </message>
    <message>
        <source>Cannot show the audit trail: %1</source>
        <translation>Der Audit-Trail kann nicht angezeigt werden: %1</translation>
    </message>
    <message>
        <source>Choose RSMF, EML or JSON Lines.</source>
        <translation>Wählen Sie RSMF, EML oder JSON Lines.</translation>
    </message>
    <message>
        <source>Choose the matter or the participant to export, or “Whole firm”. Nothing was written.</source>
        <translation>Wählen Sie das Mandat oder die Person für den Export oder „Gesamte Kanzlei“. Es wurde nichts geschrieben.</translation>
    </message>
    <message>
        <source>“To” is not a date (YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SSZ in UTC). Nothing was written.</source>
        <translation>„Bis“ ist kein Datum (JJJJ-MM-TT oder JJJJ-MM-TTThh:mm:ssZ in UTC). Es wurde nichts geschrieben.</translation>
    </message>
    <message>
        <source>The date range starts after it ends (%1 is after %2). Nothing was written.</source>
        <translation>Der Zeitraum beginnt nach seinem Ende (%1 liegt nach %2). Es wurde nichts geschrieben.</translation>
    </message>
    <message>
        <source>Give a file to export to.</source>
        <translation>Geben Sie eine Zieldatei für den Export an.</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>Wird exportiert …</translation>
    </message>
    <message>
        <source>No participant “%1” in the archive. Nothing was written.</source>
        <translation>Keine Person „%1“ im Archiv. Es wurde nichts geschrieben.</translation>
    </message>
    <message>
        <source>The export was not journaled, so nothing was written: %1</source>
        <translation>Der Export wurde nicht protokolliert, daher wurde nichts geschrieben: %1</translation>
    </message>
    <message>
        <source>The export failed: %1</source>
        <translation>Der Export ist fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Exported %1 event(s) and %2 attachment(s) to %3</source>
        <translation>%1 Ereignis(se) und %2 Anhang/Anhänge nach %3 exportiert</translation>
    </message>
    <message>
        <source>%1 (not available)</source>
        <translation>%1 (nicht verfügbar)</translation>
    </message>
    <message>
        <source>“From” is not a date (YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SSZ in UTC). Nothing was searched.</source>
        <translation>„Von“ ist kein Datum (JJJJ-MM-TT oder JJJJ-MM-TTThh:mm:ssZ in UTC). Es wurde nichts gesucht.</translation>
    </message>
    <message>
        <source>Search not journaled: this device is not a compliance officer in the “Compliance review” conversation.</source>
        <translation>Suche nicht protokolliert: Dieses Gerät ist kein Compliance-Beauftragter im Gespräch „Compliance review“.</translation>
    </message>
    <message>
        <source>“From” is not a date (YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SSZ in UTC). Nothing was written.</source>
        <translation>„Von“ ist kein Datum (JJJJ-MM-TT oder JJJJ-MM-TTThh:mm:ssZ in UTC). Es wurde nichts geschrieben.</translation>
    </message>
    <message>
        <source>No such attachment.</source>
        <translation>Kein solcher Anhang.</translation>
    </message>
    <message>
        <source>The archive does not hold this attachment&apos;s content.</source>
        <translation>Das Archiv enthält den Inhalt dieses Anhangs nicht.</translation>
    </message>
    <message>
        <source>Opening the attachment was not journaled, so it was not opened: %1</source>
        <translation>Das Öffnen des Anhangs wurde nicht protokolliert, daher wurde er nicht geöffnet: %1</translation>
    </message>
    <message>
        <source>journaled in the access log</source>
        <translation>im Zugriffsprotokoll festgehalten</translation>
    </message>
    <message>
        <source>not journaled: this device is not in “Compliance review”</source>
        <translation>nicht protokolliert: Dieses Gerät ist nicht im Gespräch „Compliance review“</translation>
    </message>
    <message>
        <source>Cannot read the attachment: %1</source>
        <translation>Der Anhang kann nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>The voice note cannot be played: %1</source>
        <translation>Die Sprachnachricht kann nicht abgespielt werden: %1</translation>
    </message>
    <message>
        <source>Playing %1 (%2).</source>
        <translation>%1 wird abgespielt (%2).</translation>
    </message>
    <message>
        <source>Showing %1 (%2).</source>
        <translation>%1 wird angezeigt (%2).</translation>
    </message>
    <message>
        <source>Opening the conversation was not journaled, so it was not shown: %1</source>
        <translation>Das Öffnen des Gesprächs wurde nicht protokolliert, daher wird es nicht angezeigt: %1</translation>
    </message>
    <message>
        <source>Conversation view journaled in the access log.</source>
        <translation>Gesprächsansicht im Zugriffsprotokoll protokolliert.</translation>
    </message>
    <message>
        <source>Conversation view not journaled: this device is not a compliance officer in the “Compliance review” conversation.</source>
        <translation>Gesprächsansicht nicht protokolliert: Dieses Gerät ist kein Compliance-Beauftragter im Gespräch „Compliance review“.</translation>
    </message>
</context>
<context>
    <name>verbatim::qt::DeviceLinkController</name>
    <message>
        <source>Your history is arriving from your other device…</source>
        <translation>Ihr Verlauf wird von Ihrem anderen Gerät übertragen …</translation>
    </message>
    <message>
        <source>Your history was copied to this device: %1.</source>
        <translation>Ihr Verlauf wurde auf dieses Gerät kopiert: %1.</translation>
    </message>
    <message>
        <source>Your history could not be copied to this device: %1</source>
        <translation>Ihr Verlauf konnte nicht auf dieses Gerät kopiert werden: %1</translation>
    </message>
    <message>
        <source>Sending your history to device %1…</source>
        <translation>Ihr Verlauf wird an Gerät %1 gesendet …</translation>
    </message>
    <message>
        <source>Your history was not sent: %1</source>
        <translation>Ihr Verlauf wurde nicht gesendet: %1</translation>
    </message>
    <message numerus="yes">
        <source>%n message(s) sent to device %1; it imports them when it connects.</source>
        <translation>
            <numerusform>%n Nachricht an Gerät %1 gesendet; es übernimmt sie, sobald es sich verbindet.</numerusform>
            <numerusform>%n Nachrichten an Gerät %1 gesendet; es übernimmt sie, sobald es sich verbindet.</numerusform>
        </translation>
    </message>
    <message>
        <source>Device %1 was unlinked; it erases itself when it next connects.</source>
        <translation>Gerät %1 wurde entfernt; es löscht sich selbst, sobald es sich das nächste Mal verbindet.</translation>
    </message>
    <message>
        <source>Device %1 was unlinked.</source>
        <translation>Gerät %1 wurde entfernt.</translation>
    </message>
    <message>
        <source>Device %1 was approved and added to your account.</source>
        <translation>Gerät %1 wurde freigegeben und Ihrem Konto hinzugefügt.</translation>
    </message>
</context>
<context>
    <name>verbatim::qt::InvitesController</name>
    <message>
        <source>Verbatim is locked.</source>
        <translation>Verbatim ist gesperrt.</translation>
    </message>
    <message>
        <source>Give the matter a title.</source>
        <translation>Geben Sie dem Mandat einen Titel.</translation>
    </message>
    <message>
        <source>The title is too long (at most 200 bytes).</source>
        <translation>Der Titel ist zu lang (höchstens 200 Byte).</translation>
    </message>
    <message>
        <source>The title holds characters that cannot be shown.</source>
        <translation>Der Titel enthält Zeichen, die nicht angezeigt werden können.</translation>
    </message>
    <message>
        <source>The matter number is too long (at most 40 characters).</source>
        <translation>Die Mandatsnummer ist zu lang (höchstens 40 Zeichen).</translation>
    </message>
    <message>
        <source>The matter number holds characters that cannot be shown.</source>
        <translation>Die Mandatsnummer enthält Zeichen, die nicht angezeigt werden können.</translation>
    </message>
    <message>
        <source>The client&apos;s name is too long (at most 100 characters).</source>
        <translation>Der Name des Mandanten ist zu lang (höchstens 100 Zeichen).</translation>
    </message>
    <message>
        <source>The client&apos;s name holds characters that cannot be shown.</source>
        <translation>Der Name des Mandanten enthält Zeichen, die nicht angezeigt werden können.</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a user id (a-z, 0-9 and . _ - @).</source>
        <translation>„%1“ ist keine Benutzer-ID (a–z, 0–9 und . _ - @).</translation>
    </message>
    <message>
        <source>At most 100 colleagues.</source>
        <translation>Höchstens 100 Kolleginnen und Kollegen.</translation>
    </message>
    <message>
        <source>A direct conversation is with exactly one colleague.</source>
        <translation>Ein direktes Gespräch wird mit genau einer Kollegin oder einem Kollegen geführt.</translation>
    </message>
    <message>
        <source>Only a matter has a matter number and a client.</source>
        <translation>Nur ein Mandat hat eine Mandatsnummer und einen Mandanten.</translation>
    </message>
    <message>
        <source>Could not start the conversation: %1</source>
        <translation>Das Gespräch konnte nicht begonnen werden: %1</translation>
    </message>
    <message>
        <source>The matter was started, but its invite could not be made: %1</source>
        <translation>Das Mandat wurde angelegt, aber seine Einladung konnte nicht erstellt werden: %1</translation>
    </message>
    <message>
        <source>Could not revoke the invite: %1</source>
        <translation>Die Einladung konnte nicht widerrufen werden: %1</translation>
    </message>
    <message>
        <source>Could not make the invite: %1</source>
        <translation>Die Einladung konnte nicht erstellt werden: %1</translation>
    </message>
    <message>
        <source>Could not list your invites: %1</source>
        <translation>Ihre Einladungen konnten nicht aufgelistet werden: %1</translation>
    </message>
    <message>
        <source>Refused by your firm&apos;s ethical wall “%1”: it keeps apart people this would bring together. Ask your firm&apos;s administrator if you think this is wrong.</source>
        <translation>Abgelehnt durch die Informationsbarriere „%1“ Ihrer Kanzlei: Sie trennt Personen, die hierdurch zusammenkämen. Wenden Sie sich an die Administration Ihrer Kanzlei, wenn Sie das für falsch halten.</translation>
    </message>
</context>
<context>
    <name>verbatim::qt::InvitesModel</name>
    <message>
        <source>Pending</source>
        <translation>Offen</translation>
    </message>
    <message>
        <source>Used</source>
        <translation>Verwendet</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>Abgelaufen</translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>Widerrufen</translation>
    </message>
    <message>
        <source>Declined</source>
        <translation>Abgelehnt</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>Unbekannt</translation>
    </message>
    <message>
        <source>Joined by %1 on %2</source>
        <translation>Beigetreten: %1 am %2</translation>
    </message>
    <message>
        <source>Revoked on %1</source>
        <translation>Widerrufen am %1</translation>
    </message>
    <message>
        <source>Expired unused</source>
        <translation>Ungenutzt abgelaufen</translation>
    </message>
    <message>
        <source>No longer valid: the device that made it was revoked</source>
        <translation>Nicht mehr gültig: Das Gerät, das sie erstellt hat, wurde gesperrt</translation>
    </message>
    <message>
        <source>Not used yet</source>
        <translation>Noch nicht verwendet</translation>
    </message>
    <message>
        <source>The client declined the recording notice on %1; nobody joined</source>
        <translation>Der Mandant hat den Aufzeichnungshinweis am %1 abgelehnt; niemand ist beigetreten</translation>
    </message>
    <message>
        <source>Made %1 · expires %2</source>
        <translation>Erstellt %1 · läuft ab %2</translation>
    </message>
    <message>
        <source>Expired on %1</source>
        <translation>Abgelaufen am %1</translation>
    </message>
    <message>
        <source>Expires in %1 days · %2</source>
        <translation>Läuft in %1 Tagen ab · %2</translation>
    </message>
    <message>
        <source>Expires in 1 day · %1</source>
        <translation>Läuft in 1 Tag ab · %1</translation>
    </message>
    <message>
        <source>Expires in %1 hours · %2</source>
        <translation>Läuft in %1 Stunden ab · %2</translation>
    </message>
    <message>
        <source>Expires within the hour · %1</source>
        <translation>Läuft innerhalb der nächsten Stunde ab · %1</translation>
    </message>
</context>
<context>
    <name>verbatim::qt::MessageInfoModel</name>
    <message>
        <source>Not yet</source>
        <translation>Noch nicht</translation>
    </message>
    <message>
        <source>You (another device)</source>
        <translation>Sie (anderes Gerät)</translation>
    </message>
    <message>
        <source>Device %1</source>
        <translation>Gerät %1</translation>
    </message>
    <message>
        <source>Not sent yet</source>
        <translation>Noch nicht gesendet</translation>
    </message>
</context>
<context>
    <name>verbatim::qt::Notifier</name>
    <message>
        <source>New message in %1</source>
        <translation>Neue Nachricht in %1</translation>
    </message>
    <message>
        <source>No desktop session bus: notifications cannot be shown.</source>
        <translation>Kein Desktop-Sitzungsbus: Benachrichtigungen können nicht angezeigt werden.</translation>
    </message>
    <message>
        <source>Desktop notifications are not available on this platform.</source>
        <translation>Desktop-Benachrichtigungen sind auf dieser Plattform nicht verfügbar.</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Öffnen</translation>
    </message>
    <message>
        <source>The desktop&apos;s notification service does not answer.</source>
        <translation>Der Benachrichtigungsdienst des Desktops antwortet nicht.</translation>
    </message>
</context>
<context>
    <name>verbatim::qt::SessionController</name>
    <message numerus="yes">
        <source>The passphrase was entered wrongly %n times in a row, so this device erased its messages and keys, as your firm&apos;s policy requires.</source>
        <translation>
            <numerusform>Die Passphrase wurde %n-mal hintereinander falsch eingegeben; daher hat dieses Gerät seine Nachrichten und Schlüssel gelöscht, wie es die Richtlinie Ihrer Kanzlei verlangt.</numerusform>
            <numerusform>Die Passphrase wurde %n-mal hintereinander falsch eingegeben; daher hat dieses Gerät seine Nachrichten und Schlüssel gelöscht, wie es die Richtlinie Ihrer Kanzlei verlangt.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>This device did not reach your firm for more than %n day(s), so it erased its messages and keys, as your firm&apos;s policy requires.</source>
        <translation>
            <numerusform>Dieses Gerät hatte mehr als %n Tag keine Verbindung zu Ihrer Kanzlei; daher hat es seine Nachrichten und Schlüssel gelöscht, wie es die Richtlinie Ihrer Kanzlei verlangt.</numerusform>
            <numerusform>Dieses Gerät hatte mehr als %n Tage keine Verbindung zu Ihrer Kanzlei; daher hat es seine Nachrichten und Schlüssel gelöscht, wie es die Richtlinie Ihrer Kanzlei verlangt.</numerusform>
        </translation>
    </message>
    <message>
        <source>Wrong passphrase.</source>
        <translation>Falsche Passphrase.</translation>
    </message>
    <message numerus="yes">
        <source>%n more and this device erases itself, as your firm&apos;s policy requires.</source>
        <translation>
            <numerusform>Noch %n Fehlversuch, und dieses Gerät löscht sich selbst, wie es die Richtlinie Ihrer Kanzlei verlangt.</numerusform>
            <numerusform>Noch %n Fehlversuche, und dieses Gerät löscht sich selbst, wie es die Richtlinie Ihrer Kanzlei verlangt.</numerusform>
        </translation>
    </message>
    <message>
        <source>your firm</source>
        <translation>Ihre Kanzlei</translation>
    </message>
    <message>
        <source>The firm&apos;s administrator erased this device&apos;s messages and keys. The firm&apos;s journal keeps its record of the conversations.</source>
        <translation>Die Administration der Kanzlei hat die Nachrichten und Schlüssel dieses Geräts gelöscht. Das Journal der Kanzlei bewahrt seine Aufzeichnung der Gespräche auf.</translation>
    </message>
    <message>
        <source>A lawyer</source>
        <translation>Eine Anwältin oder ein Anwalt</translation>
    </message>
    <message>
        <source>%1 (ref. %2)</source>
        <translation>%1 (Az. %2)</translation>
    </message>
    <message>
        <source>%1 of %2 invited you to the matter %3.</source>
        <translation>%1 von %2 hat Sie zum Mandat %3 eingeladen.</translation>
    </message>
    <message>
        <source>%1 of %2 invited you to the matter %3, for %4.</source>
        <translation>%1 von %2 hat Sie zum Mandat %3 eingeladen, für %4.</translation>
    </message>
    <message>
        <source>The firm keeps its record of this matter for 1 year after the matter closes, then disposes of it unless the law requires it to keep it longer.</source>
        <translation>Die Kanzlei bewahrt ihre Aufzeichnung dieses Mandats 1 Jahr nach Abschluss des Mandats auf und vernichtet sie dann, sofern das Gesetz keine längere Aufbewahrung verlangt.</translation>
    </message>
    <message>
        <source>The firm keeps its record of this matter for %1 years after the matter closes, then disposes of it unless the law requires it to keep it longer.</source>
        <translation>Die Kanzlei bewahrt ihre Aufzeichnung dieses Mandats %1 Jahre nach Abschluss des Mandats auf und vernichtet sie dann, sofern das Gesetz keine längere Aufbewahrung verlangt.</translation>
    </message>
    <message>
        <source>The firm keeps its record of this matter as long as the firm&apos;s records policy requires; it has set no fixed period here.</source>
        <translation>Die Kanzlei bewahrt ihre Aufzeichnung dieses Mandats so lange auf, wie es ihre Aufbewahrungsrichtlinie verlangt; eine feste Frist hat sie hier nicht festgelegt.</translation>
    </message>
    <message>
        <source>The firm has not published a privacy notice link here; ask it for one.</source>
        <translation>Die Kanzlei hat hier keinen Link zu ihren Datenschutzhinweisen veröffentlicht; fragen Sie sie danach.</translation>
    </message>
    <message>
        <source>How the firm uses your personal data (its privacy notice):</source>
        <translation>Wie die Kanzlei Ihre personenbezogenen Daten verwendet (ihre Datenschutzhinweise):</translation>
    </message>
    <message>
        <source>The firm may erase the copy of these messages on your device (the firm&apos;s journal keeps its record).</source>
        <translation>Die Kanzlei darf die Kopie dieser Nachrichten auf Ihrem Gerät löschen (das Journal der Kanzlei bewahrt ihre Aufzeichnung auf).</translation>
    </message>
    <message>
        <source>The firm will not erase the copy of these messages on your device: it stays your record of the advice.</source>
        <translation>Die Kanzlei wird die Kopie dieser Nachrichten auf Ihrem Gerät nicht löschen: Sie bleibt Ihre Aufzeichnung der Beratung.</translation>
    </message>
    <message>
        <source>You declined the invite. Nothing was sent and no account was made; %1 sees that the invite was declined.</source>
        <translation>Sie haben die Einladung abgelehnt. Es wurde nichts gesendet und kein Konto angelegt; %1 sieht, dass die Einladung abgelehnt wurde.</translation>
    </message>
    <message>
        <source>Enter your name: the firm sees it beside your messages.</source>
        <translation>Geben Sie Ihren Namen ein: Die Kanzlei sieht ihn neben Ihren Nachrichten.</translation>
    </message>
</context>
<context>
    <name>verbatim::qt::SupervisedMattersModel</name>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>%1 d %2 h</source>
        <translation>%1 T. %2 Std.</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 Std. %2 Min.</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 Min.</translation>
    </message>
    <message>
        <source>Client waiting %1</source>
        <translation>Mandant wartet seit %1</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>Beantwortet</translation>
    </message>
    <message>
        <source>No client message yet</source>
        <translation>Noch keine Nachricht des Mandanten</translation>
    </message>
    <message>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <source>%1 ago</source>
        <translation>vor %1</translation>
    </message>
</context>
<context>
    <name>verbatim::qt::SupervisionAlertsModel</name>
    <message>
        <source>Sample</source>
        <translation>Stichprobe</translation>
    </message>
</context>
<context>
    <name>verbatim::qt::SupervisionController</name>
    <message>
        <source>%1 (device %2)</source>
        <translation>%1 (Gerät %2)</translation>
    </message>
    <message>
        <source>attachment %1</source>
        <translation>Anhang %1</translation>
    </message>
    <message>
        <source>matter %1</source>
        <translation>Mandat %1</translation>
    </message>
    <message>
        <source>participant %1</source>
        <translation>Person %1</translation>
    </message>
    <message>
        <source>Matter: %1</source>
        <translation>Mandat: %1</translation>
    </message>
    <message>
        <source>Custodian: %1</source>
        <translation>Person: %1</translation>
    </message>
    <message>
        <source>Released by %1 on %2: %3</source>
        <translation>Aufgehoben von %1 am %2: %3</translation>
    </message>
    <message>
        <source>Unlock the journal key first.</source>
        <translation>Entsperren Sie zuerst den Journalschlüssel.</translation>
    </message>
    <message>
        <source>Only a compliance officer&apos;s device journals review actions.</source>
        <translation>Nur das Gerät eines Compliance-Beauftragten protokolliert Prüfaktionen.</translation>
    </message>
    <message>
        <source>Cannot read the review queue: %1</source>
        <translation>Die Prüfliste kann nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>%1: journaling…</source>
        <translation>%1: wird protokolliert …</translation>
    </message>
    <message>
        <source>The archive is closed.</source>
        <translation>Das Archiv ist geschlossen.</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>%1: journaled.</source>
        <translation>%1: protokolliert.</translation>
    </message>
    <message>
        <source>Review: %1</source>
        <translation>Prüfung: %1</translation>
    </message>
    <message>
        <source>Alert %1</source>
        <translation>Meldung %1</translation>
    </message>
    <message>
        <source>No such attachment.</source>
        <translation>Kein solcher Anhang.</translation>
    </message>
    <message>
        <source>Saving the attachment…</source>
        <translation>Anhang wird gespeichert …</translation>
    </message>
    <message>
        <source>Opening the attachment…</source>
        <translation>Anhang wird geöffnet …</translation>
    </message>
    <message>
        <source>No such alert in this archive.</source>
        <translation>Keine solche Meldung in diesem Archiv.</translation>
    </message>
    <message>
        <source>This alert is about attachment %1.</source>
        <translation>Diese Meldung betrifft Anhang %1.</translation>
    </message>
    <message>
        <source>Cannot read the archive: %1</source>
        <translation>Das Archiv kann nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>The archive does not hold this attachment&apos;s content.</source>
        <translation>Das Archiv enthält den Inhalt dieses Anhangs nicht.</translation>
    </message>
    <message>
        <source>Opening the attachment was not journaled, so it was not opened: %1</source>
        <translation>Das Öffnen des Anhangs wurde nicht protokolliert, daher wurde er nicht geöffnet: %1</translation>
    </message>
    <message>
        <source>Cannot read the attachment: %1</source>
        <translation>Der Anhang kann nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>journaled in the access log</source>
        <translation>im Zugriffsprotokoll festgehalten</translation>
    </message>
    <message>
        <source>%1 exists already; nothing was written.</source>
        <translation>%1 existiert bereits; es wurde nichts geschrieben.</translation>
    </message>
    <message>
        <source>Cannot write %1.</source>
        <translation>%1 kann nicht geschrieben werden.</translation>
    </message>
    <message>
        <source>Saved %1 to %2 (%3).</source>
        <translation>%1 nach %2 gespeichert (%3).</translation>
    </message>
    <message>
        <source>
[… %1 more bytes: save it to read the rest]</source>
        <translation>
[… noch %1 Byte: speichern, um den Rest zu lesen]</translation>
    </message>
    <message>
        <source>%1 (%2, %3 bytes) is not text: save it to open it with another program.</source>
        <translation>%1 (%2, %3 Byte) ist kein Text: Speichern Sie die Datei, um sie mit einem anderen Programm zu öffnen.</translation>
    </message>
    <message>
        <source>Opened %1 (%2).</source>
        <translation>%1 geöffnet (%2).</translation>
    </message>
    <message>
        <source>Policy: %1</source>
        <translation>Richtlinie: %1</translation>
    </message>
    <message>
        <source>Policy “%1”</source>
        <translation>Richtlinie „%1“</translation>
    </message>
    <message>
        <source>%1: no such policy.</source>
        <translation>%1: keine solche Richtlinie.</translation>
    </message>
    <message>
        <source>%1: disabled already.</source>
        <translation>%1: bereits deaktiviert.</translation>
    </message>
    <message>
        <source>%1: disabled and journaled.</source>
        <translation>%1: deaktiviert und protokolliert.</translation>
    </message>
    <message>
        <source>Examples: %1</source>
        <translation>Beispiele: %1</translation>
    </message>
    <message>
        <source>Example policies: journaling…</source>
        <translation>Beispielrichtlinien: werden protokolliert …</translation>
    </message>
    <message>
        <source>Example policies: %1 (%2 of %3 journaled)</source>
        <translation>Beispielrichtlinien: %1 (%2 von %3 protokolliert)</translation>
    </message>
    <message>
        <source>%1 example policies journaled.</source>
        <translation>%1 Beispielrichtlinien protokolliert.</translation>
    </message>
    <message>
        <source>Sample: give a participant or a matter, not both.</source>
        <translation>Stichprobe: Geben Sie eine Person oder ein Mandat an, nicht beides.</translation>
    </message>
    <message>
        <source>Sample: give dates as YYYY-MM-DD.</source>
        <translation>Stichprobe: Geben Sie Daten als JJJJ-MM-TT an.</translation>
    </message>
    <message>
        <source>Sample: the period ends before it starts.</source>
        <translation>Stichprobe: Der Zeitraum endet vor seinem Beginn.</translation>
    </message>
    <message>
        <source>Sample: the percentage must be more than 0 and at most 100.</source>
        <translation>Stichprobe: Der Prozentsatz muss größer als 0 und höchstens 100 sein.</translation>
    </message>
    <message>
        <source>Sample: the seed is a whole number (digits only).</source>
        <translation>Stichprobe: Der Startwert ist eine ganze Zahl (nur Ziffern).</translation>
    </message>
    <message>
        <source>Sample: %1</source>
        <translation>Stichprobe: %1</translation>
    </message>
    <message>
        <source>Sample with seed %1</source>
        <translation>Stichprobe mit Startwert %1</translation>
    </message>
    <message>
        <source>%1: drawing and journaling…</source>
        <translation>%1: wird gezogen und protokolliert …</translation>
    </message>
    <message numerus="yes">
        <source>%1: %n entries sampled, journaled.</source>
        <translation>
            <numerusform>%1: %n Eintrag gezogen, protokolliert.</numerusform>
            <numerusform>%1: %n Einträge gezogen, protokolliert.</numerusform>
        </translation>
    </message>
    <message>
        <source>Choose CSV, HTML or metadata only for the report.</source>
        <translation>Wählen Sie CSV, HTML oder „Nur Metadaten“ für den Bericht.</translation>
    </message>
    <message>
        <source>Give a file for the report.</source>
        <translation>Geben Sie eine Datei für den Bericht an.</translation>
    </message>
    <message>
        <source>%1 exists already; choose a new file.</source>
        <translation>%1 existiert bereits; wählen Sie eine neue Datei.</translation>
    </message>
    <message>
        <source>Give dates as YYYY-MM-DD.</source>
        <translation>Geben Sie Daten als JJJJ-MM-TT an.</translation>
    </message>
    <message>
        <source>The report ends before it starts.</source>
        <translation>Der Bericht endet vor seinem Beginn.</translation>
    </message>
    <message>
        <source>Writing the report…</source>
        <translation>Bericht wird geschrieben …</translation>
    </message>
    <message>
        <source>The report was not journaled, so nothing was written: %1</source>
        <translation>Der Bericht wurde nicht protokolliert, daher wurde nichts geschrieben: %1</translation>
    </message>
    <message>
        <source>The report failed: %1</source>
        <translation>Der Bericht ist fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Report written to %1 (journaled as an export).</source>
        <translation>Bericht nach %1 geschrieben (als Export protokolliert).</translation>
    </message>
    <message>
        <source>%1 participant(s), %2 conversation(s), %3 message(s).</source>
        <translation>Personen: %1, Gespräche: %2, Nachrichten: %3.</translation>
    </message>
    <message>
        <source>%1 alert(s): %2 open, %3 in review, %4 escalated, %5 closed (%6 breach, %7 no issue, %8 training, %9 referred).</source>
        <translation>Meldungen: %1 – %2 offen, %3 in Prüfung, %4 eskaliert, %5 abgeschlossen (%6 Verstoß, %7 ohne Befund, %8 Schulung, %9 weitergeleitet).</translation>
    </message>
    <message>
        <source>Busiest: %1 (%2 messages).</source>
        <translation>Am aktivsten: %1 (%2 Nachrichten).</translation>
    </message>
    <message>
        <source>Slowest to answer clients: %1 (median %2 min).</source>
        <translation>Antwortet Mandanten am langsamsten: %1 (Median %2 Min.).</translation>
    </message>
    <message>
        <source>Metadata only: %1 conversation(s) with who talked, when and how much; a client waits for an answer in %2. No content.</source>
        <translation>Nur Metadaten: %1 Gespräch(e) mit Angaben, wer wann wie viel kommuniziert hat; in %2 wartet ein Mandant auf eine Antwort. Keine Inhalte.</translation>
    </message>
    <message>
        <source>not journaled: this device is not in “Compliance review”</source>
        <translation>nicht protokolliert: Dieses Gerät ist nicht im Gespräch „Compliance review“</translation>
    </message>
    <message>
        <source>Report written to %1 (not journaled: this device is not in “Compliance review”).</source>
        <translation>Bericht nach %1 geschrieben (nicht protokolliert: Dieses Gerät ist nicht im Gespräch „Compliance review“).</translation>
    </message>
</context>
<context>
    <name>verbatim::qt::SupervisorsController</name>
    <message>
        <source>Could not list the supervised matters: %1</source>
        <translation>Die beaufsichtigten Mandate konnten nicht aufgelistet werden: %1</translation>
    </message>
</context>
<context>
    <name>verbatim::qt::VoiceController</name>
    <message>
        <source>Open a conversation to record a voice note.</source>
        <translation>Öffnen Sie ein Gespräch, um eine Sprachnachricht aufzunehmen.</translation>
    </message>
    <message>
        <source>Wait for the file being sent to finish.</source>
        <translation>Warten Sie, bis die gerade gesendete Datei fertig ist.</translation>
    </message>
    <message>
        <source>Voice notes cannot be recorded here.</source>
        <translation>Sprachnachrichten können hier nicht aufgenommen werden.</translation>
    </message>
    <message>
        <source>The recording failed and was discarded.</source>
        <translation>Die Aufnahme ist fehlgeschlagen und wurde verworfen.</translation>
    </message>
    <message>
        <source>Nothing was recorded.</source>
        <translation>Es wurde nichts aufgenommen.</translation>
    </message>
    <message>
        <source>Voice note %1.ogg</source>
        <translation>Sprachnachricht %1.ogg</translation>
    </message>
    <message>
        <source>The voice note could not be written; nothing was sent.</source>
        <translation>Die Sprachnachricht konnte nicht geschrieben werden; es wurde nichts gesendet.</translation>
    </message>
    <message>
        <source>The voice note could not be sent.</source>
        <translation>Die Sprachnachricht konnte nicht gesendet werden.</translation>
    </message>
    <message>
        <source>The voice note cannot be played: %1</source>
        <translation>Die Sprachnachricht kann nicht abgespielt werden: %1</translation>
    </message>
</context>
<context>
    <name>verbatim::qt::WallsController</name>
    <message>
        <source>Verbatim is locked.</source>
        <translation>Verbatim ist gesperrt.</translation>
    </message>
    <message>
        <source>Could not add the wall “%1”: %2</source>
        <translation>Die Barriere „%1“ konnte nicht hinzugefügt werden: %2</translation>
    </message>
    <message>
        <source>Could not remove the wall “%1”: %2</source>
        <translation>Die Barriere „%1“ konnte nicht entfernt werden: %2</translation>
    </message>
    <message>
        <source>Could not list the walls: %1</source>
        <translation>Die Informationsbarrieren konnten nicht aufgelistet werden: %1</translation>
    </message>
</context>
<context>
    <name>verbatim::qt::WallsModel</name>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>%1 supervises %2 across the wall</source>
        <translation>%1 beaufsichtigt %2 über die Barriere hinweg</translation>
    </message>
    <message>
        <source>Matter “%1” holds people of both sides</source>
        <translation>Das Mandat „%1“ umfasst Personen beider Seiten</translation>
    </message>
    <message>
        <source>Direct conversation “%1” holds people of both sides</source>
        <translation>Das direkte Gespräch „%1“ umfasst Personen beider Seiten</translation>
    </message>
    <message>
        <source>%1 by the relay&apos;s admin command</source>
        <translation>%1 per Administrationsbefehl des Relays</translation>
    </message>
    <message>
        <source>%1 by %2</source>
        <translation>%1 von %2</translation>
    </message>
</context>
</TS>

/// @file SessionInvite.cpp
/// SessionController's fair recording notice (issue 22): joining by invite shows the notice
/// first, with facts the client can check (InviteNotice.h), and registers nothing until the
/// client accepts; declining registers nothing and sends nothing into the matter.

#include "client/qt/SessionController.h"
#include "client/qt/StdText.h"

#include "client/core/Link.h"
#include "client/qt/AppController.h"
#include "client/qt/TextRuns.h"
#include "common/Bytes.h"

namespace verbatim::qt {

/// What the accept needs to register: the link, the options and the passphrase the onboarding
/// page took. The passphrase is wiped when the invite is accepted, declined or dropped.
struct SessionController::PendingInvite {
    std::string link;
    client::JoinOptions options;
    std::string passphrase;
    ~PendingInvite() { secureWipe(passphrase.data(), passphrase.size()); }
};

bool SessionController::isInviteLink(const QString& link) {
    auto parsed = client::parseLink(link.trimmed().toStdString());
    return parsed && parsed->kind == client::Link::Kind::Join;
}

void SessionController::showInviteNotice(const client::InviteNotice& n, bool pending,
                                         bool declined) {
    // Every name and title is someone's choice: plain text, isolated, bounded (TextRuns).
    const QString inviter =
        n.inviterName.empty() ? tr("A lawyer") : TextRuns::safeName(q(n.inviterName));
    QString matter = TextRuns::safeName(q(n.matterTitle));
    if (!n.matterNumber.empty())
        matter = tr("%1 (ref. %2)").arg(matter, TextRuns::safeName(q(n.matterNumber)));
    QString invited = n.clientName.empty()
                          ? tr("%1 of %2 invited you to the matter %3.")
                                .arg(inviter, TextRuns::safeName(q(n.firmName)), matter)
                          : tr("%1 of %2 invited you to the matter %3, for %4.")
                                .arg(inviter, TextRuns::safeName(q(n.firmName)), matter,
                                     TextRuns::safeName(q(n.clientName)));
    QVariantMap m;
    m[QStringLiteral("pending")] = pending;
    m[QStringLiteral("declined")] = declined;
    m[QStringLiteral("invited")] = invited;
    m[QStringLiteral("firm")] = TextRuns::safeName(q(n.firmName));
    // Singular and plural spelled out: the app ships no English plural forms to fill %n.
    if (n.retentionYears == 1)
        m[QStringLiteral("retention")] =
            tr("The firm keeps its record of this matter for 1 year after the matter closes, then "
               "disposes of it unless the law requires it to keep it longer.");
    else if (n.retentionYears > 1)
        m[QStringLiteral("retention")] =
            tr("The firm keeps its record of this matter for %1 years after the matter closes, "
               "then disposes of it unless the law requires it to keep it longer.")
                .arg(n.retentionYears);
    else
        m[QStringLiteral("retention")] =
            tr("The firm keeps its record of this matter as long as the firm's records policy "
               "requires; it has set no fixed period here.");
    // Only an https:// link the manifest signed is offered to open (InviteNotice.h).
    const QString url =
        client::isShowableLink(n.privacyNoticeUrl) ? q(n.privacyNoticeUrl) : QString();
    m[QStringLiteral("privacyUrl")] = url;
    m[QStringLiteral("privacyText")] =
        url.isEmpty() ? tr("The firm has not published a privacy notice link here; ask it for one.")
                      : tr("How the firm uses your personal data (its privacy notice):");
    m[QStringLiteral("erase")] =
        n.firmMayErase ? tr("The firm may erase the copy of these messages on your device (the "
                            "firm's journal keeps its record).")
                       : tr("The firm will not erase the copy of these messages on your device: "
                            "it stays your record of the advice.");
    m[QStringLiteral("declinedText")] =
        declined ? tr("You declined the invite. Nothing was sent and no account was made; %1 "
                      "sees that the invite was declined.")
                       .arg(inviter)
                 : QString();
    m_inviteNotice = m;
    emit inviteNoticeChanged();
}

bool SessionController::previewJoin(const QString& link, const client::JoinOptions& options,
                                    const QString& passphrase) {
    if (options.displayName.empty())
        return m_app.check(false, tr("Enter your name: the firm sees it beside your messages."));
    const std::string text = link.trimmed().toStdString();
    auto notice = client::previewInvite(text);
    if (!notice) return m_app.check(false, q(notice.error().message));
    m_pending = std::make_shared<PendingInvite>();
    m_pending->link = text;
    m_pending->options = options;
    m_pending->options.noticeFacts = client::noticeFactsJson(*notice); // journaled on accept
    m_pending->passphrase = passphrase.toStdString();
    m_app.clearError();
    showInviteNotice(*notice, true, false);
    setScreen(QStringLiteral("notice"));
    return true;
}

bool SessionController::previewJoinInBackground(const QString& link,
                                                const client::JoinOptions& options,
                                                const QString& passphrase) {
    if (options.displayName.empty())
        return m_app.check(false, tr("Enter your name: the firm sees it beside your messages."));
    m_joining = true;
    const std::uint64_t generation = m_app.generation();
    auto pending = std::make_shared<PendingInvite>();
    pending->link = link.trimmed().toStdString();
    pending->options = options;
    pending->passphrase = passphrase.toStdString();
    m_app.run([this, generation, pending] {
        auto notice =
            std::make_shared<Result<client::InviteNotice>>(client::previewInvite(pending->link));
        m_app.toGui(generation, [this, notice, pending] {
            m_joining = false;
            const bool ok = m_app.check(*notice);
            if (ok) {
                pending->options.noticeFacts = client::noticeFactsJson(**notice);
                m_pending = pending;
                showInviteNotice(**notice, true, false);
                setScreen(QStringLiteral("notice"));
            }
            emit joinFinished(ok);
        });
    });
    return true;
}

bool SessionController::acceptPendingInvite() {
    if (!m_pending || m_app.client() || m_joining) return false;
    auto pending = m_pending;
    client::JoinOptions o = pending->options;
    o.acceptNotice = true; // the acceptance is the first thing the new profile journals
    auto c = client::Client::join(m_app.profileDir().toStdString(), pending->passphrase,
                                  pending->link, o);
    if (!c) return m_app.check(false, q(c.error().message));
    m_pending.reset();
    m_inviteNotice.clear();
    emit inviteNoticeChanged();
    m_app.adopt(std::move(*c));
    return true;
}

bool SessionController::acceptNoticeInBackground() {
    if (!m_pending) return acceptNotice();
    if (m_app.client() || m_joining || m_busy) return false;
    m_joining = true;
    setBusy(true);
    const std::uint64_t generation = m_app.generation();
    auto pending = m_pending;
    m_app.run([this, generation, pending, dir = m_app.profileDir().toStdString()] {
        client::JoinOptions o = pending->options;
        o.acceptNotice = true;
        auto joined = std::make_shared<Result<std::unique_ptr<client::Client>>>(
            client::Client::join(dir, pending->passphrase, pending->link, o));
        m_app.toGui(generation, [this, joined] {
            m_joining = false;
            setBusy(false);
            const bool ok = m_app.check(*joined);
            if (ok) {
                m_pending.reset();
                m_inviteNotice.clear();
                emit inviteNoticeChanged();
                m_app.adopt(std::move(**joined));
            }
            emit joinFinished(ok);
        });
    });
    return true;
}

bool SessionController::declineInvite() {
    if (!m_pending || m_joining) return false;
    auto declined = client::declineInvite(m_pending->link);
    if (!declined) return m_app.check(false, q(declined.error().message));
    m_pending.reset();
    m_app.clearError();
    showInviteNotice(*declined, false, true);
    setScreen(QStringLiteral("declined"));
    return true;
}

bool SessionController::declineInviteInBackground() {
    if (!m_pending || m_joining || m_busy) return false;
    m_joining = true;
    setBusy(true);
    const std::uint64_t generation = m_app.generation();
    auto pending = m_pending;
    m_app.run([this, generation, pending] {
        auto declined =
            std::make_shared<Result<client::InviteNotice>>(client::declineInvite(pending->link));
        m_app.toGui(generation, [this, declined] {
            m_joining = false;
            setBusy(false);
            const bool ok = m_app.check(*declined);
            if (ok) {
                m_pending.reset();
                showInviteNotice(**declined, false, true);
                setScreen(QStringLiteral("declined"));
            }
            emit declineFinished(ok);
        });
    });
    return true;
}

} // namespace verbatim::qt

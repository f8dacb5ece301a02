#include "client/qt/InvitesController.h"
#include "client/qt/StdText.h"

#include <QRegularExpression>

#include "client/core/Link.h"

namespace verbatim::qt {

namespace {

// A refusal for the lawyer: an ethical wall's (H6, issue 22) in the app's own words, naming the
// wall as the relay did and nobody behind it; any other as the core put it.
QString refusalText(const Error& e) {
    if (e.detail != client::kEthicalWallStatus) return q(e.message);
    const QString relay = q(e.message);
    const int open = relay.indexOf(QLatin1Char('"'));
    const int close = open < 0 ? -1 : relay.indexOf(QLatin1Char('"'), open + 1);
    if (close < 0) return relay;
    return InvitesController::tr("Refused by your firm's ethical wall \u201c%1\u201d: it keeps "
                                 "apart people this would bring together. Ask your firm's "
                                 "administrator if you think this is wrong.")
        .arg(relay.mid(open + 1, close - open - 1));
}

void list(client::Client& c, InvitesController::Outcome& o) {
    auto invites = c.invites();
    if (invites)
        o.invites = std::move(*invites);
    else
        o.listError = q(invites.error().message);
}

} // namespace

InvitesController::InvitesController(QObject* parent) : RelayPageController(parent) {}

QString InvitesController::lockedError() const {
    return tr("Verbatim is locked.");
}

template <class Work> void InvitesController::submit(Work work) {
    RelayPageController::submit<Outcome>(std::move(work),
                                         [this](Outcome&& outcome) { apply(std::move(outcome)); });
}

void InvitesController::refresh() {
    submit([](client::Client& c) {
        Outcome o;
        list(c, o);
        return o;
    });
}

void InvitesController::setConversationId(const QString& id) {
    if (id == m_conversation) return;
    m_conversation = id;
    m_invites.setConversation(id);
    emit conversationIdChanged();
}

void InvitesController::create(const QString& conversationId) {
    submit([conversationId](client::Client& c) {
        Outcome o;
        o.createAsked = true;
        // By id (two matters may share a title); the link is checked before it is handed out
        // (C-LINK-4), then shown in its web form.
        auto link = c.createInvite(conversationId.toStdString());
        if (link)
            o.createdLink = q(client::webInviteLink(*link));
        else
            o.createError = refusalText(link.error());
        list(c, o);
        return o;
    });
}

namespace {

// Printable text: no control characters, no formatting ones (bidirectional overrides and
// isolates, zero-width joiners: a title must read as it is), no unpaired surrogates.
bool printable(const QString& text) {
    if (!text.isValidUtf16()) return false;
    for (const char32_t cp : text.toUcs4()) {
        const auto category = QChar::category(cp);
        if (category == QChar::Other_Control || category == QChar::Other_Format ||
            category == QChar::Other_Surrogate || category == QChar::Other_NotAssigned)
            return false;
    }
    return true;
}

QStringList colleagueIds(const QString& colleagues) {
    static const QRegularExpression separators(QStringLiteral("[,;\\s]+"));
    return colleagues.split(separators, Qt::SkipEmptyParts);
}

} // namespace

QString InvitesController::checkNewConversation(bool isMatter, const QString& title,
                                                const QString& matterNumber,
                                                const QString& clientName,
                                                const QString& colleagues) const {
    const QString t = title.trimmed();
    const QStringList ids = colleagueIds(colleagues);
    if (isMatter && t.isEmpty()) return tr("Give the matter a title.");
    if (t.toUtf8().size() > 200) return tr("The title is too long (at most 200 bytes).");
    if (!printable(t)) return tr("The title holds characters that cannot be shown.");
    if (matterNumber.trimmed().size() > 40)
        return tr("The matter number is too long (at most 40 characters).");
    if (!printable(matterNumber))
        return tr("The matter number holds characters that cannot be shown.");
    if (clientName.trimmed().size() > 100)
        return tr("The client's name is too long (at most 100 characters).");
    if (!printable(clientName))
        return tr("The client's name holds characters that cannot be shown.");
    static const QRegularExpression userId(QStringLiteral("^[a-z0-9._@-]{1,128}$"));
    for (const auto& id : ids)
        if (!userId.match(id).hasMatch())
            return tr("\"%1\" is not a user id (a-z, 0-9 and . _ - @).").arg(id.left(40));
    if (ids.size() > 100) return tr("At most 100 colleagues.");
    if (!isMatter) {
        if (ids.size() != 1) return tr("A direct conversation is with exactly one colleague.");
        if (!matterNumber.trimmed().isEmpty() || !clientName.trimmed().isEmpty())
            return tr("Only a matter has a matter number and a client.");
    }
    return {};
}

void InvitesController::startConversation(bool isMatter, const QString& title,
                                          const QString& matterNumber, const QString& clientName,
                                          const QString& colleagues) {
    const QString refused =
        checkNewConversation(isMatter, title, matterNumber, clientName, colleagues);
    if (!refused.isEmpty()) {
        setError(refused);
        emit conversationStarted({}, {});
        return;
    }
    const QStringList ids = colleagueIds(colleagues);
    std::vector<std::string> members;
    for (const auto& id : ids)
        members.push_back(id.toStdString());
    // A direct conversation without a title is named after the colleague.
    const std::string name =
        (title.trimmed().isEmpty() ? ids.value(0) : title.trimmed()).toStdString();
    submit([isMatter, name, members, number = matterNumber.trimmed().toStdString(),
            client = clientName.trimmed().toStdString()](client::Client& c) {
        Outcome o;
        o.startAsked = true;
        auto id = c.createConversation(name, isMatter, members, number, client);
        if (!id) {
            o.startError = refusalText(id.error());
            return o;
        }
        o.startedId = q(*id);
        if (isMatter) {
            // The client's invite at once: the next thing a lawyer does with a new matter.
            o.createAsked = true;
            auto link = c.createInvite(*id);
            if (link)
                o.createdLink = q(client::webInviteLink(*link));
            else
                o.createError = refusalText(link.error());
            list(c, o);
        }
        return o;
    });
}

void InvitesController::revoke(const QString& id) {
    submit([id](client::Client& c) {
        Outcome o;
        o.revoked = id;
        auto r = c.revokeInvite(id.toStdString());
        o.revokeOk = r.has_value();
        if (!r) o.revokeError = q(r.error().message);
        list(c, o);
        return o;
    });
}

void InvitesController::apply(Outcome&& o) {
    const bool listed = o.invites.has_value();
    if (listed) {
        m_invites.reset(std::move(*o.invites));
        markUpdated();
    }
    if (o.startAsked) {
        if (o.startedId.isEmpty())
            setError(tr("Could not start the conversation: %1").arg(o.startError));
        else if (o.createAsked && o.createdLink.isEmpty())
            setError(tr("The matter was started, but its invite could not be made: %1")
                         .arg(o.createError));
        else
            clearError();
        if (m_app) m_app->chat()->refreshConversations();
        emit conversationStarted(o.startedId, o.createdLink);
        if (listed) emit refreshed(true);
        return;
    }
    if (!o.revokeOk)
        setError(tr("Could not revoke the invite: %1").arg(o.revokeError));
    else if (o.createAsked && o.createdLink.isEmpty())
        setError(tr("Could not make the invite: %1").arg(o.createError));
    else if (!listed)
        setError(tr("Could not list your invites: %1").arg(o.listError));
    else
        clearError();
    if (!o.revoked.isEmpty()) emit revokeFinished(o.revoked, o.revokeOk);
    if (o.createAsked) emit created(o.createdLink);
    emit refreshed(listed);
}

void InvitesController::clearView() {
    m_invites.reset({});
}

} // namespace verbatim::qt

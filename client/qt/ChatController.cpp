#include "client/qt/ChatController.h"
#include "client/qt/StdText.h"

#include <QGuiApplication>
#include <memory>

#include "client/core/Link.h"
#include "client/qt/AppController.h"
#include "client/qt/TextRuns.h"

namespace verbatim::qt {

ChatController::ChatController(AppController& app) : QObject(&app), m_app(app) {
    // Coming back to the window reads what arrived in the open conversation meanwhile.
    if (qGuiApp)
        connect(qGuiApp, &QGuiApplication::applicationStateChanged, this, [this] { markSeen(); });
}

void ChatController::markSeen() {
    client::Client* core = m_app.client();
    if (!core || currentConversation().isEmpty() ||
        QGuiApplication::applicationState() != Qt::ApplicationActive)
        return;
    auto* c = m_conversations.find(currentConversation());
    if (!c || c->unread == 0) return;
    (void)core->markRead(currentConversation().toStdString());
    refreshConversations();
}

QString ChatController::currentTitle() const {
    auto* c = m_conversations.find(currentConversation());
    return c ? TextRuns::safeName(q(c->title)) : QString();
}

bool ChatController::currentIsMatter() const {
    auto* c = m_conversations.find(currentConversation());
    return c && c->isMatter;
}

QString ChatController::currentMatterNumber() const {
    auto* c = m_conversations.find(currentConversation());
    return c ? TextRuns::safeName(q(c->matterNumber)) : QString();
}

void ChatController::refreshConversations() {
    client::Client* core = m_app.client();
    if (!core) return;
    auto list = core->conversations();
    if (list) {
        for (auto& c : *list) {
            const QString id = q(c.id);
            if (m_draftsRead.contains(id)) continue;
            m_draftsRead.insert(id);
            m_conversations.setDraft(id, q(core->draft(c.id)));
        }
        m_conversations.reset(std::move(*list));
    }
    m_participants.reset(m_conversations.find(currentConversation()));
    updateNames();
    int unread = 0;
    for (int i = 0; i < m_conversations.rowCount(); ++i)
        unread += m_conversations.data(m_conversations.index(i), ConversationListModel::UnreadRole)
                      .toInt();
    if (unread != m_totalUnread) {
        m_totalUnread = unread;
        emit unreadChanged();
    }
    emit currentChanged();
}

void ChatController::onEvent(const client::Event& e) {
    using K = client::Event::Kind;
    if (e.kind == K::SafetyNumberChanged) {
        m_safetyChangedUser = q(e.sender);
        emit bannersChanged();
    } else if (e.kind == K::JournalMismatch && q(e.conversation) == currentConversation()) {
        m_journalMismatch = true;
        emit bannersChanged();
    }
    refreshConversations();
    // The firm's device retention removed old messages (issue 22): the open chat is read again,
    // since a refresh only adds and updates rows.
    if (e.kind == K::MessagesExpired && q(e.conversation) == currentConversation())
        if (client::Client* core = m_app.client()) m_messages.open(core, currentConversation());
    if (!e.conversation.empty() && q(e.conversation) == currentConversation()) {
        m_messages.refresh();
        if (!e.refId.empty()) m_messages.refreshOne(q(e.refId));
    }
    // The info sheet shows receipt times: read them again while it is open.
    if ((e.kind == K::Receipt || e.kind == K::Sent) && !m_messageInfo.messageId().isEmpty()) {
        if (client::Client* core = m_app.client())
            if (auto info = core->messageInfo(m_messageInfo.messageId().toStdString()))
                m_messageInfo.reset(m_messageInfo.messageId(), std::move(*info),
                                    q(core->account().user));
    }
    if (e.kind == K::Message) {
        // A message in the conversation the user is looking at is read (and its receipt sent).
        if (q(e.conversation) == currentConversation()) markSeen();
        m_notifier.onMessage(q(e.conversation), q(e.messageId));
        emit messageArrived(q(e.conversation), q(e.messageId));
    }
}

void ChatController::detach() {
    m_messages.open(nullptr, {}); // it pages through the core
}

void ChatController::reset() {
    m_conversations.reset({});
    m_conversations.setDrafts({});
    m_draftsRead.clear();
    m_search.reset({});
    m_participants.reset(nullptr);
    m_messageInfo.clear();
    emit currentChanged();
}

void ChatController::openConversation(const QString& id) {
    client::Client* core = m_app.client();
    if (!core) return;
    m_journalMismatch = false;
    m_participants.reset(m_conversations.find(id));
    m_messages.open(core, id);
    updateNames();
    (void)core->markRead(id.toStdString());
    emit currentChanged();
    emit bannersChanged();
    refreshConversations();
}

void ChatController::closeConversation() {
    m_messages.open(nullptr, {});
    m_participants.reset(nullptr);
    emit currentChanged();
}

bool ChatController::send(const QString& text) {
    client::Client* core = m_app.client();
    if (!core || currentConversation().isEmpty() || text.trimmed().isEmpty()) return false;
    if (!m_app.check(core->sendText(currentConversation().toStdString(), text.toStdString())))
        return false;
    m_messages.refresh();
    (void)saveDraft(currentConversation(), {});
    refreshConversations();
    return true;
}

QString ChatController::draft(const QString& id) {
    client::Client* core = m_app.client();
    return core ? q(core->draft(id.toStdString())) : QString();
}

bool ChatController::saveDraft(const QString& id, const QString& text) {
    client::Client* core = m_app.client();
    if (!core || id.isEmpty()) return false;
    // Whitespace alone is no draft.
    const QString kept = text.trimmed().isEmpty() ? QString() : text;
    if (!m_app.check(core->setDraft(id.toStdString(), kept.toStdString()))) return false;
    m_draftsRead.insert(id);
    m_conversations.setDraft(id, kept);
    return true;
}

QString ChatController::displayName(const QString& user) const {
    if (user.isEmpty()) return {};
    const std::string u = user.toStdString();
    auto named = [&](const client::ConversationView* c) -> QString {
        if (!c) return {};
        for (std::size_t i = 0; i < c->members.size() && i < c->memberNames.size(); ++i)
            if (c->members[i] == u && !c->memberNames[i].empty())
                return TextRuns::safeName(q(c->memberNames[i]));
        return {};
    };
    if (QString n = named(m_conversations.find(currentConversation())); !n.isEmpty()) return n;
    for (int i = 0; i < m_conversations.rowCount(); ++i) {
        const QString id =
            m_conversations.data(m_conversations.index(i), ConversationListModel::IdRole)
                .toString();
        if (QString n = named(m_conversations.find(id)); !n.isEmpty()) return n;
    }
    return user;
}

void ChatController::updateNames() {
    QHash<QString, QString> names;
    if (auto* c = m_conversations.find(currentConversation()))
        for (std::size_t i = 0; i < c->members.size() && i < c->memberNames.size(); ++i)
            if (!c->memberNames[i].empty()) names.insert(q(c->members[i]), q(c->memberNames[i]));
    m_messages.setNames(std::move(names));
}

bool ChatController::reply(const QString& messageId, const QString& text) {
    const QString quote = replyQuote(messageId);
    if (quote.isEmpty()) return send(text);
    if (text.trimmed().isEmpty()) return false;
    return send(QStringLiteral("> ") + quote + QLatin1Char('\n') + text);
}

QString ChatController::replyQuote(const QString& messageId) {
    client::Client* core = m_app.client();
    if (!core || messageId.isEmpty()) return {};
    auto m = core->message(messageId.toStdString());
    if (!m || !*m || (*m)->retracted) return {};
    QString body = q((*m)->body).trimmed();
    if (body.isEmpty() && !(*m)->attachments.empty()) body = q((*m)->attachments.front().fileName);
    QString line = body.section(QLatin1Char('\n'), 0, 0).trimmed();
    // A quote of a quote would grow with every reply: quote what was said, not what it quoted.
    if (line.startsWith(QLatin1String("> ")) && body.contains(QLatin1Char('\n')))
        line = body.section(QLatin1Char('\n'), 1, 1).trimmed();
    constexpr int kMaxQuote = 80;
    if (line.size() > kMaxQuote) line = line.left(kMaxQuote - 1).trimmed() + QChar(0x2026);
    return line;
}

QVariantMap ChatController::lastEditableMessage() const {
    const client::MessageView* m = m_messages.lastEditable();
    if (!m) return {};
    return {{QStringLiteral("messageId"), q(m->id)}, {QStringLiteral("body"), q(m->body)}};
}

bool ChatController::changedOne(const Result<std::string>& change, const QString& messageId) {
    if (!m_app.check(change)) return false;
    m_messages.refreshOne(messageId);
    return true;
}

bool ChatController::edit(const QString& messageId, const QString& text) {
    client::Client* core = m_app.client();
    return core && changedOne(core->edit(messageId.toStdString(), text.toStdString()), messageId);
}

bool ChatController::retract(const QString& messageId) {
    client::Client* core = m_app.client();
    return core && changedOne(core->retract(messageId.toStdString()), messageId);
}

bool ChatController::react(const QString& messageId, const QString& emoji) {
    client::Client* core = m_app.client();
    return core && changedOne(core->react(messageId.toStdString(), emoji.toStdString()), messageId);
}

QString ChatController::myReaction(const QString& messageId) const {
    client::Client* core = m_app.client();
    if (!core) return {};
    auto m = core->message(messageId.toStdString());
    if (!m || !*m) return {};
    const std::string self = core->account().user;
    for (const auto& [user, emoji] : (*m)->reactions)
        if (user == self) return q(emoji);
    return {};
}

bool ChatController::showMessageInfo(const QString& messageId) {
    client::Client* core = m_app.client();
    if (!core) return false;
    auto info = core->messageInfo(messageId.toStdString());
    if (!m_app.check(info)) return false;
    const std::string conversation = info->message.conversation;
    m_messageInfo.reset(messageId, std::move(*info), q(core->account().user));
    // The devices' names come with the relay's list of the conversation's devices: asked for now
    // (off this thread), the rows are read again when it answers. Offline, the rows keep "Device
    // N": the sheet's times need no relay, so a failure here is not reported.
    const std::uint64_t generation = m_app.generation();
    m_app.background([this, generation, messageId, conversation](client::Client& core) {
        const bool listed = bool(core.refreshMemberDevices(conversation));
        m_app.toGui(generation, [this, listed, messageId] {
            client::Client* c = m_app.client();
            if (!listed || !c || m_messageInfo.messageId() != messageId) return;
            if (auto again = c->messageInfo(messageId.toStdString()))
                m_messageInfo.reset(messageId, std::move(*again), q(c->account().user));
        });
    });
    return true;
}

void ChatController::hideMessageInfo() {
    m_messageInfo.clear();
}

void ChatController::createInvite() {
    if (!m_app.client()) return;
    auto* c = m_conversations.find(currentConversation());
    if (!c) return;
    const std::uint64_t generation = m_app.generation();
    // By id: two matters may share a title.
    m_app.background([this, generation, id = c->id](client::Client& core) {
        auto link = std::make_shared<Result<std::string>>(core.createInvite(id));
        m_app.toGui(generation, [this, link] {
            // The web form (issue 23): mail clients make an https link clickable, and the
            // relay's page at it opens the app; the token stays in the fragment.
            emit inviteCreated(m_app.check(*link) ? q(client::webInviteLink(**link)) : QString());
        });
    });
}

QString ChatController::safetyNumber(const QString& user) {
    client::Client* core = m_app.client();
    if (!core) return {};
    auto n = core->knownSafetyNumber(user.toStdString());
    if (n) return q(n->digits);
    if (n.error().code != ErrorCode::NotFound || !m_app.session()->connected()) {
        m_app.check(n);
        return {};
    }
    // Never talked to them: their keys come from the relay, off this thread.
    const std::uint64_t generation = m_app.generation();
    m_app.background([this, generation, user](client::Client& core) {
        auto fetched = std::make_shared<Result<client::Client::SafetyNumber>>(
            core.safetyNumber(user.toStdString()));
        m_app.toGui(generation, [this, fetched, user] {
            if (m_app.check(*fetched)) emit safetyNumberUpdated(user);
        });
    });
    return {};
}

bool ChatController::safetyNumberChanged(const QString& user) {
    client::Client* core = m_app.client();
    if (!core) return false;
    auto n = core->knownSafetyNumber(user.toStdString());
    return n && n->changed;
}

bool ChatController::acceptSafetyNumber(const QString& user) {
    client::Client* core = m_app.client();
    if (!core) return false;
    // Only a number this device has shown: accepting never waits on the relay.
    if (!m_app.check(core->knownSafetyNumber(user.toStdString()))) return false;
    if (!m_app.check(core->acceptSafetyNumber(user.toStdString()))) return false;
    if (m_safetyChangedUser == user) m_safetyChangedUser.clear();
    emit bannersChanged();
    m_messages.refresh();
    return true;
}

void ChatController::search(const QString& query) {
    client::Client* core = m_app.client();
    if (!core) return;
    auto r = core->search(query.toStdString());
    m_search.reset(r ? std::move(*r) : std::vector<client::MessageView>{});
}

void ChatController::copyText(const QString& text) {
    m_app.copyToClipboard(text);
}

void ChatController::copyMessageText(const QString& text) {
    if (!m_app.attachments()->mayCopy()) {
        m_app.check(false, m_app.attachments()->copyRefusal());
        return;
    }
    m_app.copyToClipboard(text);
}

} // namespace verbatim::qt

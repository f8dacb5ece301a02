#include "AppHarness.h"

#include <QAbstractItemModel>
#include <QDir>
#include <QFile>
#include <QQuickWindow>
#include <QTcpSocket>
#include <set>

#include "client/qt/AppController.h"
#include "client/qt/Models.h"
#include "client/qt/QmlModules.h"
#include "crypto/PassphraseBox.h"
#include "crypto/X25519.h"

namespace verbatim::apptest {

int rowOf(QAbstractItemModel* m, int role, const QVariant& value) {
    for (int i = 0; i < m->rowCount(); ++i)
        if (m->data(m->index(i, 0), role) == value) return i;
    return -1;
}

QVariant cell(QAbstractItemModel* m, int row, int role) {
    return m->data(m->index(row, 0), role);
}

QString screenshotDir() {
    const QString out =
        qEnvironmentVariable("VERBATIM_SCREENSHOT_DIR", QDir::currentPath() + "/screenshots");
    QDir().mkpath(out);
    return out;
}

int colours(const QImage& img) {
    std::set<QRgb> seen;
    for (int y = 0; y < img.height(); y += 7)
        for (int x = 0; x < img.width(); x += 7)
            seen.insert(img.pixel(x, y));
    return int(seen.size());
}

QList<QQuickItem*> itemsNamed(QQuickItem* from, const QString& name) {
    QList<QQuickItem*> out;
    if (!from) return out;
    if (from->objectName() == name) out << from;
    for (auto* child : from->childItems())
        out << itemsNamed(child, name);
    return out;
}

QStringList visibleTexts(const QList<QQuickItem*>& items) {
    QStringList out;
    for (auto* item : items)
        if (item->isVisible()) out << item->property("text").toString();
    return out;
}

bool joinStaff(e2e::Harness& h, qt::AppController& app, const std::string& user, proto::Role role,
               const QString& name, const QString& passphrase) {
    if (!app.session()->join(QString::fromStdString(h.enrollLink(user, role)), name, passphrase)) {
        qWarning("%s could not join: %s", user.c_str(), qPrintable(app.error()));
        return false;
    }
    return until([&] { return app.session()->connected(); });
}

bool openMatter(e2e::Harness& h, qt::AppController& lawyer, qt::AppController& client,
                const std::string& matter, const QString& passphrase) {
    if (!joinStaff(h, lawyer, "alice", proto::ROLE_LAWYER, "Alice Adams", passphrase)) return false;
    auto invite = lawyer.client()->createInvite(matter);
    if (!invite ||
        !client.session()->join(QString::fromStdString(*invite), "Carol Client", passphrase) ||
        !client.session()->acceptNotice())
        return false;
    if (!until([&] {
            return client.session()->connected() && client.chat()->conversations()->rowCount() == 1;
        }))
        return false;
    const QString conv =
        cell(client.chat()->conversations(), 0, qt::ConversationListModel::IdRole).toString();
    client.chat()->openConversation(conv);
    if (!until([&] {
            return rowOf(lawyer.chat()->conversations(), qt::ConversationListModel::IdRole, conv) >=
                   0;
        }))
        return false;
    lawyer.chat()->openConversation(conv);
    return lawyer.chat()->currentConversation() == conv &&
           client.chat()->currentConversation() == conv;
}

QString writeKeyFile(const QString& dir, const crypto::X25519Key& key) {
    auto priv = key.privateKey();
    if (!priv) return {};
    auto box = crypto::passphraseSeal(*priv, view(std::string_view(kJournalPass)));
    if (!box) return {};
    const QString path = dir + "/journal.key";
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) return {};
    f.write(reinterpret_cast<const char*>(box->data()), qint64(box->size()));
    return path;
}

bool Beacon::listen() {
    QObject::connect(&server, &QTcpServer::newConnection, [this] {
        while (auto* s = server.nextPendingConnection()) {
            ++connections;
            QObject::connect(s, &QTcpSocket::readyRead, s, [this, s] {
                requests << QString::fromLatin1(s->readLine(200)).trimmed();
                s->write("HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n");
                s->disconnectFromHost();
            });
        }
    });
    return server.listen(QHostAddress::LocalHost, 0);
}

QString Beacon::url(const QString& what) const {
    return QStringLiteral("http://127.0.0.1:%1/%2").arg(server.serverPort()).arg(what);
}

bool Ui::load(qt::AppController& app, int w, int h, bool dark) {
    qt::WindowOptions o;
    o.darkTheme = dark;
    o.initialWidth = w;
    o.initialHeight = h;
    o.windowTitle = QStringLiteral("Verbatim test");
    if (!qt::loadMainWindow(engine, app, o)) return false;
    window = qobject_cast<QQuickWindow*>(engine.rootObjects().first());
    return window != nullptr;
}

QObject* Ui::find(const char* name) {
    return window ? window->findChild<QObject*>(name) : nullptr;
}

QObject* Ui::deep(const char* name) {
    if (auto* o = find(name)) return o;
    auto items = findItems(name);
    return items.isEmpty() ? nullptr : items.first();
}

QQuickItem* Ui::visibleWith(const char* name, const char* key, const QString& value) {
    for (auto* item : findItems(name))
        if (item->isVisible() && item->property(key).toString() == value) return item;
    return nullptr;
}

bool Ui::shoot(const QString& name) {
    QTest::qWait(400);
    QImage img = window->grabWindow();
    if (img.isNull() || colours(img) <= 12) return false;
    return img.save(screenshotDir() + "/" + name + ".png");
}

QList<QQuickItem*> Ui::findItems(const char* name, QQuickItem* from) {
    if (!from) from = window ? window->contentItem() : nullptr;
    return itemsNamed(from, QLatin1String(name));
}

QStringList Ui::visibleTexts(const char* name) {
    return apptest::visibleTexts(findItems(name));
}

QString Ui::input() {
    auto* o = find("messageInput");
    return o ? o->property("text").toString() : QString();
}

bool Ui::click(const char* name) {
    auto* o = find(name);
    return o && QMetaObject::invokeMethod(o, "clicked");
}

bool Ui::type(const char* name, const QString& text) {
    auto* o = deep(name);
    return o && o->setProperty("text", text);
}

} // namespace verbatim::apptest

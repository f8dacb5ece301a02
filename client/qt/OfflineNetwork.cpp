#include "client/qt/OfflineNetwork.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>

namespace verbatim::qt {

namespace {

/// A reply that fails with "access denied" without having touched the network; it reports
/// asynchronously, as a real reply does (callers connect after createRequest() returns).
class RefusedReply : public QNetworkReply {
public:
    RefusedReply(QNetworkAccessManager::Operation op, const QNetworkRequest& request,
                 QObject* parent)
        : QNetworkReply(parent) {
        setRequest(request);
        setUrl(request.url());
        setOperation(op);
        setError(ContentAccessDenied, QStringLiteral("the app does not fetch remote content"));
        QNetworkReply::open(ReadOnly | Unbuffered);
        QTimer::singleShot(0, this, [this] {
            setFinished(true);
            emit errorOccurred(ContentAccessDenied);
            emit finished();
        });
    }
    void abort() override {}
    qint64 bytesAvailable() const override { return 0; }

protected:
    qint64 readData(char*, qint64) override { return -1; }
};

class OfflineAccessManager : public QNetworkAccessManager {
public:
    using QNetworkAccessManager::QNetworkAccessManager;

protected:
    QNetworkReply* createRequest(Operation op, const QNetworkRequest& request,
                                 QIODevice*) override {
        return new RefusedReply(op, request, this);
    }
};

} // namespace

QNetworkAccessManager* OfflineNetwork::create(QObject* parent) {
    return new OfflineAccessManager(parent);
}

} // namespace verbatim::qt

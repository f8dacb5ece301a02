/// @file Conn.cpp
/// One device's TLS WebSocket: connect, authenticate, read every frame, one
/// write in flight.
#include "Bench.h"

namespace verbatim::relayload {

void Conn::start(const tcp::endpoint& ep, const std::string& who, const std::string& auth) {
    auto self = shared_from_this();
    beast::get_lowest_layer(m_ws).expires_after(std::chrono::seconds(30));
    m_ws.set_option(websocket::stream_base::decorator([who, auth](websocket::request_type& req) {
        req.set(http::field::authorization, auth);
        req.set("X-Verbatim-Device", who);
        req.set("X-Verbatim-Frames", "batch"); // as the app does
        req.set(http::field::user_agent, "verbatim-relay-load");
    }));
    beast::get_lowest_layer(m_ws).async_connect(ep, [self](beast::error_code ec) {
        if (ec) return self->fail("connect", ec);
        beast::error_code ignored; // as the real client does: no Nagle delay on small frames
        beast::get_lowest_layer(self->m_ws).socket().set_option(tcp::no_delay(true), ignored);
        self->m_ws.next_layer().async_handshake(
            ssl::stream_base::client, [self](beast::error_code ec) {
                if (ec) return self->fail("tls", ec);
                self->m_ws.async_handshake(
                    self->m_response, "127.0.0.1", "/v1/ws", [self](beast::error_code ec) {
                        if (ec) return self->fail("upgrade", ec);
                        beast::get_lowest_layer(self->m_ws).expires_never();
                        self->m_ws.set_option(
                            websocket::stream_base::timeout::suggested(beast::role_type::client));
                        self->m_ws.binary(true);
                        self->m_ws.read_message_max(8 * 1024 * 1024);
                        self->m_open = true;
                        self->m_bench.onOpened(self->m_device, true, {});
                        self->readNext();
                        if (!self->m_outbox.empty()) self->writeNext();
                    });
            });
    });
}

void Conn::fail(const char* what, beast::error_code ec) {
    if (m_finished) return;
    m_finished = true;
    bool wasOpen = m_open;
    m_open = false;
    std::string why = std::string(what) + ": " + ec.message();
    if (m_response.result_int()) why += " (HTTP " + std::to_string(m_response.result_int()) + ")";
    if (!wasOpen && !m_closing) return m_bench.onOpened(m_device, false, why);
    m_bench.onClosed(m_device, m_closing, why);
}

void Conn::readNext() {
    m_ws.async_read(m_buffer, beast::bind_front_handler(&Conn::onRead, shared_from_this()));
}

void Conn::onRead(beast::error_code ec, std::size_t) {
    if (ec) return fail("read", ec);
    auto data = m_buffer.cdata();
    m_bench.onFrame(m_device, static_cast<const char*>(data.data()), data.size());
    m_buffer.consume(m_buffer.size());
    readNext();
}

void Conn::send(std::shared_ptr<const std::string> bytes) {
    if (m_finished || m_closing) return;
    m_outbox.push_back(std::move(bytes));
    if (m_outbox.size() == 1 && m_open) writeNext();
}

void Conn::writeNext() {
    m_ws.async_write(net::buffer(*m_outbox.front()),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                         if (ec) return self->fail("write", ec);
                         self->m_outbox.pop_front();
                         if (!self->m_outbox.empty())
                             self->writeNext();
                         else if (self->m_closing)
                             self->startClose();
                     });
}

void Conn::close() {
    if (!m_open || m_closing) return;
    m_closing = true;
    // Beast allows a close beside a read but not beside a write: wait for the
    // queue to empty.
    if (m_outbox.empty()) startClose();
}

void Conn::startClose() {
    m_ws.async_close(websocket::close_code::normal,
                     [self = shared_from_this()](beast::error_code ec) {
                         // Otherwise the pending read completes with
                         // websocket::error::closed and reports it.
                         if (ec) self->fail("close", ec);
                     });
}

} // namespace verbatim::relayload

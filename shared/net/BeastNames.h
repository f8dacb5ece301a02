#pragma once
/// @file BeastNames.h
/// The short names every Beast-using .cpp file in Verbatim uses. Include after the Boost
/// headers the file needs; never from a public header (Beast stays out of them).

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace verbatim::beastnames {
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
} // namespace verbatim::beastnames

// The webhook client's answer parser and request writer: every framing an HTTP/1.x receiver
// may use, fed whole and one byte at a time, and the answers it must refuse, by name.
#include "http/wire_response.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include "http/url.h"
#include "http/wire_client.h"

namespace epmock::internal {
namespace {

struct Parsed {
  HttpResponseParser::Result result = HttpResponseParser::Result::kNeedMore;
  WireResponse response;
  std::string error;
};

// Feeds `bytes` in pieces of `step` (0: whole), then a close when `closed`.
Parsed Parse(const std::string& bytes, std::size_t step, bool closed, WireResponseLimits limits = {}) {
  HttpResponseParser parser(limits);
  Parsed out;
  const std::size_t piece = step == 0 ? std::max<std::size_t>(bytes.size(), 1) : step;
  for (std::size_t at = 0; at < bytes.size() && out.result == HttpResponseParser::Result::kNeedMore;
       at += piece) {
    out.result = parser.Append(bytes.data() + at, std::min(piece, bytes.size() - at), &out.error);
  }
  if (closed && out.result == HttpResponseParser::Result::kNeedMore) out.result = parser.Close(&out.error);
  out.response = parser.response();
  return out;
}

struct GoodCase {
  const char* name;
  std::string bytes;
  bool closed;  // the receiver closes after these bytes
  int status;
  std::string body;
  bool keep_alive;
};

class GoodAnswerTest : public ::testing::TestWithParam<GoodCase> {};

TEST_P(GoodAnswerTest, ParsesWholeAndByteByByte) {
  const GoodCase& c = GetParam();
  for (std::size_t step : {std::size_t{0}, std::size_t{1}, std::size_t{7}}) {
    Parsed p = Parse(c.bytes, step, c.closed);
    ASSERT_EQ(p.result, HttpResponseParser::Result::kDone) << c.name << " step " << step << ": " << p.error;
    EXPECT_EQ(p.response.status, c.status) << c.name;
    EXPECT_EQ(p.response.body, c.body) << c.name;
    EXPECT_EQ(p.response.keep_alive, c.keep_alive) << c.name << " step " << step;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Framings, GoodAnswerTest,
    ::testing::Values(
        GoodCase{"length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, 200, "hello", true},
        GoodCase{"no reason", "HTTP/1.1 204\r\n\r\n", false, 204, "", true},
        GoodCase{"bare LF lines", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", false, 200, "ok", true},
        GoodCase{"chunked with extension and trailer",
                 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n6\r\n "
                 "world\r\n0\r\nT: 1\r\n\r\n",
                 false, 200, "hello world", true},
        GoodCase{
            "chunked beats length",
            "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
            false, 200, "ok", false},
        GoodCase{"until close", "HTTP/1.1 500 Oops\r\n\r\nbroken", true, 500, "broken", false},
        GoodCase{"connection close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
                 false, 200, "", false},
        GoodCase{"http/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false, 200, "", false},
        GoodCase{"http/1.0 keep-alive",
                 "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", false, 200, "",
                 true},
        GoodCase{"interim answers",
                 "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n"
                 "HTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\n!",
                 false, 201, "!", true},
        GoodCase{"same length twice", "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok", false, 200, "ok",
                 true},
        GoodCase{"304 has no body", "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n", false, 304, "",
                 true}),
    [](const ::testing::TestParamInfo<GoodCase>& info) {
      std::string name = info.param.name;
      for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name;
    });

struct BadCase {
  const char* name;
  std::string bytes;
  bool closed;
  const char* error;
};

class BadAnswerTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadAnswerTest, IsRefusedByName) {
  const BadCase& c = GetParam();
  for (std::size_t step : {std::size_t{0}, std::size_t{1}}) {
    Parsed p = Parse(c.bytes, step, c.closed);
    EXPECT_EQ(p.result, HttpResponseParser::Result::kError) << c.name << " step " << step;
    EXPECT_NE(p.error.find(c.error), std::string::npos) << c.name << ": " << p.error;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Hostile, BadAnswerTest,
    ::testing::Values(
        BadCase{"not http", "SSH-2.0-OpenSSH\r\n\r\n", false, "does not start with an HTTP/1.x status line"},
        BadCase{"http/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", false, "status line"},
        BadCase{"status of two digits", "HTTP/1.1 20 OK\r\n\r\n", false, "status line"},
        BadCase{"status 099", "HTTP/1.1 099 X\r\n\r\n", false, "status line"},
        BadCase{"header without colon", "HTTP/1.1 200 OK\r\nnocolon\r\n\r\n", false, "malformed header line"},
        BadCase{"folded header", "HTTP/1.1 200 OK\r\nA: b\r\n  c\r\n\r\n", false, "malformed header line"},
        BadCase{"space before colon", "HTTP/1.1 200 OK\r\nA : b\r\n\r\n", false, "malformed header line"},
        BadCase{"two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx", false,
                "two different Content-Lengths"},
        BadCase{"negative length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false, "is not a number"},
        BadCase{"length overflows", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                false, "is not a number"},
        BadCase{"chunk not hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", false,
                "not hexadecimal"},
        BadCase{"chunk size overflows",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", false,
                "not hexadecimal"},
        BadCase{"chunk without CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX\r\n",
                false, "does not end with CR LF"},
        BadCase{"chunk line too long",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1" + std::string(2000, ' '), false,
                "chunk-size line of the answer is too long"},
        BadCase{"head too long", "HTTP/1.1 200 OK\r\nA: " + std::string(70 * 1024, 'a'), false,
                "longer than 64 KiB"},
        BadCase{"too many headers",
                [] {
                  std::string bytes = "HTTP/1.1 200 OK\r\n";
                  for (int i = 0; i < 101; ++i) bytes += "H" + std::to_string(i) + ": v\r\n";
                  return bytes + "\r\n";
                }(),
                false, "more than 100 headers"},
        BadCase{"switching protocols", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
                false, "switches protocols"},
        BadCase{"closed in the head", "HTTP/1.1 200 OK\r\nContent-", true,
                "in the middle of the answer's head"},
        BadCase{"closed in the body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", true,
                "in the middle of the answer's body"},
        BadCase{"closed in a chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", true,
                "in the middle of the answer's body"}),
    [](const ::testing::TestParamInfo<BadCase>& info) {
      std::string name = info.param.name;
      for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
      return name;
    });

TEST(WireResponseTest, TheKeptBodyIsBoundedAndTheRestCounted) {
  WireResponseLimits limits;
  limits.max_kept_body_bytes = 4;
  Parsed p = Parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", 3, false, limits);
  ASSERT_EQ(p.result, HttpResponseParser::Result::kDone) << p.error;
  EXPECT_EQ(p.response.body, "0123");
  EXPECT_EQ(p.response.body_bytes, 10u);
  EXPECT_TRUE(p.response.keep_alive);
}

TEST(WireResponseTest, ABodyPastItsLimitEndsTheAnswerAndTheConnection) {
  WireResponseLimits limits;
  limits.max_kept_body_bytes = 4;
  limits.max_body_bytes = 8;
  Parsed p =
      Parse("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(20, 'z'), 0, false, limits);
  ASSERT_EQ(p.result, HttpResponseParser::Result::kDone) << p.error;
  EXPECT_EQ(p.response.body, "zzzz");
  EXPECT_FALSE(p.response.keep_alive);
}

TEST(WireResponseTest, BytesNoRequestAskedForEndTheConnection) {
  Parsed p = Parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA", 0, false);
  ASSERT_EQ(p.result, HttpResponseParser::Result::kDone) << p.error;
  EXPECT_EQ(p.response.body, "ok");
  EXPECT_FALSE(p.response.keep_alive);
}

TEST(WireResponseTest, HeaderNamesKeepTheirCaseAndAreFoundWithoutIt) {
  Parsed p = Parse("HTTP/1.1 200 OK\r\nX-Custom:  spaced value \t\r\nContent-Length: 0\r\n\r\n", 0, false);
  ASSERT_EQ(p.result, HttpResponseParser::Result::kDone);
  EXPECT_EQ(p.response.headers[0].first, "X-Custom");
  EXPECT_EQ(p.response.Header("x-custom"), "spaced value");
}

std::string Gzip(const std::string& text) {
  z_stream stream{};
  deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, text.size()) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

TEST(GunzipTest, DecodesAPrefixCutsABombAndRefusesWhatIsNotGzip) {
  std::string out, error;
  ASSERT_TRUE(GunzipPrefix(Gzip("hello, receiver"), 1024, &out, &error)) << error;
  EXPECT_EQ(out, "hello, receiver");
  // 64 MiB of zeros compress to about 64 KiB; only the asked-for prefix is ever produced.
  const std::string bomb = Gzip(std::string(64 * 1024 * 1024, '\0'));
  ASSERT_TRUE(GunzipPrefix(bomb, 1024, &out, &error)) << error;
  EXPECT_EQ(out, std::string(1024, '\0'));
  // A stream cut short decodes as far as it goes.
  const std::string text(5000, 'q');
  const std::string gz = Gzip(text);
  ASSERT_TRUE(GunzipPrefix(gz.substr(0, gz.size() - 8), 10000, &out, &error)) << error;
  EXPECT_EQ(out, text);
  EXPECT_FALSE(GunzipPrefix("plain text, not gzip", 1024, &out, &error));
  EXPECT_FALSE(error.empty());
}

TEST(WireClientTest, TheRequestIsWrittenAsGivenWithHostAndLengthAndNoLineBreaksInjected) {
  Url url = *ParseUrl("https://hooks.example.test/in box?q=1#fragment");
  WireRequest request;
  request.headers = {{"User-Agent", "moltin/integrations"}, {"x-evil", "a\r\nInjected: yes"}};
  request.body = "{}";
  EXPECT_EQ(WireClient::Serialize(url, request),
            "POST /in%20box?q=1 HTTP/1.1\r\n"
            "Host: hooks.example.test\r\n"
            "User-Agent: moltin/integrations\r\n"
            "x-evil: a  Injected: yes\r\n"
            "Content-Length: 2\r\n"
            "\r\n{}");
  EXPECT_EQ(WireClient::Serialize(*ParseUrl("http://[::1]:8080"), request).substr(0, 40),
            "POST / HTTP/1.1\r\nHost: [::1]:8080\r\nUser-");
}

}  // namespace
}  // namespace epmock::internal

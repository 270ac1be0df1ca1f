#include "http/wire_response.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "common/strings.h"

namespace epmock::internal {

namespace {

constexpr std::size_t kMaxChunkLineBytes = 1024;

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

std::string TrimWhitespace(const std::string& text) {
  std::size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  std::size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

// The header block's lines (without their CR LF), from the status line to the last header.
std::vector<std::string> HeadLines(const std::string& head) {
  std::vector<std::string> lines;
  std::size_t at = 0;
  while (at < head.size()) {
    std::size_t end = head.find('\n', at);
    if (end == std::string::npos) end = head.size();
    std::string line = head.substr(at, end - at);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    at = end + 1;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// The end of the head (just past its blank line) in `buffer`, or npos.
std::size_t HeadEnd(const std::string& buffer) {
  for (std::size_t at = buffer.find('\n'); at != std::string::npos; at = buffer.find('\n', at + 1)) {
    if (at + 1 < buffer.size() && buffer[at + 1] == '\n') return at + 2;
    if (at + 2 < buffer.size() && buffer[at + 1] == '\r' && buffer[at + 2] == '\n') return at + 3;
  }
  return std::string::npos;
}

// A decimal Content-Length, or false.
bool ParseLength(const std::string& text, std::uint64_t* value) {
  if (text.empty() || text.size() > 19) return false;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  *value = v;
  return true;
}

}  // namespace

std::string WireResponse::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return "";
}

HttpResponseParser::HttpResponseParser(WireResponseLimits limits, bool bodiless)
    : limits_(limits), bodiless_(bodiless) {}

void HttpResponseParser::Keep(const char* data, std::size_t size) {
  response_.body_bytes += size;
  const std::size_t room = limits_.max_kept_body_bytes > response_.body.size()
                               ? limits_.max_kept_body_bytes - response_.body.size()
                               : 0;
  response_.body.append(data, std::min(room, size));
}

HttpResponseParser::Result HttpResponseParser::ParseHead(std::string* error) {
  const std::size_t end = HeadEnd(buffer_);
  if (end == std::string::npos) {
    if (buffer_.size() > limits_.max_head_bytes) {
      *error = "the answer's head is longer than " + std::to_string(limits_.max_head_bytes / 1024) + " KiB";
      return Result::kError;
    }
    return Result::kNeedMore;
  }
  if (end > limits_.max_head_bytes) {  // the same bound as an unfinished head's, however it arrives
    *error = "the answer's head is longer than " + std::to_string(limits_.max_head_bytes / 1024) + " KiB";
    return Result::kError;
  }
  std::vector<std::string> lines = HeadLines(buffer_.substr(0, end));
  buffer_.erase(0, end);
  // "HTTP/1.1 200 OK": the version, three digits, an optional reason.
  const std::string& status_line = lines.empty() ? std::string() : lines[0];
  if (status_line.size() < 12 ||
      (status_line.compare(0, 9, "HTTP/1.1 ") != 0 && status_line.compare(0, 9, "HTTP/1.0 ") != 0) ||
      !std::isdigit(static_cast<unsigned char>(status_line[9])) ||
      !std::isdigit(static_cast<unsigned char>(status_line[10])) ||
      !std::isdigit(static_cast<unsigned char>(status_line[11])) ||
      (status_line.size() > 12 && status_line[12] != ' ') || status_line[9] == '0') {
    *error = "the answer does not start with an HTTP/1.x status line: \"" +
             status_line.substr(0, std::min<std::size_t>(status_line.size(), 80)) + "\"";
    return Result::kError;
  }
  WireResponse head;
  head.status = std::stoi(status_line.substr(9, 3));
  head.reason = status_line.size() > 13 ? status_line.substr(13) : "";
  const bool http11 = status_line[7] == '1';
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    const std::size_t colon = line.find(':');
    if (colon == 0 || colon == std::string::npos ||
        !std::all_of(line.begin(), line.begin() + static_cast<std::ptrdiff_t>(colon), IsTokenChar)) {
      *error = "the answer has a malformed header line: \"" +
               line.substr(0, std::min<std::size_t>(line.size(), 80)) + "\"";
      return Result::kError;
    }
    if (head.headers.size() == limits_.max_headers) {
      *error = "the answer has more than " + std::to_string(limits_.max_headers) + " headers";
      return Result::kError;
    }
    head.headers.emplace_back(line.substr(0, colon), TrimWhitespace(line.substr(colon + 1)));
  }
  const std::string connection = ToLower(head.Header("Connection"));
  head.keep_alive = http11 ? connection.find("close") == std::string::npos
                           : connection.find("keep-alive") != std::string::npos;
  if (head.status == 101) {
    *error = "the answer switches protocols (101), which a webhook receiver may not";
    return Result::kError;
  }
  if (head.status < 200) return Result::kNeedMore;  // an interim answer: the final one follows
  response_ = std::move(head);
  return ChooseFraming(error) ? Result::kDone : Result::kError;
}

bool HttpResponseParser::ChooseFraming(std::string* error) {
  if (bodiless_ || response_.status == 204 || response_.status == 304) {
    state_ = State::kDone;
    return true;
  }
  const std::string coding = ToLower(response_.Header("Transfer-Encoding"));
  if (!coding.empty()) {
    std::string last =
        coding.substr(coding.find_last_of(',') == std::string::npos ? 0 : coding.find_last_of(',') + 1);
    if (TrimWhitespace(last) == "chunked") {
      state_ = State::kChunkSize;
    } else {
      state_ = State::kUntilClose;
      response_.keep_alive = false;
    }
    // With Transfer-Encoding, a Content-Length is ignored, and the connection is not trusted
    // again (RFC 9112 6.3).
    if (!response_.Header("Content-Length").empty()) response_.keep_alive = false;
    return true;
  }
  bool have_length = false;
  std::uint64_t length = 0;
  for (const auto& [name, value] : response_.headers) {
    if (!EqualsIgnoreCase(name, "Content-Length")) continue;
    for (const std::string& part : Split(value, ',')) {
      std::uint64_t this_length = 0;
      if (!ParseLength(TrimWhitespace(part), &this_length)) {
        *error = "the answer's Content-Length is not a number: \"" + value.substr(0, 40) + "\"";
        return false;
      }
      if (have_length && this_length != length) {
        *error = "the answer has two different Content-Lengths";
        return false;
      }
      have_length = true;
      length = this_length;
    }
  }
  if (have_length) {
    remaining_ = length;
    state_ = length == 0 ? State::kDone : State::kLength;
  } else {
    state_ = State::kUntilClose;
    response_.keep_alive = false;
  }
  return true;
}

HttpResponseParser::Result HttpResponseParser::Append(const char* data, std::size_t size,
                                                      std::string* error) {
  if (size > 0) started_ = true;
  std::size_t at = 0;
  for (;;) {
    switch (state_) {
      case State::kDone:
        if (at < size) response_.keep_alive = false;  // bytes no request asked for
        return Result::kDone;
      case State::kHead: {
        buffer_.append(data + at, size - at);
        at = size;
        for (;;) {
          Result head = ParseHead(error);
          if (head == Result::kError) return head;
          if (head == Result::kDone) break;
          // kNeedMore: either the head is incomplete, or an interim answer was dropped and
          // the buffer may hold the next head already.
          if (HeadEnd(buffer_) == std::string::npos) {
            if (buffer_.size() > limits_.max_head_bytes) {
              *error = "the answer's head is longer than " + std::to_string(limits_.max_head_bytes / 1024) +
                       " KiB";
              return Result::kError;
            }
            return Result::kNeedMore;
          }
        }
        // The rest of the buffer is body (or trailing bytes): feed it through again.
        std::string rest;
        rest.swap(buffer_);
        Result body = Append(rest.data(), rest.size(), error);
        return body;
      }
      case State::kLength: {
        const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, size - at));
        Keep(data + at, take);
        at += take;
        remaining_ -= take;
        if (remaining_ == 0) {
          state_ = State::kDone;
          continue;
        }
        if (response_.body_bytes >= limits_.max_body_bytes) {
          response_.keep_alive = false;  // the rest is not read: the connection cannot be reused
          state_ = State::kDone;
          return Result::kDone;
        }
        return Result::kNeedMore;
      }
      case State::kUntilClose:
        Keep(data + at, size - at);
        at = size;
        if (response_.body_bytes >= limits_.max_body_bytes) {
          state_ = State::kDone;
          return Result::kDone;
        }
        return Result::kNeedMore;
      case State::kChunkSize:
      case State::kChunkEnd:
      case State::kTrailers: {
        const std::size_t newline = std::string_view(data + at, size - at).find('\n');
        const std::size_t take = newline == std::string_view::npos ? size - at : newline + 1;
        buffer_.append(data + at, take);
        at += take;
        const std::size_t cap = state_ == State::kTrailers ? limits_.max_head_bytes : kMaxChunkLineBytes;
        if (buffer_.size() > cap) {
          *error = state_ == State::kTrailers ? "the answer's trailers are too long"
                                              : "a chunk-size line of the answer is too long";
          return Result::kError;
        }
        if (buffer_.empty() || buffer_.back() != '\n') return Result::kNeedMore;
        std::string line = buffer_.substr(0, buffer_.size() - 1);
        buffer_.clear();
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (state_ == State::kChunkEnd) {
          if (!line.empty()) {
            *error = "a chunk of the answer does not end with CR LF";
            return Result::kError;
          }
          state_ = State::kChunkSize;
        } else if (state_ == State::kTrailers) {
          if (line.empty()) state_ = State::kDone;
        } else {
          const std::string digits = TrimWhitespace(line.substr(0, line.find(';')));
          std::uint64_t chunk = 0;
          if (digits.empty() || digits.size() > 15 ||
              !std::all_of(digits.begin(), digits.end(), [](char c) { return HexDigitValue(c) >= 0; })) {
            *error = "a chunk size of the answer is not hexadecimal: \"" + line.substr(0, 40) + "\"";
            return Result::kError;
          }
          for (char c : digits) chunk = chunk * 16 + static_cast<std::uint64_t>(HexDigitValue(c));
          if (chunk == 0) {
            state_ = State::kTrailers;
          } else {
            remaining_ = chunk;
            state_ = State::kChunkData;
          }
        }
        continue;
      }
      case State::kChunkData: {
        const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, size - at));
        Keep(data + at, take);
        at += take;
        remaining_ -= take;
        if (response_.body_bytes >= limits_.max_body_bytes) {
          response_.keep_alive = false;
          state_ = State::kDone;
          return Result::kDone;
        }
        if (remaining_ > 0) return Result::kNeedMore;
        state_ = State::kChunkEnd;
        continue;
      }
    }
  }
}

HttpResponseParser::Result HttpResponseParser::Close(std::string* error) {
  if (state_ == State::kDone) return Result::kDone;
  if (state_ == State::kUntilClose) {
    state_ = State::kDone;
    return Result::kDone;
  }
  *error = state_ == State::kHead ? (started_ ? "the connection closed in the middle of the answer's head"
                                              : "the connection closed before an answer")
                                  : "the connection closed in the middle of the answer's body";
  return Result::kError;
}

bool GunzipPrefix(const std::string& in, std::size_t max_out, std::string* out, std::string* error) {
  out->clear();
  z_stream stream{};
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) {
    *error = "cannot start a gzip decoder";
    return false;
  }
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  stream.avail_in = static_cast<uInt>(std::min<std::size_t>(in.size(), UINT32_MAX));
  char buffer[16 * 1024];
  int rc = Z_OK;
  while (out->size() < max_out && rc == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof buffer;
    rc = inflate(&stream, Z_NO_FLUSH);
    const std::size_t produced = sizeof buffer - stream.avail_out;
    out->append(buffer, std::min(produced, max_out - out->size()));
    if (rc == Z_BUF_ERROR && stream.avail_in == 0) break;  // cut short: as far as it goes
  }
  const bool ok = rc == Z_OK || rc == Z_STREAM_END || (rc == Z_BUF_ERROR && stream.avail_in == 0);
  if (!ok) *error = stream.msg ? stream.msg : "not gzip";
  inflateEnd(&stream);
  return ok;
}

}  // namespace epmock::internal

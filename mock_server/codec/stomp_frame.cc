#include "codec/stomp_frame.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace epmock::internal {
namespace {

// "UNSUBSCRIBE\r": a first line longer than this without a newline is no command.
constexpr std::size_t kLongestCommandLine = 12;
const char* const kCommands[] = {"CONNECT",     "STOMP",      "CONNECTED", "SEND",    "SUBSCRIBE",
                                 "UNSUBSCRIBE", "ACK",        "NACK",      "BEGIN",   "COMMIT",
                                 "ABORT",       "DISCONNECT", "MESSAGE",   "RECEIPT", "ERROR"};

bool Escaped(const std::string& command) {
  return command != "CONNECT" && command != "CONNECTED" && command != "STOMP";
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\r':
        out += "\\r";
        break;
      case '\n':
        out += "\\n";
        break;
      case ':':
        out += "\\c";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        out += c;
    }
  }
  return out;
}

bool Unescape(const std::string& s, std::string* out, std::string* error) {
  out->clear();
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      *out += s[i];
      continue;
    }
    if (i + 1 >= s.size()) {
      *error = "a header ends in a lone backslash";
      return false;
    }
    switch (s[++i]) {
      case 'r':
        *out += '\r';
        break;
      case 'n':
        *out += '\n';
        break;
      case 'c':
        *out += ':';
        break;
      case '\\':
        *out += '\\';
        break;
      default:
        *error = std::string("undefined header escape \\") + s[i];
        return false;
    }
  }
  return true;
}

}  // namespace

std::string StompFrame::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "";
}

bool StompFrame::Has(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return true;
  }
  return false;
}

std::string SerializeFrame(const StompFrame& frame) {
  const bool escape = Escaped(frame.command);
  std::string out = frame.command + "\n";
  for (const auto& [key, value] : frame.headers) {
    out += (escape ? Escape(key) : key) + ":" + (escape ? Escape(value) : value) + "\n";
  }
  out += "\n";
  out += frame.body;
  out += '\0';
  return out;
}

StompParser::Result StompParser::Next(StompFrame* frame, std::string* error) {
  // Heart-beats: EOLs between frames.
  std::size_t start = 0;
  while (start < buffer_.size() && (buffer_[start] == '\n' || buffer_[start] == '\r')) ++start;
  buffer_.erase(0, start);
  if (buffer_.empty()) return Result::kNeedMore;

  const std::size_t header_end = buffer_.find("\n\n");
  const std::size_t header_end_crlf = buffer_.find("\r\n\r\n");
  std::size_t end = std::string::npos, skip = 0;
  if (header_end != std::string::npos &&
      (header_end_crlf == std::string::npos || header_end < header_end_crlf)) {
    end = header_end;
    skip = 2;
  } else if (header_end_crlf != std::string::npos) {
    end = header_end_crlf;
    skip = 4;
  }
  // Garbage is refused as soon as it shows, not when a header block would have ended: a
  // command line that is not a command, or a NUL inside the headers.
  const std::size_t nul = buffer_.find('\0');
  if (nul != std::string::npos && (end == std::string::npos || nul < end)) {
    *error = "a NUL byte before the end of the frame's headers";
    return Result::kError;
  }
  const std::size_t command_end = buffer_.find('\n');
  if (command_end == std::string::npos ? buffer_.size() > kLongestCommandLine : true) {
    std::string command = buffer_.substr(0, std::min(command_end, buffer_.size()));
    if (!command.empty() && command.back() == '\r') command.pop_back();
    bool known = false;
    for (const char* c : kCommands) known |= command == c;
    if (!known) {
      *error = "unknown command '" + command.substr(0, 40) + "'";
      return Result::kError;
    }
  }
  if (end == std::string::npos) {
    if (buffer_.size() > max_frame_bytes_) {
      *error = "the frame's headers exceed " + std::to_string(max_frame_bytes_) + " bytes";
      return Result::kError;
    }
    return Result::kNeedMore;
  }

  StompFrame parsed;
  std::vector<std::string> lines;
  {
    std::size_t pos = 0;
    while (pos <= end) {
      std::size_t nl = buffer_.find('\n', pos);
      if (nl == std::string::npos || nl > end) nl = end;
      std::string line = buffer_.substr(pos, nl - pos);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(line);
      pos = nl + 1;
    }
  }
  parsed.command = lines.empty() ? "" : lines[0];  // checked above
  const bool escape = Escaped(parsed.command);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    if (lines[i].back() == '\r') {
      // A line ends in LF or CRLF (STOMP 1.2); a carriage return before that CRLF cannot be
      // told from the line's end when the frame is written again, so it is refused (in an
      // escaped frame it is sent as \r).
      *error = "a header line ends in a bare carriage return: '" + lines[i].substr(0, 80) + "'";
      return Result::kError;
    }
    const std::size_t colon = lines[i].find(':');
    if (colon == std::string::npos) {
      *error = "a header line has no colon: '" + lines[i].substr(0, 80) + "'";
      return Result::kError;
    }
    std::string key = lines[i].substr(0, colon), value = lines[i].substr(colon + 1);
    if (escape) {
      std::string k, v;
      if (!Unescape(key, &k, error) || !Unescape(value, &v, error)) return Result::kError;
      key = std::move(k);
      value = std::move(v);
    }
    parsed.headers.emplace_back(std::move(key), std::move(value));
  }

  const std::size_t body_start = end + skip;
  std::size_t body_end;
  const std::string length = parsed.Header("content-length");
  if (parsed.Has("content-length")) {
    if (length.empty() || length.size() > 10 || !std::all_of(length.begin(), length.end(), ::isdigit)) {
      *error = "content-length is not a number: '" + length.substr(0, 20) + "'";
      return Result::kError;
    }
    const std::size_t n = std::strtoull(length.c_str(), nullptr, 10);
    if (n > max_frame_bytes_) {
      *error =
          "content-length " + length + " exceeds the limit of " + std::to_string(max_frame_bytes_) + " bytes";
      return Result::kError;
    }
    if (buffer_.size() < body_start + n + 1) return Result::kNeedMore;
    if (buffer_[body_start + n] != '\0') {
      *error = "the body is not followed by NUL where content-length says it ends";
      return Result::kError;
    }
    body_end = body_start + n;
  } else {
    body_end = buffer_.find('\0', body_start);
    if (body_end == std::string::npos) {
      if (buffer_.size() - body_start > max_frame_bytes_) {
        *error = "the frame exceeds " + std::to_string(max_frame_bytes_) + " bytes";
        return Result::kError;
      }
      return Result::kNeedMore;
    }
  }
  parsed.body = buffer_.substr(body_start, body_end - body_start);
  buffer_.erase(0, body_end + 1);
  *frame = std::move(parsed);
  return Result::kFrame;
}

}  // namespace epmock::internal

// STOMP 1.0-1.2 frames: an incremental parser for bytes as they arrive, and the writer.
#ifndef EPMOCK_CODEC_STOMP_FRAME_H_
#define EPMOCK_CODEC_STOMP_FRAME_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace epmock::internal {

struct StompFrame {
  std::string command;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first entry of a repeated header wins (STOMP 1.2); "" when absent.
  std::string Header(const std::string& name) const;
  bool Has(const std::string& name) const;
};

// Frames of CONNECT and CONNECTED never escape their headers (STOMP 1.2).
std::string SerializeFrame(const StompFrame& frame);

class StompParser {
 public:
  // A frame (headers and body) larger than this is an error: a CloudEvent is at most 256 KiB.
  static constexpr std::size_t kDefaultMaxFrameBytes = 1024 * 1024;
  explicit StompParser(std::size_t max_frame_bytes = kDefaultMaxFrameBytes)
      : max_frame_bytes_(max_frame_bytes) {}

  enum class Result { kFrame, kNeedMore, kError };

  void Append(const char* data, std::size_t size) { buffer_.append(data, size); }
  // Drops what is buffered: the connection it came from is gone.
  void Clear() { buffer_.clear(); }
  // The next complete frame, if the buffered bytes hold one. Heart-beat EOLs between frames
  // are skipped. On kError, `error` says what is wrong; the stream cannot continue.
  Result Next(StompFrame* frame, std::string* error);

 private:
  const std::size_t max_frame_bytes_;
  std::string buffer_;
};

}  // namespace epmock::internal

#endif  // EPMOCK_CODEC_STOMP_FRAME_H_

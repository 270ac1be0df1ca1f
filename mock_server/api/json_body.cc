#include "api/json_body.h"

#include <algorithm>
#include <cctype>

#include <set>
#include <vector>

#include "api/errors.h"
#include "common/strings.h"
#include "schema/yaml_json.h"

namespace epmock::internal {

using nlohmann::json;

bool NestsDeeperThan(const std::string& text, int limit) {
  return JsonTextDepth(text) > static_cast<std::size_t>(limit);
}

namespace {

// Follows the parse to find the first repeated key of an object, and where it is.
class DuplicateKeyFinder {
 public:
  bool operator()(int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        frames_.push_back({true, {}, "", 0});
        break;
      case json::parse_event_t::array_start:
        frames_.push_back({false, {}, "", 0});
        break;
      case json::parse_event_t::key: {
        Frame& top = frames_.back();
        top.key = parsed.get<std::string>();
        if (!top.keys.insert(top.key).second && duplicate_.empty()) {
          duplicate_ = top.key;
          pointer_ = Pointer();
        }
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        frames_.pop_back();
        ElementDone();
        break;
      case json::parse_event_t::value:
        ElementDone();
        break;
    }
    return true;
  }
  const std::string& duplicate() const { return duplicate_; }
  const std::string& pointer() const { return pointer_; }

 private:
  struct Frame {
    bool object;
    std::set<std::string> keys;
    std::string key;
    std::size_t index;
  };
  void ElementDone() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
  }
  std::string Pointer() const {
    std::string out;
    for (const Frame& f : frames_) {
      out += '/';
      if (!f.object) {
        out += std::to_string(f.index);
        continue;
      }
      out += JsonPointerEscape(f.key);
    }
    return out;
  }

  std::vector<Frame> frames_;
  std::string duplicate_;
  std::string pointer_;
};

}  // namespace

bool IsJsonMediaType(const std::string& content_type) {
  std::string media = content_type.substr(0, content_type.find(';'));
  media.erase(std::remove_if(media.begin(), media.end(), ::isspace), media.end());
  media = ToLower(media);
  return media == "application/json" || media == "application/vnd.api+json";
}

std::optional<HttpResponse> ParseJsonBody(const std::string& text, json* out) {
  // The JSON parser takes a NUL for the end of its input: what follows would be dropped and
  // a truncated body accepted. JSON never holds one (a string writes it \u0000).
  if (const std::size_t nul = text.find('\0'); nul != std::string::npos) {
    return ErrorResponse(400, StatusTitle(400),
                         "The request body is not valid JSON: a NUL byte at offset " + std::to_string(nul),
                         "");
  }
  if (NestsDeeperThan(text, kMaxJsonDepth)) {
    return ErrorResponse(400, StatusTitle(400),
                         "The request body nests arrays or objects more than " +
                             std::to_string(kMaxJsonDepth) + " levels deep",
                         "");
  }
  DuplicateKeyFinder finder;
  try {
    *out = json::parse(text, std::ref(finder));
  } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e999999
    // e.what() reads "[json.exception.parse_error.101] parse error at line 1, column 9: ..."
    std::string what = e.what();
    auto colon = what.find("] ");
    return ErrorResponse(
        400, StatusTitle(400),
        "The request body is not valid JSON: " + (colon == std::string::npos ? what : what.substr(colon + 2)),
        "");
  }
  if (!finder.duplicate().empty()) {
    return ErrorResponse(400, StatusTitle(400),
                         "The request body repeats the key \"" + finder.duplicate() + "\"", finder.pointer());
  }
  return std::nullopt;
}

}  // namespace epmock::internal

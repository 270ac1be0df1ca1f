// Reading a JSON request body the way every epmock route does: nesting limited before the
// parse, syntax errors and duplicate keys refused, each as a 400 in the platform's error
// shape. (Duplicate keys are legal JSON, but which one wins differs between parsers: a
// platform behind another parser could read a different object than the one validated.)
#ifndef EPMOCK_API_JSON_BODY_H_
#define EPMOCK_API_JSON_BODY_H_

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api/api.h"

namespace epmock::internal {

// Nesting deeper than this is refused before parsing completes, so no recursive consumer
// (validation, serialisation) ever sees it.
constexpr int kMaxJsonDepth = 64;

// Whether JSON text nests arrays/objects deeper than `limit` (strings are skipped).
bool NestsDeeperThan(const std::string& text, int limit);

// application/json or application/vnd.api+json, parameters aside, in any case.
bool IsJsonMediaType(const std::string& content_type);

// The 400 to answer, or nullopt with `out` holding the parsed body.
std::optional<HttpResponse> ParseJsonBody(const std::string& text, nlohmann::json* out);

}  // namespace epmock::internal

#endif  // EPMOCK_API_JSON_BODY_H_

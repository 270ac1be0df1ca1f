#include "epmock/version.h"

#include "epmock/spec.h"

namespace epmock {

const char* Version() { return EPMOCK_VERSION_STRING; }

std::string SchemaRevision() {
  // The published document's own revision: the corrections (schemas/overlay.json) do not
  // change it.
  static const std::string revision = [] {
    const nlohmann::json& openapi = Spec::Default()->OpenApi();
    auto info = openapi.find("info");
    if (info == openapi.end() || !info->is_object()) return std::string("unknown");
    auto version = info->find("version");
    return version != info->end() && version->is_string() ? version->get<std::string>()
                                                          : std::string("unknown");
  }();
  return revision;
}

}  // namespace epmock

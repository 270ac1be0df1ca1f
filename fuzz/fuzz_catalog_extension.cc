// libFuzzer: catalog extension files (docs/CATALOG.md). The input is the file's text. It
// must load or be refused with a message, never crash; a loaded extension must hold every
// key it named, and each of them must synthesize or fail with a status.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "epmock/spec.h"
#include "events/synthesizer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::shared_ptr<const epmock::Spec> spec = epmock::Spec::Default();
  const std::string text(reinterpret_cast<const char*>(data), size);
  const nlohmann::json extension = nlohmann::json::parse(text, nullptr, false);
  if (extension.is_discarded()) return 0;
  epmock::StatusOr<std::shared_ptr<const epmock::Spec>> extended = spec->Extend(extension);
  if (!extended.ok()) {
    if (extended.status().message().empty()) std::abort();  // a refusal says why
    return 0;
  }
  epmock::internal::Synthesizer synthesizer(*extended, 1);
  for (const nlohmann::json& entry : extension["events"]) {
    const epmock::ObservableEvent* event = (*extended)->FindEvent(entry["key"].get<std::string>());
    if (!event) std::abort();  // a loaded key is in the catalog
    (void)synthesizer.Synthesize(*event);
  }
  return 0;
}

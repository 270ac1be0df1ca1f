// libFuzzer: story files (docs/STORIES.md), JSON or YAML: the input is the file's text, read
// as LoadStoryFile reads it. It must load or be refused with a message naming where, never
// crash; a loaded story has 1 to 100 steps, each an observable event about a named subject,
// and shows as JSON (GET /__admin/stories).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "epmock/spec.h"
#include "epmock/story.h"
#include "events/stories.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::shared_ptr<const epmock::Spec> spec = epmock::Spec::Default();
  const std::string text(reinterpret_cast<const char*>(data), size);
  epmock::StatusOr<std::vector<epmock::Story>> stories =
      epmock::internal::ParseStoryText(text, *spec, "fuzz: ");
  if (!stories.ok()) {
    if (stories.status().message().rfind("fuzz: ", 0) != 0) std::abort();  // a refusal says where
    return 0;
  }
  for (const epmock::Story& story : *stories) {
    if (story.steps.empty() || story.steps.size() > epmock::kMaxStorySteps) std::abort();
    for (const epmock::StoryStep& step : story.steps) {
      if (!spec->LookupEvent(step.event) || step.subject.empty()) std::abort();
      if (step.also.size() > epmock::kMaxStepAlso) std::abort();
    }
    (void)story.ToJson().dump();
  }
  return 0;
}

// libFuzzer: a catalog extension's "pattern", "patternProperties" and formats against long
// values. The input is a pattern, a NUL, and a value (both made ASCII, as parsed JSON text
// holds only valid text). The pattern is put in an extension's resource schema as a
// "pattern" and a "patternProperties" key beside the formats valijson checks; the value,
// repeated to 100,000 characters, is checked as each of them and as a member name. The
// extension must load or be refused with a message, and every check must answer within
// libFuzzer's timeout: RE2 matches in time linear in the value, whatever the pattern
// (std::regex took seconds for "(a*)*b" against 4,096 characters).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "epmock/spec.h"

namespace {

std::string Ascii(const std::uint8_t* data, std::size_t size) {
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    const char c = static_cast<char>(data[i] & 0x7f);
    if (c != '\0') out += c;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::shared_ptr<const epmock::Spec> spec = epmock::Spec::Default();
  std::size_t split = 0;
  while (split < size && data[split] != 0) ++split;
  const std::string pattern = Ascii(data, split);
  std::string unit = split < size ? Ascii(data + split + 1, size - split - 1) : std::string("1");
  if (unit.empty()) unit = "1";
  std::string value;
  while (value.size() < 100000) value += unit;

  using nlohmann::json;
  const json schema = {{"type", "object"},
                       {"properties",
                        {{"p", {{"type", "string"}, {"pattern", pattern}}},
                         {"dt", {{"type", "string"}, {"format", "date-time"}}},
                         {"d", {{"type", "string"}, {"format", "date"}}},
                         {"t", {{"type", "string"}, {"format", "time"}}}}},
                       {"patternProperties", {{pattern, {{"type", "string"}}}}}};
  const json extension = {{"events",
                           {{{"key", "fuzz.checked"},
                             {"resource", "fuzz-checked"},
                             {"schema", schema},
                             {"samples", {{{"data", json::object()}}}}}}}};
  epmock::StatusOr<std::shared_ptr<const epmock::Spec>> extended = spec->Extend(extension);
  if (!extended.ok()) {
    if (extended.status().message().empty()) std::abort();  // a refusal says why
    return 0;
  }
  for (const char* field : {"p", "dt", "d", "t"}) {
    (void)(*extended)->ValidateResource("fuzz-checked", json{{field, value}});
  }
  (void)(*extended)->ValidateResource("fuzz-checked", json{{value, "v"}});
  (void)(*extended)->ValidateResource("fuzz-checked", json{{"x" + value, "v"}});
  return 0;
}

#include "schema/patterns.h"

#include <cctype>
#include <cstdint>
#include <regex>
#include <stdexcept>
#include <unordered_map>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/validation_visitor.hpp>

namespace epmock::internal {
namespace {

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// ECMAScript's `\uXXXX` as RE2's `\x{XXXX}`; every other escape is kept as written.
std::string ForRe2(const std::string& pattern) {
  std::string out;
  out.reserve(pattern.size());
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '\\' || i + 1 == pattern.size()) {
      out += pattern[i];
      continue;
    }
    if (pattern[i + 1] == 'u' && i + 5 < pattern.size() && IsHex(pattern[i + 2]) && IsHex(pattern[i + 3]) &&
        IsHex(pattern[i + 4]) && IsHex(pattern[i + 5])) {
      out += "\\x{" + pattern.substr(i + 2, 4) + "}";
      i += 5;
      continue;
    }
    out += pattern.substr(i, 2);
    ++i;
  }
  return out;
}

std::string Quoted(const std::string& pattern) { return nlohmann::json(pattern.substr(0, 80)).dump(); }

}  // namespace

bool ValidateAgainst(const valijson::adapters::NlohmannJsonAdapter& target,
                     const std::vector<std::string>& context, const valijson::Schema& schema,
                     valijson::ValidationResults* results) {
  // valijson's visitor wants a cache of std::regex; no keyword epmock hands it uses one.
  thread_local std::unordered_map<std::string, std::regex> no_regexes;
  valijson::ValidationVisitor<valijson::adapters::NlohmannJsonAdapter> visitor(
      target, context, /*strictTypes=*/true, results, no_regexes);
  return visitor.validateSchema(schema);
}

StatusOr<std::shared_ptr<const re2::RE2>> CompilePattern(const std::string& pattern) {
  const std::string what = "pattern " + Quoted(pattern) + " ";
  if (pattern.size() > kMaxPatternLength) {
    return Status::InvalidArgument(what + "is longer than the " + std::to_string(kMaxPatternLength) +
                                   " characters a pattern may have");
  }
  re2::RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_shared<const re2::RE2>(ForRe2(pattern), options);
  if (!re->ok()) {
    return Status::InvalidArgument(what + "is not a regular expression epmock can run (" + re->error() +
                                   "): patterns are ECMAScript expressions of at most " +
                                   std::to_string(kMaxPatternLength) +
                                   " characters without back-references or look-arounds, matched by RE2");
  }
  return std::shared_ptr<const re2::RE2>(std::move(re));
}

bool PatternConstraint::validate(const valijson::adapters::Adapter& target,
                                 const std::vector<std::string>& context,
                                 valijson::ValidationResults* results) const {
  if (!target.isString()) return true;
  if (re2::RE2::PartialMatch(target.asString(), *re_)) return true;
  if (results) results->pushError(context, "Failed to match regex specified by 'pattern' constraint.");
  return false;
}

valijson::constraints::Constraint* PatternBuilder::make(const valijson::adapters::Adapter& value) const {
  std::string pattern;
  if (!value.getString(pattern)) throw std::invalid_argument("\"pattern\" must be a string");
  StatusOr<std::shared_ptr<const re2::RE2>> re = CompilePattern(pattern);
  if (!re.ok()) throw std::invalid_argument(re.status().message());
  return new PatternConstraint(*re);
}

bool PatternPropertiesConstraint::validate(const valijson::adapters::Adapter& target,
                                           const std::vector<std::string>& context,
                                           valijson::ValidationResults* results) const {
  if (!target.isObject()) return true;
  bool valid = true;
  auto failed = [&] {
    valid = false;
    return results != nullptr;  // go on to collect every error only when they are wanted
  };
  target.applyToObject([&](const std::string& name, const valijson::adapters::Adapter& value) {
    const auto* member = dynamic_cast<const valijson::adapters::NlohmannJsonAdapter*>(&value);
    if (member == nullptr) {
      if (results) results->pushError(context, "epmock validates only nlohmann::json documents");
      valid = false;
      return false;
    }
    std::vector<std::string> here = context;
    here.push_back("[" + name + "]");
    bool matched = false;
    for (const PatternProperties::Entry& entry : group_->patterns) {
      if (!re2::RE2::PartialMatch(name, *entry.re)) continue;
      matched = true;
      if (!ValidateAgainst(*member, here, *entry.schema, results) && !failed()) return false;
    }
    if (matched || group_->names.count(name) != 0) return true;
    switch (group_->additional) {
      case PatternProperties::Additional::kAny:
        return true;
      case PatternProperties::Additional::kNone:
        if (results) {
          results->pushError(context,
                             "Object contains a property that could not be validated using 'properties' "
                             "or 'additionalProperties' constraints: '" +
                                 name + "'.");
        }
        return failed();
      case PatternProperties::Additional::kSchema:
        if (ValidateAgainst(*member, here, *group_->additional_schema, results)) return true;
        if (results) results->pushError(context, "Failed to validate against additional properties schema");
        return failed();
    }
    return true;
  });
  return valid;
}

valijson::constraints::Constraint* PatternPropertiesBuilder::make(
    const valijson::adapters::Adapter& value) const {
  int64_t index = -1;
  if (!value.getInteger(index) || index < 0 || static_cast<std::size_t>(index) >= groups_->size()) {
    throw std::invalid_argument(std::string("\"") + kPatternPropertiesKeyword + "\" is epmock's own keyword");
  }
  return new PatternPropertiesConstraint((*groups_)[static_cast<std::size_t>(index)]);
}

}  // namespace epmock::internal

// JSON Schema's "pattern" and "patternProperties", matched with RE2.
//
// valijson 1.0 (Debian 12) matches both with std::regex: a "pattern" on libstdc++'s
// executors takes time quadratic in the value (breadth-first) or exponential (depth-first,
// as valijson compiles each "patternProperties" key, on every check): "(a*)*b" against
// twenty "a"s already takes seconds. RE2 matches in time linear in the value, whatever
// the expression. So a schema is rewritten before valijson parses it (spec.cc's
// PrepareSchema): "pattern" becomes kPatternKeyword, checked by PatternConstraint, and an
// object's "patternProperties" (with the "additionalProperties" beside it, which depends
// on which names the patterns match) becomes kPatternPropertiesKeyword, checked by
// PatternPropertiesConstraint, which validates each member against its own compiled
// subschema.
//
//   StatusOr<std::shared_ptr<const re2::RE2>> re = CompilePattern("^[A-Z0-9-]*$");
//   bool ok = re.ok() && re2::RE2::PartialMatch(value, **re);   // any length of value
#ifndef EPMOCK_SCHEMA_PATTERNS_H_
#define EPMOCK_SCHEMA_PATTERNS_H_

#include <cstddef>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <re2/re2.h>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/constraint_builder.hpp>
#include <valijson/constraints/concrete_constraints.hpp>
#include <valijson/schema.hpp>

#include "epmock/status.h"

namespace epmock::internal {

// The keywords the rewritten schema carries in place of "pattern" and "patternProperties".
inline constexpr char kPatternKeyword[] = "x-epmock-pattern";
inline constexpr char kPatternPropertiesKeyword[] = "x-epmock-pattern-properties";

// The longest expression a schema may carry.
inline constexpr std::size_t kMaxPatternLength = 1000;

// Compiles `pattern`, an ECMAScript expression as JSON Schema's "pattern" is, for RE2: its
// `\uXXXX` escapes become RE2's `\x{XXXX}`. What RE2 cannot run (a back-reference, a
// look-around) and an expression longer than kMaxPatternLength are refused with the reason.
StatusOr<std::shared_ptr<const re2::RE2>> CompilePattern(const std::string& pattern);

// Validates `target` against `schema` as valijson::Validator would, with strict types and
// errors under `context`: the one place epmock runs valijson's visitor.
bool ValidateAgainst(const valijson::adapters::NlohmannJsonAdapter& target,
                     const std::vector<std::string>& context, const valijson::Schema& schema,
                     valijson::ValidationResults* results);

// "pattern": a string must hold a match of the expression; other types pass.
class PatternConstraint final : public valijson::constraints::PolyConstraint {
 public:
  explicit PatternConstraint(std::shared_ptr<const re2::RE2> re) : re_(std::move(re)) {}
  bool validate(const valijson::adapters::Adapter& target, const std::vector<std::string>& context,
                valijson::ValidationResults* results) const override;

 private:
  Constraint* cloneInto(void* memory) const override { return new (memory) PatternConstraint(*this); }
  std::size_t sizeOf() const override { return sizeof(PatternConstraint); }

  std::shared_ptr<const re2::RE2> re_;
};

// Builds a PatternConstraint from kPatternKeyword's value (the expression).
class PatternBuilder final : public valijson::ConstraintBuilder {
 public:
  valijson::constraints::Constraint* make(const valijson::adapters::Adapter& value) const override;
};

// One object schema's "patternProperties" and, when it has one, its "additionalProperties".
struct PatternProperties {
  struct Entry {
    std::shared_ptr<const re2::RE2> re;
    std::shared_ptr<const valijson::Schema> schema;  // compiled apart, as its own root
  };
  std::vector<Entry> patterns;
  std::set<std::string> names;  // the schema's "properties": not additional
  enum class Additional { kAny, kNone, kSchema } additional = Additional::kAny;
  std::shared_ptr<const valijson::Schema> additional_schema;  // for kSchema
};

// An object's members: each is validated against the schema of every pattern its name
// matches; a member neither named in "properties" nor matched is validated against
// "additionalProperties". Other types pass. Member values must come from valijson's
// NlohmannJsonAdapter, the only adapter epmock validates with.
class PatternPropertiesConstraint final : public valijson::constraints::PolyConstraint {
 public:
  explicit PatternPropertiesConstraint(std::shared_ptr<const PatternProperties> group)
      : group_(std::move(group)) {}
  bool validate(const valijson::adapters::Adapter& target, const std::vector<std::string>& context,
                valijson::ValidationResults* results) const override;

 private:
  Constraint* cloneInto(void* memory) const override {
    return new (memory) PatternPropertiesConstraint(*this);
  }
  std::size_t sizeOf() const override { return sizeof(PatternPropertiesConstraint); }

  std::shared_ptr<const PatternProperties> group_;
};

// Builds a PatternPropertiesConstraint from kPatternPropertiesKeyword's value: an index
// into `groups`, which the schema's rewriting filled and which outlives the parse.
class PatternPropertiesBuilder final : public valijson::ConstraintBuilder {
 public:
  explicit PatternPropertiesBuilder(const std::vector<std::shared_ptr<const PatternProperties>>* groups)
      : groups_(groups) {}
  valijson::constraints::Constraint* make(const valijson::adapters::Adapter& value) const override;

 private:
  const std::vector<std::shared_ptr<const PatternProperties>>* groups_;
};

}  // namespace epmock::internal

#endif  // EPMOCK_SCHEMA_PATTERNS_H_

// Turns valijson's results into SchemaViolations a user of the API can act on.
#ifndef EPMOCK_SCHEMA_SCHEMA_ERRORS_H_
#define EPMOCK_SCHEMA_SCHEMA_ERRORS_H_

#include <vector>

#include <nlohmann/json.hpp>
#include <valijson/validation_results.hpp>

#include "epmock/spec.h"

namespace epmock::internal {

// `schema_root` is the compiled schema document (for $refs and for what was expected at a
// place), `instance` the validated document. One violation per leaf error: valijson also
// reports each enclosing object and array ("Failed to validate against schema associated
// with property ..."), which says nothing the leaf does not.
std::vector<SchemaViolation> DescribeViolations(const valijson::ValidationResults& results,
                                                const nlohmann::json& schema_root,
                                                const nlohmann::json& instance);

// "/data/configuration/url" from valijson's context {"<root>", "[data]", ...}.
std::string ContextToPointer(const std::vector<std::string>& context);

}  // namespace epmock::internal

#endif  // EPMOCK_SCHEMA_SCHEMA_ERRORS_H_

// Which epmock this is, and which revision of the platform's published Integrations OpenAPI
// it carries (the seed document's info.version): what a bug report, a contract file or a CI
// log should name.
//
//   std::printf("epmock %s (schema %s)\n", epmock::Version(), epmock::SchemaRevision().c_str());
#ifndef EPMOCK_VERSION_H_
#define EPMOCK_VERSION_H_

#include <string>

namespace epmock {

// "0.2.0": the project's version (CMakeLists.txt).
const char* Version();

// The published OpenAPI's info.version, e.g. "26.0212.7184796".
std::string SchemaRevision();

}  // namespace epmock

#endif  // EPMOCK_VERSION_H_

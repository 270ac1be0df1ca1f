// The epmock command line: one function per subcommand, each returning the exit code.
#ifndef EPMOCK_CLI_COMMANDS_H_
#define EPMOCK_CLI_COMMANDS_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace epmock::cli {

// Reads FILE ("-": standard input) as JSON; false with `error` saying why when it cannot.
bool ReadJsonFile(const std::string& path, nlohmann::json* out, std::string* error);

int Serve(const std::vector<std::string>& args);
extern const char kServeHelp[];

int Schema(const std::vector<std::string>& args);

int Trigger(const std::vector<std::string>& args);

int Contracts(const std::vector<std::string>& args);
extern const char kContractsHelp[];

int Record(const std::vector<std::string>& args);
extern const char kRecordHelp[];

int Validate(const std::vector<std::string>& args);
extern const char kValidateHelp[];
extern const char kContractsHelp[];
extern const char kTriggerHelp[];
extern const char kSchemaHelp[];

}  // namespace epmock::cli

#endif  // EPMOCK_CLI_COMMANDS_H_

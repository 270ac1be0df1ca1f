// The epmock command line: one function per subcommand, each returning the exit code.
#ifndef EPMOCK_CLI_COMMANDS_H_
#define EPMOCK_CLI_COMMANDS_H_

#include <signal.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace epmock::cli {

// SIGINT and SIGTERM, blocked from construction (before any thread starts, so every thread
// inherits the mask) and taken by Wait() alone; SIGPIPE ignored. For the commands that
// serve until told to stop.
class StopSignals {
 public:
  StopSignals();
  void Wait();

 private:
  sigset_t signals_;
};

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

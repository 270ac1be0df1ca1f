// The epmock command line: each subcommand adds itself to the CLI11 app (flags, help, checks)
// and, when it is the one given, runs from its callback and sets the exit code.
#ifndef EPMOCK_CLI_COMMANDS_H_
#define EPMOCK_CLI_COMMANDS_H_

#include <signal.h>

#include <string>
#include <vector>

#include <httplib.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "epmock/status.h"

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

// Reads FILE ("-": standard input) as JSON.
StatusOr<nlohmann::json> ReadJsonFile(const std::string& path);

// A flag kept for this version under its old name: it sets what `replacement` sets, shows
// as deprecated in --help, and says what replaced it on stderr when used.
void DeprecatedAlias(CLI::App& app, CLI::Option* replacement, const std::string& old_name);

// An HTTP client of a running epmock serve with a client_credentials token for `client_id`,
// or the reason there is none ("epmock <command>: ..." goes to stderr from the caller).
StatusOr<std::string> TokenFor(httplib::ClientImpl& http, const std::string& server,
                               const std::string& client_id);

// Writes a refusal of the server to stderr as it came: "epmock <command>: 422 Unprocessable
// Entity: <detail>" for each error of the platform's shape, or the status and body as they
// are. The CLI checks only its flags' syntax; whether a value is allowed is the server's to say.
void ShowRefusal(const char* command, int status, const std::string& body);

void AddServe(CLI::App& root, int* exit_code);
void AddSchema(CLI::App& root, int* exit_code);
void AddHealth(CLI::App& root, int* exit_code);
void AddTrigger(CLI::App& root, int* exit_code);
void AddStory(CLI::App& root, int* exit_code);
void AddContracts(CLI::App& root, int* exit_code);
void AddRecord(CLI::App& root, int* exit_code);
void AddValidate(CLI::App& root, int* exit_code);
void AddAsyncApi(CLI::App& root, int* exit_code);
void AddClock(CLI::App& root, int* exit_code);
void AddCertify(CLI::App& root, int* exit_code);

}  // namespace epmock::cli

#endif  // EPMOCK_CLI_COMMANDS_H_

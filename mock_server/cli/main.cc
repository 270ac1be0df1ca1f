// epmock: a fake of the Elastic Path Commerce Cloud Integrations API.
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "epmock/version.h"

namespace {

// "epmock serve: unknown flag '--nope'" rather than CLI11's list of extras; every usage
// error exits 2, as scripts expect.
std::string FailureMessage(const CLI::App* app, const CLI::Error& e) {
  // Named after the deepest command given: "epmock contracts verify".
  std::string where = "epmock";
  for (const CLI::App* a = app; a != nullptr;) {
    const std::vector<const CLI::App*> given =
        a->get_subcommands([](const CLI::App* s) { return s->parsed(); });
    a = given.empty() ? nullptr : given.front();
    if (a != nullptr) where += " " + a->get_name();
  }
  std::string message = e.what();
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    // "The following argument was not expected: --nope" -> the first of them.
    std::string first = message.substr(message.find(": ") + 2);
    first = first.substr(0, first.find(' '));
    message = (first.rfind("-", 0) == 0 ? "unknown flag '" : "unexpected argument '") + first + "'";
  }
  return where + ": " + message + "\nRun '" + where + " --help' for the flags.\n";
}

// "--name=" is an empty value, as "--name ''" is. CLI11 2.1 reads it as "--name" and takes the
// next argument for its value, even another flag: "--destination= --allow-inconclusive" would
// certify a destination named "--allow-inconclusive". Up to a "--", each such argument is split
// in two, so the empty value meets the option's own check.
std::vector<std::string> SplitEmptyValues(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--") break;
    const bool empty_value =
        args[i].size() > 3 && args[i].rfind("--", 0) == 0 && args[i].find('=') == args[i].size() - 1;
    if (!empty_value) continue;
    args[i].pop_back();
    args.insert(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, std::string());
    ++i;  // past the empty value
  }
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"epmock: a fast, faithful fake of the Elastic Path Commerce Cloud Integrations API", "epmock"};
  app.failure_message(FailureMessage);
  app.footer("'epmock <command> --help' describes a command's flags.");
  // epmock --version, and epmock version: the version and the schema revision it carries.
  const std::string version =
      std::string("epmock ") + epmock::Version() + " (schema " + epmock::SchemaRevision() + ")";
  app.set_version_flag("--version", version,
                       "print the version and the published schema's revision, and exit");
  app.require_subcommand(0, 1);
  int exit_code = 0;
  CLI::App* version_command =
      app.add_subcommand("version", "print the version and the published schema's revision");
  version_command->callback([&version] { std::printf("%s\n", version.c_str()); });
  epmock::cli::AddServe(app, &exit_code);
  epmock::cli::AddTrigger(app, &exit_code);
  epmock::cli::AddStory(app, &exit_code);
  epmock::cli::AddAsyncApi(app, &exit_code);
  epmock::cli::AddContracts(app, &exit_code);
  epmock::cli::AddRecord(app, &exit_code);
  epmock::cli::AddValidate(app, &exit_code);
  epmock::cli::AddClock(app, &exit_code);
  epmock::cli::AddCertify(app, &exit_code);
  epmock::cli::AddSchema(app, &exit_code);
  epmock::cli::AddHealth(app, &exit_code);
  if (argc > 1 && argv[1][0] != '-') {
    bool known = false;
    for (const CLI::App* command : app.get_subcommands({})) known = known || command->get_name() == argv[1];
    if (!known) {
      std::fprintf(stderr, "epmock: unknown command '%s'\n%s", argv[1], app.help().c_str());
      return 2;
    }
  }
  std::vector<std::string> args = SplitEmptyValues(argc, argv);
  std::vector<char*> arg_pointers;
  for (std::string& arg : args) arg_pointers.push_back(arg.data());
  try {
    app.parse(static_cast<int>(arg_pointers.size()), arg_pointers.data());
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);  // --help: the help on stdout, exit 0
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);  // --version: on stdout, exit 0
  } catch (const CLI::ParseError& e) {
    if (argc == 1) {
      std::fputs(app.help().c_str(), stderr);
      return 2;
    }
    app.exit(e);  // the message, through FailureMessage, on stderr
    return 2;
  }
  if (app.get_subcommands().empty()) {  // no command: what there is to run, on stderr
    std::fputs(app.help().c_str(), stderr);
    return 2;
  }
  return exit_code;
}

#include "stack/cli/up_command.h"

#include <chrono>
#include <iostream>
#include <memory>

#include "emulator/cli/commands.h"
#include "emulator/engine.h"
#include "stack/deploy.h"
#include "stack/template.h"

namespace fanlab::stack {

namespace {

struct UpOptions {
  std::string file;
  std::vector<std::string> overrides;
  std::string stack_name = "fanlab";
  bool allow_unknown = false;
};

int Up(const UpOptions& o, Engine& engine, const std::string& http_url) {
  auto start = std::chrono::steady_clock::now();
  std::string error;
  auto parameters = ParseParameterOverrides(o.overrides, &error);
  if (!parameters) {
    std::cerr << "fanlab up: --parameter-overrides: " << error << "\n";
    return 2;
  }
  TemplateOptions options;
  options.stack_name = o.stack_name;
  options.account = engine.account();
  options.parameters = std::move(*parameters);
  options.allow_unknown = o.allow_unknown;
  StackResult loaded = LoadTemplate(o.file, options);
  const Diagnostics& notes =
      loaded.stack ? loaded.stack->warnings : Diagnostics{};
  for (const auto& d : notes) std::cerr << "note: " << d.ToString() << "\n";
  if (!loaded.stack) {
    for (const auto& d : loaded.errors) std::cerr << d.ToString() << "\n";
    std::cerr << "fanlab up: " << loaded.errors.size()
              << " problem(s) in the template; nothing created\n";
    return 2;
  }
  Diagnostics refused = Deploy(engine, *loaded.stack, http_url);
  if (!refused.empty()) {
    for (const auto& d : refused) std::cerr << d.ToString() << "\n";
    return 2;
  }
  double ms = std::chrono::duration<double, std::milli>(
                  std::chrono::steady_clock::now() - start)
                  .count();
  std::cout << "fanlab up: stack " << o.stack_name << ", "
            << loaded.stack->resources.size() << " resources ("
            << loaded.stack->calls.size() << " calls) in " << ms << " ms\n"
            << Describe(engine, *loaded.stack, http_url) << std::flush;
  return 0;
}

}  // namespace

void AddUpCommand(CLI::App& app) {
  auto options = std::make_shared<UpOptions>();
  CLI::App* up = cli::AddServeCommand(
      app, "up",
      "Create a SAM or CloudFormation template's resources and serve them "
      "(docs/templates.md)",
      [options](Engine& engine, const std::string& http_url) {
        return Up(*options, engine, http_url);
      });
  up->add_option("template", options->file, "The template (YAML or JSON)")
      ->required()
      ->check(CLI::ExistingFile);
  up->add_option("--parameter-overrides", options->overrides,
                 "Parameter values: KEY=VALUE ... (or SAM's "
                 "ParameterKey=K,ParameterValue=V)")
      ->type_name("KEY=VALUE");
  up->add_option("--stack-name", options->stack_name,
                 "AWS::StackName in the template")
      ->capture_default_str();
  up->add_flag("--allow-unknown", options->allow_unknown,
               "Leave out what fanlab cannot honour, with a warning, "
               "instead of refusing the template");
  if (CLI::Option* http = up->get_option_no_throw("--http")) {
    http->default_val("127.0.0.1:3000");
  }
}

}  // namespace fanlab::stack

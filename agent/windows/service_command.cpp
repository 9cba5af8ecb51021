/// `flowwatch service install|uninstall|run`: the Windows service's command line.

#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "agent/commands/commands.h"
#include "agent/windows/service_install.h"
#include "agent/windows/service_main.h"
#include "agent/windows/state_directory.h"
#include "agent/windows/windows_text.h"

namespace flowwatch::agent {

namespace {

struct ServiceArguments {
    std::string config;
    std::string account = windows::ServiceInstallOptions{}.account;
};

int install(const ServiceArguments& arguments) {
    windows::ServiceInstallOptions options;
    options.config = windows::widen(arguments.config);
    options.account = arguments.account;
    auto installed = windows::install_service(options);
    if (!installed) {
        std::cerr << "flowwatch: " << installed.error().message << "\n";
        return 1;
    }
    std::cout << "installed service flowwatch (automatic start, as " << arguments.account
              << ")\n  command: " << windows::narrow(installed->command_line)
              << "\n  state directory: " << windows::narrow(installed->state_directory.native())
              << " (SYSTEM, Administrators, service SID " << windows::narrow(installed->service_sid)
              << ")\n";
    for (const auto& setting : installed->unsupported_settings) {
        std::cout << "  warning: this service control manager does not support " << setting
                  << "; left at its default\n";
    }
    std::cout << "Put the configuration in place, then: sc start flowwatch\n";
    return 0;
}

int configure() {
    auto configured = windows::configure_installed_service();
    if (!configured) {
        std::cerr << "flowwatch: " << configured.error().message << "\n";
        return 1;
    }
    std::cout << "configured service flowwatch (delayed start, recovery, service SID)\n"
              << "  state directory: " << windows::narrow(configured->state_directory.native())
              << " (SYSTEM, Administrators, service SID "
              << windows::narrow(configured->service_sid) << ")\n";
    for (const auto& setting : configured->unsupported_settings) {
        std::cout << "  warning: this service control manager does not support " << setting
                  << "; left at its default\n";
    }
    return 0;
}

int uninstall() {
    if (auto removed = windows::uninstall_service(); !removed) {
        std::cerr << "flowwatch: " << removed.error().message << "\n";
        return 1;
    }
    std::cout << "uninstalled service flowwatch; its state directory is kept\n";
    return 0;
}

int run(const ServiceArguments& arguments) {
    std::filesystem::path config = windows::widen(arguments.config);
    if (config.empty()) {
        auto directory = windows::state_directory();
        if (!directory) {
            std::cerr << "flowwatch: " << directory.error().message << "\n";
            return 1;
        }
        config = *directory / L"flowwatch.json";
    }
    return windows::run_service_or_foreground(config);
}

}  // namespace

void add_service_command(CLI::App& app, int& exit_code) {
    auto* service = app.add_subcommand("service", "Install, remove or run the Windows service");
    service->require_subcommand(1);
    auto arguments = std::make_shared<ServiceArguments>();

    auto* install_command = service->add_subcommand(
        "install", "Register the service: delayed automatic start, restart on failure");
    install_command->add_option(
        "--config", arguments->config,
        "Configuration file (default %ProgramData%\\flowwatch\\flowwatch.json)");
    install_command
        ->add_option("--account", arguments->account,
                     "Account to run as: NT SERVICE\\flowwatch or LocalService")
        ->capture_default_str();
    install_command->callback([arguments, &exit_code] { exit_code = install(*arguments); });

    service
        ->add_subcommand("configure",
                         "Give a service the MSI registered its recovery, delayed start, service "
                         "SID and locked-down state directory")
        ->callback([&exit_code] { exit_code = configure(); });

    service->add_subcommand("uninstall", "Stop and remove the service (state is kept)")
        ->callback([&exit_code] { exit_code = uninstall(); });

    auto* run_command = service->add_subcommand(
        "run", "Run as the service (what the SCM starts); from a console, in the foreground");
    run_command->add_option("--config", arguments->config, "Configuration file");
    run_command->callback([arguments, &exit_code] { exit_code = run(*arguments); });
}

}  // namespace flowwatch::agent

/// `flowwatch generate`: writes a simulated tenant's Audit.General content blobs, the ground
/// truth of its planted attacks and the detection config the scenario is meant to run with.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "agent/commands/commands.h"
#include "core/error.h"
#include "core/scenario.h"

namespace flowwatch::agent {
namespace {

struct GenerateOptions {
    ScenarioOptions scenario;
    bool pa_only = false;
    std::string format = "array";
    std::string out;
};

Result<void> write_file(const std::filesystem::path& path, std::string_view text) {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(text.data(), static_cast<std::streamsize>(text.size()));
    file.close();
    if (!file) {
        return fail(fmt::format("write {}: the file could not be written", path.string()));
    }
    return {};
}

Result<std::filesystem::path> prepare_blob_folder(const std::filesystem::path& out) {
    const auto blobs = out / "blobs";
    std::error_code ec;
    std::filesystem::create_directories(blobs, ec);
    if (ec) {
        return fail(fmt::format("create {}: {}", blobs.string(), ec.message()));
    }
    // Old blobs would mix with the new tenant's and change what a replay sees.
    if (!std::filesystem::is_empty(blobs, ec) || ec) {
        return fail(fmt::format("generate into {}: the folder is not empty", blobs.string()));
    }
    return blobs;
}

Result<void> write_blobs(ScenarioGenerator& generator, const std::filesystem::path& folder,
                         bool ndjson) {
    std::uint64_t sequence = 0;
    while (!generator.finished()) {
        for (const auto& blob : generator.next_day()) {
            // The sequence number first, so lexical order is contentCreated order.
            const auto name =
                fmt::format("{:06}-{}.{}", ++sequence, blob.content_id, ndjson ? "ndjson" : "json");
            auto written =
                write_file(folder / name, ndjson ? blob.ndjson_text() : blob.array_text());
            if (!written) {
                return written;
            }
        }
    }
    return {};
}

Result<void> generate(GenerateOptions& options) {
    if (options.pa_only) {
        options.scenario.other_workload_ratio = 0;
    }
    const std::filesystem::path out = options.out;
    auto folder = prepare_blob_folder(out);
    if (!folder) {
        return std::unexpected(folder.error());
    }

    ScenarioGenerator generator(options.scenario);
    if (auto written = write_blobs(generator, *folder, options.format == "ndjson"); !written) {
        return written;
    }
    if (auto written = write_file(out / "truth.json", scenario_truth_json(generator)); !written) {
        return written;
    }
    if (auto written = write_file(out / "config.json", scenario_config_json(generator)); !written) {
        return written;
    }

    const ScenarioTotals& t = generator.totals();
    fmt::print(stderr,
               "generate: {} records, {} Power Automate, {} duplicates, {} blobs, {} bytes, {} "
               "attacks planted, {} look-alikes, out={}\n",
               t.records, t.flow_records, t.duplicates, t.blobs, t.bytes,
               generator.attacks().size(), generator.look_alikes().size(), out.string());
    return {};
}

}  // namespace

void add_generate_command(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<GenerateOptions>();
    auto* cmd = app.add_subcommand(
        "generate", "Write a simulated tenant: content blobs, truth.json and config.json");
    cmd->add_option("--seed", options->scenario.seed, "Seed; the same seed gives the same bytes")
        ->capture_default_str();
    cmd->add_option("--days", options->scenario.days, "Days of activity")
        ->capture_default_str()
        ->check(CLI::Range(1, 3650));
    cmd->add_option("--users", options->scenario.users, "People in the tenant")
        ->capture_default_str()
        ->check(CLI::Range(8, 1000000));
    cmd->add_option("--other-ratio", options->scenario.other_workload_ratio,
                    "Records of other workloads per Power Automate record")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 10000.0));
    cmd->add_flag("--pa-only", options->pa_only, "Only Power Automate records");
    cmd->add_flag("!--no-attacks", options->scenario.plant_attacks, "Plant no attacks");
    cmd->add_option("--format", options->format, "Blob files as JSON arrays or NDJSON")
        ->capture_default_str()
        ->check(CLI::IsMember({"array", "ndjson"}));
    cmd->add_option("--out", options->out, "Output folder")->required();
    cmd->callback([options, &exit_code] {
        if (auto done = generate(*options); !done) {
            fmt::print(stderr, "flowwatch: {}\n", done.error().message);
            exit_code = 1;
        }
    });
}

}  // namespace flowwatch::agent

/// `flowwatch replay`: evaluates audit records from files, in order, into a database, and writes
/// the new alerts as JSON lines.

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "agent/bounded_queue.h"
#include "agent/commands/commands.h"
#include "agent/config.h"
#include "agent/file_input.h"
#include "core/pipeline.h"
#include "core/record_reader.h"
#include "storage/sqlite_store.h"

namespace flowwatch::agent {

namespace {

/// Power Automate records per transaction: large enough to amortise the commit, small enough
/// that memory does not grow with the input.
constexpr std::size_t kUnitRecords = 32768;
/// Diagnostics printed per input before they are only counted.
constexpr std::size_t kDiagnosticsShown = 20;

struct ReplayOptions {
    std::string config;
    std::string db;
    std::string alerts;
    std::vector<std::string> inputs;
};

/// A database in a fresh temporary folder, removed when the replay ends.
class TemporaryDirectory {
  public:
    static Result<TemporaryDirectory> create() {
        const auto parent = std::filesystem::temp_directory_path();
        std::random_device random;
        // create_directory is false when the name is taken: draw another.
        for (int attempt = 0; attempt < 16; ++attempt) {
            auto path = parent / fmt::format("flowwatch-replay-{:08x}", random());
            std::error_code error;
            if (std::filesystem::create_directory(path, error)) {
                std::filesystem::permissions(path, std::filesystem::perms::owner_all, error);
                return TemporaryDirectory(std::move(path));
            }
        }
        return fail(fmt::format("cannot create a temporary folder under {}", parent.string()));
    }
    TemporaryDirectory(TemporaryDirectory&& other) noexcept : path_(std::move(other.path_)) {
        other.path_.clear();
    }
    TemporaryDirectory(const TemporaryDirectory&) = delete;
    TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
    TemporaryDirectory& operator=(TemporaryDirectory&&) = delete;
    ~TemporaryDirectory() {
        std::error_code ignored;
        if (!path_.empty()) {
            std::filesystem::remove_all(path_, ignored);
        }
    }
    const std::filesystem::path& path() const { return path_; }

  private:
    explicit TemporaryDirectory(std::filesystem::path path) : path_(std::move(path)) {}
    std::filesystem::path path_;
};

using Unit = std::vector<FlowRecord>;

/// Gathers the records of consecutive inputs into units of about kUnitRecords: small blobs would
/// otherwise cost a transaction each.
class UnitBuilder {
  public:
    explicit UnitBuilder(BoundedQueue<Unit>& units) : units_(units) {}

    /// False once the evaluating side wants nothing more.
    bool add(std::vector<FlowRecord>&& records) {
        // A new unit is begun only once the last one has been taken: then one unit is evaluated
        // while the next is read, and no third one waits.
        if (pending_.empty() && !units_.wait_for_room()) {
            return false;
        }
        if (pending_.empty() && records.size() >= kUnitRecords) {
            pending_ = std::move(records);
        } else {
            // Room for a whole unit at once: growing by doubling would move every record again.
            pending_.reserve(kUnitRecords);
            std::move(records.begin(), records.end(), std::back_inserter(pending_));
        }
        return pending_.size() < kUnitRecords || hand_over();
    }

    /// Hands over what is gathered, however little.
    bool hand_over() {
        if (pending_.empty()) {
            return true;
        }
        const bool taken = units_.push(std::move(pending_));
        pending_ = Unit();
        return taken;
    }

  private:
    BoundedQueue<Unit>& units_;
    Unit pending_;
};

/// Evaluates each unit in one transaction. A unit's alerts are written only once it is
/// committed, so a crash repeats nothing.
class UnitCommitter {
  public:
    UnitCommitter(Store& store, const DetectionPolicy& policy, std::ostream& alerts_out)
        : pipeline_(store, policy), alerts_out_(alerts_out) {}

    void commit(const Unit& unit) {
        if (unit.empty() || failure_) {
            return;
        }
        auto outcome = pipeline_.process_unit(unit);
        if (!outcome) {
            failure_ = outcome.error();
            return;
        }
        counts_ += outcome->counts;
        for (const auto& alert : outcome->emitted) {
            alerts_out_ << to_json(alert).dump() << '\n';
        }
        alerts_out_.flush();
    }

    const std::optional<Error>& failure() const { return failure_; }
    const PipelineCounts& counts() const { return counts_; }

  private:
    Pipeline pipeline_;
    std::ostream& alerts_out_;
    PipelineCounts counts_;
    std::optional<Error> failure_;
};

struct ReplayTotals {
    ReadCounts read;
    PipelineCounts pipeline;
    std::size_t inputs = 0;
    std::size_t unusable_inputs = 0;
};

/// Reads the inputs in order into units for `units`, printing each input's problems; stops early
/// when the evaluating side closes the queue. Runs on a thread of its own.
void read_inputs(const std::vector<std::string>& inputs, BoundedQueue<Unit>& units,
                 ReplayTotals& totals) {
    RecordReader reader;
    UnitBuilder builder(units);
    bool wanted = true;
    for (const auto& input : inputs) {
        ++totals.inputs;
        std::size_t shown = 0;
        auto on_diagnostic = [&](const ReadDiagnostic& d) {
            if (shown++ < kDiagnosticsShown) {
                std::cerr << "flowwatch: skipped: " << d.to_string() << '\n';
            } else if (shown == kDiagnosticsShown + 1) {
                std::cerr << "flowwatch: further problems in " << input << " are only counted\n";
            }
        };
        auto read = read_input_file(
            input, reader, kUnitRecords,
            [&](std::vector<FlowRecord>&& records) {
                wanted = wanted && builder.add(std::move(records));
            },
            on_diagnostic);
        if (!read) {
            ++totals.unusable_inputs;
            std::cerr << "flowwatch: " << read.error().message << '\n';
        } else {
            totals.read += *read;
        }
        if (!wanted) {
            return;
        }
    }
    builder.hand_over();
}

std::string summary_line(const ReplayTotals& t) {
    std::string by_trigger;
    for (Trigger trigger : kAllTriggers) {
        by_trigger +=
            fmt::format(", {} {}", trigger_name(trigger),
                        t.pipeline.alerts_by_trigger.at(static_cast<std::size_t>(trigger)));
    }
    std::uint64_t stored = 0;
    for (auto n : t.pipeline.alerts_by_trigger) {
        stored += n;
    }
    return fmt::format(
        "replay: {} inputs ({} unusable), {} records read, {} Power Automate, {} duplicates, {} "
        "malformed; {} new alerts emitted, {} stored below min_severity ({})",
        t.inputs, t.unusable_inputs, t.read.records, t.read.flow_records, t.pipeline.duplicates,
        t.read.malformed, t.pipeline.alerts_emitted, stored - t.pipeline.alerts_emitted,
        by_trigger.substr(2));
}

int replay(const ReplayOptions& options) {
    Config config;
    if (!options.config.empty()) {
        auto loaded = load_config(options.config);
        if (!loaded) {
            std::cerr << "flowwatch: " << loaded.error().message << '\n';
            return 2;
        }
        config = std::move(*loaded);
    }

    std::optional<TemporaryDirectory> temporary;
    std::filesystem::path db_path = options.db;
    if (db_path.empty()) {
        auto dir = TemporaryDirectory::create();
        if (!dir) {
            std::cerr << "flowwatch: " << dir.error().message << '\n';
            return 1;
        }
        temporary.emplace(std::move(*dir));
        db_path = temporary->path() / "replay.db";
    }
    auto store = storage::SqliteStore::open(db_path);
    if (!store) {
        std::cerr << "flowwatch: " << store.error().message << '\n';
        return 1;
    }

    std::ofstream alerts_file;
    if (!options.alerts.empty()) {
        alerts_file.open(options.alerts, std::ios::app);
        if (!alerts_file) {
            std::cerr << "flowwatch: cannot open the alerts file " << options.alerts
                      << " for appending\n";
            return 1;
        }
    }
    std::ostream& alerts_out = options.alerts.empty() ? std::cout : alerts_file;

    UnitCommitter committer(**store, config.detection, alerts_out);
    ReplayTotals totals;

    // One thread reads and parses the next unit while this one evaluates and commits the last,
    // so memory holds two units at most.
    BoundedQueue<Unit> units(1);
    std::exception_ptr read_failure;
    std::thread reading([&] {
        try {
            read_inputs(options.inputs, units, totals);
        } catch (...) {
            read_failure = std::current_exception();
        }
        units.close();
    });
    while (auto unit = units.pop()) {
        committer.commit(*unit);
        if (committer.failure()) {
            units.close();
        }
    }
    reading.join();
    if (read_failure) {
        std::rethrow_exception(read_failure);
    }
    totals.pipeline = committer.counts();
    if (committer.failure()) {
        std::cerr << "flowwatch: " << committer.failure()->message << '\n';
        std::cerr << summary_line(totals) << '\n';
        return 1;
    }

    std::cerr << summary_line(totals) << '\n';
    if (!alerts_out) {
        std::cerr << "flowwatch: writing alerts failed\n";
        return 1;
    }
    return totals.unusable_inputs > 0 ? 1 : 0;
}

}  // namespace

void add_replay_command(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<ReplayOptions>();
    auto* cmd = app.add_subcommand(
        "replay",
        "Evaluate audit records from files (content blobs as JSON arrays, NDJSON, or the CSV the "
        "Purview audit search exports), in order; new alerts go out as JSON lines");
    cmd->add_option("--config", options->config, "Configuration file (JSON, comments allowed)");
    cmd->add_option("--db", options->db,
                    "SQLite database of baselines and alerts (default: a temporary one)");
    cmd->add_option("--alerts", options->alerts, "Append alerts to this file instead of stdout");
    cmd->add_option("inputs", options->inputs, "Input files, evaluated in the order given")
        ->required();
    cmd->callback([options, &exit_code] { exit_code = replay(*options); });
}

}  // namespace flowwatch::agent

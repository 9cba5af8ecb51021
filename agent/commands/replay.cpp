/// `flowwatch replay`: evaluates audit records from files, in order, into a database, and writes
/// the new alerts as JSON lines.

#include <algorithm>
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
#include "agent/unit_committer.h"
#include "core/pipeline.h"
#include "core/record_reader.h"
#include "storage/sqlite_store.h"

namespace flowwatch::agent {

namespace {

/// Power Automate records per transaction at most, unless --unit-records says otherwise. A unit
/// also ends once the store holds as many rows written in it as its caches keep (unit_full), so
/// memory does not grow with the input either way. The commit writes each row the unit changed
/// once, however many records changed it: larger units write the busy rows fewer times.
constexpr std::size_t kUnitRecords = 524288;
/// Records are handed from the reading thread to the evaluating one in chunks of a sixteenth of
/// a unit, at most this many, and a unit is evaluated chunk by chunk as they come: the
/// evaluating thread starts at once instead of waiting for a whole unit to be read.
constexpr std::size_t kMaxChunkRecords = 2048;
/// Chunks the reading thread may have ready ahead of the evaluating one: it reads several times
/// faster, so a few keep the evaluating thread fed, and more would only hold memory.
constexpr std::size_t kMaxChunksAhead = 8;

/// How records travel: per chunk handed over, per unit committed, and how many chunks may wait.
struct Batching {
    explicit Batching(std::size_t records_per_unit)
        : unit_records(std::max<std::size_t>(records_per_unit, 1)),
          chunk_records(std::clamp<std::size_t>(unit_records / 16, 1, kMaxChunkRecords)),
          chunks_ahead(std::clamp<std::size_t>(unit_records / chunk_records, 1, kMaxChunksAhead)) {}

    std::size_t unit_records;
    std::size_t chunk_records;
    /// Chunks read ahead of the one being evaluated, at most.
    std::size_t chunks_ahead;
};
/// Diagnostics printed per input before they are only counted.
constexpr std::size_t kDiagnosticsShown = 20;

struct ReplayOptions {
    std::string config;
    std::string db;
    std::string alerts;
    std::size_t unit_records = kUnitRecords;
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

/// Gathers the records of consecutive inputs into chunks: small blobs would otherwise cost a
/// hand-over each.
class ChunkBuilder {
  public:
    ChunkBuilder(BoundedQueue<Chunk>& chunks, std::size_t chunk_records)
        : chunks_(chunks), chunk_records_(chunk_records) {}

    /// False once the evaluating side wants nothing more.
    bool add(std::vector<FlowRecord>&& records) {
        // A new chunk is begun only once there is room for it, so a bounded number wait, and
        // the records in memory do not grow with the input.
        if (pending_.empty() && !chunks_.wait_for_room()) {
            return false;
        }
        if (pending_.empty() && records.size() >= chunk_records_) {
            pending_ = std::move(records);
        } else {
            // Room for a whole chunk at once: growing by doubling would move every record again.
            pending_.reserve(chunk_records_);
            std::move(records.begin(), records.end(), std::back_inserter(pending_));
        }
        return pending_.size() < chunk_records_ || hand_over();
    }

    /// Hands over what is gathered, however little.
    bool hand_over() {
        if (pending_.empty()) {
            return true;
        }
        const bool taken = chunks_.push(std::move(pending_));
        pending_ = Chunk();
        return taken;
    }

  private:
    BoundedQueue<Chunk>& chunks_;
    std::size_t chunk_records_;
    Chunk pending_;
};

struct ReplayTotals {
    ReadCounts read;
    PipelineCounts pipeline;
    std::size_t inputs = 0;
    std::size_t unusable_inputs = 0;
};

/// The files an input names: itself, or for a folder the files in it in name order (a folder
/// can hold more blobs than a command line can name). Folders inside are not read; each is
/// named on stderr, as is a folder that cannot be listed (counted as an unusable input).
std::vector<std::string> files_of(const std::string& input, ReplayTotals& totals) {
    namespace fs = std::filesystem;
    std::error_code error;
    if (!fs::is_directory(input, error)) {
        return {input};
    }
    std::vector<std::string> files;
    fs::directory_iterator it(input, error);
    for (; !error && it != fs::directory_iterator(); it.increment(error)) {
        if (it->is_directory(error)) {
            std::cerr << "flowwatch: not read: " << it->path().string()
                      << " (a folder inside a folder input)\n";
        } else {
            files.push_back(it->path().string());
        }
    }
    if (error) {
        ++totals.inputs;
        ++totals.unusable_inputs;
        std::cerr << "flowwatch: cannot list the folder " << input << ": " << error.message()
                  << '\n';
        return {};
    }
    std::ranges::sort(files);
    return files;
}

/// Reads the inputs in order into chunks for `chunks`, printing each input's problems; stops
/// early when the evaluating side closes the queue. Runs on a thread of its own.
void read_inputs(const std::vector<std::string>& inputs, const Batching& batching,
                 BoundedQueue<Chunk>& chunks, ReplayTotals& totals) {
    std::vector<std::string> files;
    for (const auto& input : inputs) {
        auto found = files_of(input, totals);
        files.insert(files.end(), std::make_move_iterator(found.begin()),
                     std::make_move_iterator(found.end()));
    }
    RecordReader reader;
    ChunkBuilder builder(chunks, batching.chunk_records);
    bool wanted = true;
    for (const auto& input : files) {
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
            input, reader, batching.chunk_records,
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

    const Batching batching(options.unit_records);
    UnitCommitter committer(**store, config.detection, batching.unit_records, alerts_out);
    ReplayTotals totals;

    // One thread reads and parses the next chunks while this one evaluates and commits; at
    // most kMaxChunksAhead of them wait.
    BoundedQueue<Chunk> chunks(batching.chunks_ahead);
    std::exception_ptr read_failure;
    std::thread reading([&] {
        try {
            read_inputs(options.inputs, batching, chunks, totals);
        } catch (...) {
            read_failure = std::current_exception();
        }
        chunks.close();
    });
    while (auto chunk = chunks.pop()) {
        committer.add(*chunk);
        if (committer.failure()) {
            chunks.close();
        }
    }
    committer.finish();
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
    cmd->add_option("--unit-records", options->unit_records,
                    "Power Automate records committed together at most (a unit ends sooner when "
                    "the rows it changed fill the store's caches): fewer redo less after a "
                    "crash, more write busy rows less often")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20))
        ->capture_default_str();
    cmd->add_option("inputs", options->inputs,
                    "Input files, evaluated in the order given; a folder stands for the files in "
                    "it, in name order")
        ->required();
    cmd->callback([options, &exit_code] { exit_code = replay(*options); });
}

}  // namespace flowwatch::agent

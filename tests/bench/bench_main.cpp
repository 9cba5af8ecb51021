/// flowwatch_bench: how fast `flowwatch replay` turns an Audit.General corpus into alerts,
/// against the floor of a bare simdjson pass over the same files, and how much memory it needs.
/// Not a test: run it by hand, e.g. `flowwatch_bench --mb 200`.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>

#include "core/scenario.h"
#include "tests/bench/child_run.h"
#include "tests/bench/corpus.h"
#include "tests/bench/raw_parse.h"

namespace fs = std::filesystem;
using namespace flowwatch;
using namespace flowwatch::bench;

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

struct BenchOptions {
    double mb = 200;
    double pa_mb = 200;
    int pa_users = 20000;
    /// Each figure is the median of this many runs: this machine's timings vary by tens of
    /// percent from one run to the next.
    int runs = 3;
    std::uint64_t seed = 42;
    std::string flowwatch;
    /// Another flowwatch binary to race on the all-Power-Automate corpus, e.g. an older build.
    std::string against;
    bool keep = false;
};

struct Row {
    std::string what;
    std::uint64_t bytes = 0;
    std::uint64_t records = 0;
    std::uint64_t flow_records = 0;
    double seconds = 0;
    long peak_rss_kb = 0;
};

void print_table(const std::vector<Row>& rows) {
    fmt::print("{:<28} {:>8} {:>9} {:>9} {:>8} {:>8} {:>11} {:>10} {:>9}\n", "run", "MB", "records",
               "PA recs", "seconds", "MB/s", "records/s", "PA recs/s", "peak MB");
    for (const auto& r : rows) {
        const double mb = static_cast<double>(r.bytes) / kMiB;
        fmt::print("{:<28} {:>8.1f} {:>9} {:>9} {:>8.2f} {:>8.1f} {:>11.0f} {:>10.0f} {:>9}\n",
                   r.what, mb, r.records, r.flow_records, r.seconds, mb / r.seconds,
                   static_cast<double>(r.records) / r.seconds,
                   static_cast<double>(r.flow_records) / r.seconds,
                   r.peak_rss_kb > 0
                       ? fmt::format("{:.1f}", static_cast<double>(r.peak_rss_kb) / 1024.0)
                       : std::string("-"));
    }
}

/// Bytes of file names a replay is given one by one, at most.
constexpr std::size_t kMaxNamesBytes = std::size_t{1} << 20;

double median(std::vector<double> values) {
    std::ranges::sort(values);
    return values[values.size() / 2];
}

/// One `flowwatch replay` of `corpus` by `binary` into a fresh database. Exits the bench if it
/// fails.
ChildRun replay_once(const std::string& binary, const std::string& what, const Corpus& corpus,
                     const std::string& tag) {
    std::vector<std::string> argv = {binary,      "replay",   "--db",
                                     tag + ".db", "--alerts", tag + ".jsonl"};
    // The files are named one by one, as builds before folder inputs need, unless the names
    // would crowd the system's limit on arguments (2 MiB here).
    std::size_t names_bytes = 0;
    for (const auto& file : corpus.files) {
        names_bytes += file.size() + 1;
    }
    if (names_bytes > kMaxNamesBytes && !corpus.folder.empty()) {
        argv.push_back(corpus.folder);
    } else {
        argv.insert(argv.end(), corpus.files.begin(), corpus.files.end());
    }
    for (const char* suffix : {".db", ".db-wal", ".db-shm", ".jsonl"}) {
        fs::remove(tag + suffix);
    }
    auto run = run_child(argv, tag + ".stderr");
    if (!run || run->exit_code != 0) {
        fmt::print(
            stderr, "flowwatch_bench: {} failed: {}\n", what,
            run ? fmt::format("exit {}: {}", run->exit_code, run->err) : run.error().message);
        std::exit(1);
    }
    return *run;
}

/// `flowwatch replay` over `corpus`, each run into a fresh database; the median time and the
/// highest peak memory of the runs.
Row replay(const BenchOptions& options, const std::string& what, const Corpus& corpus,
           const std::string& tag) {
    std::vector<double> seconds;
    long peak_rss_kb = 0;
    for (int i = 0; i < options.runs; ++i) {
        const ChildRun run = replay_once(options.flowwatch, what, corpus, tag);
        if (i == 0) {
            fmt::print(stderr, "  {}", run.err);
        }
        seconds.push_back(run.seconds);
        peak_rss_kb = std::max(peak_rss_kb, run.peak_rss_kb);
    }
    return Row{what,       corpus.bytes, corpus.records, corpus.flow_records, median(seconds),
               peak_rss_kb};
}

/// Runs this flowwatch and `options.against` in turn over `corpus`, seven rounds at least, and
/// prints each one's best time: on a machine whose speed drifts, turns and bests compare two
/// builds better than medians taken minutes apart.
void race(const BenchOptions& options, const Corpus& corpus) {
    const int rounds = std::max(options.runs, 7);
    double ours = 1e300;
    double theirs = 1e300;
    for (int i = 0; i < rounds; ++i) {
        ours = std::min(ours, replay_once(options.flowwatch, "race", corpus, "race").seconds);
        theirs = std::min(theirs, replay_once(options.against, "race", corpus, "race").seconds);
    }
    fmt::print(
        "race on the Power Automate corpus, best of {} turns: {:.2f} s ({}) against "
        "{:.2f} s ({}): {:.0f} % of its time\n",
        rounds, ours, options.flowwatch, theirs, options.against, 100 * ours / theirs);
}

Corpus make_corpus(const std::string& name, ScenarioOptions scenario, double mb) {
    auto corpus =
        write_corpus(fs::current_path(), name, scenario, static_cast<std::uint64_t>(mb * kMiB));
    if (!corpus) {
        fmt::print(stderr, "flowwatch_bench: {}\n", corpus.error().message);
        std::exit(1);
    }
    fmt::print(stderr, "corpus {}: {} files, {:.1f} MB, {} records, {} Power Automate\n", name,
               corpus->files.size(), static_cast<double>(corpus->bytes) / kMiB, corpus->records,
               corpus->flow_records);
    return *corpus;
}

BenchOptions parse_arguments(int argc, char** argv) {
    BenchOptions options;
    options.flowwatch =
        (fs::canonical("/proc/self/exe").parent_path().parent_path() / "agent" / "flowwatch")
            .string();
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--mb" && has_value) {
            options.mb = std::atof(argv[++i]);
        } else if (arg == "--pa-mb" && has_value) {
            options.pa_mb = std::atof(argv[++i]);
        } else if (arg == "--runs" && has_value) {
            options.runs = std::max(1, std::atoi(argv[++i]));
        } else if (arg == "--pa-users" && has_value) {
            options.pa_users = std::atoi(argv[++i]);
        } else if (arg == "--seed" && has_value) {
            options.seed = std::strtoull(argv[++i], nullptr, 10);
        } else if (arg == "--flowwatch" && has_value) {
            options.flowwatch = fs::absolute(argv[++i]).string();
        } else if (arg == "--against" && has_value) {
            options.against = fs::absolute(argv[++i]).string();
        } else if (arg == "--keep") {
            options.keep = true;
        } else {
            fmt::print(
                stderr,
                "usage: flowwatch_bench [--mb N] [--pa-mb N] [--pa-users N] [--runs N] [--seed N] "
                "[--flowwatch PATH] [--against PATH] [--keep]\n");
            std::exit(2);
        }
    }
    return options;
}

}  // namespace

int main(int argc, char** argv) {
    start_spawner();
    const BenchOptions options = parse_arguments(argc, argv);
    std::string pattern = (fs::temp_directory_path() / "flowwatch-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
        fmt::print(stderr, "flowwatch_bench: cannot create a temporary folder\n");
        return 1;
    }
    const fs::path root = pattern;
    fs::current_path(root);
    if (!options.keep) {
        // Also when a run fails and the bench exits early.
        static fs::path corpora;
        corpora = root;
        std::atexit([] {
            std::error_code ignored;
            fs::current_path(fs::temp_directory_path(), ignored);
            fs::remove_all(corpora, ignored);
        });
    }

    // A mixed corpus (~2 % Power Automate) and an all-Power-Automate one.
    ScenarioOptions mixed{.seed = options.seed, .users = 2000, .other_workload_ratio = 50};
    ScenarioOptions pa_only{
        .seed = options.seed + 1, .users = options.pa_users, .other_workload_ratio = 0};
    const Corpus corpus = make_corpus("mixed", mixed, options.mb);
    const Corpus flows = make_corpus("pa", pa_only, options.pa_mb);
    const Corpus quarter = leading_part(corpus, 0.25);

    std::vector<double> raw_seconds;
    auto raw = raw_parse(corpus.files);
    for (int i = 0; raw && i < options.runs; ++i) {
        if (i > 0) {
            raw = raw_parse(corpus.files);
        }
        if (raw) {
            raw_seconds.push_back(raw->seconds);
        }
    }
    if (!raw) {
        fmt::print(stderr, "flowwatch_bench: {}\n", raw.error().message);
        return 1;
    }
    std::vector<Row> rows;
    rows.push_back(Row{"raw simdjson (floor)", raw->bytes, raw->records, raw->flow_records,
                       median(raw_seconds), 0});
    if (!fs::exists(options.flowwatch)) {
        // Still useful: the corpus and the floor, e.g. before the binary is built.
        print_table(rows);
        fmt::print("{} not found: replay not measured\n", options.flowwatch);
        return 1;
    }
    rows.push_back(replay(options, "replay, mixed", corpus, "mixed"));
    rows.push_back(replay(options, "replay, mixed first 1/4", quarter, "quarter"));
    rows.push_back(replay(options, "replay, Power Automate only", flows, "pa"));
    print_table(rows);
    fmt::print("each time is the median of {} runs\n", options.runs);

    const double ratio = rows[0].seconds / rows[1].seconds;
    const double pa_rate = static_cast<double>(rows[3].flow_records) / rows[3].seconds;
    fmt::print("replay/raw throughput: {:.0f} % (target >= 50 %)\n", ratio * 100);
    fmt::print("Power Automate records evaluated and committed: {:.0f}/s (target >= 100000/s)\n",
               pa_rate);
    fmt::print("peak RSS: {:.1f} MB at {:.0f} MB of input, {:.1f} MB at {:.0f} MB\n",
               static_cast<double>(rows[2].peak_rss_kb) / 1024.0,
               static_cast<double>(quarter.bytes) / kMiB,
               static_cast<double>(rows[1].peak_rss_kb) / 1024.0,
               static_cast<double>(corpus.bytes) / kMiB);
    if (!options.against.empty()) {
        race(options, flows);
    }
    if (options.keep) {
        fmt::print("corpora kept in {}\n", root.string());
    }
    return 0;
}

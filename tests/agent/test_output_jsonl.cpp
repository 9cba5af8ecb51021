#include "agent/outputs/jsonl_output.h"

#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <sys/resource.h>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "test_output_support.h"

namespace flowwatch::agent {

namespace {

using output_testing::sample_alert;
using output_testing::TempDir;

std::vector<std::string> lines_of(const std::filesystem::path& path) {
    std::ifstream file(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(file, line);) {
        lines.push_back(line);
    }
    return lines;
}

std::string alert_id_of(const std::string& line) {
    return nlohmann::json::parse(line).at("id").get<std::string>();
}

/// Caps the size of any file this process writes, as a full quota would, for its lifetime:
/// writes past the cap are cut short and then fail with EFBIG instead of raising SIGXFSZ.
class FileSizeCap {
  public:
    explicit FileSizeCap(std::uintmax_t bytes) {
        REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved_) == 0);
        previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);
        rlimit capped = saved_;
        capped.rlim_cur = static_cast<rlim_t>(bytes);
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &capped) == 0);
    }
    FileSizeCap(const FileSizeCap&) = delete;
    FileSizeCap& operator=(const FileSizeCap&) = delete;
    ~FileSizeCap() {
        ::setrlimit(RLIMIT_FSIZE, &saved_);
        std::signal(SIGXFSZ, previous_handler_);
    }

  private:
    rlimit saved_{};
    void (*previous_handler_)(int) = nullptr;
};

std::string line_of(const Alert& alert) {
    return to_json(alert).dump();
}

}  // namespace

TEST_CASE("a jsonl output appends each alert as one JSON line that is on disk at once") {
    TempDir dir;
    auto path = dir.path() / "alerts.jsonl";
    {
        std::ofstream existing(path);
        existing << "{\"id\":\"earlier\"}\n";
    }
    JsonlOutput output("jsonl", JsonlSettings{path});

    REQUIRE(output.deliver(sample_alert(1)).has_value());
    REQUIRE(output.deliver(sample_alert(2)).has_value());

    // Read while the output still holds the file open: each line was flushed on delivery.
    auto lines = lines_of(path);
    REQUIRE(lines.size() == 3);
    CHECK(alert_id_of(lines[0]) == "earlier");
    CHECK(nlohmann::json::parse(lines[1]) == to_json(sample_alert(1)));
    CHECK(nlohmann::json::parse(lines[2]) == to_json(sample_alert(2)));
}

TEST_CASE("a jsonl output writes to a fresh file after logrotate moved it and it reopened") {
    TempDir dir;
    auto path = dir.path() / "alerts.jsonl";
    auto rotated = dir.path() / "alerts.jsonl.1";
    JsonlOutput output("jsonl", JsonlSettings{path});

    REQUIRE(output.deliver(sample_alert(1)).has_value());
    std::filesystem::rename(path, rotated);
    // Until the reopen the open handle still writes into the moved file.
    REQUIRE(output.deliver(sample_alert(2)).has_value());
    REQUIRE(output.reopen().has_value());
    REQUIRE(output.deliver(sample_alert(3)).has_value());

    auto old_lines = lines_of(rotated);
    auto new_lines = lines_of(path);
    REQUIRE(old_lines.size() == 2);
    REQUIRE(new_lines.size() == 1);
    CHECK(alert_id_of(old_lines[1]) == sample_alert(2).id);
    CHECK(alert_id_of(new_lines[0]) == sample_alert(3).id);
}

TEST_CASE("a jsonl output whose directory is missing fails naming the file and the output") {
    TempDir dir;
    auto path = dir.path() / "missing" / "alerts.jsonl";
    JsonlOutput output("archive", JsonlSettings{path});

    auto sent = output.deliver(sample_alert(1));
    REQUIRE_FALSE(sent.has_value());
    CHECK(sent.error().message.find(path.string()) != std::string::npos);
    CHECK(sent.error().message.find("archive") != std::string::npos);

    // Once the directory exists the same output recovers without a restart.
    std::filesystem::create_directories(path.parent_path());
    CHECK(output.deliver(sample_alert(1)).has_value());
    CHECK(lines_of(path).size() == 1);
}

TEST_CASE("a jsonl output retries an alert whose write was cut short on a line of its own") {
    TempDir dir;
    auto path = dir.path() / "alerts.jsonl";
    {
        std::ofstream existing(path);
        existing << "{\"id\":\"earlier\"}\n";
    }
    const auto start = std::filesystem::file_size(path);
    JsonlOutput output("archive", JsonlSettings{path});

    SUBCASE("part of the line reached the file") {
        {
            FileSizeCap cap(start + 100);
            auto sent = output.deliver(sample_alert(1));
            REQUIRE_FALSE(sent.has_value());
            CHECK(sent.error().message.find(sample_alert(1).id) != std::string::npos);
        }
        REQUIRE(std::filesystem::file_size(path) == start + 100);
        REQUIRE(output.deliver(sample_alert(1)).has_value());
        REQUIRE(output.deliver(sample_alert(2)).has_value());

        auto lines = lines_of(path);
        REQUIRE(lines.size() == 4);
        CHECK(lines[1] == line_of(sample_alert(1)).substr(0, 100));
        CHECK(nlohmann::json::parse(lines[2]) == to_json(sample_alert(1)));
        CHECK(nlohmann::json::parse(lines[3]) == to_json(sample_alert(2)));
    }
    SUBCASE("nothing reached the file") {
        {
            FileSizeCap cap(start);
            REQUIRE_FALSE(output.deliver(sample_alert(1)).has_value());
        }
        REQUIRE(output.deliver(sample_alert(1)).has_value());

        // No empty line is left where the failed write would have gone.
        auto lines = lines_of(path);
        REQUIRE(lines.size() == 2);
        CHECK(nlohmann::json::parse(lines[1]) == to_json(sample_alert(1)));
    }
}

TEST_CASE("jsonl settings need a path and reject unknown keys by name") {
    OutputSettings missing(nlohmann::json::object(), "outputs[2]");
    auto no_path = read_jsonl_settings(missing);
    REQUIRE_FALSE(no_path.has_value());
    CHECK(no_path.error().message == "outputs[2].path: is required");

    OutputSettings wrong_type({{"path", 7}}, "outputs[2]");
    CHECK(read_jsonl_settings(wrong_type).error().message ==
          "outputs[2].path: expected a string, got a number");

    OutputSettings unknown({{"path", "/tmp/a.jsonl"}, {"rotate", true}}, "outputs[2]");
    CHECK(read_jsonl_settings(unknown).error().message == "outputs[2].rotate: unknown key");

    OutputSettings good({{"path", "/var/log/flowwatch/alerts.jsonl"}}, "outputs[2]");
    CHECK(read_jsonl_settings(good).value().path == "/var/log/flowwatch/alerts.jsonl");
}

}  // namespace flowwatch::agent

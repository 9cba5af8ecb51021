#include "agent/outputs/output_dispatcher.h"

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <nlohmann/json.hpp>

#include "agent/outputs/background_delivery.h"
#include "agent/outputs/delivery_backoff.h"
#include "agent/outputs/jsonl_output.h"
#include "agent/outputs/syslog_output.h"
#include "agent/outputs/webhook_output.h"
#include "storage/sqlite_store.h"
#include "test_output_support.h"
#include "tests/support/memory_store.h"

namespace flowwatch::agent {

namespace {

using namespace std::chrono_literals;
using output_testing::FakeClock;
using output_testing::FakeDeliveryStore;
using output_testing::HttpPeer;
using output_testing::ids;
using output_testing::Recording;
using output_testing::RecordingOutput;
using output_testing::sample_alert;
using output_testing::TempDir;

DispatcherOptions no_jitter() {
    DispatcherOptions options;
    options.backoff.jitter = 0.0;
    return options;
}

/// Two recording outputs, "a" and "b", behind one dispatcher.
struct TwoOutputs {
    explicit TwoOutputs(FakeDeliveryStore& store, DispatcherOptions options = no_jitter()) {
        std::vector<std::unique_ptr<AlertOutput>> outputs;
        outputs.push_back(std::make_unique<RecordingOutput>("a", a));
        outputs.push_back(std::make_unique<RecordingOutput>("b", b));
        dispatcher = std::make_unique<OutputDispatcher>(store, std::move(outputs), options,
                                                        clock.function());
    }

    std::shared_ptr<Recording> a = std::make_shared<Recording>();
    std::shared_ptr<Recording> b = std::make_shared<Recording>();
    FakeClock clock;
    std::unique_ptr<OutputDispatcher> dispatcher;
};

std::vector<std::string> jsonl_ids(const std::filesystem::path& path) {
    std::ifstream file(path);
    std::vector<std::string> out;
    for (std::string line; std::getline(file, line);) {
        out.push_back(nlohmann::json::parse(line).at("id").get<std::string>());
    }
    return out;
}

}  // namespace

TEST_CASE("the dispatcher delivers every emitted alert once, in store order, to every output") {
    FakeDeliveryStore store;
    store.add(sample_alert(1));
    store.add(sample_alert(2), /*emitted=*/false);
    store.add(sample_alert(3));
    auto last = store.add(sample_alert(4));
    TwoOutputs two(store);

    auto pass = two.dispatcher->deliver_pending();
    two.dispatcher->deliver_pending();

    std::vector<std::string> expected{sample_alert(1).id, sample_alert(3).id, sample_alert(4).id};
    CHECK(pass.delivered == 6);
    CHECK_FALSE(pass.more_pending);
    CHECK(two.a->delivered == expected);
    CHECK(two.b->delivered == expected);
    CHECK(store.delivered_through("a") == last);
    CHECK(store.delivered_through("b") == last);
}

TEST_CASE("an output that is down holds back no other and later gets each missed alert once") {
    FakeDeliveryStore store;
    TwoOutputs two(store);
    two.a->down = true;
    for (int n = 1; n <= 3; ++n) {
        store.add(sample_alert(n));
    }

    two.dispatcher->deliver_pending();
    CHECK(two.b->delivered == ids(1, 3));
    CHECK(two.a->delivered.empty());
    CHECK(two.a->attempts == 1);

    // While it rests, new alerts still reach the healthy output and the down one is not tried.
    store.add(sample_alert(4));
    store.add(sample_alert(5));
    auto pass = two.dispatcher->deliver_pending();
    CHECK(two.b->delivered == ids(1, 5));
    CHECK(two.a->attempts == 1);
    REQUIRE(pass.next_retry.has_value());
    CHECK(*pass.next_retry == two.clock.now + 1s);

    two.a->down = false;
    two.clock.now += 1s;
    two.dispatcher->deliver_pending();
    two.dispatcher->deliver_pending();
    CHECK(two.a->delivered == ids(1, 5));
    CHECK(two.b->delivered == ids(1, 5));
}

TEST_CASE("a failing output rests longer after each failure, and as long as the sink asked") {
    FakeDeliveryStore store;
    store.add(sample_alert(1));
    TwoOutputs two(store);
    two.a->down = true;

    std::vector<std::chrono::steady_clock::duration> rests;
    for (int i = 0; i < 4; ++i) {
        auto pass = two.dispatcher->deliver_pending();
        REQUIRE(pass.next_retry.has_value());
        rests.push_back(*pass.next_retry - two.clock.now);
        two.clock.now = *pass.next_retry;
    }
    CHECK(rests == std::vector<std::chrono::steady_clock::duration>{1s, 2s, 4s, 8s});

    two.a->retry_after = 120s;
    auto pass = two.dispatcher->deliver_pending();
    CHECK(*pass.next_retry - two.clock.now == 120s);
    CHECK(two.dispatcher->status().at(0).consecutive_failures == 5);
    CHECK(two.dispatcher->status().at(0).last_error == "recording output a: down");
}

TEST_CASE("a new dispatcher on the same store does not deliver anything again") {
    FakeDeliveryStore store;
    store.add(sample_alert(1));
    store.add(sample_alert(2));
    {
        TwoOutputs before(store);
        before.dispatcher->deliver_pending();
        CHECK(before.a->delivered == ids(1, 2));
    }
    store.add(sample_alert(3));

    TwoOutputs after(store);
    after.dispatcher->deliver_pending();
    CHECK(after.a->delivered == ids(3, 3));
    CHECK(after.b->delivered == ids(3, 3));
}

TEST_CASE("a backlog larger than a batch is delivered over several passes, in order") {
    FakeDeliveryStore store;
    for (int n = 1; n <= 5; ++n) {
        store.add(sample_alert(n));
    }
    DispatcherOptions options = no_jitter();
    options.batch = 2;
    TwoOutputs two(store, options);

    int passes = 0;
    while (two.dispatcher->deliver_pending().more_pending) {
        ++passes;
        REQUIRE(passes < 10);
    }
    CHECK(passes == 2);
    CHECK(two.a->delivered == ids(1, 5));
}

TEST_CASE("when the cursor cannot be stored the alert is sent again later: at least once") {
    FakeDeliveryStore store;
    store.add(sample_alert(1));
    TwoOutputs two(store);

    store.fail_cursor_writes = true;
    auto pass = two.dispatcher->deliver_pending();
    CHECK(pass.next_retry.has_value());
    CHECK(two.dispatcher->status().at(0).last_error.find("disk I/O error") != std::string::npos);

    store.fail_cursor_writes = false;
    two.clock.now += 1s;
    two.dispatcher->deliver_pending();
    CHECK(two.a->delivered == std::vector<std::string>{sample_alert(1).id, sample_alert(1).id});
    CHECK(store.delivered_through("a") == 1);
}

TEST_CASE("a reopen request reaches every output at the start of the next pass, once") {
    FakeDeliveryStore store;
    TwoOutputs two(store);
    two.dispatcher->request_reopen();
    two.dispatcher->deliver_pending();
    two.dispatcher->deliver_pending();
    CHECK(two.a->reopens == 1);
    CHECK(two.b->reopens == 1);
}

TEST_CASE("backoff doubles from the initial delay up to the cap, and jitter stays in its band") {
    DeliveryBackoff exact(BackoffPolicy{1s, 10s, 0.0});
    std::vector<std::chrono::milliseconds> delays;
    for (int i = 0; i < 6; ++i) {
        delays.push_back(exact.next_delay());
    }
    CHECK(delays == std::vector<std::chrono::milliseconds>{1s, 2s, 4s, 8s, 10s, 10s});
    exact.reset();
    CHECK(exact.next_delay() == 1s);

    DeliveryBackoff jittered(BackoffPolicy{1s, 300s, 0.2}, 42);
    for (int i = 0; i < 50; ++i) {
        auto delay = jittered.next_delay();
        CHECK(delay <= 300s);
        if (i == 0) {
            CHECK(delay >= 800ms);
            CHECK(delay <= 1200ms);
        }
    }
}

TEST_CASE("a syslog receiver that was down gets every missed alert once while a file keeps up") {
    boost::asio::io_context io;
    std::uint16_t port = 0;
    {
        boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::address_v4::loopback(), 0});
        port = probe.local_endpoint().port();
    }
    TempDir dir;
    SyslogSettings syslog;
    syslog.endpoint.kind = SyslogTransportKind::tcp;
    syslog.endpoint.port = port;
    syslog.endpoint.timeout = 2s;
    syslog.identity.hostname = "sensor-1";
    std::vector<std::unique_ptr<AlertOutput>> outputs;
    outputs.push_back(std::make_unique<SyslogOutput>("siem", syslog));
    outputs.push_back(std::make_unique<JsonlOutput>("file", JsonlSettings{dir.path() / "a.jsonl"}));
    FakeDeliveryStore store;
    FakeClock clock;
    OutputDispatcher dispatcher(store, std::move(outputs), no_jitter(), clock.function());

    store.add(sample_alert(1));
    store.add(sample_alert(2));
    dispatcher.deliver_pending();
    CHECK(jsonl_ids(dir.path() / "a.jsonl") == ids(1, 2));
    CHECK(store.delivered_through("siem") == 0);

    // The receiver comes back on its port; after the rest the output catches up.
    boost::asio::ip::tcp::acceptor receiver(io, {boost::asio::ip::address_v4::loopback(), port});
    store.add(sample_alert(3));
    clock.now += 1s;
    dispatcher.deliver_pending();
    dispatcher.deliver_pending();

    boost::asio::ip::tcp::socket peer(io);
    receiver.accept(peer);
    std::string received;
    auto want_frames = [&] {
        std::size_t frames = 0;
        for (auto pos = received.find("<131>1 "); pos != std::string::npos;
             pos = received.find("<131>1 ", pos + 1)) {
            ++frames;
        }
        return frames;
    };
    peer.non_blocking(true);
    CHECK(output_testing::wait_until([&] {
        std::array<char, 8192> chunk{};
        boost::system::error_code ec;
        auto n = peer.read_some(boost::asio::buffer(chunk), ec);
        received.append(chunk.data(), n);
        return want_frames() >= 3;
    }));
    for (const auto& id : ids(1, 3)) {
        auto first = received.find("id=\"" + id + "\"");
        CHECK(first != std::string::npos);
        CHECK(received.find("id=\"" + id + "\"", first + 1) == std::string::npos);
    }
    CHECK(received.find(sample_alert(1).id) < received.find(sample_alert(3).id));
    CHECK(jsonl_ids(dir.path() / "a.jsonl") == ids(1, 3));
    CHECK(store.delivered_through("siem") == 3);
}

TEST_CASE("a webhook answering 500 catches up once it answers 200, without duplicates") {
    HttpPeer peer;
    peer.status = 500;
    WebhookSettings webhook;
    webhook.url = peer.url();
    webhook.timeout = 2s;
    auto recording = std::make_shared<Recording>();
    std::vector<std::unique_ptr<AlertOutput>> outputs;
    outputs.push_back(std::make_unique<WebhookOutput>("webhook", webhook));
    outputs.push_back(std::make_unique<RecordingOutput>("other", recording));
    FakeDeliveryStore store;
    FakeClock clock;
    OutputDispatcher dispatcher(store, std::move(outputs), no_jitter(), clock.function());

    store.add(sample_alert(1));
    store.add(sample_alert(2));
    dispatcher.deliver_pending();
    CHECK(recording->delivered == ids(1, 2));
    CHECK(peer.requests().size() == 1);

    peer.status = 200;
    clock.now += 1s;
    dispatcher.deliver_pending();
    dispatcher.deliver_pending();

    auto requests = peer.requests();
    REQUIRE(requests.size() == 3);
    CHECK(nlohmann::json::parse(requests[1].body)["id"] == sample_alert(1).id);
    CHECK(nlohmann::json::parse(requests[2].body)["id"] == sample_alert(2).id);
}

TEST_CASE("background delivery sends alerts when woken and stops promptly") {
    FakeDeliveryStore store;
    auto recording = std::make_shared<Recording>();
    std::vector<std::unique_ptr<AlertOutput>> outputs;
    outputs.push_back(std::make_unique<RecordingOutput>("a", recording));
    OutputDispatcher dispatcher(store, std::move(outputs));
    BackgroundDelivery background(dispatcher, std::chrono::hours(1));
    background.start();

    // The store is shared with the worker thread, so the test reads it only through status().
    store.add(sample_alert(1));
    background.wake();
    CHECK(output_testing::wait_until(
        [&] { return dispatcher.status().at(0).delivered_through == 1; }));

    auto started = std::chrono::steady_clock::now();
    background.stop();
    CHECK(std::chrono::steady_clock::now() - started < 5s);
    CHECK(recording->delivered == ids(1, 1));
}

}  // namespace flowwatch::agent

namespace flowwatch::agent {

namespace {

/// Inserts alerts `from`..`to` through the store's unit of work, as the pipeline does.
void insert_alerts(Store& store, int from, int to) {
    store.begin_unit();
    for (int n = from; n <= to; ++n) {
        store.insert_alert(output_testing::sample_alert(n), /*emitted=*/true);
    }
    store.commit_unit();
}

/// Runs a fresh dispatcher with one recording output named "a" over `store`; returns its ids.
std::vector<std::string> one_pass(DeliveryStateStore& store) {
    auto recording = std::make_shared<output_testing::Recording>();
    std::vector<std::unique_ptr<AlertOutput>> outputs;
    outputs.push_back(std::make_unique<output_testing::RecordingOutput>("a", recording));
    OutputDispatcher dispatcher(store, std::move(outputs));
    dispatcher.deliver_pending();
    return recording->delivered;
}

}  // namespace

TEST_CASE("across a restart on the SQLite store every alert is delivered exactly once") {
    output_testing::TempDir dir;
    auto path = dir.path() / "flowwatch.db";
    {
        auto store = storage::SqliteStore::open(path);
        REQUIRE(store.has_value());
        insert_alerts(**store, 1, 3);
        CHECK(one_pass(**store) == output_testing::ids(1, 3));
    }
    auto reopened = storage::SqliteStore::open(path);
    REQUIRE(reopened.has_value());
    CHECK(one_pass(**reopened).empty());
    insert_alerts(**reopened, 4, 5);
    CHECK(one_pass(**reopened) == output_testing::ids(4, 5));
}

TEST_CASE("a new dispatcher on the in-memory store resumes after the last delivered alert") {
    test::MemoryStore store;
    insert_alerts(store, 1, 2);
    CHECK(one_pass(store) == output_testing::ids(1, 2));
    insert_alerts(store, 3, 3);
    CHECK(one_pass(store) == output_testing::ids(3, 3));
    CHECK(one_pass(store).empty());
}

}  // namespace flowwatch::agent

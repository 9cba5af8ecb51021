#include <atomic>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "agent/bounded_queue.h"

using flowwatch::agent::BoundedQueue;

TEST_CASE("a bounded queue hands items over in order, across threads, and never holds more") {
    constexpr int kItems = 20000;
    BoundedQueue<int> queue(3);
    std::atomic<int> pushed{0};
    std::thread producer([&] {
        for (int i = 0; i < kItems; ++i) {
            REQUIRE(queue.push(i));
            pushed.fetch_add(1);
        }
        queue.close();
    });
    std::vector<int> received;
    int most_ahead = 0;
    while (auto item = queue.pop()) {
        received.push_back(*item);
        // The producer may be at most the capacity (plus the push in flight) ahead of us.
        most_ahead = std::max(most_ahead, pushed.load() - static_cast<int>(received.size()));
    }
    producer.join();
    REQUIRE(received.size() == kItems);
    for (int i = 0; i < kItems; ++i) {
        REQUIRE(received[static_cast<std::size_t>(i)] == i);
    }
    CHECK(most_ahead <= 3);
}

TEST_CASE("a closed queue drains what it holds, then reports the end; pushes after it fail") {
    BoundedQueue<int> queue(4);
    CHECK(queue.push(1));
    CHECK(queue.push(2));
    queue.close();
    CHECK_FALSE(queue.push(3));
    CHECK(queue.pop() == 1);
    CHECK(queue.pop() == 2);
    CHECK_FALSE(queue.pop().has_value());
    CHECK_FALSE(queue.pop().has_value());
}

TEST_CASE("waiting for room returns once an item is taken, and fails once the queue is closed") {
    BoundedQueue<int> queue(1);
    REQUIRE(queue.push(0));
    std::atomic<bool> taken{false};
    std::thread producer([&] {
        REQUIRE(queue.wait_for_room());
        // Room means the consumer has taken the item.
        CHECK(taken.load());
        CHECK(queue.push(1));
    });
    taken = true;
    CHECK(queue.pop() == 0);
    CHECK(queue.pop() == 1);
    producer.join();
    queue.close();
    CHECK_FALSE(queue.wait_for_room());
}

TEST_CASE("closing a full queue releases a producer waiting for room") {
    BoundedQueue<int> queue(1);
    REQUIRE(queue.push(0));
    std::atomic<bool> second_push_result{true};
    std::thread producer([&] { second_push_result = queue.push(1); });
    // Whether the producer is already waiting or not, close must make its push fail.
    queue.close();
    producer.join();
    CHECK_FALSE(second_push_result.load());
    CHECK(queue.pop() == 0);
    CHECK_FALSE(queue.pop().has_value());
}

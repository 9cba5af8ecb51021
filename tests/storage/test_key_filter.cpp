#include "storage/key_filter.h"

#include <string>

#include <doctest/doctest.h>

#include "storage/row_cache.h"

namespace flowwatch::test {

namespace {

std::string key_of(const std::string& tenant, int n) {
    std::string key;
    storage::CacheKey::append(key, tenant);
    storage::CacheKey::append(key, "maker" + std::to_string(n) + "@contoso.example");
    return key;
}

}  // namespace

TEST_CASE("a key filter never says no to a key it was given, and rarely yes to another") {
    storage::KeyFilter filter(5000);
    for (int n = 0; n < 5000; ++n) {
        filter.add(key_of("tenant-a", n));
    }
    CHECK(filter.keys() == 5000);
    CHECK_FALSE(filter.full());
    for (int n = 0; n < 5000; ++n) {
        REQUIRE(filter.may_contain(key_of("tenant-a", n)));
    }

    // The same users in another tenant, and more users in this one: sized for 5,000 keys at 10
    // bits each, about 1 % of these may pass.
    int passed = 0;
    for (int n = 0; n < 5000; ++n) {
        passed += filter.may_contain(key_of("tenant-b", n)) ? 1 : 0;
        passed += filter.may_contain(key_of("tenant-a", 5000 + n)) ? 1 : 0;
    }
    CHECK(passed < 300);  // 3 % of 10,000
}

TEST_CASE("a key filter says when it holds more keys than it was sized for") {
    storage::KeyFilter filter(0);
    CHECK(filter.capacity() == 1024);
    CHECK_FALSE(filter.may_contain(key_of("tenant-a", 1)));
    for (int n = 0; n < 1024; ++n) {
        filter.add(key_of("tenant-a", n));
    }
    CHECK_FALSE(filter.full());
    filter.add(key_of("tenant-a", 1024));
    CHECK(filter.full());
    // Past its size it still knows every key it was given.
    for (int n = 0; n <= 1024; ++n) {
        REQUIRE(filter.may_contain(key_of("tenant-a", n)));
    }
}

}  // namespace flowwatch::test

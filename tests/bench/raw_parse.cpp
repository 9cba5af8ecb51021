#include "tests/bench/raw_parse.h"

#include <chrono>

#include <fmt/format.h>
#include <simdjson.h>

namespace flowwatch::bench {

Result<RawParseCounts> raw_parse(const std::vector<std::string>& files) {
    simdjson::ondemand::parser parser;
    RawParseCounts counts;
    const auto started = std::chrono::steady_clock::now();
    for (const auto& file : files) {
        simdjson::padded_string text;
        if (simdjson::padded_string::load(file).get(text) != simdjson::SUCCESS) {
            return fail(fmt::format("read {}: cannot load the file", file));
        }
        counts.bytes += text.size();
        simdjson::ondemand::document doc;
        simdjson::ondemand::array records;
        if (parser.iterate(text).get(doc) != simdjson::SUCCESS ||
            doc.get_array().get(records) != simdjson::SUCCESS) {
            return fail(fmt::format("parse {}: not a JSON array", file));
        }
        for (auto element : records) {
            std::int64_t type = 0;
            if (element["RecordType"].get_int64().get(type) != simdjson::SUCCESS) {
                return fail(fmt::format("parse {}: a record without RecordType", file));
            }
            ++counts.records;
            counts.flow_records += type == 30 ? 1 : 0;
        }
    }
    counts.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return counts;
}

}  // namespace flowwatch::bench

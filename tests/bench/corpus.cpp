#include "tests/bench/corpus.h"

#include <fstream>

#include <fmt/format.h>

namespace flowwatch::bench {

Result<Corpus> write_corpus(const std::filesystem::path& root, const std::string& name,
                            ScenarioOptions options, std::uint64_t target_bytes) {
    std::error_code ec;
    std::filesystem::create_directories(root / name, ec);
    if (ec) {
        return fail(fmt::format("create {}: {}", (root / name).string(), ec.message()));
    }
    // Enough days that the size, not the calendar, ends the corpus.
    options.days = 3650;
    ScenarioGenerator generator(options);
    Corpus corpus;
    corpus.folder = name;
    while (corpus.bytes < target_bytes && !generator.finished()) {
        for (const auto& blob : generator.next_day()) {
            const std::string file = fmt::format("{}/{:06}.json", name, corpus.files.size());
            const std::string text = blob.array_text();
            std::ofstream out(root / file, std::ios::binary);
            out.write(text.data(), static_cast<std::streamsize>(text.size()));
            if (!out) {
                return fail(fmt::format("write {}: the file could not be written", file));
            }
            corpus.files.push_back(file);
            corpus.file_bytes.push_back(text.size());
            corpus.file_records.push_back(blob.records.size());
            corpus.file_flow_records.push_back(blob.flow_records());
            corpus.bytes += text.size();
            corpus.records += blob.records.size();
            corpus.flow_records += blob.flow_records();
        }
    }
    return corpus;
}

Corpus leading_part(const Corpus& corpus, double share) {
    Corpus part;
    const auto limit = static_cast<std::uint64_t>(static_cast<double>(corpus.bytes) * share);
    for (std::size_t i = 0; i < corpus.files.size() && part.bytes < limit; ++i) {
        part.files.push_back(corpus.files[i]);
        part.file_bytes.push_back(corpus.file_bytes[i]);
        part.file_records.push_back(corpus.file_records[i]);
        part.file_flow_records.push_back(corpus.file_flow_records[i]);
        part.bytes += corpus.file_bytes[i];
        part.records += corpus.file_records[i];
        part.flow_records += corpus.file_flow_records[i];
    }
    return part;
}

}  // namespace flowwatch::bench

#include "agent/api/blob_fetcher.h"

#include <algorithm>
#include <atomic>
#include <thread>

namespace flowwatch::agent::api {
namespace {

/// The first meaningful byte of a body: white space and a UTF-8 BOM are skipped.
char first_json_byte(std::string_view body) {
    if (body.starts_with("\xEF\xBB\xBF")) {
        body.remove_prefix(3);
    }
    const auto at = body.find_first_not_of(" \t\r\n");
    return at == std::string_view::npos ? '\0' : body[at];
}

bool is_gone_code(std::string_view code) {
    return code == "AF20050" || code == "AF20051" || code == "AF20052";
}

}  // namespace

FetchedBlob classify_blob_response(const Result<HttpResponse>& response,
                                   const ContentEntry& entry) {
    const std::string operation = "download blob " + entry.content_id;
    FetchedBlob out;
    if (!response) {
        out.status =
            response.error().code == kForeignHostCode ? BlobStatus::refused : BlobStatus::failed;
        out.error = Error{operation + ": " + response.error().message, response.error().code};
        return out;
    }
    // Content is an array; errors are objects, sometimes even with status 200.
    if (response->status == 200 && first_json_byte(response->body) == '[') {
        out.status = BlobStatus::content;
        out.body = response->body;
        return out;
    }
    out.error = api_failure(operation, *response);
    if (response->status == 200 && out.error.code == "http_200") {
        out.error = Error{operation + ": the answer is not a JSON array", "bad_blob"};
    }
    const bool gone = response->status == 404 || is_gone_code(out.error.code);
    out.status = gone ? BlobStatus::gone : BlobStatus::failed;
    return out;
}

BlobFetcher::BlobFetcher(ApiSession& session, int concurrency)
    : session_(session), concurrency_(std::max(concurrency, 1)) {}

std::vector<FetchedBlob> BlobFetcher::fetch(std::span<const ContentEntry> entries,
                                            const StopSource& stop) {
    std::vector<FetchedBlob> results(entries.size());
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
        for (std::size_t i = next++; i < entries.size(); i = next++) {
            if (stop.stop_requested()) {
                results[i].error =
                    Error{"download blob " + entries[i].content_id + ": stopped", "stopped"};
                continue;
            }
            results[i] =
                classify_blob_response(session_.get(entries[i].content_uri, stop), entries[i]);
        }
    };

    const auto threads = std::min(static_cast<std::size_t>(concurrency_), entries.size());
    std::vector<std::jthread> pool;
    for (std::size_t t = 1; t < threads; ++t) {
        pool.emplace_back(worker);
    }
    worker();
    pool.clear();  // Joins: every result is written before it is handed out.
    return results;
}

}  // namespace flowwatch::agent::api

#pragma once
/// Downloads content blobs with a bounded number in flight, and sorts each answer into content
/// (a JSON array), gone (404, AF20050, AF20051, AF20052), refused (its URI leaves the API host)
/// or failed.

#include <span>
#include <string>
#include <vector>

#include "agent/api/api_session.h"
#include "agent/api/content_lister.h"

namespace flowwatch::agent::api {

enum class BlobStatus { content, gone, refused, failed };

struct FetchedBlob {
    BlobStatus status = BlobStatus::failed;
    std::string body;  ///< The JSON array, for content.
    Error error;       ///< Why, for the others; code is the AF code or "http_<n>".
};

/// Sorts one answer to a blob download.
FetchedBlob classify_blob_response(const Result<HttpResponse>& response, const ContentEntry& entry);

class BlobFetcher {
  public:
    BlobFetcher(ApiSession& session, int concurrency);

    /// Downloads every entry, at most `concurrency` at a time; results in the entries' order.
    std::vector<FetchedBlob> fetch(std::span<const ContentEntry> entries, const StopSource& stop);

  private:
    ApiSession& session_;
    int concurrency_;
};

}  // namespace flowwatch::agent::api

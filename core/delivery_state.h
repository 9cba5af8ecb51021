#pragma once
/// Delivery state of alert outputs: alerts are stored first, then each output delivers them in
/// store order and advances its own cursor, so a failing output loses nothing and repeats nothing.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/store.h"

namespace flowwatch {

class DeliveryStateStore {
  public:
    virtual ~DeliveryStateStore() = default;

    /// The sequence of the last alert `output` delivered (0 when none).
    virtual std::int64_t delivered_through(std::string_view output) = 0;
    virtual void put_delivered_through(std::string_view output, std::int64_t sequence) = 0;

    /// Emitted alerts with sequence above `after_sequence`, oldest first, at most `limit`.
    virtual std::vector<StoredAlert> emitted_alerts_after(std::int64_t after_sequence,
                                                          std::size_t limit) = 0;
};

}  // namespace flowwatch

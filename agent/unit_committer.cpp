#include "agent/unit_committer.h"

#include "core/alert.h"

namespace flowwatch::agent {

UnitCommitter::UnitCommitter(Store& store, const DetectionPolicy& policy, std::size_t unit_records,
                             std::ostream& alerts_out)
    : pipeline_(store, policy), unit_records_(unit_records), alerts_out_(alerts_out) {}

void UnitCommitter::add(const Chunk& chunk) {
    if (chunk.empty() || failure_) {
        return;
    }
    if (!pipeline_.unit_open()) {
        if (auto opened = pipeline_.open_unit(); !opened) {
            failure_ = opened.error();
            return;
        }
    }
    if (auto added = pipeline_.add_records(chunk); !added) {
        failure_ = added.error();
        return;
    }
    if (pipeline_.unit_records() >= unit_records_ || pipeline_.unit_full()) {
        commit();
    }
}

void UnitCommitter::finish() {
    if (!failure_ && pipeline_.unit_open()) {
        commit();
    }
}

void UnitCommitter::commit() {
    auto outcome = pipeline_.close_unit();
    if (!outcome) {
        failure_ = outcome.error();
        return;
    }
    ++units_;
    counts_ += outcome->counts;
    for (const auto& alert : outcome->emitted) {
        alerts_out_ << to_json(alert).dump() << '\n';
    }
    alerts_out_.flush();
}

}  // namespace flowwatch::agent

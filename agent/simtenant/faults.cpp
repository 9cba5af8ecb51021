#include "agent/simtenant/faults.h"

#include <algorithm>

namespace flowwatch::simtenant {

std::string to_string(RequestKind kind) {
    switch (kind) {
        case RequestKind::any:
            return "any";
        case RequestKind::token:
            return "token";
        case RequestKind::subscription_start:
            return "subscription_start";
        case RequestKind::subscription_list:
            return "subscription_list";
        case RequestKind::subscription_stop:
            return "subscription_stop";
        case RequestKind::content_list:
            return "content_list";
        case RequestKind::blob:
            return "blob";
        case RequestKind::unknown:
            return "unknown";
    }
    return "unknown";
}

void Faults::next(FaultSpec spec, int count) {
    std::lock_guard lock(mutex_);
    counted_.push_back(Counted{spec, count});
}

void Faults::randomly(FaultSpec spec, double probability, std::uint64_t seed) {
    std::lock_guard lock(mutex_);
    random_.push_back(Random{spec, probability, std::mt19937_64{seed}});
}

void Faults::clear() {
    std::lock_guard lock(mutex_);
    counted_.clear();
    random_.clear();
}

void Faults::expire_tokens() {
    std::lock_guard lock(mutex_);
    ++token_generation_;
}

void Faults::set_clock_skew(std::chrono::seconds skew) {
    std::lock_guard lock(mutex_);
    clock_skew_ = skew;
}

void Faults::send_content_uris_to_decoy(bool on) {
    std::lock_guard lock(mutex_);
    content_uris_to_decoy_ = on;
}

void Faults::send_next_page_to_decoy(bool on) {
    std::lock_guard lock(mutex_);
    next_page_to_decoy_ = on;
}

std::optional<FaultSpec> Faults::draw(RequestKind kind) {
    std::lock_guard lock(mutex_);
    auto matches = [kind](const FaultSpec& spec) {
        return spec.on == RequestKind::any || spec.on == kind;
    };

    auto counted = std::find_if(counted_.begin(), counted_.end(), [&](const Counted& c) {
        return c.remaining > 0 && matches(c.spec);
    });
    if (counted != counted_.end()) {
        if (counted->spec.skip > 0) {
            --counted->spec.skip;
            return std::nullopt;
        }
        FaultSpec spec = counted->spec;
        if (--counted->remaining == 0) {
            counted_.erase(counted);
        }
        return spec;
    }

    // Every matching random rule draws, so one rule's sequence does not depend on the others.
    std::optional<FaultSpec> fired;
    for (auto& rule : random_) {
        if (!matches(rule.spec)) {
            continue;
        }
        std::uniform_real_distribution<double> uniform(0.0, 1.0);
        if (uniform(rule.generator) < rule.probability && !fired) {
            fired = rule.spec;
        }
    }
    return fired;
}

std::uint64_t Faults::token_generation() const {
    std::lock_guard lock(mutex_);
    return token_generation_;
}

std::chrono::seconds Faults::clock_skew() const {
    std::lock_guard lock(mutex_);
    return clock_skew_;
}

bool Faults::content_uris_to_decoy() const {
    std::lock_guard lock(mutex_);
    return content_uris_to_decoy_;
}

bool Faults::next_page_to_decoy() const {
    std::lock_guard lock(mutex_);
    return next_page_to_decoy_;
}

}  // namespace flowwatch::simtenant

#pragma once
/// The simulated organisation: its people, makers and their habitual connectors, environments,
/// and the flows that exist at any moment.

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "core/scenario.h"
#include "core/scenario_random.h"

namespace flowwatch::scenario {

enum class Role {
    worker,      ///< Uses Microsoft 365 but builds no flows (until maybe joining as a maker).
    maker,       ///< Builds flows from the start with 2–6 habitual connectors.
    late_maker,  ///< Starts building flows on `join_day`, with common connectors only.
    flow_admin,  ///< The IT admin listed as authorized; works on everybody's flows.
};

struct Person {
    std::string upn{};         ///< As the directory spells it (lower case).
    std::string upn_styled{};  ///< The same UPN with capitals, as some records carry it.
    std::string object_id{};
    std::string puid{};  ///< SharePoint and Exchange UserKey.
    std::string client_ip{};
    Role role = Role::worker;
    int join_day = 0;  ///< First day a late maker builds a flow.
    std::size_t environment = 0;
    std::vector<std::string> habitual{};  ///< Connector display names.
    bool reserved = false;  ///< Kept out of routine flow work (chosen for a planted case).
};

struct Flow {
    std::string id{};
    std::size_t environment = 0;
    std::size_t creator = 0;
    std::map<std::size_t, int> co_owners{};  ///< Granted owner (by the creator or an admin) → day.
    std::vector<std::string> connectors{};
    int created_day = 0;
    bool alive = true;
    bool reserved = false;  ///< Left alone by routine work: a planted case uses it.
};

struct Organisation {
    std::vector<Person> people{};
    std::vector<std::string> environments{};  ///< Default-<tenant> first.
    std::size_t admin = 0;
    std::vector<Flow> flows{};
    /// For each person, the flows they created or co-own (entries may have died since).
    std::vector<std::vector<std::size_t>> owned{};
};

/// Builds the people and environments of a tenant.
Organisation build_organisation(const ScenarioOptions& options, Random& random);

/// Draws `count` distinct connectors from the popularity distribution, never a risky one unless
/// `allow_http` (HTTP only: a few makers use it for real).
std::vector<std::string> draw_habitual_connectors(Random& random, std::size_t count,
                                                  bool allow_http);

/// The connectors a new maker starts with.
std::vector<std::string> common_connectors(Random& random);

/// A random non-empty subset of `from`, at most `most` long, in `from`'s order.
std::vector<std::string> subset_of(Random& random, const std::vector<std::string>& from,
                                   std::size_t most);

}  // namespace flowwatch::scenario

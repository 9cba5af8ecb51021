#pragma once
/// Audit records as the Management Activity API writes them: Power Automate records built from
/// the documented field list, and the other workloads that make up most of Audit.General.

#include <string>
#include <vector>

#include "core/scenario_people.h"
#include "core/scenario_random.h"
#include "core/time.h"

namespace flowwatch::scenario {

/// What a person did to a flow; turned into one RecordType 30 record.
struct FlowEvent {
    Timestamp time{};
    std::string operation{};  ///< CreateFlow, EditFlow, DeleteFlow, PutPermissions, ...
    const Person* actor = nullptr;
    std::string environment{};
    std::string flow_id{};
    std::vector<std::string> connectors{};
    const Person* recipient = nullptr;
    int sharing_permission = 0;   ///< 0 when absent.
    int user_type_initiated = 0;  ///< 0 when absent.
    std::string license{};
    std::string client_ip{};  ///< Overrides the actor's usual address when set.
};

/// `CreationTime` as records carry it: UTC, no fraction, no zone.
std::string record_time(Timestamp t);

/// One Power Automate record; `id` is its Id.
std::string flow_record_json(const FlowEvent& event, const std::string& id,
                             const std::string& tenant, Random& random);

/// One record of another workload (SharePoint, Teams, Exchange, Power BI, Forms, ...) by `actor`.
std::string other_record_json(const Person& actor, Timestamp time, const std::string& tenant,
                              const std::string& domain, Random& random);

}  // namespace flowwatch::scenario

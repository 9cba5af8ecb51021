#pragma once
/// One simulated day of a tenant: routine flow work, the IT admin, other workloads' noise and the
/// planted attacks, turned into records tagged with when the API publishes them.

#include <cstdint>
#include <string>
#include <vector>

#include "core/scenario.h"
#include "core/scenario_people.h"
#include "core/scenario_random.h"
#include "core/scenario_records.h"

namespace flowwatch::scenario {

class TenantSimulation {
  public:
    explicit TenantSimulation(const ScenarioOptions& options);

    /// Simulates day `day` (from 0) and appends its records to `out`.
    void simulate_day(int day, std::vector<ScenarioRecord>& out);

    const Organisation& organisation() const { return org_; }
    const std::vector<PlantedAttack>& attacks() const { return attacks_; }
    const std::vector<BenignLookAlike>& look_alikes() const { return look_alikes_; }
    std::uint64_t duplicates() const { return duplicates_; }

  private:
    Timestamp day_start(int day) const;
    Timestamp working_time(int day);
    std::string emit(const FlowEvent& event);
    void routine_maker_day(std::size_t person, int day);
    Timestamp create_flow(std::size_t person, int day, std::vector<std::string> connectors);
    void edit_flow(std::size_t person, int day);
    void share_flow(std::size_t person, int day);
    void delete_flow(std::size_t person, int day);
    std::size_t pick_owned_flow(std::size_t person, int day, bool created_only);
    std::size_t pick_any_flow(int day);
    void admin_day(int day);
    void admin_grant(Flow& flow, std::size_t f, int day, FlowEvent& event);
    void noise(int day, std::size_t flow_records);
    void note_look_alike(std::string kind, const Person& person, const Flow& flow, Timestamp time,
                         std::string description);

    void plant_attacks(int day);
    void plant_mail_forward(int day);
    void plant_dropbox_edit(int day);
    void plant_blocked_connector(int day);
    void plant_foreign_edit(int day);
    void plant_self_grant(int day);
    void plant_burst(int day);
    void plant_new_user(int day);
    std::size_t pick_established_maker(bool without_http, int day);
    void plant_new_flow(Trigger trigger, std::size_t actor, int day,
                        std::vector<std::string> connectors, std::string description);
    std::size_t pick_foreign_flow(std::size_t actor, int day);
    void record_attack(Trigger trigger, std::size_t actor, const Flow& flow,
                       std::string description, std::vector<std::string> ids,
                       std::vector<Timestamp> times);

    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

    const ScenarioOptions& options_;
    Random random_;
    Organisation org_;
    std::vector<ScenarioRecord>* out_ = nullptr;
    std::vector<int> attack_days_;
    std::vector<PlantedAttack> attacks_;
    std::vector<BenignLookAlike> look_alikes_;
    std::uint64_t duplicates_ = 0;
    double noise_carry_ = 0;
};

}  // namespace flowwatch::scenario

#include "core/scenario_simulation.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

#include "core/record.h"

namespace flowwatch::scenario {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::size_t kLookAlikesPerKind = 25;
constexpr int kAttackCount = 7;
constexpr std::string_view kTrialLicense = "Power Automate Premium Trial";

/// Attackers work from addresses the tenant has not seen.
std::string hostile_ip(Random& random) {
    return fmt::format("185.220.{}.{}", random.between(100, 103), random.between(2, 250));
}

bool weekday(int day) {
    // Day 0 of the default start is a Monday.
    return day % 7 < 5;
}

milliseconds publication_delay(Random& random) {
    // Most content lands within the hour, some takes a couple of hours, a little up to six.
    const double roll = random.unit();
    const std::int64_t secs = roll < 0.85   ? random.between(3 * 60, 40 * 60)
                              : roll < 0.97 ? random.between(40 * 60, 2 * 3600)
                                            : random.between(2 * 3600, 6 * 3600);
    return seconds{secs};
}

bool has(const std::vector<std::string>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

TenantSimulation::TenantSimulation(const ScenarioOptions& options)
    : options_(options), random_(options.seed) {
    org_ = build_organisation(options, random_);

    const int first = kScenarioLearningDays + 1;
    if (options.plant_attacks && options.days > first) {
        const int span = options.days - 1 - first;
        for (int i = 0; i < kAttackCount; ++i) {
            attack_days_.push_back(first + i * span / (kAttackCount - 1));
        }
    }
}

Timestamp TenantSimulation::day_start(int day) const {
    return options_.start + std::chrono::days{day};
}

Timestamp TenantSimulation::working_time(int day) {
    static constexpr std::array<double, 24> kHourWeights = {
        1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 13, 11, 13, 14, 13, 11, 8, 5, 4, 3, 2, 1, 1};
    const auto hour = static_cast<std::int64_t>(random_.weighted(kHourWeights));
    return day_start(day) + hours{hour} + seconds{random_.between(0, 3599)};
}

std::string TenantSimulation::emit(const FlowEvent& event) {
    ScenarioRecord record;
    const std::string id = random_.guid();
    record.creation_time = event.time;
    record.content_created = event.time + publication_delay(random_);
    record.power_automate = true;
    record.json = flow_record_json(event, id, options_.tenant_id, random_);
    // The audit pipeline retries, so the same record sometimes arrives twice.
    if (random_.chance(0.005)) {
        ScenarioRecord copy = record;
        copy.content_created += publication_delay(random_);
        out_->push_back(std::move(copy));
        ++duplicates_;
    }
    out_->push_back(std::move(record));
    return id;
}

void TenantSimulation::simulate_day(int day, std::vector<ScenarioRecord>& out) {
    out_ = &out;
    const std::size_t before = out.size();
    for (std::size_t p = 0; p < org_.people.size(); ++p) {
        routine_maker_day(p, day);
    }
    admin_day(day);
    if (std::find(attack_days_.begin(), attack_days_.end(), day) != attack_days_.end()) {
        plant_attacks(day);
    }
    noise(day, out.size() - before);
    out_ = nullptr;
}

void TenantSimulation::routine_maker_day(std::size_t person, int day) {
    const Person& who = org_.people[person];
    const bool builds = who.role == Role::maker || who.role == Role::late_maker;
    if (!builds || who.reserved || day < who.join_day) {
        return;
    }
    if (day == who.join_day) {
        // A maker's first flow uses every connector they will habitually use.
        const Timestamp time = create_flow(person, day, who.habitual);
        if (who.role == Role::late_maker && day >= kScenarioLearningDays) {
            note_look_alike("new_maker_common", who, org_.flows.back(), time,
                            "a new maker's first flow with common connectors only");
        }
        return;
    }
    if (!random_.chance(weekday(day) ? 0.2 : 0.03)) {
        return;
    }
    static constexpr std::array<double, 5> kActionWeights = {32, 40, 16, 8, 3};
    switch (random_.weighted(kActionWeights)) {
        case 0:
            create_flow(person, day, subset_of(random_, who.habitual, 4));
            break;
        case 1:
            edit_flow(person, day);
            break;
        case 2:
            share_flow(person, day);
            break;
        case 3:
            delete_flow(person, day);
            break;
        default:
            emit(FlowEvent{.time = working_time(day),
                           .operation = "StartAPaidTrial",
                           .actor = &who,
                           .license = std::string(kTrialLicense)});
            break;
    }
}

Timestamp TenantSimulation::create_flow(std::size_t person, int day,
                                        std::vector<std::string> connectors) {
    const Person& who = org_.people[person];
    Flow flow{.id = random_.guid(),
              .environment = who.environment,
              .creator = person,
              .connectors = std::move(connectors),
              .created_day = day};
    const Timestamp time = working_time(day);
    emit(FlowEvent{.time = time,
                   .operation = "CreateFlow",
                   .actor = &who,
                   .environment = org_.environments[flow.environment],
                   .flow_id = flow.id,
                   .connectors = flow.connectors});
    if (day >= kScenarioLearningDays && who.role == Role::maker) {
        note_look_alike("habitual_reuse", who, flow, time,
                        "a maker builds a flow from their habitual connectors");
    }
    org_.owned[person].push_back(org_.flows.size());
    org_.flows.push_back(std::move(flow));
    return time;
}

std::size_t TenantSimulation::pick_owned_flow(std::size_t person, int day, bool created_only) {
    auto& owned = org_.owned[person];
    std::erase_if(owned, [&](std::size_t f) { return !org_.flows[f].alive; });
    std::vector<std::size_t> usable;
    std::vector<std::size_t> shared;
    for (std::size_t f : owned) {
        const Flow& flow = org_.flows[f];
        const bool creator = flow.creator == person;
        const auto grant = flow.co_owners.find(person);
        // Edits come on a later day than the grant, so the grant is always published first.
        const bool co_owner = grant != flow.co_owners.end() && grant->second < day;
        if (!flow.reserved && flow.created_day < day && (creator || (!created_only && co_owner))) {
            usable.push_back(f);
            if (!creator) {
                shared.push_back(f);
            }
        }
    }
    // Someone given a colleague's flow usually took it on to work on it.
    if (!shared.empty() && random_.chance(0.7)) {
        return shared[random_.below(shared.size())];
    }
    return usable.empty() ? kNone : usable[random_.below(usable.size())];
}

void TenantSimulation::edit_flow(std::size_t person, int day) {
    const std::size_t f = pick_owned_flow(person, day, false);
    if (f == kNone) {
        return;
    }
    Flow& flow = org_.flows[f];
    const Person& who = org_.people[person];
    const bool creator = flow.creator == person;
    if (creator && random_.chance(0.3)) {
        flow.connectors = subset_of(random_, who.habitual, 4);
    }
    const Timestamp time = working_time(day);
    emit(FlowEvent{.time = time,
                   .operation = "EditFlow",
                   .actor = &who,
                   .environment = org_.environments[flow.environment],
                   .flow_id = flow.id,
                   .connectors = flow.connectors});
    if (!creator && day >= kScenarioLearningDays) {
        note_look_alike("co_owner_edit", who, flow, time,
                        "a co-owner granted by the creator edits the shared flow");
    }
}

void TenantSimulation::share_flow(std::size_t person, int day) {
    const std::size_t f = pick_owned_flow(person, day, true);
    if (f == kNone) {
        return;
    }
    Flow& flow = org_.flows[f];
    const std::size_t to = random_.below(org_.people.size());
    const Person& recipient = org_.people[to];
    const bool builds = recipient.role == Role::maker || recipient.role == Role::late_maker;
    if (to == person || !builds || recipient.reserved || recipient.join_day > day) {
        return;
    }
    const bool revoke = flow.co_owners.contains(to);
    const int permission = revoke || random_.chance(0.75) ? kPermissionOwner : kPermissionRunOnly;
    emit(FlowEvent{.time = working_time(day),
                   .operation = revoke ? "DeletePermissions" : "PutPermissions",
                   .actor = &org_.people[person],
                   .environment = org_.environments[flow.environment],
                   .flow_id = flow.id,
                   .connectors = flow.connectors,
                   .recipient = &recipient,
                   .sharing_permission = permission,
                   .user_type_initiated = kInitiatedByUser});
    if (revoke) {
        flow.co_owners.erase(to);
    } else if (permission == kPermissionOwner) {
        flow.co_owners.emplace(to, day);
        org_.owned[to].push_back(f);
    }
}

void TenantSimulation::delete_flow(std::size_t person, int day) {
    const std::size_t f = pick_owned_flow(person, day, true);
    if (f == kNone) {
        return;
    }
    Flow& flow = org_.flows[f];
    flow.alive = false;
    emit(FlowEvent{.time = working_time(day),
                   .operation = "DeleteFlow",
                   .actor = &org_.people[person],
                   .environment = org_.environments[flow.environment],
                   .flow_id = flow.id,
                   .connectors = flow.connectors,
                   .user_type_initiated = kInitiatedByUser});
}

std::size_t TenantSimulation::pick_any_flow(int day) {
    for (int attempt = 0; attempt < 12 && !org_.flows.empty(); ++attempt) {
        const std::size_t f = random_.below(org_.flows.size());
        const Flow& flow = org_.flows[f];
        if (flow.alive && !flow.reserved && flow.created_day < day) {
            return f;
        }
    }
    return kNone;
}

void TenantSimulation::admin_day(int day) {
    if (!weekday(day) || !random_.chance(0.7)) {
        return;
    }
    const Person& admin = org_.people[org_.admin];
    const auto actions = random_.between(1, 3);
    for (std::int64_t i = 0; i < actions; ++i) {
        const std::size_t f = pick_any_flow(day);
        if (f == kNone) {
            return;
        }
        Flow& flow = org_.flows[f];
        FlowEvent event{.time = working_time(day),
                        .actor = &admin,
                        .environment = org_.environments[flow.environment],
                        .flow_id = flow.id,
                        .connectors = flow.connectors};
        const double roll = random_.unit();
        if (roll < 0.6) {
            event.operation = "EditFlow";
            if (day >= kScenarioLearningDays) {
                note_look_alike("authorized_admin_edit", admin, flow, event.time,
                                "the authorized IT admin edits a flow someone else created");
            }
        } else if (roll < 0.85) {
            admin_grant(flow, f, day, event);
        } else {
            event.operation = "DeleteFlow";
            event.user_type_initiated = kInitiatedByAdmin;
            flow.alive = false;
        }
        emit(event);
    }
}

void TenantSimulation::admin_grant(Flow& flow, std::size_t f, int day, FlowEvent& event) {
    // The admin hands a flow to a colleague of its creator, e.g. before the creator leaves.
    std::size_t to = random_.below(org_.people.size());
    const Person& candidate = org_.people[to];
    if (to == flow.creator || candidate.role != Role::maker || candidate.reserved) {
        to = flow.creator;
    }
    event.operation = "PutPermissions";
    event.recipient = &org_.people[to];
    event.sharing_permission = kPermissionOwner;
    event.user_type_initiated = kInitiatedByAdmin;
    if (to != flow.creator && !flow.co_owners.contains(to)) {
        flow.co_owners.emplace(to, day);
        org_.owned[to].push_back(f);
    }
}

void TenantSimulation::noise(int day, std::size_t flow_records) {
    noise_carry_ += static_cast<double>(flow_records) * options_.other_workload_ratio;
    const auto count = static_cast<std::size_t>(std::floor(noise_carry_));
    noise_carry_ -= static_cast<double>(count);
    for (std::size_t i = 0; i < count; ++i) {
        const Person& who = org_.people[random_.below(org_.people.size())];
        ScenarioRecord record;
        record.creation_time = working_time(day);
        record.content_created = record.creation_time + publication_delay(random_);
        record.json = other_record_json(who, record.creation_time, options_.tenant_id,
                                        options_.domain, random_);
        out_->push_back(std::move(record));
    }
}

void TenantSimulation::note_look_alike(std::string kind, const Person& person, const Flow& flow,
                                       Timestamp time, std::string description) {
    const auto same_kind = std::count_if(look_alikes_.begin(), look_alikes_.end(),
                                         [&](const BenignLookAlike& l) { return l.kind == kind; });
    if (static_cast<std::size_t>(same_kind) >= kLookAlikesPerKind) {
        return;
    }
    look_alikes_.push_back(BenignLookAlike{.kind = std::move(kind),
                                           .user = person.upn,
                                           .flow_id = flow.id,
                                           .time = time,
                                           .description = std::move(description)});
}

void TenantSimulation::plant_attacks(int day) {
    for (int i = 0; i < kAttackCount; ++i) {
        if (attack_days_[static_cast<std::size_t>(i)] != day) {
            continue;
        }
        switch (i) {
            case 0:
                plant_mail_forward(day);
                break;
            case 1:
                plant_dropbox_edit(day);
                break;
            case 2:
                plant_blocked_connector(day);
                break;
            case 3:
                plant_foreign_edit(day);
                break;
            case 4:
                plant_self_grant(day);
                break;
            case 5:
                plant_burst(day);
                break;
            default:
                plant_new_user(day);
                break;
        }
    }
}

std::size_t TenantSimulation::pick_established_maker(bool without_http, int day) {
    std::vector<std::size_t> candidates;
    for (std::size_t p = 0; p < org_.people.size(); ++p) {
        const Person& who = org_.people[p];
        const bool settled = who.role == Role::maker && who.join_day < kScenarioLearningDays - 4;
        if (settled && !who.reserved && !(without_http && has(who.habitual, "HTTP")) &&
            pick_owned_flow(p, day, true) != kNone) {
            candidates.push_back(p);
        }
    }
    if (candidates.empty()) {
        return kNone;
    }
    const std::size_t chosen = candidates[random_.below(candidates.size())];
    org_.people[chosen].reserved = true;
    return chosen;
}

std::size_t TenantSimulation::pick_foreign_flow(std::size_t actor, int day) {
    std::vector<std::size_t> candidates;
    for (std::size_t f = 0; f < org_.flows.size(); ++f) {
        const Flow& flow = org_.flows[f];
        if (flow.alive && !flow.reserved && flow.created_day < day && flow.creator != actor &&
            flow.creator != org_.admin && !flow.co_owners.contains(actor)) {
            candidates.push_back(f);
        }
    }
    if (candidates.empty()) {
        return kNone;
    }
    const std::size_t chosen = candidates[random_.below(candidates.size())];
    org_.flows[chosen].reserved = true;
    return chosen;
}

void TenantSimulation::record_attack(Trigger trigger, std::size_t actor, const Flow& flow,
                                     std::string description, std::vector<std::string> ids,
                                     std::vector<Timestamp> times) {
    const auto [first, last] = std::minmax_element(times.begin(), times.end());
    attacks_.push_back(PlantedAttack{.trigger = trigger,
                                     .user = org_.people[actor].upn,
                                     .flow_id = flow.id,
                                     .time = *first,
                                     .until = *last,
                                     .description = std::move(description),
                                     .record_ids = std::move(ids)});
}

void TenantSimulation::plant_new_flow(Trigger trigger, std::size_t actor, int day,
                                      std::vector<std::string> connectors,
                                      std::string description) {
    if (actor == kNone) {
        return;
    }
    Flow flow{.id = random_.guid(),
              .environment = org_.people[actor].environment,
              .creator = actor,
              .connectors = std::move(connectors),
              .created_day = day,
              .reserved = true};
    const Timestamp time = working_time(day);
    const std::string id = emit(FlowEvent{.time = time,
                                          .operation = "CreateFlow",
                                          .actor = &org_.people[actor],
                                          .environment = org_.environments[flow.environment],
                                          .flow_id = flow.id,
                                          .connectors = flow.connectors,
                                          .client_ip = hostile_ip(random_)});
    record_attack(trigger, actor, flow, std::move(description), {id}, {time});
    org_.owned[actor].push_back(org_.flows.size());
    org_.flows.push_back(std::move(flow));
}

void TenantSimulation::plant_mail_forward(int day) {
    plant_new_flow(Trigger::unusual_connector, pick_established_maker(true, day), day,
                   {"Office 365 Outlook", "HTTP"},
                   "an established maker's account builds a mail-forwarding flow that posts to "
                   "HTTP, a connector it never used");
}

void TenantSimulation::plant_blocked_connector(int day) {
    plant_new_flow(Trigger::unauthorized_connector, pick_established_maker(true, day), day,
                   {"SharePoint", "FTP"},
                   "a maker builds a flow that copies SharePoint files to FTP, a blocked "
                   "connector");
}

void TenantSimulation::plant_new_user(int day) {
    std::vector<std::size_t> workers;
    for (std::size_t p = 0; p < org_.people.size(); ++p) {
        if (org_.people[p].role == Role::worker && !org_.people[p].reserved) {
            workers.push_back(p);
        }
    }
    if (workers.empty()) {
        return;
    }
    const std::size_t actor = workers[random_.below(workers.size())];
    org_.people[actor].reserved = true;
    plant_new_flow(Trigger::abnormal_activity, actor, day,
                   {"Office 365 Outlook", "HTTP with Microsoft Entra ID", "Gmail"},
                   "a user who never built a flow starts with mail, Entra-authenticated HTTP "
                   "and Gmail");
}

void TenantSimulation::plant_dropbox_edit(int day) {
    const std::size_t actor = pick_established_maker(true, day);
    if (actor == kNone) {
        return;
    }
    Flow& flow = org_.flows[pick_owned_flow(actor, day, true)];
    flow.reserved = true;
    flow.connectors.emplace_back("Dropbox");
    const Timestamp time = working_time(day);
    const std::string id = emit(FlowEvent{.time = time,
                                          .operation = "EditFlow",
                                          .actor = &org_.people[actor],
                                          .environment = org_.environments[flow.environment],
                                          .flow_id = flow.id,
                                          .connectors = flow.connectors,
                                          .client_ip = hostile_ip(random_)});
    record_attack(Trigger::unusual_connector, actor, flow,
                  "a maker's own flow is edited to copy data to Dropbox, new to that maker", {id},
                  {time});
}

void TenantSimulation::plant_foreign_edit(int day) {
    const std::size_t actor = pick_established_maker(true, day);
    const std::size_t f = actor == kNone ? kNone : pick_foreign_flow(actor, day);
    if (f == kNone) {
        return;
    }
    Flow& flow = org_.flows[f];
    if (!has(flow.connectors, "HTTP")) {
        flow.connectors.emplace_back("HTTP");
    }
    const Timestamp time = working_time(day);
    const std::string id = emit(FlowEvent{.time = time,
                                          .operation = "EditFlow",
                                          .actor = &org_.people[actor],
                                          .environment = org_.environments[flow.environment],
                                          .flow_id = flow.id,
                                          .connectors = flow.connectors,
                                          .client_ip = hostile_ip(random_)});
    record_attack(Trigger::cross_user_modification, actor, flow,
                  "a user who was never granted ownership edits a colleague's flow and adds HTTP",
                  {id}, {time});
}

void TenantSimulation::plant_self_grant(int day) {
    const std::size_t actor = pick_established_maker(false, day);
    const std::size_t f = actor == kNone ? kNone : pick_foreign_flow(actor, day);
    if (f == kNone) {
        return;
    }
    const Flow& flow = org_.flows[f];
    const Person& who = org_.people[actor];
    FlowEvent grant{.time = working_time(day),
                    .operation = "PutPermissions",
                    .actor = &who,
                    .environment = org_.environments[flow.environment],
                    .flow_id = flow.id,
                    .connectors = flow.connectors,
                    .recipient = &who,
                    .sharing_permission = kPermissionOwner,
                    .user_type_initiated = kInitiatedByUser,
                    .client_ip = hostile_ip(random_)};
    const std::string grant_id = emit(grant);
    FlowEvent edit = grant;
    edit.time = grant.time + minutes{random_.between(4, 25)};
    edit.operation = "EditFlow";
    edit.recipient = nullptr;
    edit.sharing_permission = 0;
    edit.user_type_initiated = 0;
    const std::string edit_id = emit(edit);
    record_attack(Trigger::cross_user_modification, actor, flow,
                  "a user grants themselves owner on a colleague's flow, then edits it",
                  {grant_id, edit_id}, {grant.time, edit.time});
}

void TenantSimulation::plant_burst(int day) {
    const std::size_t actor = pick_established_maker(true, day);
    if (actor == kNone) {
        return;
    }
    const Person& who = org_.people[actor];
    const Timestamp start = working_time(day);
    std::vector<std::string> ids;
    std::vector<Timestamp> times;
    std::string first_flow;
    for (int i = 0; i < 30; ++i) {
        Flow flow{.id = random_.guid(),
                  .environment = who.environment,
                  .creator = actor,
                  .connectors = subset_of(random_, who.habitual, 3),
                  .created_day = day,
                  .reserved = true};
        const Timestamp time = start + seconds{i * 110 + random_.between(0, 60)};
        ids.push_back(emit(FlowEvent{.time = time,
                                     .operation = "CreateFlow",
                                     .actor = &who,
                                     .environment = org_.environments[flow.environment],
                                     .flow_id = flow.id,
                                     .connectors = flow.connectors}));
        times.push_back(time);
        org_.flows.push_back(std::move(flow));
    }
    record_attack(Trigger::abnormal_activity, actor, org_.flows[org_.flows.size() - 30],
                  "one maker creates 30 flows within an hour", std::move(ids), std::move(times));
}

}  // namespace flowwatch::scenario

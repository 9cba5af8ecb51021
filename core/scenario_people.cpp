#include "core/scenario_people.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>
#include <string_view>

#include <fmt/format.h>

namespace flowwatch::scenario {
namespace {

constexpr std::array<std::string_view, 48> kFirstNames = {
    "adele", "alex",  "amara", "ben",     "carla",  "chen",  "dario", "diego",   "elena", "emeka",
    "farah", "felix", "grace", "hana",    "hugo",   "ines",  "isaac", "jana",    "joao",  "karin",
    "kenji", "lars",  "leila", "lucas",   "maja",   "marek", "megan", "mohamed", "nadia", "nils",
    "olga",  "omar",  "priya", "quentin", "rafael", "rosa",  "samir", "sofia",   "tariq", "tess",
    "umar",  "vera",  "wei",   "xavier",  "yara",   "yusuf", "zoe",   "zofia"};

constexpr std::array<std::string_view, 40> kLastNames = {
    "adams",    "bauer",    "costa",    "dubois",  "eriksen", "fischer",  "garcia",    "hansen",
    "ito",      "jensen",   "kowalski", "lambert", "moreau",  "nakamura", "novak",     "okafor",
    "oliveira", "petrov",   "quinn",    "rossi",   "schmidt", "silva",    "tanaka",    "usman",
    "varga",    "weber",    "xu",       "yilmaz",  "zhang",   "brennan",  "castro",    "dahl",
    "evans",    "fontaine", "gruber",   "horvat",  "ivanova", "keller",   "lindqvist", "meyer"};

struct Popularity {
    std::string_view name;
    double weight;
};

/// How often makers pick each connector, roughly as tenant inventories show it.
constexpr std::array<Popularity, 18> kConnectorPopularity = {{
    {"Office 365 Outlook", 30},
    {"SharePoint", 28},
    {"Microsoft Teams", 20},
    {"Approvals", 18},
    {"Office 365 Users", 14},
    {"OneDrive for Business", 12},
    {"Excel Online (Business)", 12},
    {"Notifications", 8},
    {"Microsoft Forms", 7},
    {"Planner", 6},
    {"Microsoft Dataverse", 5},
    {"Content Conversion", 3},
    {"Power BI", 3},
    {"SQL Server", 3},
    {"Azure DevOps", 2},
    {"Salesforce", 2},
    {"ServiceNow", 1.5},
    {"Word Online (Business)", 1.5},
}};

constexpr std::array<std::string_view, 5> kCommonConnectors = {
    "Office 365 Outlook", "SharePoint", "Approvals", "Microsoft Teams", "Office 365 Users"};

constexpr double kMakerShare = 0.32;
constexpr double kLateMakerShare = 0.06;
constexpr double kHttpMakerShare = 0.04;

std::string styled(std::string_view upn) {
    // Capitalise each name part and the domain, as directory sync often writes it.
    std::string out(upn);
    bool start = true;
    for (char& c : out) {
        if (start && std::isalpha(static_cast<unsigned char>(c)) != 0) {
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        start = c == '.' || c == '@';
    }
    return out;
}

std::string client_ip(Random& random) {
    static constexpr std::array<std::string_view, 6> kPrefixes = {"86.48.", "91.204.", "152.37.",
                                                                  "203.0.", "52.109.", "193.110."};
    std::string_view prefix = kPrefixes[random.below(kPrefixes.size())];
    return fmt::format("{}{}.{}", prefix, random.between(1, 254), random.between(1, 254));
}

Person make_person(const ScenarioOptions& options, Random& random, std::set<std::string>& taken) {
    Person person;
    std::string base = fmt::format("{}.{}", kFirstNames[random.below(kFirstNames.size())],
                                   kLastNames[random.below(kLastNames.size())]);
    std::string upn = fmt::format("{}@{}", base, options.domain);
    for (int n = 2; taken.contains(upn); ++n) {
        upn = fmt::format("{}{}@{}", base, n, options.domain);
    }
    taken.insert(upn);
    person.upn = upn;
    person.upn_styled = styled(upn);
    person.object_id = random.guid();
    person.puid = fmt::format("10032{:011X}", random.next() & 0xFFFFFFFFFFFULL);
    person.client_ip = client_ip(random);
    return person;
}

void assign_role(const ScenarioOptions& options, Random& random, Person& person,
                 std::size_t environments) {
    const double roll = random.unit();
    if (roll < kMakerShare) {
        person.role = Role::maker;
        person.join_day = static_cast<int>(random.between(0, 9));
        const bool http = random.chance(kHttpMakerShare / kMakerShare);
        person.habitual = draw_habitual_connectors(random, 2 + random.below(5), http);
        // Most flows live in the default environment.
        person.environment = random.chance(0.7) ? 0 : 1 + random.below(environments - 1);
    } else if (roll < kMakerShare + kLateMakerShare) {
        person.role = Role::late_maker;
        person.join_day = static_cast<int>(random.between(3, std::max(4, options.days - 1)));
        person.habitual = common_connectors(random);
    }
}

}  // namespace

std::vector<std::string> draw_habitual_connectors(Random& random, std::size_t count,
                                                  bool allow_http) {
    std::array<double, kConnectorPopularity.size()> weights{};
    for (std::size_t i = 0; i < weights.size(); ++i) {
        weights[i] = kConnectorPopularity[i].weight;
    }
    std::vector<std::string> out;
    while (out.size() < count) {
        const std::size_t i = random.weighted(weights);
        out.emplace_back(kConnectorPopularity[i].name);
        weights[i] = 0;
    }
    if (allow_http) {
        out.emplace_back("HTTP");
    }
    return out;
}

std::vector<std::string> common_connectors(Random& random) {
    std::vector<std::string> out;
    for (std::string_view name : kCommonConnectors) {
        if (out.empty() || random.chance(0.5)) {
            out.emplace_back(name);
        }
    }
    return out;
}

std::vector<std::string> subset_of(Random& random, const std::vector<std::string>& from,
                                   std::size_t most) {
    std::vector<std::string> out;
    for (const auto& name : from) {
        if (out.size() < most && random.chance(0.6)) {
            out.push_back(name);
        }
    }
    if (out.empty()) {
        out.push_back(from[random.below(from.size())]);
    }
    return out;
}

Organisation build_organisation(const ScenarioOptions& options, Random& random) {
    Organisation org;
    org.environments.push_back("Default-" + options.tenant_id);
    for (int i = 0; i < 3; ++i) {
        org.environments.push_back(random.guid());
    }

    std::set<std::string> taken;
    const auto count = static_cast<std::size_t>(std::max(options.users, 8));
    for (std::size_t i = 0; i < count; ++i) {
        Person person = make_person(options, random, taken);
        assign_role(options, random, person, org.environments.size());
        org.people.push_back(std::move(person));
    }

    // The IT admin who services everybody's flows and is listed as authorized.
    Person admin = make_person(options, random, taken);
    admin.upn = "it.flowadmin@" + options.domain;
    admin.upn_styled = styled(admin.upn);
    admin.role = Role::flow_admin;
    admin.habitual = {"Office 365 Outlook", "SharePoint", "Approvals", "Office 365 Users"};
    org.admin = org.people.size();
    org.people.push_back(std::move(admin));
    org.owned.resize(org.people.size());
    return org;
}

}  // namespace flowwatch::scenario

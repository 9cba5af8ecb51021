#include "agent/outputs/cef.h"

#include <string>

#include <doctest/doctest.h>

#include "test_output_support.h"

namespace flowwatch::agent {

TEST_CASE("CEF header fields escape pipes and backslashes and flatten line breaks") {
    CHECK(cef_escape_header(R"(a|b\c)") == R"(a\|b\\c)");
    CHECK(cef_escape_header("two\nlines") == "two lines");
}

TEST_CASE("CEF extension values escape equals and backslashes and encode line breaks") {
    CHECK(cef_escape_value(R"(a=b\c)") == R"(a\=b\\c)");
    CHECK(cef_escape_value("one\r\ntwo\nthree\rfour") == R"(one\ntwo\nthree\rfour)");
    CHECK(cef_escape_value("pipes|stay") == "pipes|stay");
}

TEST_CASE("a CEF event names the product, trigger, detection and severity, then the facts") {
    Alert alert = output_testing::sample_alert(1);
    alert.reason = "score=72 because HTTP\\custom is rare";
    std::string event = cef_event(alert);

    std::string header = "CEF:0|flowwatch|flowwatch|" FLOWWATCH_VERSION
                         "|unusual_connector|M365 Suspect Power Automate Activity|8|";
    REQUIRE(event.starts_with(header));
    std::string extensions = event.substr(header.size());
    CHECK(extensions ==
          "rt=1741684493000 externalId=" + alert.id +
              " suser=adele.vance@contoso.example src=203.0.113.7 act=CreateFlow "
              R"(msg=score\=72 because HTTP\\custom is rare )"
              "cs1Label=tenant cs1=4b7c6a3e-1f2d-4e5a-9b8c-0d1e2f3a4b5c "
              "cs2Label=flowId cs2=0f8c4f53-5b5a-4d7e-9a55-6d2a0c1e9b77 "
              "cs3Label=environment cs3=Default-4b7c6a3e-1f2d-4e5a-9b8c-0d1e2f3a4b5c "
              "cs4Label=connectors cs4=Office 365 Outlook,HTTP cs5Label=mitre cs5=T1567 "
              "cn1Label=score cn1=72");
}

TEST_CASE("a CEF event leaves out empty facts and maps every severity into 0 to 10") {
    Alert alert = output_testing::sample_alert(1);
    alert.client_ip.clear();
    alert.flow_id.clear();
    std::string event = cef_event(alert);
    CHECK(event.find(" src=") == std::string::npos);
    CHECK(event.find("cs2") == std::string::npos);

    CHECK(cef_severity(Severity::low) == 3);
    CHECK(cef_severity(Severity::medium) == 5);
    CHECK(cef_severity(Severity::high) == 8);
    CHECK(cef_severity(Severity::critical) == 10);
}

}  // namespace flowwatch::agent

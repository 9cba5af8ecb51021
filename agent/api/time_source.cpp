#include "agent/api/time_source.h"

namespace flowwatch::agent::api {

TimeSource TimeSource::system() {
    return TimeSource{[] {
                          return std::chrono::time_point_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now());
                      },
                      [](const StopSource& stop, std::chrono::milliseconds duration) {
                          return !stop.wait_for(duration);
                      }};
}

}  // namespace flowwatch::agent::api

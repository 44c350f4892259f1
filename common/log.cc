#include "common/log.h"

#include <cstdio>
#include <ctime>
#include <mutex>

namespace switchyard {

void LogLine(LogLevel level, const std::string& message) {
  static std::mutex mu;  // lines from vhost callbacks and control never interleave
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  tm utc;
  gmtime_r(&ts.tv_sec, &utc);
  char stamp[32];
  strftime(stamp, sizeof(stamp), "%H:%M:%S", &utc);
  const char* tag = level == LogLevel::kInfo ? "info" : level == LogLevel::kWarn ? "warn" : "error";
  std::lock_guard<std::mutex> lock(mu);
  std::fprintf(stderr, "%s.%03ld %s %s\n", stamp, ts.tv_nsec / 1000000, tag, message.c_str());
  std::fflush(stderr);
}

}  // namespace switchyard

// Logging for control-side code: one line per event on stderr with a UTC
// timestamp. Never used on the PMD hot path, which only counts.
#pragma once

#include <sstream>
#include <string>

namespace switchyard {

enum class LogLevel { kInfo, kWarn, kError };

void LogLine(LogLevel level, const std::string& message);

#define SY_LOG(level, expr)                         \
  do {                                              \
    std::ostringstream sy_log_os_;                  \
    sy_log_os_ << expr;                             \
    ::switchyard::LogLine(level, sy_log_os_.str()); \
  } while (0)
#define SY_INFO(expr) SY_LOG(::switchyard::LogLevel::kInfo, expr)
#define SY_WARN(expr) SY_LOG(::switchyard::LogLevel::kWarn, expr)
#define SY_ERROR(expr) SY_LOG(::switchyard::LogLevel::kError, expr)

}  // namespace switchyard

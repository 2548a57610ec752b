// The sensor's log: one line per event on standard error, with time and
// level — or, under systemd (JOURNAL_STREAM set), a syslog priority prefix
// ("<4>…") that journald turns into the entry's priority, and no time
// (journald adds its own). --log-level drops what is less important.
// Any thread; each line is one write(2), so lines of several threads never
// interleave.
#pragma once

#include <string>
#include <string_view>

namespace sipscope::logging {

// syslog priorities, most important first.
enum class Level { error = 3, warning = 4, notice = 5, info = 6, debug = 7 };

void set_level(Level level);
Level level();
bool enabled(Level level);
// "error", "warning", "notice", "info", "debug".
bool parse_level(std::string_view text, Level& level);
std::string_view level_name(Level level);
// DPDK's log level (RTE_LOG_*) for ours: the EAL's own lines follow --log-level.
int eal_level(Level level);

void write(Level level, const char* format, ...) __attribute__((format(printf, 2, 3)));

}  // namespace sipscope::logging

// Short forms for the call sites.
#define SIPSCOPE_LOG(level, ...) ::sipscope::logging::write(::sipscope::logging::Level::level, __VA_ARGS__)

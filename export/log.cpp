// The log (see log.hpp).
#include "log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace sipscope::logging {

namespace {

std::atomic<int> g_level{static_cast<int>(Level::info)};

// journald reads stderr and sets JOURNAL_STREAM to its device:inode.
bool under_journald() {
    static const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
    return journal;
}

}  // namespace

void set_level(Level level) { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }
Level level() { return static_cast<Level>(g_level.load(std::memory_order_relaxed)); }
bool enabled(Level wanted) { return static_cast<int>(wanted) <= g_level.load(std::memory_order_relaxed); }

bool parse_level(std::string_view text, Level& out) {
    for (Level candidate : {Level::error, Level::warning, Level::notice, Level::info, Level::debug}) {
        if (text == level_name(candidate)) {
            out = candidate;
            return true;
        }
    }
    return false;
}

std::string_view level_name(Level level) {
    switch (level) {
        case Level::error: return "error";
        case Level::warning: return "warning";
        case Level::notice: return "notice";
        case Level::info: return "info";
        default: return "debug";
    }
}

int eal_level(Level level) {
    // RTE_LOG_ERR 4, WARNING 5, NOTICE 6, INFO 7, DEBUG 8: one more than syslog's.
    return static_cast<int>(level) + 1;
}

void write(Level level, const char* format, ...) {
    if (!enabled(level)) return;
    char line[2048];
    int length = 0;
    if (under_journald()) {
        length = std::snprintf(line, sizeof line, "<%d>", static_cast<int>(level));
    } else {
        auto now = std::chrono::system_clock::now();
        std::time_t seconds = std::chrono::system_clock::to_time_t(now);
        auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
        std::tm utc{};
        gmtime_r(&seconds, &utc);
        length = static_cast<int>(std::strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &utc));
        length += std::snprintf(line + length, sizeof line - static_cast<std::size_t>(length), ".%03dZ sipscope[%d] %s: ",
                                static_cast<int>(millis), static_cast<int>(getpid()), std::string(level_name(level)).c_str());
    }
    va_list arguments;
    va_start(arguments, format);
    int body = std::vsnprintf(line + length, sizeof line - static_cast<std::size_t>(length), format, arguments);
    va_end(arguments);
    length = body < 0 ? length : std::min<int>(length + body, static_cast<int>(sizeof line) - 2);
    if (length > 0 && line[length - 1] != '\n') line[length++] = '\n';
    ssize_t ignored = ::write(STDERR_FILENO, line, static_cast<std::size_t>(length));
    (void)ignored;
}

}  // namespace sipscope::logging

// The JSON-lines events file. Control lcore only.
//
// One object per line, written through a large stdio buffer and flushed at
// least every `flush()` call (the control loop calls it a few times a
// second) so a log shipper tailing the file sees events promptly.
// `reopen()` implements rotation: after a log rotator renamed the file, a
// SIGHUP makes the sensor write to a fresh file at the same path.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace sipscope::exporter {

class EventWriter {
public:
    enum class Mode { append, truncate };

    // path "-" writes to standard output; an empty path disables events.
    // Throws std::runtime_error with the reason when the file cannot be opened.
    EventWriter(std::string path, Mode mode);
    ~EventWriter();
    EventWriter(const EventWriter&) = delete;
    EventWriter& operator=(const EventWriter&) = delete;

    const std::string& path() const { return path_; }

    // Writes `line` (one JSON object, no newline) and a newline.
    void write_line(std::string_view line);
    void flush();
    // Closes and reopens the path in append mode (log rotation).
    void reopen();

    // Read by the metrics collector from another thread.
    uint64_t write_errors() const { return write_errors_.load(std::memory_order_relaxed); }

private:
    void open(const char* mode);
    std::string path_;
    std::FILE* file_ = nullptr;
    bool owns_file_ = false;
    // control lcore: wo; exporter threads: ro
    std::atomic<uint64_t> write_errors_{0};
};

}  // namespace sipscope::exporter

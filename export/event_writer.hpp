// The JSON-lines events file. Control lcore only (the metrics collector
// reads the counters from another thread).
//
// Nothing is lost without a count. Lines are buffered and written whole
// with write(2); when a write fails part-way (disk full, file size limit,
// I/O error), the file is cut back to its last complete line, so it never
// holds a partial line, and every line that did not reach it is counted in
// lost(type, reason). `reopen()` implements rotation (SIGHUP after a log
// rotator renamed the file); a reopen that fails (the directory is gone)
// leaves the writer unavailable — lines are counted as lost — and
// `retry()` (the control loop, every few seconds) or the next SIGHUP
// opens the path again.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "labelled_enum.hpp"

namespace sipscope::exporter {

#define SIPSCOPE_EVENT_TYPES(X) X(sip_scan_flow, "sip_scan_flow") X(alert, "alert") X(stats, "stats")
SIPSCOPE_LABELLED_ENUM(EventType, SIPSCOPE_EVENT_TYPES, kEventTypeCount, kEventTypeLabels)

#define SIPSCOPE_EVENT_LOSS_REASONS(X) X(write_failed, "write_failed") X(file_unavailable, "file_unavailable")
SIPSCOPE_LABELLED_ENUM(EventLossReason, SIPSCOPE_EVENT_LOSS_REASONS, kEventLossReasonCount, kEventLossReasonLabels)

class EventWriter {
public:
    enum class Mode { append, truncate };

    // path "-" writes to standard output; an empty path disables events
    // (then nothing is written and nothing counts as lost). Throws
    // std::runtime_error with the reason when the file cannot be opened.
    EventWriter(std::string path, Mode mode);
    ~EventWriter();
    EventWriter(const EventWriter&) = delete;
    EventWriter& operator=(const EventWriter&) = delete;

    const std::string& path() const { return path_; }
    bool enabled() const { return !path_.empty(); }
    bool available() const { return fd_ >= 0; }

    // Buffers `line` (one JSON object, no newline) and a newline; writes
    // when the buffer is full.
    void write_line(std::string_view line, EventType type);
    // Writes what is buffered. False when lines were lost.
    bool flush();
    // Log rotation: closes and reopens the path in append mode. Returns
    // false (and stays unavailable) when the path cannot be opened.
    bool reopen();
    // When unavailable, tries to open the path again; true when it did.
    bool retry();

    // Read by the metrics collector from another thread.
    uint64_t written(EventType type) const { return load(written_[index(type)]); }
    uint64_t lost(EventType type, EventLossReason reason) const {
        return load(lost_[index(type)][static_cast<std::size_t>(reason)]);
    }
    uint64_t lost_total() const;
    uint64_t write_errors() const { return load(write_errors_); }

private:
    using Counter = std::atomic<uint64_t>;  // control lcore: wo; exporter threads: ro
    static uint64_t load(const Counter& counter) { return counter.load(std::memory_order_relaxed); }
    static void bump(Counter& counter, uint64_t amount = 1) {
        counter.store(counter.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
    }
    static std::size_t index(EventType type) { return static_cast<std::size_t>(type); }
    void open(bool truncate);
    void count_lost(std::size_t first_line, EventLossReason reason);
    void write_failed(std::size_t written_bytes, int error);
    std::size_t write_all(const char* data, std::size_t size, int& error);

    std::string path_;
    int fd_ = -1;
    bool owns_fd_ = false;
    bool regular_file_ = false;     // can be cut back to its last whole line
    bool start_fresh_line_ = false;  // a partial line could not be cut back: begin the next write with '\n'
    bool failing_ = false;           // the last write failed (log once per episode)
    std::string buffer_;
    std::vector<EventType> buffered_types_;  // one per buffered line
    std::array<Counter, kEventTypeCount> written_{};
    std::array<std::array<Counter, kEventLossReasonCount>, kEventTypeCount> lost_{};
    Counter write_errors_{0};
};

}  // namespace sipscope::exporter

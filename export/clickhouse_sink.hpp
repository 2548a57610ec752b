// Flow records and alerts to ClickHouse over HTTP (INSERT … FORMAT
// JSONEachRow, libcurl), from an output thread this object owns.
//
// The control lcore only queues lines (offer): a copy into a bounded queue,
// never a network call, so a slow or dead ClickHouse never stalls a worker
// or the events file. The thread flattens each event into a row
// (event_row.hpp) and sends batches by size (--clickhouse-batch) and by age
// (--clickhouse-flush-ms). A batch that fails for want of a server is kept
// and retried with back-off (0.1 s doubling to 5 s); a batch the server
// refuses (a missing table, a column of the wrong type) is retried three
// times and then dropped. Nothing goes uncounted: every line offered is, in
// the end, either sent or dropped with a reason (queue_full while the
// server is away, rejected, unsent_at_exit).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "event_writer.hpp"
#include "labelled_enum.hpp"

namespace sipscope::exporter {

#define SIPSCOPE_OUTPUT_DROP_REASONS(X) \
    X(queue_full, "queue_full") X(rejected, "rejected") X(unsent_at_exit, "unsent_at_exit")
SIPSCOPE_LABELLED_ENUM(OutputDropReason, SIPSCOPE_OUTPUT_DROP_REASONS, kOutputDropReasonCount, kOutputDropReasonLabels)

struct ClickHouseSettings {
    // e.g. http://127.0.0.1:8123/?database=sipscope (user:password@ allowed)
    std::string url;
    std::string flows_table = "flows";
    std::string alerts_table = "alerts";
    uint32_t batch_rows = 10000;
    uint32_t flush_ms = 1000;
    uint32_t queue_rows = 200000;
    // Replay: while the server takes rows, wait for room rather than drop
    // (a replay loses nothing it can keep); with the server away, drop.
    bool wait_when_full = false;
};

// Checks a --clickhouse URL (http or https, a host). Returns an error line
// or "".
std::string check_clickhouse_url(const std::string& url);

// One POST to ClickHouse's HTTP interface at `url`: `query` in the URL
// (with `settings`, "&name=value…"), `body` as the data. `curl` is a CURL*
// the caller keeps (a connection reused between requests). status 0 with
// `error` when no HTTP answer came; on another status than 200, `error`
// holds its first line. The response is kept up to `max_response` bytes.
struct ClickHouseReply {
    long status = 0;
    std::string body;
    std::string error;
};
ClickHouseReply clickhouse_request(void* curl, const std::string& url, const std::string& query, const std::string& body,
                                   const char* settings = "", std::size_t max_response = SIZE_MAX);

class ClickHouseSink {
public:
    explicit ClickHouseSink(ClickHouseSettings settings);
    ~ClickHouseSink();
    ClickHouseSink(const ClickHouseSink&) = delete;
    ClickHouseSink& operator=(const ClickHouseSink&) = delete;

    // At start, before start(): does the server answer, and does the
    // database hold both tables? "" when it does; otherwise what is wrong.
    // `reachable` says whether the server answered at all.
    std::string probe(bool& reachable);
    // Starts the output thread.
    void start();

    // Control lcore: queues one sip_scan_flow or alert line (other types
    // are not sent). Copies the line.
    void offer(EventType type, std::string_view line);
    // At exit: sends what is queued, retrying for at most `patience` while
    // the server is away; what is left then is dropped (unsent_at_exit).
    void finish(std::chrono::milliseconds patience);

    const std::string& url() const { return settings_.url; }
    // Read by the metrics collector and the summary, from any thread.
    uint64_t sent(EventType type) const { return sent_[index(type)].load(std::memory_order_relaxed); }
    uint64_t dropped(EventType type, OutputDropReason reason) const {
        return dropped_[index(type)][static_cast<std::size_t>(reason)].load(std::memory_order_relaxed);
    }
    uint64_t sent_total() const;
    uint64_t dropped_total() const;
    uint64_t queued() const { return queued_.load(std::memory_order_relaxed); }
    uint64_t failed_requests() const { return failed_requests_.load(std::memory_order_relaxed); }

private:
    struct Line {
        EventType type;
        std::string text;
    };
    // The rows of one table waiting to be sent, and how often the server
    // refused them.
    struct Batch {
        std::string body;
        uint64_t rows = 0;
        unsigned refusals = 0;
    };
    static std::size_t index(EventType type) { return static_cast<std::size_t>(type); }
    void run();
    bool fill(std::unique_lock<std::mutex>& lock);
    // Sends `batch` to `table`; true when the server took it.
    enum class SendResult { sent, unreachable, refused };
    SendResult send(const std::string& table, const std::string& body, std::string& error);
    void count_dropped(EventType type, OutputDropReason reason, uint64_t rows);
    bool deliver(Batch& batch, EventType type, const std::string& table);

    const ClickHouseSettings settings_;
    void* curl_ = nullptr;  // CURL*, used by the output thread only (and probe before it sends)

    std::mutex mutex_;
    std::condition_variable wake_;       // the thread: lines arrived, or stop
    std::condition_variable room_;       // offer(): room in the queue
    std::deque<Line> queue_;
    bool stopping_ = false;
    std::chrono::steady_clock::time_point give_up_at_{};  // during finish()
    std::atomic<bool> server_away_{false};

    std::array<Batch, kEventTypeCount> batches_;  // thread only
    std::array<std::atomic<uint64_t>, kEventTypeCount> sent_{};
    std::array<std::array<std::atomic<uint64_t>, kOutputDropReasonCount>, kEventTypeCount> dropped_{};
    std::atomic<uint64_t> queued_{0};
    std::atomic<uint64_t> failed_requests_{0};
    std::thread thread_;
};

}  // namespace sipscope::exporter

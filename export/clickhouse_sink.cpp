// The ClickHouse output thread (see clickhouse_sink.hpp).
#include "log.hpp"
#include "clickhouse_sink.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

#include "event_row.hpp"

namespace sipscope::exporter {

namespace {

constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kLongestBackoff = std::chrono::milliseconds(5000);
constexpr unsigned kRefusalsBeforeDrop = 5;  // 0.1 + 0.2 + 0.4 + 0.8 s of retries: a transient refusal passes
constexpr long kConnectTimeoutMs = 2000;
constexpr long kRequestTimeoutMs = 30000;

constexpr std::size_t kKeptResponseBytes = 4096;  // an error's text, a probe's table list

struct ResponseBuffer {
    std::string* text;
    std::size_t limit;
};

std::size_t append_response(char* data, std::size_t size, std::size_t count, void* user) {
    auto* response = static_cast<ResponseBuffer*>(user);
    std::size_t bytes = size * count;
    if (response->text->size() < response->limit)
        response->text->append(data, std::min<std::size_t>(bytes, response->limit - response->text->size()));
    return bytes;
}

std::string first_line(std::string text) {
    if (auto newline = text.find('\n'); newline != std::string::npos) text.resize(newline);
    return text;
}

bool is_sent_type(EventType type) { return type == EventType::sip_scan_flow || type == EventType::alert; }

}  // namespace

std::string check_clickhouse_url(const std::string& url) {
    std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(), curl_url_cleanup);
    if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK)
        return "--clickhouse '" + url + "' is not a URL (e.g. http://127.0.0.1:8123/?database=sipscope)";
    char* scheme = nullptr;
    curl_url_get(parsed.get(), CURLUPART_SCHEME, &scheme, 0);
    std::string scheme_text = scheme ? scheme : "";
    curl_free(scheme);
    if (scheme_text != "http" && scheme_text != "https")
        return "--clickhouse '" + url + "': the scheme must be http or https (ClickHouse's HTTP interface)";
    return {};
}

ClickHouseSink::ClickHouseSink(ClickHouseSettings settings) : settings_(std::move(settings)) {
    curl_global_init(CURL_GLOBAL_DEFAULT);  // once per process in effect; reference-counted by libcurl
    curl_ = curl_easy_init();
}

ClickHouseSink::~ClickHouseSink() {
    finish(std::chrono::milliseconds(0));
    curl_easy_cleanup(static_cast<CURL*>(curl_));
    curl_global_cleanup();
}

uint64_t ClickHouseSink::sent_total() const {
    uint64_t total = 0;
    for (const auto& counter : sent_) total += counter.load(std::memory_order_relaxed);
    return total;
}

uint64_t ClickHouseSink::dropped_total() const {
    uint64_t total = 0;
    for (const auto& by_reason : dropped_)
        for (const auto& counter : by_reason) total += counter.load(std::memory_order_relaxed);
    return total;
}

void ClickHouseSink::count_dropped(EventType type, OutputDropReason reason, uint64_t rows) {
    dropped_[index(type)][static_cast<std::size_t>(reason)].fetch_add(rows, std::memory_order_relaxed);
}

ClickHouseReply clickhouse_request(void* handle, const std::string& url, const std::string& query, const std::string& body,
                                   const char* settings, std::size_t max_response) {
    ClickHouseReply reply;
    CURL* curl = static_cast<CURL*>(handle);
    if (!curl) {
        reply.error = "libcurl could not be initialised";
        return reply;
    }
    char* escaped = curl_easy_escape(curl, query.data(), static_cast<int>(query.size()));
    std::string target = url;
    target += target.find('?') == std::string::npos ? '?' : '&';
    target += "query=";
    target += escaped ? escaped : "";
    curl_free(escaped);
    target += settings;
    ResponseBuffer response{&reply.body, max_response};
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, target.c_str());
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, kConnectTimeoutMs);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, kRequestTimeoutMs);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_response);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response);
    CURLcode code = curl_easy_perform(curl);
    if (code != CURLE_OK) {
        reply.error = curl_easy_strerror(code);
        return reply;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
    if (reply.status != 200) reply.error = "HTTP " + std::to_string(reply.status) + ": " + first_line(reply.body);
    return reply;
}

std::string ClickHouseSink::probe(bool& reachable) {
    ClickHouseReply reply = clickhouse_request(
        curl_, settings_.url, "SELECT name FROM system.tables WHERE database = currentDatabase() FORMAT TSV", "", "",
        kKeptResponseBytes);
    reachable = reply.status != 0;
    if (reply.status != 200) return reply.error;
    const std::string& tables = reply.body;
    std::string missing;
    for (const std::string* table : {&settings_.flows_table, &settings_.alerts_table}) {
        if (table->find('.') != std::string::npos) continue;  // another database: not checked here
        bool found = ("\n" + tables).find("\n" + *table + "\n") != std::string::npos;
        if (!found) missing += (missing.empty() ? "" : ", ") + *table;
    }
    if (!missing.empty()) return "the database has no table " + missing + " (load scripts/clickhouse/schema.sql)";
    return {};
}

void ClickHouseSink::start() {
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void ClickHouseSink::offer(EventType type, std::string_view line) {
    if (!is_sent_type(type)) return;
    std::unique_lock lock(mutex_);
    if (queue_.size() >= settings_.queue_rows && settings_.wait_when_full) {
        room_.wait(lock, [&] {
            return queue_.size() < settings_.queue_rows || server_away_.load(std::memory_order_relaxed) || stopping_;
        });
    }
    if (queue_.size() >= settings_.queue_rows || stopping_) {
        lock.unlock();
        count_dropped(type, OutputDropReason::queue_full, 1);
        return;
    }
    queue_.push_back({type, std::string(line)});
    queued_.store(queue_.size(), std::memory_order_relaxed);
    if (queue_.size() >= settings_.batch_rows) wake_.notify_one();
}

void ClickHouseSink::finish(std::chrono::milliseconds patience) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
        give_up_at_ = std::chrono::steady_clock::now() + patience;
    }
    wake_.notify_all();
    room_.notify_all();
    if (thread_.joinable()) thread_.join();
    // Never started, or stopped early: whatever is still queued is dropped.
    std::lock_guard lock(mutex_);
    for (const Line& line : queue_) count_dropped(line.type, OutputDropReason::unsent_at_exit, 1);
    queue_.clear();
    queued_.store(0, std::memory_order_relaxed);
}

ClickHouseSink::SendResult ClickHouseSink::send(const std::string& table, const std::string& body, std::string& error) {
    // Columns a newer sensor sends that an older table lacks are skipped,
    // not a reason to refuse the rows (a URL setting: 18.16 has no INSERT … SETTINGS).
    ClickHouseReply reply = clickhouse_request(curl_, settings_.url, "INSERT INTO " + table + " FORMAT JSONEachRow", body,
                                               "&input_format_skip_unknown_fields=1", kKeptResponseBytes);
    if (reply.status == 200) return SendResult::sent;
    error = reply.error;
    failed_requests_.fetch_add(1, std::memory_order_relaxed);
    return reply.status == 0 ? SendResult::unreachable : SendResult::refused;
}

// Sends one table's batch, retrying as the header describes. False when
// the batch was dropped instead.
bool ClickHouseSink::deliver(Batch& batch, EventType type, const std::string& table) {
    auto backoff = kFirstBackoff;
    while (batch.rows != 0) {
        std::string error;
        SendResult result = send(table, batch.body, error);
        if (result == SendResult::sent) {
            sent_[index(type)].fetch_add(batch.rows, std::memory_order_relaxed);
            batch = Batch{};
            if (server_away_.exchange(false)) SIPSCOPE_LOG(notice, "ClickHouse: sending again\n");
            return true;
        }
        if (result == SendResult::refused && ++batch.refusals >= kRefusalsBeforeDrop) {
            SIPSCOPE_LOG(error, "ClickHouse refused %llu rows for %s %u times (%s); dropped them\n",
                         static_cast<unsigned long long>(batch.rows), table.c_str(), batch.refusals, error.c_str());
            count_dropped(type, OutputDropReason::rejected, batch.rows);
            batch = Batch{};
            return false;
        }
        std::unique_lock lock(mutex_);
        if (result == SendResult::unreachable && !server_away_.exchange(true)) {
            SIPSCOPE_LOG(warning, "ClickHouse at %s: %s; retrying with back-off (the events file is unaffected)\n",
                         settings_.url.c_str(), error.c_str());
            room_.notify_all();  // a replay waiting for room drops instead
        }
        if (stopping_ && std::chrono::steady_clock::now() >= give_up_at_) {
            count_dropped(type, OutputDropReason::unsent_at_exit, batch.rows);
            batch = Batch{};
            return false;
        }
        wake_.wait_for(lock, backoff, [&] { return stopping_ && std::chrono::steady_clock::now() >= give_up_at_; });
        backoff = std::min(backoff * 2, std::chrono::duration_cast<std::chrono::milliseconds>(kLongestBackoff));
    }
    return true;
}

// Takes up to a batch of lines off the queue and flattens them into the
// tables' batches (outside the lock: offer() is never kept waiting on it).
bool ClickHouseSink::fill(std::unique_lock<std::mutex>& lock) {
    std::vector<Line> taken;
    std::size_t count = std::min<std::size_t>(queue_.size(), settings_.batch_rows);
    taken.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        taken.push_back(std::move(queue_.front()));
        queue_.pop_front();
    }
    queued_.store(queue_.size(), std::memory_order_relaxed);
    room_.notify_all();
    lock.unlock();
    for (const Line& line : taken) {
        Batch& batch = batches_[index(line.type)];
        if (!flatten_event_row(line.text, batch.body)) {
            count_dropped(line.type, OutputDropReason::rejected, 1);
            continue;
        }
        batch.body.push_back('\n');
        ++batch.rows;
    }
    lock.lock();
    return count != 0;
}

void ClickHouseSink::run() {
    auto flush_every = std::chrono::milliseconds(settings_.flush_ms);
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait_for(lock, flush_every, [&] { return stopping_ || queue_.size() >= settings_.batch_rows; });
        if (stopping_ && server_away_.load() && std::chrono::steady_clock::now() >= give_up_at_) break;
        bool took = fill(lock);
        lock.unlock();
        deliver(batches_[index(EventType::sip_scan_flow)], EventType::sip_scan_flow, settings_.flows_table);
        deliver(batches_[index(EventType::alert)], EventType::alert, settings_.alerts_table);
        lock.lock();
        if (stopping_ && !took && queue_.empty()) break;
    }
    // Gave up with the server away: the queue is dropped by finish().
}

}  // namespace sipscope::exporter

// Requests to reload the tool database that arrive over HTTP (POST
// /reload), served by the control lcore, which also serves SIGUSR2. The
// API thread waits for the answer, so that the client learns whether the
// new database is in use or why not.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

namespace sipscope::exporter {

class ReloadRequests {
public:
    // API thread: asks and waits. The result ("" = done, else why it
    // failed), or nullopt when the control lcore did not answer in time.
    std::optional<std::string> request_and_wait(std::chrono::milliseconds patience) {
        std::unique_lock lock(mutex_);
        uint64_t mine = ++requested_;
        if (!answered_.wait_for(lock, patience, [&] { return done_ >= mine; })) return std::nullopt;
        return result_;
    }
    // Control lcore: whether a request waits for it.
    bool pending() const {
        std::lock_guard lock(mutex_);
        return requested_ > done_;
    }
    // Control lcore: answers every request made before the reload it just
    // did (they all asked for the file as it is now).
    void answer(uint64_t up_to, const std::string& result) {
        {
            std::lock_guard lock(mutex_);
            done_ = up_to;
            result_ = result;
        }
        answered_.notify_all();
    }
    uint64_t requested() const {
        std::lock_guard lock(mutex_);
        return requested_;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable answered_;
    uint64_t requested_ = 0, done_ = 0;
    std::string result_;
};

}  // namespace sipscope::exporter

// JSON-lines file output: whole lines or counted losses, and rotation.
#include "log.hpp"
#include "event_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace sipscope::exporter {

namespace {
constexpr std::size_t kBufferBytes = 1 << 20;
}

EventWriter::EventWriter(std::string path, Mode mode) : path_(std::move(path)) {
    buffer_.reserve(kBufferBytes + 4096);
    if (!path_.empty()) open(mode == Mode::truncate);
}

EventWriter::~EventWriter() {
    flush();
    if (owns_fd_ && fd_ >= 0) ::close(fd_);
}

void EventWriter::open(bool truncate) {
    if (path_ == "-") {
        fd_ = STDOUT_FILENO;
        owns_fd_ = false;
    } else {
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : O_APPEND), 0644);
        if (fd_ < 0) throw std::runtime_error("cannot open events file '" + path_ + "': " + std::strerror(errno));
        owns_fd_ = true;
    }
    struct stat status {};
    regular_file_ = ::fstat(fd_, &status) == 0 && S_ISREG(status.st_mode);
    // Opened with O_TRUNC, later writes must still go to the end (a log
    // rotator may truncate a copy): append from here on.
    if (truncate && owns_fd_) ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_APPEND);
}

uint64_t EventWriter::lost_total() const {
    uint64_t total = 0;
    for (const auto& by_reason : lost_)
        for (const Counter& counter : by_reason) total += load(counter);
    return total;
}

void EventWriter::write_line(std::string_view line, EventType type) {
    if (path_.empty()) return;
    if (fd_ < 0) {
        bump(lost_[index(type)][static_cast<std::size_t>(EventLossReason::file_unavailable)]);
        return;
    }
    buffer_.append(line);
    buffer_.push_back('\n');
    buffered_types_.push_back(type);
    if (buffer_.size() >= kBufferBytes) flush();
}

// Lines from `first_line` of the buffer on did not reach the file.
void EventWriter::count_lost(std::size_t first_line, EventLossReason reason) {
    for (std::size_t i = first_line; i < buffered_types_.size(); ++i)
        bump(lost_[index(buffered_types_[i])][static_cast<std::size_t>(reason)]);
}

// A write stopped after `written_bytes` of the buffer: keep the whole lines
// that made it, cut the file back to them, count the rest.
void EventWriter::write_failed(std::size_t written_bytes, int error) {
    bump(write_errors_);
    std::size_t whole = 0, lines = 0;
    for (std::size_t i = 0; i < written_bytes; ++i) {
        if (buffer_[i] == '\n') {
            whole = i + 1;
            ++lines;
        }
    }
    std::size_t partial = written_bytes - whole;
    if (partial != 0) {
        struct stat status {};
        if (regular_file_ && ::fstat(fd_, &status) == 0 && status.st_size >= static_cast<off_t>(partial)) {
            if (::ftruncate(fd_, status.st_size - static_cast<off_t>(partial)) != 0) start_fresh_line_ = true;
        } else {
            start_fresh_line_ = true;  // a pipe: the partial line stays, the next one starts on its own line
        }
    }
    for (std::size_t i = 0; i < lines; ++i) bump(written_[index(buffered_types_[i])]);
    count_lost(lines, EventLossReason::write_failed);
    if (!failing_) {
        SIPSCOPE_LOG(error, "events file %s: write failed (%s); events are counted as lost "
                             "(sipscope_events_lost_total) until writing works again\n",
                     path_.c_str(), std::strerror(error));
    }
    failing_ = true;
}

// Writes `size` bytes; returns how many went out (all unless `error` is set).
std::size_t EventWriter::write_all(const char* data, std::size_t size, int& error) {
    std::size_t done = 0;
    while (done < size) {
        ssize_t count = ::write(fd_, data + done, size - done);
        if (count > 0) {
            done += static_cast<std::size_t>(count);
        } else if (count < 0 && errno == EINTR) {
            continue;
        } else {
            error = count < 0 ? errno : ENOSPC;
            break;
        }
    }
    return done;
}

bool EventWriter::flush() {
    if (fd_ < 0 || buffer_.empty()) return true;
    int error = 0;
    bool ok = true;
    if (start_fresh_line_) {
        // A partial line went to a pipe earlier: end it before the next one.
        ok = write_all("\n", 1, error) == 1;
        start_fresh_line_ = !ok;
        if (!ok) write_failed(0, error);
    }
    if (ok) {
        std::size_t done = write_all(buffer_.data(), buffer_.size(), error);
        ok = done == buffer_.size();
        if (ok) {
            for (EventType type : buffered_types_) bump(written_[index(type)]);
            if (failing_) SIPSCOPE_LOG(notice, "events file %s: writing works again\n", path_.c_str());
            failing_ = false;
        } else {
            write_failed(done, error);
        }
    }
    buffer_.clear();
    buffered_types_.clear();
    return ok;
}

bool EventWriter::reopen() {
    if (path_.empty() || path_ == "-") return true;
    flush();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    try {
        open(false);
    } catch (const std::exception& error) {
        SIPSCOPE_LOG(error, "%s; events are counted as lost until the path can be opened "
                             "(retried every few seconds and on SIGHUP)\n",
                     error.what());
        bump(write_errors_);
        return false;
    }
    return true;
}

bool EventWriter::retry() {
    if (fd_ >= 0 || path_.empty()) return false;
    try {
        open(false);
    } catch (const std::exception&) {
        return false;
    }
    SIPSCOPE_LOG(notice, "events file %s opened again\n", path_.c_str());
    return true;
}

}  // namespace sipscope::exporter

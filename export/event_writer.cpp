// JSON-lines file output with rotation on request.
#include "event_writer.hpp"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace sipscope::exporter {

namespace {
constexpr std::size_t kBufferBytes = 1 << 20;
}

EventWriter::EventWriter(std::string path, Mode mode) : path_(std::move(path)) {
    if (path_.empty()) return;
    open(mode == Mode::append ? "a" : "w");
}

EventWriter::~EventWriter() {
    flush();
    if (owns_file_ && file_) std::fclose(file_);
}

void EventWriter::open(const char* mode) {
    if (path_ == "-") {
        file_ = stdout;
        owns_file_ = false;
        return;
    }
    file_ = std::fopen(path_.c_str(), mode);
    if (file_ == nullptr) {
        throw std::runtime_error("cannot open events file '" + path_ + "': " + std::strerror(errno));
    }
    owns_file_ = true;
    std::setvbuf(file_, nullptr, _IOFBF, kBufferBytes);
}

void EventWriter::write_line(std::string_view line) {
    if (!file_) return;
    bool ok = std::fwrite(line.data(), 1, line.size(), file_) == line.size() && std::fputc('\n', file_) != EOF;
    if (!ok) {
        write_errors_.store(write_errors_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        std::clearerr(file_);
    }
}

void EventWriter::flush() {
    if (file_ && std::fflush(file_) != 0) {
        write_errors_.store(write_errors_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        std::clearerr(file_);
    }
}

void EventWriter::reopen() {
    if (!file_ || !owns_file_) return;
    std::fflush(file_);
    std::fclose(file_);
    file_ = nullptr;
    try {
        open("a");
    } catch (const std::exception& error) {
        // Keep running without events rather than die on a full disk or a
        // vanished directory; the error counter and the log tell the user.
        std::fprintf(stderr, "sipscope: %s; events are not written until the next SIGHUP\n", error.what());
        write_errors_.store(write_errors_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        file_ = nullptr;
    }
}

}  // namespace sipscope::exporter

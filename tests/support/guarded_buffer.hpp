// Test support: places bytes immediately before an unreadable page, so any
// read past the end of the input faults and fails the test (the technique
// of picohttpparser's tests).
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string_view>

namespace sipscope::testing_support {

class GuardedBuffer {
public:
    explicit GuardedBuffer(std::span<const uint8_t> bytes) {
        page_ = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
        std::size_t data_pages = (bytes.size() + page_ - 1) / page_ + 1;
        size_ = (data_pages + 1) * page_;
        void* area = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (area == MAP_FAILED) throw std::runtime_error("mmap failed");
        base_ = static_cast<uint8_t*>(area);
        uint8_t* guard = base_ + data_pages * page_;
        if (mprotect(guard, page_, PROT_NONE) != 0) throw std::runtime_error("mprotect failed");
        data_ = guard - bytes.size();
        if (!bytes.empty()) std::memcpy(data_, bytes.data(), bytes.size());
        length_ = bytes.size();
    }
    explicit GuardedBuffer(std::string_view text)
        : GuardedBuffer(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size())) {}
    ~GuardedBuffer() { munmap(base_, size_); }
    GuardedBuffer(const GuardedBuffer&) = delete;
    GuardedBuffer& operator=(const GuardedBuffer&) = delete;

    std::span<const uint8_t> span() const { return {data_, length_}; }

private:
    uint8_t* base_ = nullptr;
    uint8_t* data_ = nullptr;
    std::size_t length_ = 0;
    std::size_t size_ = 0;
    std::size_t page_ = 0;
};

}  // namespace sipscope::testing_support

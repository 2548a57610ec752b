// lcore::make_resident maps every page of a range at once and leaves the
// bytes as they were.
#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "resident_memory.hpp"

namespace sipscope::lcore {
namespace {

class Mapping {
public:
    explicit Mapping(std::size_t bytes) : bytes_(bytes) {
        at_ = static_cast<unsigned char*>(mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    }
    ~Mapping() {
        if (at_ != MAP_FAILED) munmap(at_, bytes_);
    }
    unsigned char* at() const { return at_; }
    // Pages of the mapping the kernel has mapped, one flag each.
    std::vector<bool> resident(std::size_t page) const {
        std::vector<unsigned char> flags(bytes_ / page);
        EXPECT_EQ(mincore(at_, bytes_, flags.data()), 0) << std::strerror(errno);
        std::vector<bool> result;
        for (unsigned char flag : flags) result.push_back(flag & 1);
        return result;
    }

private:
    std::size_t bytes_;
    unsigned char* at_;
};

TEST(ResidentMemory, MapsEveryPageOfTheRangeAndKeepsItsBytes) {
    const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    Mapping mapping(16 * page);
    ASSERT_NE(mapping.at(), MAP_FAILED);
    madvise(mapping.at(), 16 * page, MADV_NOHUGEPAGE);  // pages, not a huge page, map on a touch
    std::memset(mapping.at() + 3 * page, 0x5a, page);    // one page written before
    std::vector<bool> before = mapping.resident(page);
    if (before[5]) GTEST_SKIP() << "this kernel mapped untouched pages already: nothing to show";
    // From the middle of page 2 to the middle of page 9: pages 2 to 9.
    unsigned char* start = mapping.at() + 2 * page + page / 2;
    if (!make_resident(start, 7 * page)) {
        GTEST_SKIP() << "the kernel cannot populate ahead (MADV_POPULATE_WRITE: " << std::strerror(errno) << ")";
    }
    std::vector<bool> resident = mapping.resident(page);
    for (std::size_t i = 2; i <= 9; ++i) EXPECT_TRUE(resident[i]) << "page " << i;
    for (std::size_t i = 0; i < page; ++i) ASSERT_EQ(mapping.at()[3 * page + i], 0x5a);
    for (std::size_t i = 4 * page; i < 10 * page; ++i) ASSERT_EQ(mapping.at()[i], 0);
    EXPECT_TRUE(make_resident(nullptr, 0));
}

}  // namespace
}  // namespace sipscope::lcore

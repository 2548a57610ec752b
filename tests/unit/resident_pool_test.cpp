// Mempools populated from resident memory (lcore/resident_pool.hpp), on the
// EAL without hugepages as the tests and the README run it: every object is
// there, usable as DPDK's own population makes it, and the pool's pages
// are mapped before any object is used.
#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "eal_test_main.hpp"
#include "resident_memory.hpp"
#include "resident_pool.hpp"

namespace {

using sipscope::lcore::create_resident_packet_pool;
using sipscope::lcore::populate_resident;

// Whether this kernel can map a range in one call (Linux 5.14); where it
// cannot, the pools are populated DPDK's way and map page by page.
bool kernel_populates() {
    const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    void* probe = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    bool able = probe != MAP_FAILED && sipscope::lcore::make_resident(probe, page);
    if (probe != MAP_FAILED) munmap(probe, page);
    return able;
}

// Pages of the pool's memory chunks that are mapped now, and all of them.
std::pair<std::size_t, std::size_t> mapped_pages(rte_mempool* pool) {
    std::pair<std::size_t, std::size_t> counts{0, 0};
    rte_mempool_mem_iter(
        pool,
        [](rte_mempool*, void* opaque, rte_mempool_memhdr* chunk, unsigned) {
            auto& [mapped, total] = *static_cast<std::pair<std::size_t, std::size_t>*>(opaque);
            const auto page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
            uintptr_t first = reinterpret_cast<uintptr_t>(chunk->addr) & ~(page - 1);
            uintptr_t end = (reinterpret_cast<uintptr_t>(chunk->addr) + chunk->len + page - 1) & ~(page - 1);
            std::vector<unsigned char> resident((end - first) / page);
            if (mincore(reinterpret_cast<void*>(first), end - first, resident.data()) != 0) return;
            for (unsigned char bit : resident) mapped += bit & 1;
            total += resident.size();
        },
        &counts);
    return counts;
}

TEST(ResidentPool, ObjectsLargerThanAPageAreAllThere) {
    // The record pool's shape: objects of several pages, the stack driver.
    constexpr unsigned kObjects = 511, kObjectBytes = 7600;
    rte_mempool* pool = rte_mempool_create_empty("rp_test_records", kObjects, kObjectBytes, 16, 0, SOCKET_ID_ANY, 0);
    ASSERT_NE(pool, nullptr);
    if (rte_mempool_set_ops_byname(pool, "stack", nullptr) != 0) {
        ASSERT_EQ(rte_mempool_set_ops_byname(pool, "ring_mp_mc", nullptr), 0);
    }
    EXPECT_EQ(populate_resident(pool), static_cast<int>(kObjects));
    EXPECT_EQ(pool->populated_size, kObjects);
    // DPDK's own population writes only each object's header: about one
    // page in two of these would be mapped. (First in this file: memory a
    // freed pool leaves behind stays mapped and may be handed out again.)
    auto [mapped, total] = mapped_pages(pool);
    ASSERT_GT(total, 0u);
    if (kernel_populates()) {
        EXPECT_EQ(mapped, total) << "pages of the pool mapped before any object was used";
    }
    std::vector<void*> objects(kObjects);
    ASSERT_EQ(rte_mempool_get_bulk(pool, objects.data(), kObjects), 0);
    // Distinct, non-overlapping objects, each writable end to end.
    std::sort(objects.begin(), objects.end());
    for (std::size_t i = 0; i + 1 < objects.size(); ++i)
        ASSERT_GE(static_cast<char*>(objects[i + 1]) - static_cast<char*>(objects[i]), kObjectBytes);
    for (void* object : objects) std::memset(object, 0xa5, kObjectBytes);
    rte_mempool_put_bulk(pool, objects.data(), kObjects);
    rte_mempool_free(pool);
}

TEST(ResidentPool, PacketPoolHoldsEveryMbufInitialised) {
    constexpr unsigned kMbufs = 4095;
    constexpr uint16_t kPrivate = 64, kDataRoom = RTE_MBUF_DEFAULT_BUF_SIZE;
    rte_mempool* pool = create_resident_packet_pool("rp_test_mbufs", kMbufs, 32, kPrivate, kDataRoom, SOCKET_ID_ANY);
    ASSERT_NE(pool, nullptr);
    EXPECT_EQ(pool->populated_size, kMbufs);
    EXPECT_EQ(rte_pktmbuf_data_room_size(pool), kDataRoom);
    EXPECT_EQ(rte_pktmbuf_priv_size(pool), kPrivate);
    // Every mbuf can be taken, is reset as rte_pktmbuf_init leaves it, and
    // has its own buffer after the private area.
    std::vector<rte_mbuf*> mbufs(kMbufs);
    ASSERT_EQ(rte_pktmbuf_alloc_bulk(pool, mbufs.data(), kMbufs), 0);
    for (rte_mbuf* mbuf : mbufs) {
        ASSERT_EQ(mbuf->pool, pool);
        ASSERT_EQ(mbuf->buf_len, kDataRoom);
        ASSERT_EQ(mbuf->priv_size, kPrivate);
        ASSERT_EQ(static_cast<char*>(mbuf->buf_addr), reinterpret_cast<char*>(mbuf) + sizeof(rte_mbuf) + kPrivate);
        ASSERT_EQ(mbuf->data_len, 0);
        ASSERT_EQ(mbuf->nb_segs, 1);
        ASSERT_EQ(mbuf->buf_iova, rte_mempool_virt2iova(mbuf) + sizeof(rte_mbuf) + kPrivate);
    }
    rte_pktmbuf_free_bulk(mbufs.data(), kMbufs);
    EXPECT_EQ(rte_mempool_avail_count(pool), kMbufs);
    rte_mempool_free(pool);
}

}  // namespace

int main(int argc, char** argv) {
    return sipscope::testing_support::run_tests_with_eal(argc, argv, "resident_pool_test", "256");
}

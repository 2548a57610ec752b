// See resident_pool.hpp.
#include "resident_pool.hpp"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_memzone.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "resident_memory.hpp"

namespace sipscope::lcore {

namespace {
// Called by rte_mempool_free for the memory chunk it was given.
void free_zone(rte_mempool_memhdr*, void* zone) { rte_memzone_free(static_cast<const rte_memzone*>(zone)); }
}  // namespace

int populate_resident(rte_mempool* pool) {
    if (rte_eal_has_hugepages()) return rte_mempool_populate_default(pool);
    // The layout the default population chooses without hugepages (the
    // stack and ring drivers both use this calculation): objects that fit
    // in a page do not cross one. Without hugepages the EAL uses virtual
    // addresses as IO addresses, so the memory is IO-contiguous.
    if (rte_eal_iova_mode() != RTE_IOVA_VA) return rte_mempool_populate_default(pool);
    const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    std::size_t min_chunk = 0, align = 0;
    ssize_t bytes = rte_mempool_op_calc_mem_size_default(pool, pool->size - pool->populated_size,
                                                         static_cast<uint32_t>(__builtin_ctzll(page)), &min_chunk, &align);
    if (bytes <= 0) return rte_mempool_populate_default(pool);
    char zone_name[RTE_MEMZONE_NAMESIZE];
    std::snprintf(zone_name, sizeof zone_name, "res_%s", pool->name);
    const rte_memzone* zone =
        rte_memzone_reserve_aligned(zone_name, static_cast<std::size_t>(bytes), pool->socket_id, 0, std::max(align, page));
    if (zone == nullptr) return rte_mempool_populate_default(pool);
    if (!make_resident(zone->addr, zone->len)) {
        // An old kernel: no gain over DPDK's own way, which keeps its layout.
        rte_memzone_free(zone);
        return rte_mempool_populate_default(pool);
    }
    int added = rte_mempool_populate_virt(pool, static_cast<char*>(zone->addr), zone->len, page, free_zone,
                                          const_cast<rte_memzone*>(zone));
    if (added < 0) {
        rte_memzone_free(zone);
        return rte_mempool_populate_default(pool);
    }
    // Anything the chunk could not hold is added the default way.
    if (pool->populated_size < pool->size) {
        int more = rte_mempool_populate_default(pool);
        if (more < 0) return more;
        added += more;
    }
    return added;
}

rte_mempool* create_resident_packet_pool(const char* name, unsigned count, unsigned cache_size, uint16_t private_size,
                                         uint16_t data_room_size, int socket_id) {
    // What rte_pktmbuf_pool_create does, with populate_resident in place
    // of rte_mempool_populate_default.
    const unsigned element_size = sizeof(rte_mbuf) + private_size + data_room_size;
    rte_mempool* pool = rte_mempool_create_empty(name, count, element_size, cache_size,
                                                 sizeof(rte_pktmbuf_pool_private), socket_id, 0);
    if (pool == nullptr) return nullptr;
    int error = rte_mempool_set_ops_byname(pool, rte_mbuf_best_mempool_ops(), nullptr);
    if (error == 0) {
        rte_pktmbuf_pool_private settings{};
        settings.mbuf_data_room_size = data_room_size;
        settings.mbuf_priv_size = private_size;
        rte_pktmbuf_pool_init(pool, &settings);
        int added = populate_resident(pool);
        if (added >= 0 && pool->populated_size == pool->size) {
            rte_mempool_obj_iter(pool, rte_pktmbuf_init, nullptr);
            return pool;
        }
        error = added < 0 ? -added : ENOMEM;
    } else {
        error = -error;
    }
    rte_mempool_free(pool);
    rte_errno = error;
    return nullptr;
}

}  // namespace sipscope::lcore

// Mempools whose memory is mapped in one call before their objects are
// laid out (see resident_memory.hpp for why).
//
// rte_mempool_populate_default reserves the pool's memory and then writes
// every object's header, so without hugepages each page holding a header
// faults in on its own (11-15 µs on a VM): the record pool (8,191 objects
// of ~7.5 KiB) and the packet pool took a replay of a 1,249-packet capture
// from 0.56-0.60 s to 0.64-0.70 s, and a looped-capture run's 262,144
// mbufs took its start from 2.8 s to 4.7 s. Here the memory is reserved
// as one memzone, made resident and handed to the pool. The cost: all of
// both pools is resident from the start (+33 MB in that replay). With
// hugepages (the EAL has mapped everything already), IO addresses that
// are physical, or a kernel that cannot populate, DPDK's own population
// is used, as before. Main lcore, at start.
#pragma once

#include <rte_mempool.h>

namespace sipscope::lcore {

// Fills `pool` (made by rte_mempool_create_empty, its ops set) with all
// its objects. Returns the number of objects added, as
// rte_mempool_populate_default does (negative on error).
int populate_resident(rte_mempool* pool);

// rte_pktmbuf_pool_create, populated as above.
rte_mempool* create_resident_packet_pool(const char* name, unsigned count, unsigned cache_size, uint16_t private_size,
                                         uint16_t data_room_size, int socket_id);

}  // namespace sipscope::lcore

// Makes a worker's large tables resident before its first packet.
//
// The flow array and the detail pool (~150 MiB per worker at the default
// capacities) are reserved at start but their pages are mapped on first
// touch. Without hugepages (--no-huge: 4 KiB pages) the first touch of each
// page is a fault, and on a VM a fault costs 11-15 µs: a replay of a
// telescope capture spent ~0.5 s of its 0.74 s faulting in detail slots one
// new source at a time. madvise(MADV_POPULATE_WRITE) (Linux 5.14) maps a
// range in one call, ~10 times cheaper per page. With hugepages the EAL
// has mapped everything already and this changes nothing. Main lcore, at
// start.
#pragma once

#include <cstddef>

namespace sipscope::lcore {

// Maps every page of [start, start + bytes) writable now (neighbouring
// bytes of the first and last page included), without changing its
// contents. False when the kernel cannot (older than 5.14, or a mapping
// that does not allow it): the pages then map on first touch, as before.
bool make_resident(void* start, std::size_t bytes);

}  // namespace sipscope::lcore

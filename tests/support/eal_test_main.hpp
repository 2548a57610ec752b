// main() of a unit test that needs DPDK's EAL (rte_hash, rings, mempools):
// the EAL started as the tests run it — no hugepages, no PCI, one lcore,
// a file prefix of its own so that suites run side by side — then every
// test, then the EAL's cleanup.
#pragma once

#include <gtest/gtest.h>
#include <rte_eal.h>
#include <unistd.h>

#include <cstdio>
#include <iterator>
#include <string>

namespace sipscope::testing_support {

inline int run_tests_with_eal(int argc, char** argv, const char* name, const char* memory_mib) {
    ::testing::InitGoogleTest(&argc, argv);
    std::string prefix = std::string("--file-prefix=") + name + std::to_string(getpid());
    const char* eal_arguments[] = {name, "--no-huge", "-m", memory_mib, "--no-shconf", prefix.c_str(),
                                   "--no-pci", "--no-telemetry", "--log-level=*:error", "-l", "0"};
    if (rte_eal_init(static_cast<int>(std::size(eal_arguments)), const_cast<char**>(eal_arguments)) < 0) {
        std::fprintf(stderr, "%s: EAL start failed\n", name);
        return 1;
    }
    int result = RUN_ALL_TESTS();
    rte_eal_cleanup();
    return result;
}

}  // namespace sipscope::testing_support

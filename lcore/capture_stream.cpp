// net_pcap (DPDK's capture-file port) opens a replay's capture with
// libpcap's pcap_open_offline, which reads it through stdio with the file
// system's block size as the buffer: 4 KiB, ~10 packets of a SIP flood per
// read(2). On the AMD VM's paravirtualised kernel entry those ~100,000
// calls for a million-packet replay were ~13 % of the worker's time.
//
// This definition, exported from the executable (lcore/meson.build:
// --export-dynamic-symbol), is the one the PMD binds to: DPDK dlopens it,
// and its symbols resolve in the global scope, the executable first. It
// opens the file as libpcap 1.10 does ("-" is the standard input; an error
// names the path and errno's text) and gives the stream a 1 MiB buffer
// before handing it to libpcap's own pcap_fopen_offline, which reads it
// exactly as it would have (pcap_close closes the stream).
#include <pcap/pcap.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "log.hpp"

namespace {

constexpr std::size_t kStreamBufferBytes = std::size_t{1} << 20;
// A stream's buffer must outlive it, and the PMD closes its stream where we
// cannot see: the buffers are kept for the process's life. A replay opens
// its capture once or twice (probe, start); past this many opens (a long
// run that restarts its port) a stream keeps stdio's own buffer.
constexpr unsigned kStreamBuffers = 16;
char* g_stream_buffers[kStreamBuffers];  // reachable, so no leak to LeakSanitizer
std::atomic<unsigned> g_stream_buffers_used{0};

char* take_stream_buffer() {
    unsigned slot = g_stream_buffers_used.fetch_add(1, std::memory_order_relaxed);
    if (slot >= kStreamBuffers) return nullptr;
    g_stream_buffers[slot] = static_cast<char*>(std::malloc(kStreamBufferBytes));
    return g_stream_buffers[slot];
}

}  // namespace

extern "C" pcap_t* pcap_open_offline(const char* path, char* errbuf) {
    if (path == nullptr) {
        std::snprintf(errbuf, PCAP_ERRBUF_SIZE, "A null pointer was supplied as the file name");
        return nullptr;
    }
    bool standard_input = std::strcmp(path, "-") == 0;
    FILE* stream = standard_input ? stdin : std::fopen(path, "rb");
    if (stream == nullptr) {
        std::snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s: %s", path, std::strerror(errno));
        return nullptr;
    }
    if (!standard_input) {
        if (char* buffer = take_stream_buffer(); buffer && std::setvbuf(stream, buffer, _IOFBF, kStreamBufferBytes) == 0)
            SIPSCOPE_LOG(debug, "capture %s read through a %zu KiB buffer\n", path, kStreamBufferBytes >> 10);
    }
    pcap_t* capture = pcap_fopen_offline(stream, errbuf);
    if (capture == nullptr && !standard_input) std::fclose(stream);
    return capture;
}

// sd_notify from libsystemd (see service_notify.hpp).
#include "service_notify.hpp"

#include <systemd/sd-daemon.h>

namespace sipscope::lcore {

ServiceNotifier::ServiceNotifier() {
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0) watchdog_interval_ = std::chrono::microseconds(usec);
}

void ServiceNotifier::ready(const std::string& status) { sd_notifyf(0, "READY=1\nSTATUS=%s", status.c_str()); }

void ServiceNotifier::stopping(const std::string& status) { sd_notifyf(0, "STOPPING=1\nSTATUS=%s", status.c_str()); }

void ServiceNotifier::beat(std::chrono::steady_clock::time_point now) {
    if (!watchdog_enabled()) return;
    if (now - last_beat_ < watchdog_interval_ / 2) return;
    last_beat_ = now;
    sd_notify(0, "WATCHDOG=1");
}

}  // namespace sipscope::lcore

// Telling systemd how the service is doing (sd_notify): READY once the
// ports are up and the workers run, the watchdog from the control lcore's
// loop (a stuck control lcore stops the beats and systemd restarts the
// service), STOPPING when a signal starts the shutdown flush. Outside
// systemd (no NOTIFY_SOCKET) every call does nothing. Control lcore only.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace sipscope::lcore {

class ServiceNotifier {
public:
    ServiceNotifier();
    void ready(const std::string& status);
    void stopping(const std::string& status);
    // Called every pass of the control loop; sends WATCHDOG=1 at half the
    // interval systemd asked for (WatchdogSec), and nothing if it asked none.
    void beat(std::chrono::steady_clock::time_point now);
    bool watchdog_enabled() const { return watchdog_interval_.count() > 0; }

private:
    std::chrono::microseconds watchdog_interval_{0};
    std::chrono::steady_clock::time_point last_beat_{};
};

}  // namespace sipscope::lcore

// libFuzzer target over the configuration file path of the command line,
// the way main() takes it: the line checker (check_config_file), CLI11's
// parse of the file with the options' own checks, then make_run_plan's
// checks. Every input must end in "accepted" or a usage error; another
// exception, a crash or a sanitizer report is a finding.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "sensor_options.hpp"

using namespace sipscope::lcore;

namespace {
// One file per fuzzing process (libFuzzer's -jobs run several).
const std::string& config_path() {
    static const std::string path = "/tmp/sipscope-config-fuzz-" + std::to_string(getpid()) + ".conf";
    return path;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    const std::string& path = config_path();
    FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) return 0;
    std::fwrite(data, 1, size, file);
    std::fclose(file);

    CLI::App app{"sipscope", "sipscope"};
    SensorOptions options;
    add_options(app, options);
    if (!check_config_file(app, path).empty()) return 0;
    std::string arguments[] = {"sipscope", "--config", path, "replay", "/dev/null"};
    char* argv[] = {arguments[0].data(), arguments[1].data(), arguments[2].data(), arguments[3].data(),
                    arguments[4].data()};
    try {
        app.parse(5, argv);
    } catch (const CLI::ParseError&) {
        return 0;
    }
    RunPlan plan;
    make_run_plan(options, plan);
    return 0;
}

// libFuzzer target over the tool database parser and compiler: any text
// is either a database (every pattern compiled by Hyperscan) or a
// ToolDatabaseError naming file and line. Anything else — another
// exception, a crash, a sanitizer report — is a finding. Inputs that do
// load are matched against a document, so that the compiled patterns run.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tool_database.hpp"

using sipscope::fingerprint::ToolDatabase;
using sipscope::fingerprint::ToolDatabaseError;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::unique_ptr<ToolDatabase> database;
    try {
        database = ToolDatabase::from_text(text, "fuzz.conf");
    } catch (const ToolDatabaseError&) {
        return 0;
    }
    auto scratch = database->make_scratch();
    database->match_document("user-agent:friendly-scanner\nfrom:\"sipvicious\"<sip:100@1.1.1.1>\n", *scratch);
    database->match_document(text, *scratch);
    return 0;
}

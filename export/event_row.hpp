// One event line as one flat row for a column store (ClickHouse's
// JSONEachRow): nested objects become columns named by their path with `.`
// turned into `_` (flow.start → flow_start), arrays of objects become one
// array column per member (fingerprint → fingerprint_name,
// fingerprint_value), booleans become 0/1, and every timestamp becomes
// whole seconds (a DateTime column) plus `_us`, microseconds since the
// epoch (ClickHouse 18.16 has no DateTime64).
//
// Deriving rows from the event text, not from the flow record, keeps the
// table and the events file the same data by construction: a field added
// to events is a column to add, never a second formatter to keep in step.
// Runs on the ClickHouse output thread, never on the control lcore.
#pragma once

#include <string>
#include <string_view>

namespace sipscope::exporter {

// Appends the row for `event` (one JSON object as the event writer makes
// it) to `row`. Returns false, leaving `row` as it was, when `event` is not
// a JSON object this flattener understands.
bool flatten_event_row(std::string_view event, std::string& row);

}  // namespace sipscope::exporter

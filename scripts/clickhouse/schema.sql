-- sipscope's flow records and alerts in ClickHouse: one database, `sipscope`,
-- with `flows` (sip_scan_flow events) and `alerts` (alert events).
--
-- Every column is the event field of the same name with `.` turned into `_`
-- (docs/events.schema.json), and arrays of objects are one array column per
-- member (fingerprint → fingerprint_name, fingerprint_value). Times are a
-- DateTime (seconds, UTC) and the same time in microseconds (`_us`): this
-- loads into ClickHouse 18.16 (Debian 12), which has no DateTime64, and into
-- a current ClickHouse.
--
-- `flows` holds closed flows (flow_state = 'closed', one row per flow) and
-- the interim records of open ones (flow_state = 'active', --active-timeout):
-- count and sum over closed rows.
--
--   clickhouse-client --multiquery < scripts/clickhouse/schema.sql

CREATE DATABASE IF NOT EXISTS sipscope;

-- sip_scan_flow events: partitioned by day, ordered by source and time.
CREATE TABLE IF NOT EXISTS sipscope.flows
(
    sensor String,
    flow_id UInt64,
    schema_version UInt8,
    timestamp DateTime('UTC'),
    timestamp_us UInt64,
    community_id String,
    src_ip String,
    src_port UInt16,
    dest_ip String,
    dest_port UInt16,
    proto String,
    flow_start DateTime('UTC'),
    flow_start_us UInt64,
    flow_end DateTime('UTC'),
    flow_end_us UInt64,
    flow_duration_s Float64,
    flow_packets UInt64,
    flow_bytes UInt64,
    flow_packets_per_second Float64,
    flow_responses UInt64,
    flow_state Enum8('active' = 1, 'closed' = 2),
    flow_close_reason String,
    flow_source_scope String,
    sip_methods_INVITE UInt64,
    sip_methods_ACK UInt64,
    sip_methods_BYE UInt64,
    sip_methods_CANCEL UInt64,
    sip_methods_OPTIONS UInt64,
    sip_methods_REGISTER UInt64,
    sip_methods_PRACK UInt64,
    sip_methods_SUBSCRIBE UInt64,
    sip_methods_NOTIFY UInt64,
    sip_methods_PUBLISH UInt64,
    sip_methods_INFO UInt64,
    sip_methods_REFER UInt64,
    sip_methods_MESSAGE UInt64,
    sip_methods_UPDATE UInt64,
    sip_methods_other UInt64,
    sip_responses_1xx UInt64,
    sip_responses_2xx UInt64,
    sip_responses_3xx UInt64,
    sip_responses_4xx UInt64,
    sip_responses_5xx UInt64,
    sip_responses_6xx UInt64,
    sip_rfc_violations Array(String),
    transport_probes_udp_empty UInt64,
    transport_probes_udp_not_sip UInt64,
    transport_probes_tcp_syn UInt64,
    tool_table_id UInt16,
    tool_name String,
    tool_family String,
    tool_confidence Float32,
    tool_complete UInt8,
    fingerprint_name Array(String),
    fingerprint_value Array(String),
    header_sequence Array(String),
    fingerprint_info_packets UInt32,
    fingerprint_info_settled UInt8,
    fingerprint_info_sequence_changed UInt8,
    fingerprint_info_keys_dropped UInt8,
    fingerprint_id String,
    strategy String,
    destinations_distinct UInt64,
    destinations_estimated UInt8,
    dest_ports_port Array(UInt16),
    dest_ports_requests Array(UInt64),
    dest_ports_other UInt64,
    src_ports_behaviour String,
    src_ports_port UInt16,
    ip_ttl String,
    ip_ttl_first UInt8,
    ip_ip_id String,
    user_agents Array(String),
    user_agent_info_changes_per_message UInt8,
    user_agent_info_distinct_beyond_listed UInt8,
    user_agent_info_missing UInt64,
    extensions_distinct UInt64,
    extensions_existing UInt64,
    extensions_found Array(String),
    numbers_number Array(String),
    numbers_country Array(String),
    numbers_type Array(String),
    numbers_attempts Array(UInt64),
    numbers_dialled_as Array(String),
    calls_invites_to_numbers UInt64,
    calls_international UInt64,
    calls_premium_rate UInt64,
    calls_distinct_numbers UInt64,
    calls_most_dial_forms UInt64,
    digest_auth_attempts UInt64,
    digest_auth_refused UInt64,
    digest_auth_accepted UInt64,
    digest_auth_distinct_usernames UInt64,
    digest_auth_usernames_username Array(String),
    digest_auth_usernames_attempts Array(UInt64),
    exposure_host Array(String),
    exposure_last_status Array(UInt16),
    exposure_responses Array(UInt64),
    exposure_status_classes Array(String),
    exposure_extensions_existing Array(UInt64),
    crafting_cues Array(String),
    crafting_scripted UInt8,
    callers_user Array(String),
    callers_requests Array(UInt64),
    behaviours Array(String)
)
ENGINE = MergeTree()
PARTITION BY toYYYYMMDD(flow_start)
ORDER BY (src_ip, flow_start, sensor, flow_id);

-- alert events: partitioned by the day their flow started, ordered by source and time.
CREATE TABLE IF NOT EXISTS sipscope.alerts
(
    sensor String,
    flow_id UInt64,
    schema_version UInt8,
    timestamp DateTime('UTC'),
    timestamp_us UInt64,
    community_id String,
    src_ip String,
    src_port UInt16,
    dest_ip String,
    dest_port UInt16,
    proto String,
    alert_signature String,
    alert_signature_id UInt32,
    alert_severity UInt8,
    alert_category String,
    alert_behaviour String,
    alert_method String,
    alert_threshold UInt64,
    alert_count UInt64,
    flow_start DateTime('UTC'),
    flow_start_us UInt64,
    flow_packets UInt64,
    flow_responses UInt64,
    tool_table_id UInt16,
    tool_name String,
    tool_family String,
    tool_confidence Float32,
    tool_complete UInt8,
    strategy String
)
ENGINE = MergeTree()
PARTITION BY toYYYYMMDD(flow_start)
ORDER BY (src_ip, flow_start, sensor, flow_id);

-- The paper's Table I from the sensor's records: per tool, when it was
-- first seen, the SIP requests and the sources it sent, and its usual scan
-- strategy (the one most of its flows showed). Closed flows only: interim
-- records (flow_state = 'active') repeat them. On a cluster, read
-- sipscope.flows_all instead.
SELECT
    tool_table_id AS id,
    tool_name AS tool,
    tool_family AS family,
    min(flow_start) AS first_seen,
    sum(flow_packets) AS requests,
    uniqExact(src_ip) AS sources,
    topK(1)(strategy)[1] AS strategy
FROM sipscope.flows
WHERE flow_state = 'closed'
GROUP BY id, tool, family
ORDER BY id, tool

-- Sources and requests by tool per UTC day (the paper's activity over
-- time), by the day each flow started. Closed flows only.
SELECT
    toDate(flow_start) AS day,
    tool_name AS tool,
    uniqExact(src_ip) AS sources,
    sum(flow_packets) AS requests
FROM sipscope.flows
WHERE flow_state = 'closed'
GROUP BY day, tool
ORDER BY day, sources DESC, tool

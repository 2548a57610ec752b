-- SIP methods by tool (the paper's figure of methods per tool): requests
-- and sources per method. Closed flows only.
SELECT tool, method, sum(method_requests) AS requests, uniqExact(src_ip) AS sources
FROM
(
    SELECT
        tool_name AS tool,
        src_ip,
        arrayJoin([
            ('INVITE', sip_methods_INVITE), ('ACK', sip_methods_ACK), ('BYE', sip_methods_BYE),
            ('CANCEL', sip_methods_CANCEL), ('OPTIONS', sip_methods_OPTIONS), ('REGISTER', sip_methods_REGISTER),
            ('PRACK', sip_methods_PRACK), ('SUBSCRIBE', sip_methods_SUBSCRIBE), ('NOTIFY', sip_methods_NOTIFY),
            ('PUBLISH', sip_methods_PUBLISH), ('INFO', sip_methods_INFO), ('REFER', sip_methods_REFER),
            ('MESSAGE', sip_methods_MESSAGE), ('UPDATE', sip_methods_UPDATE), ('other', sip_methods_other)
        ]) AS pair,
        pair.1 AS method,
        pair.2 AS method_requests
    FROM sipscope.flows
    WHERE flow_state = 'closed'
)
WHERE method_requests > 0
GROUP BY tool, method
ORDER BY tool, requests DESC, method

-- Dialled numbers by country (honeyTARG-style toll-fraud analysis): the
-- numbers INVITEs tried that were dialled internationally, by the country
-- of their E.164 calling code. Closed flows only.
SELECT
    dialled_country AS country,
    uniqExact(dialled_number) AS numbers,
    sum(dialled_attempts) AS attempts,
    uniqExact(src_ip) AS sources
FROM sipscope.flows
ARRAY JOIN numbers_number AS dialled_number, numbers_country AS dialled_country, numbers_attempts AS dialled_attempts
WHERE flow_state = 'closed' AND dialled_country != ''
GROUP BY dialled_country
ORDER BY attempts DESC, country

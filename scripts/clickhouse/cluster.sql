-- For a cluster: load schema.sql on every shard, then this on the servers
-- that answer queries. `flows_all` and `alerts_all` read the `flows` and
-- `alerts` tables of every shard of the cluster `sipscope` (remote_servers
-- in the server's configuration; README.md, section ClickHouse, shows one
-- for two shards). Inserts through them are spread
-- over the shards by source address, so a source stays on one shard; a
-- sensor may also insert into its nearest shard's own tables.
--
--   clickhouse-client --multiquery < scripts/clickhouse/cluster.sql

CREATE TABLE IF NOT EXISTS sipscope.flows_all AS sipscope.flows
ENGINE = Distributed(sipscope, sipscope, flows, cityHash64(src_ip));

CREATE TABLE IF NOT EXISTS sipscope.alerts_all AS sipscope.alerts
ENGINE = Distributed(sipscope, sipscope, alerts, cityHash64(src_ip));

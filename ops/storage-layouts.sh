#!/bin/bash
# Where a routed job's bytes go, and what other layouts would take: the measurements behind the
# compact-storage work (issue "one Singles' Day day on one box"). Fills, in a scratch database of
# the private PostgreSQL, N synthetic routed jobs (depot-day shaped: 100 depots, order ids
# J0..J<N-1>, NY node ids, costs and hops of NY's range) in
#   rows:    jobs_b1 and routes_b1 as the dispatcher wrote them until sql/0013 (a row per job, a
#            primary key each)
#   chunked: the jobs as today but keyed by order id, and routes as one row per chunk of 4096
#            with arrays (status, cost, hops), as lz4-compressed TOAST
#   arrays:  jobs and routes both as a row per chunk with arrays, plus an order-id index table
# and prints bytes per job of each, heap and indexes apart (pg_total_relation_size).
#
#   ops/storage-layouts.sh            # 1,000,000 jobs
#   JOBS=5000000 ops/storage-layouts.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"

JOBS=${JOBS:-1000000}
db_name=wb_layouts
pg_start >/dev/null
db=$(fresh_db $db_name)
"$BUILD_DIR/bin/waybill" db migrate --db "$db" >/dev/null

"$PG_BIN/psql" "$db" -q -v ON_ERROR_STOP=1 -v jobs="$JOBS" <<'SQL'
\set chunk 4096
insert into graphs (id, name, hash, num_nodes, num_arcs, bytes)
values (1, 'synthetic', '', 264346, 733846, '');
insert into batches (id, hash, graph_id, file_name, chunk_size, accepted)
values (1, 'synthetic', 1, 'synthetic.csv', :chunk, :jobs);

-- rows
create table jobs_b1 (like jobs including defaults including constraints);
create table routes_b1 (like routes including defaults including constraints);
insert into jobs_b1 (batch_id, seq, line, order_id, origin, destination)
select 1, i, i + 2, 'J' || i, 1 + (i % 100) * 2643, 1 + (hashint4(i::int) & 262143)
from generate_series(0, :jobs - 1) i;
insert into routes_b1 (batch_id, seq, status, cost, hops, worker_id)
select 1, i, 0, 1000 + (hashint4(i::int + 7) & 524287), 20 + (hashint4(i::int + 9) & 255), 1 + i / :chunk % 2
from generate_series(0, :jobs - 1) i;
alter table jobs_b1 add primary key (batch_id, seq);
alter table routes_b1 add primary key (batch_id, seq);

-- chunked: routes a row per chunk
create table jobs_c1 (like jobs_b1);
insert into jobs_c1 select * from jobs_b1;
create index on jobs_c1 (order_id);
create table routes_c1 (batch_id bigint, chunk bigint, worker_id bigint, routed_at timestamptz,
                        status smallint[] compression lz4, cost bigint[] compression lz4,
                        hops int[] compression lz4);
insert into routes_c1
select 1, seq / :chunk, min(worker_id), min(routed_at), array_agg(status order by seq),
       array_agg(cost order by seq), array_agg(hops order by seq)
from routes_b1 group by seq / :chunk;
alter table routes_c1 add primary key (batch_id, chunk);

-- arrays: jobs a row per chunk too, and a row per job only to find an order id
create table jobs_a1 (batch_id bigint, chunk bigint, line bigint[] compression lz4,
                      order_id text[] compression lz4, origin bigint[] compression lz4,
                      destination bigint[] compression lz4);
insert into jobs_a1
select 1, seq / :chunk, array_agg(line order by seq), array_agg(order_id order by seq),
       array_agg(origin order by seq), array_agg(destination order by seq)
from jobs_b1 group by seq / :chunk;
alter table jobs_a1 add primary key (batch_id, chunk);
create table order_ids_a1 (order_id text, seq bigint);
insert into order_ids_a1 select order_id, seq from jobs_b1;
create index on order_ids_a1 (order_id);
vacuum analyze;

create temporary view sizes as
with t(layout, rel) as (values ('rows', 'jobs_b1'), ('rows', 'routes_b1'),
                               ('chunked', 'jobs_c1'), ('chunked', 'routes_c1'),
                               ('arrays', 'jobs_a1'), ('arrays', 'routes_c1'),
                               ('arrays', 'order_ids_a1'))
select layout, rel, pg_table_size(rel::regclass) as heap, pg_indexes_size(rel::regclass) as idx
from t;
\pset footer off
select layout, rel,
       round(heap::numeric / :jobs, 1) as heap_per_job,
       round(idx::numeric / :jobs, 1) as index_per_job,
       round((heap + idx)::numeric / :jobs, 1) as total_per_job
from sizes order by layout desc, rel;
select layout, round(sum(heap + idx)::numeric / :jobs, 1) as bytes_per_job
from sizes group by layout order by 2 desc;
SQL
pg_psql -qc "drop database $db_name"

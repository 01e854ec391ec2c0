#!/bin/bash
# Where a routed job's bytes go in the layout before sql/0017 ("today" below) and in the narrow
# layouts measured for compact storage (issue "one Singles' Day day on one box",
# docs/design-streaming-and-storage.md), and what each costs PostgreSQL to write. "sorted" is
# what sql/0017_job_blocks.sql built (there the job blocks are compressed with lz4 in the row). In a scratch database of the private PostgreSQL, N synthetic routed
# jobs of W1's shape (100 depots, NY node ids, weights, priorities, NY-range costs and hops;
# order ids D0..D<N-1>, or with IDS=long ORD-2026-12-07-<8 digits>) are written the way the
# dispatcher writes a segment: COPY into a fresh table in the transaction that creates it, then
# the indexes built once. Layouts:
#   today:   jobs_t1, a row a job with every field (sql/0002 .. 0016), a B-tree of order_id
#            (pages full) and a BRIN of seq
#   narrow:  job_keys_n1, a row a job with only (batch_id, seq, order_id) and the same two
#            indexes, and job_blocks_n1, the other fields as arrays of up to 64 jobs a row,
#            beside the route blocks (the row a job is what an index of order ids must point at)
#   narrow4: as narrow, with batch_id and seq as 4-byte integers (seq stored less 2^31, which
#            keeps 2^32 seqs)
#   sorted:  as narrow4, the rows a job written in order of order id (as a dispatcher would sort
#            a segment's before writing it) and found by a BRIN index of order_id, a summary of
#            each 16 pages' least and greatest id, in place of the B-tree and its entry a job
# Route blocks (sql/0013) are the same in each and counted in each. Prints bytes per job per
# relation (pg_table_size, pg_indexes_size after vacuum) and per layout, with the seconds of
# each layout's COPY and index builds, turn about, ROUNDS times, and the milliseconds a lookup
# of one order's job and route takes through a view like job_routes (LOOKUPS random ids).
#
#   ops/storage-layouts.sh                    # 1,000,000 jobs, ids as W1's
#   IDS=long JOBS=5000000 ops/storage-layouts.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"

JOBS=${JOBS:-1000000}
IDS=${IDS:-short}
ROUNDS=${ROUNDS:-3}
LOOKUPS=${LOOKUPS:-2000}
case $IDS in
  short) id_expr="'D' || i" ;;
  long) id_expr="'ORD-2026-12-07-' || lpad(i::text, 8, '0')" ;;
  *) die "IDS is short or long, not '$IDS'" ;;
esac
db_name=wb_layouts
work=$(mktemp -d)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
pg_start >/dev/null
db=$(fresh_db $db_name)
"$BUILD_DIR/bin/waybill" db migrate --db "$db" >/dev/null
psql_db() { "$PG_BIN/psql" "$db" -q -v ON_ERROR_STOP=1 "$@"; }

step "making $JOBS routed jobs (ids: $IDS) and their COPY files"
psql_db -v jobs="$JOBS" <<SQL
\set chunk 4096
insert into graphs (id, name, hash, num_nodes, num_arcs, bytes)
values (1, 'synthetic', '', 264346, 733846, '');
insert into batches (id, hash, graph_id, file_name, chunk_size, accepted)
values (1, 'synthetic', 1, 'synthetic.csv', :chunk, :jobs);
create unlogged table src as
select i as seq, i + 2 as line, $id_expr as order_id, 1 + (i % 100) * 2643 as origin,
       1 + (hashint4(i::int) & 262143) as destination,
       (hashint4(i::int + 3) & 65535) / 1000.0::float8 as weight_kg,
       hashint4(i::int + 5) & 3 as priority
from generate_series(0, :jobs - 1) i;
create unlogged table src_routes as
select 1::bigint as batch_id, i as seq, 0::smallint as status,
       1000 + (hashint4(i::int + 7) & 524287)::bigint as cost, 20 + (hashint4(i::int + 9) & 255) as hops,
       (1 + i / :chunk % 2)::bigint as worker_id, now() as routed_at, null::float8 as distance_m,
       null::real as origin_snap_m, null::real as dest_snap_m, null::text as polyline, null::text as detail
from generate_series(0, :jobs - 1) i;
create table route_blocks_b1 partition of route_blocks for values in (1)
  with (toast_tuple_target = 8160);
select insert_route_blocks('src_routes', 'route_blocks_b1') \g /dev/null
\copy (select 1, seq, line, order_id, origin, destination, weight_kg, priority from src order by seq) to '$work/today.txt'
\copy (select 1, seq, order_id from src order by seq) to '$work/keys.txt'
\copy (select 1, seq - 2147483648, order_id from src order by seq) to '$work/keys4.txt'
\copy (select 1, seq - 2147483648, order_id from src order by order_id) to '$work/keys4-sorted.txt'
\copy (select 1, seq - seq % 4096 % 64, array_agg(line order by seq), array_agg(origin order by seq), array_agg(destination order by seq), array_agg(weight_kg order by seq), array_agg(priority order by seq) from src group by seq - seq % 4096 % 64 order by 2) to '$work/blocks.txt'
SQL

# The tables of each layout, made and filled in one transaction as a segment is (COPY FREEZE).
write_layout() {
  local layout=$1
  case $layout in
    today) psql_db <<SQL
begin;
drop table if exists jobs_t1;
create table jobs_t1 (like jobs including defaults including constraints);
\copy jobs_t1 (batch_id, seq, line, order_id, origin, destination, weight_kg, priority) from '$work/today.txt' (freeze)
create index on jobs_t1 (order_id) with (fillfactor = 100);
create index on jobs_t1 using brin (seq) with (pages_per_range = 16);
commit;
SQL
      ;;
    narrow | narrow4 | sorted)
      local ints="bigint" keys=$work/keys.txt
      local order_index="(order_id) with (fillfactor = 100)"
      local seq_index="create index on job_keys_$layout using brin (seq) with (pages_per_range = 16);"
      [[ $layout != narrow ]] && ints="int" keys=$work/keys4.txt
      if [[ $layout == sorted ]]; then
        keys=$work/keys4-sorted.txt
        order_index="using brin (order_id) with (pages_per_range = 16)"
        seq_index=""
      fi
      psql_db <<SQL
begin;
drop table if exists job_keys_$layout, job_blocks_$layout;
create table job_keys_$layout (batch_id $ints not null, seq $ints not null, order_id text not null);
create table job_blocks_$layout (batch_id bigint not null, first_seq bigint not null,
  line bigint[] not null, origin bigint[], destination bigint[], weight_kg float8[],
  priority int[], due_at timestamptz[], origin_lat_e7 int[], origin_lon_e7 int[],
  dest_lat_e7 int[], dest_lon_e7 int[], ready_at timestamptz[], service_s int[]);
\copy job_keys_$layout from '$keys' (freeze)
\copy job_blocks_$layout (batch_id, first_seq, line, origin, destination, weight_kg, priority) from '$work/blocks.txt' (freeze)
create index on job_keys_$layout $order_index;
$seq_index
alter table job_blocks_$layout add primary key (batch_id, first_seq);
commit;
SQL
      ;;
  esac
}

layouts=(today narrow narrow4 sorted)
declare -A seconds
for round in $(seq "$ROUNDS"); do
  for layout in "${layouts[@]}"; do
    start=$(now)
    write_layout "$layout"
    seconds[$layout]+=$(awk -v a="$start" -v b="$(now)" 'BEGIN { printf " %.2f", b - a }')
  done
done

psql_db -v jobs="$JOBS" <<'SQL'
vacuum analyze;
create temporary view sizes as
with t(layout, rel) as (values ('today', 'jobs_t1'), ('today', 'route_blocks_b1'),
                               ('narrow', 'job_keys_narrow'), ('narrow', 'job_blocks_narrow'),
                               ('narrow', 'route_blocks_b1'),
                               ('narrow4', 'job_keys_narrow4'), ('narrow4', 'job_blocks_narrow4'),
                               ('narrow4', 'route_blocks_b1'),
                               ('sorted', 'job_keys_sorted'), ('sorted', 'job_blocks_sorted'),
                               ('sorted', 'route_blocks_b1'))
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
# One order's job and route, found by its id, as `job_routes ... where order_id = ...` finds it:
# the job's row through the order-id index, then its fields' and its route's blocks by seq.
psql_db -v lookups="$LOOKUPS" <<'SQL'
create temporary view lookup_today as
select j.batch_id, j.order_id, j.origin, j.destination, j.line, rb.cost[j.seq - rb.first_seq + 1] as cost
from jobs_t1 j
join route_blocks_b1 rb on rb.batch_id = j.batch_id and rb.first_seq = j.seq - j.seq % 4096 % 64;
-- The narrow layouts' alike, their seqs stored whole (narrow) or less 2^31.
do $$
declare
  l record;
begin
  for l in select * from (values ('narrow', 'k.seq'), ('narrow4', 'k.seq + 2147483648'),
                                 ('sorted', 'k.seq + 2147483648')) v (layout, seq) loop
    execute format($view$
      create temporary view lookup_%1$s as
      select k.batch_id, k.order_id, jb.origin[s.seq - jb.first_seq + 1] as origin,
             jb.destination[s.seq - jb.first_seq + 1] as destination,
             jb.line[s.seq - jb.first_seq + 1] as line, rb.cost[s.seq - rb.first_seq + 1] as cost
      from job_keys_%1$s k
      cross join lateral (select %2$s as seq) s
      join job_blocks_%1$s jb on jb.batch_id = k.batch_id
                             and jb.first_seq = s.seq - s.seq %% 4096 %% 64
      join route_blocks_b1 rb on rb.batch_id = k.batch_id and rb.first_seq = jb.first_seq
    $view$, l.layout, l.seq);
  end loop;
end
$$;
create temporary table probes as
select order_id from src where seq % 997 = 1 order by hashint4(seq::int) limit :lookups;
create function pg_temp.ms_a_lookup(layout text) returns numeric language plpgsql as $$
declare
  started timestamptz := clock_timestamp();
  probes bigint := 0;
  found record;
begin
  for found in select order_id from probes loop
    execute format('select * from pg_temp.lookup_%s where batch_id = 1 and order_id = $1', layout)
      into found using found.order_id;
    if found.cost is null then raise exception '%: an order not found', layout; end if;
    probes := probes + 1;
  end loop;
  return round((extract(epoch from clock_timestamp() - started) * 1000 / probes)::numeric, 3);
end
$$;
\pset footer off
select layout, pg_temp.ms_a_lookup(layout) as ms_first_pass, pg_temp.ms_a_lookup(layout) as ms_again
from unnest(array['today', 'narrow', 'narrow4', 'sorted']) layout;
SQL
echo "seconds to write $JOBS jobs (COPY and indexes, route blocks not included), round by round:"
for layout in "${layouts[@]}"; do
  printf '  %-8s%s\n' "$layout" "${seconds[$layout]}"
done
pg_psql -qc "drop database $db_name"

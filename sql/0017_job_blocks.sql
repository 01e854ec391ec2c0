-- 0017: jobs are stored as a narrow key row each, in order of order id, and their other fields
-- in blocks of up to 64 jobs as arrays; `jobs` becomes a view with the table's columns.
--
-- A routed job cost 154 bytes of disk: a row with every field (108) and its order-id B-tree
-- entry (27), beside its route's share of a route block (19). Now:
--   job_keys    a row a job: batch_id, seq (stored less 2^31, in 4 bytes), k (the job's element
--               in its block) and order_id, 52 bytes with W1's 8-character order ids. Each
--               segment's rows are written in order of order id (bytewise, as the C collation
--               sorts), so a BRIN index of order_id, the least and greatest id of every 16
--               pages, finds an order: `job_routes where batch_id = ... and order_id = ...`
--               reads one or two ranges of 16 pages a segment (a millisecond at 5 million jobs,
--               11-30 ms, mostly planning, for W3's 50 segments) instead of a B-tree entry a job.
--   job_blocks  line, origin, destination, weight, due time, priority, coordinates, ready time
--               and service time of up to 64 consecutive jobs (seqs first_seq ..), compressed
--               (lz4) in the row, 32 bytes a job; a block starts at a segment's first seq and
--               every 64 seqs after it.
-- 104 bytes a routed job in all, measured on W1 (docs/benchmarks.md). The price:
-- no index orders the keys by seq, so a query by seq through the views reads the batch's keys;
-- the dispatcher reads jobs by seq from the blocks.
--
-- On a database that already holds batches this rewrites their jobs into keys and blocks, once,
-- while the dispatcher is stopped for its upgrade (about as long as copying them). The views
-- over jobs are made again, the same, around the change, their text and comments taken from
-- the catalog (as in 0011). Forward-only: the schema_migrations row makes it run once.

create table job_keys (
  batch_id bigint not null,
  seq      int not null,
  k        smallint not null check (k between 1 and 64),
  order_id text collate "C" not null
) partition by list (batch_id);

comment on table job_keys is
  'A row per accepted job: its order id and where its fields are (job_blocks). Each segment''s '
  'rows lie in order of order id. Read jobs through the view jobs, or job_routes.';
comment on column job_keys.seq is
  'The job''s seq less 2^31 (seq - 2147483648): 4 bytes hold the 2^32 seqs of a batch.';
comment on column job_keys.order_id is
  'Compared bytewise (collation C), the order the dispatcher sorts a segment''s keys in.';
comment on column job_keys.k is
  'The job''s element in its block: job_blocks.first_seq = seq + 2^31 - k + 1.';

create index job_keys_order_id on job_keys using brin (order_id) with (pages_per_range = 16);

comment on index job_keys_order_id is
  'The least and greatest order id of every 16 pages of keys: finds a job by its order id '
  '(job_routes where batch_id = ... and order_id = ...) because each segment''s keys are '
  'written in order of order id.';

-- A lookup by order id plans a bitmap scan of each segment's keys, and on a batch of 50 segments
-- (W3) their summed estimate passes jit_above_cost: PostgreSQL compiled the lookup for 1.4 s to
-- run it in 15 ms. Waybill's queries are lookups and scans that JIT does not pay back: off for
-- this database, where the role migrating may say so (its owner, or a superuser); the
-- dispatcher's own sessions turn it off themselves.
do $$
begin
  execute format('alter database %I set jit = off', current_database());
exception when insufficient_privilege then
  raise notice 'jit left on for database %: only its owner may turn it off (docs/operations.md)',
               current_database();
end
$$;

create table job_blocks (
  batch_id      bigint not null,
  first_seq     bigint not null check (first_seq >= 0),
  line          bigint[] not null,
  origin        bigint[],
  destination   bigint[],
  weight_kg     double precision[],
  due_at        timestamptz[],
  priority      int[],
  origin_lat_e7 int[],
  origin_lon_e7 int[],
  dest_lat_e7   int[],
  dest_lon_e7   int[],
  ready_at      timestamptz[],
  service_s     int[],
  primary key (batch_id, first_seq),
  check (cardinality(line) between 1 and 64)
) partition by list (batch_id);

-- A block of W1's jobs is 2.4 kB plain, of which pages hold three (43 bytes a job); lz4 takes
-- its line numbers, depots and node ids to 1.8 kB, kept in the row, four to a page (32 bytes a
-- job), and reading them back costs a microsecond a block. Partitions take it with LIKE
-- ... INCLUDING COMPRESSION.
alter table job_blocks
  alter column line set compression lz4, alter column origin set compression lz4,
  alter column destination set compression lz4, alter column weight_kg set compression lz4,
  alter column due_at set compression lz4, alter column priority set compression lz4,
  alter column origin_lat_e7 set compression lz4, alter column origin_lon_e7 set compression lz4,
  alter column dest_lat_e7 set compression lz4, alter column dest_lon_e7 set compression lz4,
  alter column ready_at set compression lz4, alter column service_s set compression lz4;

comment on table job_blocks is
  'The fields of up to 64 consecutive jobs a row, as arrays: element i of each is the field of '
  'job seq first_seq + i - 1 (an array is null when all its elements are). Blocks start at each '
  'segment''s first seq and every 64 seqs after it. Read them a job a row through the view jobs.';

-- Keys and blocks from jobs a row each (a table or view shaped like the table jobs was), for the
-- jobs stored so far and for `waybill batch restore`: blocks start at each segment's first seq
-- (batch_segments) and every 64 after it, and keys are written in order of order id.
create function insert_jobs(source regclass, keys regclass, blocks regclass) returns bigint
language plpgsql as $$
declare
  jobs bigint;
begin
  execute format(
    'create temporary table placed_jobs on commit drop as
     select j.*, j.seq - (j.seq - s.first_seq) %% 64 as block_seq
     from %s j
     join batch_segments s on s.batch_id = j.batch_id
                          and j.seq >= s.first_seq and j.seq < s.first_seq + s.jobs', source);
  execute format(
    'insert into %s (batch_id, first_seq, line, origin, destination, weight_kg, due_at, priority,
                     origin_lat_e7, origin_lon_e7, dest_lat_e7, dest_lon_e7, ready_at, service_s)
     select batch_id, block_seq, array_agg(line order by seq),
            nullif(array_agg(origin order by seq), array_fill(null::bigint, array[count(*)::int])),
            nullif(array_agg(destination order by seq), array_fill(null::bigint, array[count(*)::int])),
            nullif(array_agg(weight_kg order by seq), array_fill(null::float8, array[count(*)::int])),
            nullif(array_agg(due_at order by seq), array_fill(null::timestamptz, array[count(*)::int])),
            nullif(array_agg(priority order by seq), array_fill(null::int, array[count(*)::int])),
            nullif(array_agg(origin_lat_e7 order by seq), array_fill(null::int, array[count(*)::int])),
            nullif(array_agg(origin_lon_e7 order by seq), array_fill(null::int, array[count(*)::int])),
            nullif(array_agg(dest_lat_e7 order by seq), array_fill(null::int, array[count(*)::int])),
            nullif(array_agg(dest_lon_e7 order by seq), array_fill(null::int, array[count(*)::int])),
            nullif(array_agg(ready_at order by seq), array_fill(null::timestamptz, array[count(*)::int])),
            nullif(array_agg(service_s order by seq), array_fill(null::int, array[count(*)::int]))
     from placed_jobs group by batch_id, block_seq', blocks);
  execute format(
    'insert into %s (batch_id, seq, k, order_id)
     select batch_id, (seq - 2147483648)::int, (seq - block_seq + 1)::smallint, order_id
     from placed_jobs order by order_id collate "C"', keys);
  get diagnostics jobs = row_count;
  drop table placed_jobs;
  return jobs;
end
$$;

comment on function insert_jobs is
  'Writes the jobs of `source` (a row a job, the columns of view jobs; their batch''s segments '
  'in batch_segments) as key rows into `keys` and blocks into `blocks` (partitions of job_keys '
  'and job_blocks); returns the jobs written.';

-- The views over jobs, kept to be made again over the view.
create temporary table kept_views on commit drop as
select c.relname as name,
       pg_get_viewdef(c.oid) as definition,
       obj_description(c.oid, 'pg_class') as description
from pg_class c
where c.relkind = 'v'
  and c.relnamespace = current_schema()::regnamespace
  and c.relname in ('routes', 'job_routes', 'tour_plan', 'plan_unassigned');

-- The jobs stored so far, each batch's keys and blocks in partitions of segments as the
-- dispatcher makes them, all of a batch's stored jobs in one segment (_s0): a batch still being
-- received goes on with its next segment beside it.
do $$
declare
  p record;
  n bigint;
begin
  for p in select c.oid::regclass as rel, substr(c.relname, 7)::bigint as batch_id
           from pg_inherits i
           join pg_class c on c.oid = i.inhrelid
           where i.inhparent = 'jobs'::regclass loop
    execute format('create table job_keys_b%s partition of job_keys for values in (%s)'
                   ' partition by range (seq)', p.batch_id, p.batch_id);
    execute format('create table job_blocks_b%s partition of job_blocks for values in (%s)'
                   ' partition by range (first_seq)', p.batch_id, p.batch_id);
    execute format('select count(*) from %s', p.rel) into n;
    continue when n = 0;
    execute format('create table job_keys_b%s_s0 (like job_keys including constraints)',
                   p.batch_id);
    execute format('create table job_blocks_b%s_s0 (like job_blocks including constraints'
                   ' including compression)', p.batch_id);
    perform insert_jobs(p.rel, format('job_keys_b%s_s0', p.batch_id)::regclass,
                        format('job_blocks_b%s_s0', p.batch_id)::regclass);
    execute format('alter table job_keys_b%s attach partition job_keys_b%s_s0'
                   ' for values from (-2147483648) to (%s)', p.batch_id, p.batch_id,
                   n - 2147483648);
    execute format('alter table job_blocks_b%s attach partition job_blocks_b%s_s0'
                   ' for values from (0) to (%s)', p.batch_id, p.batch_id, n);
  end loop;
end
$$;

drop view routes, job_routes, tour_plan, plan_unassigned;
drop table jobs;

create view jobs as
select k.batch_id,
       s.seq,
       jb.line[k.k]          as line,
       k.order_id,
       jb.origin[k.k]        as origin,
       jb.destination[k.k]   as destination,
       jb.weight_kg[k.k]     as weight_kg,
       jb.due_at[k.k]        as due_at,
       jb.priority[k.k]      as priority,
       jb.origin_lat_e7[k.k] as origin_lat_e7,
       jb.origin_lon_e7[k.k] as origin_lon_e7,
       jb.dest_lat_e7[k.k]   as dest_lat_e7,
       jb.dest_lon_e7[k.k]   as dest_lon_e7,
       jb.ready_at[k.k]      as ready_at,
       jb.service_s[k.k]     as service_s
from job_keys k
cross join lateral (select k.seq + 2147483648 as seq) s
join job_blocks jb on jb.batch_id = k.batch_id and jb.first_seq = s.seq - k.k + 1;

-- The jobs' fields without their order ids, read out of the blocks alone: what the dispatcher
-- reads a batch at a time (a plan's depots and their jobs, a plan's stops) without joining the
-- keys, twice as fast as jobs for a whole batch.
create view job_fields as
select jb.batch_id,
       jb.first_seq + u.i - 1 as seq,
       u.line, u.origin, u.destination, u.weight_kg, u.due_at, u.priority, u.origin_lat_e7,
       u.origin_lon_e7, u.dest_lat_e7, u.dest_lon_e7, u.ready_at, u.service_s
from job_blocks jb
cross join lateral unnest(jb.line, jb.origin, jb.destination, jb.weight_kg, jb.due_at,
                          jb.priority, jb.origin_lat_e7, jb.origin_lon_e7, jb.dest_lat_e7,
                          jb.dest_lon_e7, jb.ready_at, jb.service_s)
  with ordinality as u (line, origin, destination, weight_kg, due_at, priority, origin_lat_e7,
                        origin_lon_e7, dest_lat_e7, dest_lon_e7, ready_at, service_s, i);

comment on view job_fields is
  'One row per accepted job, as jobs without order_id, read from job_blocks alone. Filter by '
  'batch_id.';

comment on view jobs is
  'One row per accepted job, as the table of that name was until jobs were stored as keys and '
  'blocks (job_keys, job_blocks). Filter by batch_id; an order is found fast by batch_id and '
  'order_id.';

do $$
declare
  v record;
begin
  for v in select * from kept_views loop
    execute format('create view %I as %s', v.name, v.definition);
    execute format('comment on view %I is %L', v.name, v.description);
  end loop;
  if exists (select from pg_catalog.pg_roles where rolname = 'waybill_reader') then
    execute format('grant select on %I.job_keys, %I.job_blocks, %I.jobs, %I.job_fields,'
                   ' %I.routes, %I.job_routes, %I.tour_plan, %I.plan_unassigned to waybill_reader',
                   current_schema(), current_schema(), current_schema(), current_schema(),
                   current_schema(), current_schema(), current_schema(), current_schema());
  end if;
end
$$;

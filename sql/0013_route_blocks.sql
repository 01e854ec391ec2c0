-- 0013: routes are stored a block at a time: one row of route_blocks holds up to 64 consecutive
-- routes of one chunk as arrays (status, cost, hops, ...), element i being the route of job
-- first_seq + i - 1. A row per route cost 125 bytes on disk for 14 bytes of answer (a 24-byte
-- tuple header, batch_id, seq, worker, time and a primary key entry, every time); a block pays
-- them once for 64 routes. A block is stored plain, uncompressed, so that reading one route out
-- of it costs an array subscript: 1 kB with node ids, 2.1 kB with distances and snap distances,
-- past PostgreSQL's 2 kB threshold for compressing a row, which each partition raises to a page
-- (toast_tuple_target = 8160; paths of a --paths batch still go to TOAST).
--
-- `routes` becomes a view with the columns the table had, a row per routed job, and job_routes
-- reads the blocks directly: both find a job's block by the primary key, from the job's seq
-- (blocks start at each chunk's first seq and every 64 seqs after it).
--
-- On a database that already holds routes this copies them into blocks, once, while the
-- dispatcher is stopped for its upgrade. Forward-only: the schema_migrations row makes it run once.

create table route_blocks (
  batch_id      bigint not null,
  first_seq     bigint not null check (first_seq >= 0),
  worker_id     bigint,
  routed_at     timestamptz not null default now(),
  status        smallint[] not null,
  cost          bigint[] not null,
  hops          int[] not null,
  distance_m    double precision[],
  origin_snap_m real[],
  dest_snap_m   real[],
  polyline      text[],
  detail        text[],
  primary key (batch_id, first_seq),
  check (cardinality(status) between 1 and 64 and cardinality(cost) = cardinality(status)
         and cardinality(hops) = cardinality(status))
) partition by list (batch_id);

comment on table route_blocks is
  'The routes, up to 64 consecutive jobs of one chunk a row, written once when routed. Element '
  'i of each array is the route of job seq first_seq + i - 1. Partitioned by batch_id. Read '
  'them a job a row through the view routes, or with names through job_routes.';
comment on column route_blocks.first_seq is
  'Seq of the block''s first job: a chunk''s first seq, or 64, 128, ... after it.';
comment on column route_blocks.status is
  'route_status.code of each route: 0 ok, 1 unreachable, 2 unknown_node, 3 failed, '
  '4 unsnappable, 5 cancelled.';
comment on column route_blocks.cost is
  'Path cost of each route in graph_edges.cost units; null unless its status is ok.';
comment on column route_blocks.hops is 'Arcs on each path; null unless its status is ok.';
comment on column route_blocks.worker_id is 'workers.id of the worker that routed the block.';
comment on column route_blocks.distance_m is
  'Length of each path in metres; null (the whole array) on graphs without coordinates.';
comment on column route_blocks.polyline is
  'Each path as an encoded polyline, for batches submitted with --paths; else null.';
comment on column route_blocks.detail is 'Why a route failed, where one did; else null.';

-- Blocks from routes a row each (a table shaped like the routes of 0002..0010): the routes of
-- each block aggregated in seq order, an array left null where all its elements are. Used below
-- for the routes stored so far, and by `waybill batch restore` for an archive's routes section.
create function insert_route_blocks(source regclass, target regclass) returns bigint
language plpgsql as $$
declare
  blocks bigint;
begin
  execute format(
    'insert into %s (batch_id, first_seq, worker_id, routed_at, status, cost, hops, distance_m,
                     origin_snap_m, dest_snap_m, polyline, detail)
     select r.batch_id, r.seq - (r.seq %% b.chunk_size) %% 64, min(r.worker_id),
            min(r.routed_at), array_agg(r.status order by r.seq),
            array_agg(r.cost order by r.seq), array_agg(r.hops order by r.seq),
            nullif(array_agg(r.distance_m order by r.seq), array_fill(null::float8, array[count(*)::int])),
            nullif(array_agg(r.origin_snap_m order by r.seq), array_fill(null::real, array[count(*)::int])),
            nullif(array_agg(r.dest_snap_m order by r.seq), array_fill(null::real, array[count(*)::int])),
            nullif(array_agg(r.polyline order by r.seq), array_fill(null::text, array[count(*)::int])),
            nullif(array_agg(r.detail order by r.seq), array_fill(null::text, array[count(*)::int]))
     from %s r join batches b on b.id = r.batch_id
     group by r.batch_id, r.seq - (r.seq %% b.chunk_size) %% 64', target, source);
  get diagnostics blocks = row_count;
  return blocks;
end
$$;

comment on function insert_route_blocks is
  'Writes the routes of table `source` (a row per route, the columns of view routes) as blocks '
  'into `target` (route_blocks or one of its partitions); returns the blocks written.';

-- The routes stored so far, a block at a time, each batch in a partition of its own.
do $$
declare
  p record;
begin
  for p in select c.oid as rel, substr(c.relname, 9)::bigint as batch_id
           from pg_inherits i
           join pg_class c on c.oid = i.inhrelid
           where i.inhparent = 'routes'::regclass loop
    execute format('create table route_blocks_b%s partition of route_blocks for values in (%s)'
                   ' with (toast_tuple_target = 8160)', p.batch_id, p.batch_id);
    perform insert_route_blocks(p.rel, format('route_blocks_b%s', p.batch_id)::regclass);
  end loop;
end
$$;

drop view job_routes;
drop table routes;

create view routes as
select j.batch_id,
       j.seq,
       rb.status[j.seq - rb.first_seq + 1]        as status,
       rb.cost[j.seq - rb.first_seq + 1]          as cost,
       rb.hops[j.seq - rb.first_seq + 1]          as hops,
       rb.worker_id,
       rb.routed_at,
       rb.distance_m[j.seq - rb.first_seq + 1]    as distance_m,
       rb.origin_snap_m[j.seq - rb.first_seq + 1] as origin_snap_m,
       rb.dest_snap_m[j.seq - rb.first_seq + 1]   as dest_snap_m,
       rb.polyline[j.seq - rb.first_seq + 1]      as polyline,
       rb.detail[j.seq - rb.first_seq + 1]        as detail
from jobs j
join batches b on b.id = j.batch_id
join route_blocks rb on rb.batch_id = j.batch_id
                    and rb.first_seq = j.seq - (j.seq % b.chunk_size) % 64
                    and j.seq - rb.first_seq < cardinality(rb.status);

comment on view routes is
  'One row per routed job, as the table of that name was until routes were stored in blocks '
  '(route_blocks): status, cost, hops, worker, time, distance, snaps, path and failure detail. '
  'Filter by batch_id. Query job_routes for names.';

-- job_routes, as 0006 made it, reading a job's route out of its block.
create view job_routes as
select j.batch_id,
       j.order_id,
       j.origin,
       j.destination,
       case when r.status = 0 then r.cost end                   as cost,
       case when r.status = 0 then r.hops end                   as hops,
       case when r.status is null then 'pending'
            else coalesce(s.name, 'status ' || r.status) end    as status,
       w.name                                                   as worker,
       r.routed_at,
       j.line,
       j.seq,
       j.origin_lat_e7 / 1e7::float8                             as origin_lat,
       j.origin_lon_e7 / 1e7::float8                             as origin_lon,
       j.dest_lat_e7 / 1e7::float8                               as dest_lat,
       j.dest_lon_e7 / 1e7::float8                               as dest_lon,
       r.distance_m,
       case when r.status = 0 and g.cost_unit = 'duration_ms' then r.cost / 1000.0 end
                                                                as duration_s,
       case when r.status = 0 and g.cost_unit = 'duration_ms'
            then b.depart_at + r.cost * interval '1 millisecond' end
                                                                as eta,
       r.origin_snap_m,
       r.dest_snap_m,
       r.polyline,
       r.detail
from jobs j
join batches b on b.id = j.batch_id
join graphs g on g.id = b.graph_id
left join lateral (
  select rb.status[k] as status, rb.cost[k] as cost, rb.hops[k] as hops, rb.worker_id,
         rb.routed_at, rb.distance_m[k] as distance_m, rb.origin_snap_m[k] as origin_snap_m,
         rb.dest_snap_m[k] as dest_snap_m, rb.polyline[k] as polyline, rb.detail[k] as detail
  from route_blocks rb, lateral (select j.seq - rb.first_seq + 1 as k) e
  where rb.batch_id = j.batch_id and rb.first_seq = j.seq - (j.seq % b.chunk_size) % 64
) r on true
left join route_status s on s.code = r.status
left join workers w on w.id = r.worker_id;

comment on view job_routes is
  'One row per accepted job with its route: status pending until routed; cost, hops, distance '
  'and duration only when status is ok (duration and eta on graphs whose cost is a travel '
  'time). Filter by batch_id: `select * from job_routes where batch_id = 7`.';

do $$
begin
  if exists (select from pg_catalog.pg_roles where rolname = 'waybill_reader') then
    execute format('grant select on %I.route_blocks, %I.routes, %I.job_routes to waybill_reader',
                   current_schema(), current_schema(), current_schema());
  end if;
end
$$;

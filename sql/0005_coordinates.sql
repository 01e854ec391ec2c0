-- 0005: real addresses. Jobs may be given by coordinates (a batch file in coordinate form) and
-- are snapped to the nearest road by the worker; routes carry their length in metres, their
-- snap distances, an encoded polyline when the batch asked for one, and the reason a point did
-- not snap. Graphs say what their cost means, so that a route's duration can be derived.
--
-- Every column added here is nullable without a default: adding it rewrites no row. Forward-only
-- and idempotent: every statement may run again without effect.

-- ---- graphs ----------------------------------------------------------------------------------

alter table graphs add column if not exists cost_unit text not null default 'native';
comment on column graphs.cost_unit is
  '''duration_ms'': arc costs are travel times in milliseconds (OpenStreetMap imports); '
  '''native'': the unit of the source file (DIMACS .gr weights).';

alter table graph_edges add column if not exists length_m double precision;
comment on column graph_edges.length_m is
  'Great-circle length of the arc in metres; null when the source had no coordinates.';

-- ---- batches ---------------------------------------------------------------------------------

alter table batches add column if not exists want_paths boolean not null default false;
alter table batches add column if not exists depart_at timestamptz;
alter table batches add column if not exists snap_radius_m double precision not null default 500;
comment on column batches.want_paths is
  'Each route of the batch stores its encoded polyline (waybill submit --paths).';
comment on column batches.depart_at is
  'When the batch''s vehicles leave (waybill submit --depart-at): job_routes.eta counts from it.';
comment on column batches.snap_radius_m is
  'Coordinates farther than this from every road are unsnappable (coordinate form only).';

-- ---- jobs ------------------------------------------------------------------------------------

-- A job names its ends by node (origin, destination) or by coordinates, never both.
alter table jobs alter column origin drop not null;
alter table jobs alter column destination drop not null;
alter table jobs add column if not exists origin_lat double precision;
alter table jobs add column if not exists origin_lon double precision;
alter table jobs add column if not exists dest_lat double precision;
alter table jobs add column if not exists dest_lon double precision;
comment on column jobs.origin is
  'graph_nodes.node_id of the pickup; null for a job given by coordinates.';
comment on column jobs.destination is
  'graph_nodes.node_id of the delivery; null for a job given by coordinates.';
comment on column jobs.origin_lat is 'Pickup latitude in degrees (WGS84), coordinate form only.';
comment on column jobs.dest_lat is 'Delivery latitude in degrees (WGS84), coordinate form only.';

-- ---- routes ----------------------------------------------------------------------------------

insert into route_status (code, name) values (4, 'unsnappable') on conflict (code) do nothing;

alter table routes drop constraint if exists routes_status_check;
alter table routes add constraint routes_status_check check (status between 0 and 4);

alter table routes add column if not exists distance_m double precision;
alter table routes add column if not exists origin_snap_m real;
alter table routes add column if not exists dest_snap_m real;
alter table routes add column if not exists polyline text;
alter table routes add column if not exists detail text;
comment on column routes.distance_m is
  'Length of the route in metres, snapped ends included; null unless ok on a graph with lengths.';
comment on column routes.origin_snap_m is
  'Metres from the pickup''s coordinate to the road it was snapped to (coordinate form).';
comment on column routes.dest_snap_m is
  'Metres from the delivery''s coordinate to the road it was snapped to (coordinate form).';
comment on column routes.polyline is
  'Encoded polyline (precision 6, lat/lon) of the route, when the batch asked for paths.';
comment on column routes.detail is
  'Why a job is unsnappable, e.g. that its latitude and longitude look swapped.';

alter table chunks_done add column if not exists unsnappable int not null default 0;
comment on column chunks_done.unsnappable is 'Of the chunk''s routes, those with status unsnappable.';

-- ---- views (columns may only be appended) ----------------------------------------------------

create or replace view batch_progress as
select b.id                                       as batch_id,
       b.file_name,
       g.name                                     as graph_name,
       b.accepted,
       b.rejected,
       coalesce(c.routed, 0)                      as routed,
       coalesce(c.unreachable, 0)                 as unreachable,
       case when b.accepted = 0 then 100.0
            else round(100.0 * coalesce(c.routed, 0) / b.accepted, 1)
       end                                        as percent,
       b.submitted_at,
       b.finished_at,
       e.elapsed_s,
       case when e.elapsed_s > 0 then round((coalesce(c.routed, 0) / e.elapsed_s)::numeric, 1)
       end                                        as jobs_per_s,
       coalesce(c.unsnappable, 0)                 as unsnappable
from batches b
left join graphs g on g.id = b.graph_id
left join lateral (
  select sum(d.jobs)::bigint as routed, sum(d.unreachable)::bigint as unreachable,
         sum(d.unsnappable)::bigint as unsnappable
  from chunks_done d
  where d.batch_id = b.id
) c on true
cross join lateral (
  select extract(epoch from coalesce(b.finished_at, now()) - b.submitted_at)::double precision
           as elapsed_s
) e;

create or replace view job_routes as
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
       j.origin_lat,
       j.origin_lon,
       j.dest_lat,
       j.dest_lon,
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
left join routes r on r.batch_id = j.batch_id and r.seq = j.seq
left join route_status s on s.code = r.status
left join workers w on w.id = r.worker_id;

comment on view job_routes is
  'One row per accepted job with its route: status pending until routed; cost, hops, distance '
  'and duration only when status is ok (duration and eta on graphs whose cost is a travel '
  'time). Filter by batch_id: `select * from job_routes where batch_id = 7`.';

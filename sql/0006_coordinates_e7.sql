-- 0006: a job's coordinates are kept as OpenStreetMap keeps them, integers of 1e-7 degree
-- (1.1 cm at most), instead of double precision: half the bytes, and a number PostgreSQL reads
-- and prints without floating-point conversions (on a 5,000,000-job batch in coordinate form
-- they were a quarter of the backend's extra work over the node form). job_routes still shows
-- degrees, in the same columns.
--
-- Forward-only and idempotent: the copy and the drop happen once, while the old columns exist.

alter table jobs add column if not exists origin_lat_e7 integer;
alter table jobs add column if not exists origin_lon_e7 integer;
alter table jobs add column if not exists dest_lat_e7 integer;
alter table jobs add column if not exists dest_lon_e7 integer;
comment on column jobs.origin_lat_e7 is
  'Pickup latitude in 1e-7 degrees (WGS84), coordinate form only; job_routes shows degrees.';
comment on column jobs.origin_lon_e7 is 'Pickup longitude in 1e-7 degrees, coordinate form only.';
comment on column jobs.dest_lat_e7 is 'Delivery latitude in 1e-7 degrees, coordinate form only.';
comment on column jobs.dest_lon_e7 is 'Delivery longitude in 1e-7 degrees, coordinate form only.';

do $$
begin
  if exists (select from information_schema.columns
             where table_schema = current_schema() and table_name = 'jobs'
               and column_name = 'origin_lat') then
    update jobs
       set origin_lat_e7 = round(origin_lat * 1e7), origin_lon_e7 = round(origin_lon * 1e7),
           dest_lat_e7 = round(dest_lat * 1e7), dest_lon_e7 = round(dest_lon * 1e7)
     where origin_lat is not null;
    drop view if exists job_routes;  -- it reads the old columns; made again below, the same
    alter table jobs drop column origin_lat, drop column origin_lon,
                     drop column dest_lat, drop column dest_lon;
  end if;
end
$$;

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
left join routes r on r.batch_id = j.batch_id and r.seq = j.seq
left join route_status s on s.code = r.status
left join workers w on w.id = r.worker_id;

comment on view job_routes is
  'One row per accepted job with its route: status pending until routed; cost, hops, distance '
  'and duration only when status is ok (duration and eta on graphs whose cost is a travel '
  'time). Filter by batch_id: `select * from job_routes where batch_id = 7`.';

-- The view is new when the old columns were dropped: the inspection role reads it again.
do $$
begin
  if exists (select from pg_catalog.pg_roles where rolname = 'waybill_reader') then
    execute format('grant select on %I.job_routes to waybill_reader', current_schema());
  end if;
end
$$;

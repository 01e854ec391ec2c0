-- 0009: dispatch plans (`waybill plan`): which van takes which deliveries of a depot, in which
-- order, arriving when. Append-only like the rest: a plan row when it is asked for, its parts
-- (a depot, or a share of a large depot) each written once, in one transaction with its tours,
-- stops and unassigned jobs, by the first worker that answers. Three views for operators:
--   select * from plan_summary where plan_id = 3;              -- per depot: vans, km, hours
--   select * from tour_plan where plan_id = 3 and depot = 42;  -- every stop, in driving order
--   select * from plan_unassigned where plan_id = 3;           -- what no van takes, and why
--
-- Forward-only and idempotent: every statement may run again without effect.

alter table jobs add column if not exists ready_at timestamptz;
alter table jobs add column if not exists service_s int;
comment on column jobs.ready_at is 'Earliest delivery (the batch''s ready_at column), for plans.';
comment on column jobs.service_s is 'Seconds spent at the door (the batch''s service_s column), for plans.';

create table if not exists plans (
  id          bigserial primary key,
  batch_id    bigint not null references batches (id) on delete cascade,
  fleet_hash  text not null,
  options     text not null,
  fleet_name  text not null,
  parts       int not null,
  created_at  timestamptz not null default now(),
  finished_at timestamptz,
  unique (batch_id, fleet_hash, options)
);
comment on table plans is
  'One row per plan asked for: a routed batch, a fleet file and options. The same fleet file '
  'asked again for the same batch with the same options is the same plan.';
comment on column plans.fleet_hash is 'Lower-case hex sha256 of the fleet file.';
comment on column plans.options is 'The planning options, as text (time limit, default service).';
comment on column plans.parts is 'Planning jobs: one per depot, more for a large depot.';
comment on column plans.finished_at is 'Set when every part is stored.';

create table if not exists plan_fleets (
  plan_id          bigint not null references plans (id) on delete cascade,
  depot            bigint not null,
  vehicles         int not null check (vehicles > 0),
  capacity_kg      double precision not null check (capacity_kg >= 0),
  capacity_parcels int not null check (capacity_parcels >= 0),
  shift_start      timestamptz not null,
  shift_end        timestamptz not null check (shift_end > shift_start),
  max_stops        int,
  primary key (plan_id, depot)
);
comment on table plan_fleets is 'The fleet file of each plan, a row per depot (its origin node).';

create table if not exists plan_parts (
  plan_id   bigint not null references plans (id) on delete cascade,
  depot     bigint not null,
  part      int not null,
  jobs      int not null,
  worker_id bigint,
  status    text not null check (status in ('done', 'failed')),
  detail    text,
  solve_s   double precision,
  done_at   timestamptz not null default now(),
  primary key (plan_id, depot, part)
);
comment on table plan_parts is
  'One row per planned part, written once with its tours: a part listed here has all its tours, '
  'stops and unassigned jobs stored. A restarted dispatcher leases only the parts missing here.';

create table if not exists tours (
  plan_id      bigint not null references plans (id) on delete cascade,
  depot        bigint not null,
  vehicle      int not null,
  distance_m   double precision not null,
  duration_s   bigint not null,
  load_kg      double precision not null,
  load_parcels int not null,
  departure    timestamptz not null,
  arrival      timestamptz not null,
  primary key (plan_id, depot, vehicle)
);
comment on table tours is 'One van''s tour: leaves its depot loaded, delivers, comes back.';
comment on column tours.duration_s is 'Driving time, without waiting and service.';
comment on column tours.load_kg is 'On board when leaving the depot.';

create table if not exists tour_stops (
  plan_id      bigint not null,
  depot        bigint not null,
  vehicle      int not null,
  seq          int not null,
  batch_id     bigint not null,
  job_seq      int not null,
  arrival      timestamptz not null,
  departure    timestamptz not null,
  waiting_s    int not null,
  lateness_s   int not null,
  load_kg      double precision not null,
  load_parcels int not null,
  primary key (plan_id, depot, vehicle, seq),
  foreign key (plan_id, depot, vehicle) references tours (plan_id, depot, vehicle) on delete cascade
);
comment on table tour_stops is 'The stops of a tour in driving order (seq 1, 2, ...).';
comment on column tour_stops.job_seq is 'jobs.seq of the delivery, in batch batch_id.';
comment on column tour_stops.load_kg is 'On board when leaving the stop.';

create table if not exists plan_misses (
  plan_id  bigint not null references plans (id) on delete cascade,
  depot    bigint not null,
  batch_id bigint not null,
  job_seq  int not null,
  reason   text not null,
  primary key (plan_id, job_seq)
);
comment on table plan_misses is
  'Jobs no van of the plan takes, with the reason: too_heavy, unreachable, unsnappable, '
  'window_unreachable, no_vehicle_left, no_fleet (the fleet file has no row for the depot), '
  'unrouted (the job has no route to plan with).';

create or replace view plan_summary as
select p.id                                       as plan_id,
       d.depot,
       coalesce(t.vehicles_used, 0)               as vehicles_used,
       round(coalesce(t.km, 0)::numeric, 1)       as km,
       round(coalesce(t.driving_h, 0)::numeric, 2) as driving_h,
       coalesce(s.stops, 0)                       as stops,
       coalesce(m.unassigned, 0)                  as unassigned,
       coalesce(s.late, 0)                        as late,
       p.batch_id,
       p.finished_at is not null                  as finished
from plans p
join lateral (
  select depot from plan_fleets f where f.plan_id = p.id
  union
  select depot from plan_misses x where x.plan_id = p.id
) d on true
left join lateral (
  select count(*)::int as vehicles_used, sum(distance_m) / 1000 as km, sum(duration_s) / 3600.0 as driving_h
  from tours t where t.plan_id = p.id and t.depot = d.depot
) t on true
left join lateral (
  select count(*)::int as stops, count(*) filter (where lateness_s > 0)::int as late
  from tour_stops s where s.plan_id = p.id and s.depot = d.depot
) s on true
left join lateral (
  select count(*)::int as unassigned from plan_misses x where x.plan_id = p.id and x.depot = d.depot
) m on true;
comment on view plan_summary is
  'Per plan and depot: vans used, km driven, hours of driving, stops, unassigned and late jobs.';

create or replace view tour_plan as
select s.plan_id,
       s.depot,
       s.vehicle,
       s.seq,
       j.order_id,
       s.arrival,
       s.departure,
       s.load_kg,
       s.load_parcels,
       s.waiting_s,
       s.lateness_s,
       j.destination,
       s.batch_id,
       s.job_seq
from tour_stops s
join jobs j on j.batch_id = s.batch_id and j.seq = s.job_seq;
comment on view tour_plan is
  'Every stop of every tour, in driving order: `select * from tour_plan where plan_id = 3 and '
  'depot = 42 order by vehicle, seq`. load_* is what the van carries on leaving the stop.';

create or replace view plan_unassigned as
select x.plan_id, j.order_id, x.reason, x.depot, x.batch_id, x.job_seq
from plan_misses x
join jobs j on j.batch_id = x.batch_id and j.seq = x.job_seq;
comment on view plan_unassigned is 'The jobs of a plan that no van takes, and why.';

do $$
begin
  if exists (select from pg_catalog.pg_roles where rolname = 'waybill_reader') then
    execute format('grant select on all tables in schema %I to waybill_reader', current_schema());
  end if;
end
$$;

-- 0003: views for operators. Each reads only what it needs: batch_progress counts from
-- chunks_done (one row per chunk), never from routes; job_routes is meant to be filtered by
-- batch_id, which prunes the jobs and routes partitions to that batch's.
--
-- Forward-only: `create or replace view` may only append columns to an existing view.

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
       end                                        as jobs_per_s
from batches b
left join graphs g on g.id = b.graph_id
left join lateral (
  select sum(d.jobs)::bigint as routed, sum(d.unreachable)::bigint as unreachable
  from chunks_done d
  where d.batch_id = b.id
) c on true
cross join lateral (
  select extract(epoch from coalesce(b.finished_at, now()) - b.submitted_at)::double precision
           as elapsed_s
) e;

comment on view batch_progress is
  'Progress of every batch: routed and unreachable jobs (from chunks_done), percent done, '
  'seconds since submit (frozen at finish) and throughput.';

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
       j.seq
from jobs j
left join routes r on r.batch_id = j.batch_id and r.seq = j.seq
left join route_status s on s.code = r.status
left join workers w on w.id = r.worker_id;

comment on view job_routes is
  'One row per accepted job with its route: status pending until routed; cost and hops only '
  'when status is ok. Filter by batch_id: `select * from job_routes where batch_id = 7`.';

create or replace view worker_health as
select w.id                                                             as worker_id,
       w.name,
       w.threads,
       w.connected_at,
       w.last_seen,
       extract(epoch from now() - coalesce(w.last_seen, w.connected_at))::double precision
                                                                        as seconds_since_seen,
       w.jobs_done
from workers w;

comment on view worker_health is
  'Every worker connection: seconds since it was last heard from, and jobs it routed.';

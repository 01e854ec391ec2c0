-- 0007: jobs stored as failed are counted per chunk. A chunk whose routing keeps failing (or
-- whose worker keeps dying) is given up on after --max-attempts (or --max-lost-leases): its jobs
-- get a route row with status failed and the reason in detail, so that the batch finishes.
--   select batch_id, sum(failed) from chunks_done group by 1;        -- how many, per batch
--   select order_id, detail from job_routes where status = 'failed'; -- which, and why

alter table chunks_done add column if not exists failed int not null default 0;
comment on column chunks_done.failed is
  'Of the chunk''s routes, those with status failed (a chunk given up on, see routes.detail).';

-- 0011: job numbers are bigint. The mission's day (2.32 billion orders in one file) runs past
-- int's 2^31 - 1 = 2,147,483,647: jobs.seq, routes.seq, chunks_done.chunk and the plans' job
-- seqs are widened. (The dispatcher and the workers keep a seq in 32 unsigned bits, 4,294,967,295
-- jobs a batch, and refuse a file with more: README, "Limits".)
--
-- The views that read these columns are made again, the same, around the change: PostgreSQL does
-- not change the type of a column a view reads. Their text and comments are taken from the
-- catalog, so this migration repeats no view.
--
-- On a database that already holds batches this rewrites jobs and routes (and their keys): it
-- takes as long as copying them, once, while the dispatcher is stopped for its upgrade.
--
-- Forward-only: the schema_migrations row makes it run once.

create temporary table widened_views on commit drop as
select c.relname as name,
       pg_get_viewdef(c.oid) as definition,
       obj_description(c.oid, 'pg_class') as description
from pg_class c
where c.relkind = 'v'
  and c.relnamespace = current_schema()::regnamespace
  and c.relname in ('job_routes', 'tour_plan', 'plan_unassigned');

drop view if exists job_routes, tour_plan, plan_unassigned;

alter table jobs alter column seq type bigint;
alter table routes alter column seq type bigint;
alter table chunks_done alter column chunk type bigint;
alter table tour_stops alter column job_seq type bigint;
alter table plan_misses alter column job_seq type bigint;

do $$
declare
  v record;
begin
  for v in select * from widened_views loop
    execute format('create view %I as %s', v.name, v.definition);
    execute format('comment on view %I is %L', v.name, v.description);
  end loop;
end
$$;

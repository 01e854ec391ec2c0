-- 0007: a batch's routes get their primary key (batch_id, seq) when the batch finishes, in one
-- sorted build over its partition, instead of a B-tree insert per route as routes come in: that
-- insert was well over half of the routes writer's work. A partitioned table's key would have
-- every partition carry it from its attachment on, so the key moves from the parent table to
-- each partition. While a batch runs, a route is stored once because its chunk is (chunks_done's
-- key, in the same transaction as the routes); the key built at the finish checks it again.
--
-- Forward-only and idempotent: the parent's key is dropped once, while it exists, and every
-- partition it covered gets a key of its own back at once.

do $$
declare
  key_name name;
  part regclass;
begin
  select conname into key_name
    from pg_constraint where conrelid = 'routes'::regclass and contype = 'p';
  if key_name is not null then
    execute format('alter table routes drop constraint %I', key_name);
    for part in select inhrelid::regclass from pg_inherits where inhparent = 'routes'::regclass
    loop
      execute format('alter table %s add primary key (batch_id, seq)', part);
    end loop;
  end if;
end $$;

comment on table routes is
  'One row per routed job, written once. Partitioned by batch_id; each partition gets its '
  'primary key (batch_id, seq) when its batch finishes. Query job_routes for names.';

-- 0004: waybill_reader, the inspection role: it reads every table and view of the schema and
-- writes nothing. Grant it to people, e.g. `create role alice login in role waybill_reader`.
--
-- "The schema" is the one the migrations run in: public, unless the dispatcher's connection sets
-- another search_path (e.g. with options='-c search_path=waybill' in its conninfo).
-- Tables created later (the per-batch partitions) are covered by the default privileges below,
-- which apply to tables created by the role that runs this migration: run the migrations as the
-- role the dispatcher connects with. Creating the role needs CREATEROLE (roles are per cluster).
--
-- Forward-only and idempotent: every statement may run again without effect.

do $$
begin
  if not exists (select from pg_catalog.pg_roles where rolname = 'waybill_reader') then
    create role waybill_reader nologin;
    comment on role waybill_reader is
      'Waybill inspection role: select on every table and view, no writes.';
  end if;
exception
  -- Another database of the cluster created it at the same moment.
  when duplicate_object or unique_violation then null;
end
$$;

do $$
begin
  execute format('grant usage on schema %I to waybill_reader', current_schema());
  execute format('grant select on all tables in schema %I to waybill_reader', current_schema());
  execute format('alter default privileges in schema %I grant select on tables to waybill_reader',
                 current_schema());
end
$$;

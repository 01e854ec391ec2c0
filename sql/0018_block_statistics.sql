-- 0018: ANALYZE gathers no statistics of the arrays in job_blocks and route_blocks.
--
-- ANALYZE of an array column counts every element of every sampled row in a hash table, each
-- row's array decompressed first, and prunes that table again and again as it goes (PostgreSQL's
-- compute_array_stats): a block holds 64 elements, so a sample of 30,000 blocks is 1.9 million
-- elements a column, 20 columns between the two tables. That was 38% of the PostgreSQL CPU of a
-- W1 run (ops/bench, perf): the dispatcher analyzes each segment it attaches, and autovacuum
-- analyzes a batch's route blocks as they grow. Element statistics serve only operators on whole
-- arrays (@>, &&); Waybill's views unnest the blocks and find them by batch id and first seq,
-- whose statistics ANALYZE still gathers, with each table's size.
--
-- A partition does not take its parent's per-column setting: the dispatcher calls
-- no_array_statistics on each partition it creates. Here the parents and every partition made so
-- far (ALTER TABLE recurses to them); the statistics already gathered stay until they are
-- gathered again.

create function no_array_statistics(t regclass) returns void
language plpgsql as $$
declare
  columns text;
begin
  select string_agg(format('alter column %I set statistics 0', a.attname), ', ' order by a.attnum)
    into columns
    from pg_attribute a
    join pg_type ty on ty.oid = a.atttypid
   where a.attrelid = t and a.attnum > 0 and not a.attisdropped and ty.typcategory = 'A';
  if columns is not null then
    execute format('alter table %s %s', t, columns);
  end if;
end
$$;

comment on function no_array_statistics(regclass) is
  'ANALYZE of table t (and of its partitions now) skips its array columns: blocks of 64 whose '
  'element statistics no query uses cost most of an ANALYZE (sql/0018_block_statistics.sql).';

select no_array_statistics('job_blocks');
select no_array_statistics('route_blocks');

-- 0014: a job is found by its order id through an index, and by its seq through a block range
-- index. The primary key on (batch_id, seq) goes: its B-tree was 31 bytes a job for lookups by
-- seq, which a BRIN index of seq answers as well (a batch's jobs are stored in seq order, each
-- segment in one COPY), in a few kilobytes; the bytes go to an index on order_id, which
-- `select * from job_routes where batch_id = 7 and order_id = '...'` needed (it read the whole
-- batch: 2.3 s for 5 million jobs, 4 ms with the index). A seq is unique because the dispatcher
-- numbers the jobs; a segment's seqs are checked against its range when it is attached.
--
-- Both are partitioned indexes: each segment's are built when it is attached, once, sorted.
-- On a database that already holds batches this builds the order-id index over all of them,
-- once, while the dispatcher is stopped for its upgrade. Forward-only: the schema_migrations row
-- makes it run once.

alter table jobs drop constraint jobs_pkey;
create index jobs_order_id on jobs (order_id);
create index jobs_seq on jobs using brin (seq) with (pages_per_range = 16);

comment on index jobs_order_id is
  'Finds a job by its order id: job_routes where batch_id = ... and order_id = ....';
comment on index jobs_seq is
  'Block ranges of seq (16 pages, about 1,200 jobs, each): the jobs of a chunk, or of a seq.';

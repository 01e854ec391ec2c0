-- 0016: the order-id index is built with its pages full (fillfactor 100, B-tree's default being
-- 90). A batch's jobs are written once, in segments that are each indexed once, sorted, when
-- they are attached, and never updated: the 10% a B-tree leaves on each leaf for later inserts
-- would stay empty. 26.8 bytes a job instead of 29.7 (W1's order ids, ops/storage-layouts.sh),
-- and the build is about 13% shorter. A segment's index takes the parent's options when it is
-- attached.
--
-- On a database that already holds batches this rebuilds the index of every batch's jobs (about
-- 1.5 s a 5 million), once, while the dispatcher is stopped for its upgrade. Forward-only: the
-- schema_migrations row makes it run once.

drop index jobs_order_id;
create index jobs_order_id on jobs (order_id) with (fillfactor = 100);

comment on index jobs_order_id is
  'Finds a job by its order id: job_routes where batch_id = ... and order_id = .... Pages full: '
  'a batch''s jobs are never updated.';

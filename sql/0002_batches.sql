-- 0002: batches of delivery jobs, their routes, rejected lines, chunk progress and workers.
--
-- Append, don't update (DESIGN.md): a job row is written once, at submit; a route row once,
-- when routed. A job is routed when its route exists. The three big tables are partitioned by
-- batch, one partition each per batch (jobs_b<ID>, routes_b<ID>, rejects_b<ID>, created by the
-- dispatcher's submit), so a finished batch is archived or dropped in one statement:
--
--   alter table jobs detach partition jobs_b7;  drop table jobs_b7;  -- likewise routes, rejects
--
-- They carry no foreign keys on purpose: a per-row foreign key check would cost as much as the
-- COPY that writes the row; the partition itself ties a row to its batch.
--
-- Forward-only and idempotent: every statement may run again without effect.

create table if not exists batches (
  id           bigserial primary key,
  hash         text not null unique,
  graph_id     bigint not null references graphs (id),
  file_name    text not null,
  chunk_size   int not null check (chunk_size > 0),
  accepted     bigint not null default 0,
  rejected     bigint not null default 0,
  submitted_at timestamptz not null default now(),
  finished_at  timestamptz
);

comment on table batches is
  'One row per submitted batch file. A batch is visible once its submit committed: from then on '
  'every accepted job is durable. finished_at is set when every job has a route.';
comment on column batches.hash is
  'Lower-case hex sha256 of the file: submitting it again finds this batch.';
comment on column batches.chunk_size is
  'Jobs per chunk: chunk c holds the jobs with seq in [c * chunk_size, (c + 1) * chunk_size).';
comment on column batches.accepted is
  'Accepted lines, i.e. rows of jobs: seq runs over 0 .. accepted - 1.';
comment on column batches.rejected is 'Rejected lines, i.e. rows of rejects.';

create table if not exists jobs (
  batch_id    bigint not null,
  seq         int not null,
  line        bigint not null,
  order_id    text not null,
  origin      bigint not null,
  destination bigint not null,
  weight_kg   double precision,
  due_at      timestamptz,
  priority    int,
  primary key (batch_id, seq)
) partition by list (batch_id);

comment on table jobs is
  'Accepted orders, one per accepted line, written once at submit. Partitioned by batch_id.';
comment on column jobs.seq is
  'Dense number of the job in its batch, 0 .. accepted - 1, in file order.';
comment on column jobs.line is 'Line number in the batch file (the header is line 1).';
comment on column jobs.order_id is 'The order''s own id, as written in the file.';
comment on column jobs.origin is 'graph_nodes.node_id of the pickup.';
comment on column jobs.destination is 'graph_nodes.node_id of the delivery.';

create table if not exists route_status (
  code smallint primary key,
  name text not null unique
);

comment on table route_status is 'The codes of routes.status.';

insert into route_status (code, name)
values (0, 'ok'), (1, 'unreachable'), (2, 'unknown_node'), (3, 'failed')
on conflict (code) do nothing;

create table if not exists routes (
  batch_id  bigint not null,
  seq       int not null,
  status    smallint not null check (status between 0 and 3),
  cost      bigint,
  hops      int,
  worker_id bigint,
  routed_at timestamptz not null default now(),
  primary key (batch_id, seq),
  check ((status = 0) = (cost is not null and hops is not null))
) partition by list (batch_id);

comment on table routes is
  'One row per routed job, written once. Partitioned by batch_id. Query job_routes for names.';
comment on column routes.status is
  'route_status.code: 0 ok, 1 unreachable, 2 unknown_node, 3 failed.';
comment on column routes.cost is 'Path cost in graph_edges.cost units; null unless status is ok.';
comment on column routes.hops is 'Arcs on the path; null unless status is ok.';
comment on column routes.worker_id is 'workers.id of the worker that routed the job.';

create table if not exists rejects (
  batch_id bigint not null,
  line     bigint not null,
  raw      text not null,
  reason   text not null,
  primary key (batch_id, line)
) partition by list (batch_id);

comment on table rejects is
  'Rejected lines of each batch with the reason. Partitioned by batch_id.';
comment on column rejects.raw is
  'The line as submitted, cut at 1 KiB; bytes that are not UTF-8 (or NUL) are shown as U+FFFD.';

create table if not exists chunks_done (
  batch_id    bigint not null references batches (id) on delete cascade,
  chunk       int not null,
  jobs        int not null,
  unreachable int not null,
  worker_id   bigint,
  done_at     timestamptz not null default now(),
  primary key (batch_id, chunk)
);

comment on table chunks_done is
  'One row per routed chunk, written in the same transaction as its routes: a chunk listed here '
  'has all its routes stored. A restarted dispatcher resumes every batch from it, and '
  'batch_progress counts from it without scanning routes.';
comment on column chunks_done.jobs is 'Routes stored for the chunk (any status).';
comment on column chunks_done.unreachable is 'Of those, routes with status unreachable.';

create table if not exists workers (
  id           bigserial primary key,
  name         text not null,
  threads      int not null,
  connected_at timestamptz not null default now(),
  last_seen    timestamptz,
  jobs_done    bigint not null default 0
);

comment on table workers is
  'One row per worker connection (a reconnect is a new row). last_seen and jobs_done are '
  'refreshed by the dispatcher every few seconds.';
comment on column workers.name is 'host:pid, as the worker announced itself.';

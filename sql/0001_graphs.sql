-- 0001: the road graph. `waybill graph import` writes one row in `graphs` (the serialized graph
-- the dispatcher streams to workers, identified by its sha256) and the same network as plain
-- node and edge tables, so an operator can inspect it and cross-check routes with pgRouting:
--
--   select * from pgr_dijkstra(
--     'select id, source, target, cost from graph_edges where graph_id = 1', 42, 4711);
--
-- Forward-only and idempotent: every statement may run again without effect.

create table if not exists graphs (
  id          bigserial primary key,
  name        text not null unique,
  hash        text not null,
  num_nodes   bigint not null,
  num_arcs    bigint not null,
  bytes       bytea not null,
  imported_at timestamptz not null default now()
);

comment on table graphs is
  'Road graphs imported with `waybill graph import`: one row per graph name.';
comment on column graphs.hash is
  'Lower-case hex sha256 of bytes: the identity workers name when they join.';
comment on column graphs.bytes is
  'The serialized graph (schema/graph_codec.h) that the dispatcher streams to workers.';

-- Node and edge tables are partitioned by graph (graph_nodes_g<ID>, graph_edges_g<ID>): the
-- import fills a new partition with COPY before attaching it, so the foreign key is checked
-- once for the whole partition rather than once per row (which tripled the import time).
create table if not exists graph_nodes (
  graph_id bigint not null references graphs (id) on delete cascade,
  node_id  bigint not null,
  lon      double precision,
  lat      double precision,
  primary key (graph_id, node_id)
) partition by list (graph_id);

comment on table graph_nodes is
  'Nodes of each road graph, with their coordinate in degrees (WGS84) when the source had one.';
comment on column graph_nodes.lon is
  'Longitude in degrees; null when the graph has no coordinates.';
comment on column graph_nodes.lat is
  'Latitude in degrees; null when the graph has no coordinates.';

create table if not exists graph_edges (
  graph_id     bigint not null references graphs (id) on delete cascade,
  id           bigint not null,
  source       bigint not null,
  target       bigint not null,
  cost         double precision not null,
  reverse_cost double precision not null default -1,
  primary key (graph_id, id)
) partition by list (graph_id);

comment on table graph_edges is
  'Arcs of each road graph, one directed arc per row, shaped for pgRouting: '
  '`select id, source, target, cost from graph_edges where graph_id = G` feeds pgr_dijkstra.';
comment on column graph_edges.id is 'Arc number 1..num_arcs, in the order of the imported file.';
comment on column graph_edges.source is 'graph_nodes.node_id the arc leaves.';
comment on column graph_edges.target is 'graph_nodes.node_id the arc enters.';
comment on column graph_edges.cost is
  'Arc weight in the units of the source file (DIMACS: the .gr weight).';
comment on column graph_edges.reverse_cost is
  'Always -1: the reverse direction, when it exists, is a row of its own.';

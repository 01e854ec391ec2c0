-- 0008: a graph's contraction hierarchy (router/contraction.h), built once by `waybill graph
-- import` and kept beside the graph: the dispatcher ships it to workers with the graph, and they
-- answer lone origins and matrices from it instead of searching the whole graph.

create table if not exists graph_hierarchies (
  graph_id  bigint primary key references graphs (id) on delete cascade,
  hash      text not null,
  bytes     bytea not null,
  shortcuts bigint not null,
  build_s   double precision not null,
  built_at  timestamptz not null default now()
);
comment on table graph_hierarchies is
  'The contraction hierarchy of a graph, in the format of router/ch_file.h (it names the graph''s '
  'hash inside, and is refused for any other graph).';
comment on column graph_hierarchies.hash is 'sha256 of bytes: what workers fetch and cache it by.';
comment on column graph_hierarchies.build_s is 'Seconds the build took, on every core of the host.';

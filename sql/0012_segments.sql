-- 0012: a batch is durable in segments as its file streams in (streaming submit). Each segment
-- is a sub-partition of the batch's jobs partition (jobs_b7_s0, jobs_b7_s1, ..., by seq range),
-- committed with its rejects and one batch_segments row; its chunks are routed at once, while
-- the rest of the file is still arriving. batches.received_at is set by the last segment: until
-- then the batch is 'receiving', and submitting the same file again continues after its last
-- durable segment.
--
-- Forward-only: the schema_migrations row makes it run once.

alter table batches add column received_at timestamptz;
-- Every batch stored before this migration was received whole, in one transaction.
update batches set received_at = submitted_at;

comment on column batches.received_at is
  'When the last line of the file was stored; null while the batch is receiving (its file is '
  'still streaming in, or its submit was interrupted: submit the same file again to resume).';

create table batch_segments (
  batch_id     bigint not null references batches (id) on delete cascade,
  segment      int not null check (segment >= 0),
  first_seq    bigint not null check (first_seq >= 0),
  jobs         bigint not null check (jobs >= 0),
  rejects      bigint not null check (rejects >= 0),
  last_line    bigint not null check (last_line >= 1),
  bytes        bigint not null check (bytes >= 0),
  committed_at timestamptz not null default now(),
  primary key (batch_id, segment)
);

comment on table batch_segments is
  'The durable segments of each batch, in file order: a segment''s jobs have seq first_seq .. '
  'first_seq + jobs - 1 (sub-partition jobs_b<batch>_s<segment> when jobs > 0). A submit that '
  'resumes starts after the last segment''s last_line, at byte offset bytes of the file''s '
  'content.';
comment on column batch_segments.last_line is
  'The file''s line number (the header is line 1) of the segment''s last line.';
comment on column batch_segments.bytes is
  'Bytes of the file''s (decompressed) content up to the end of the segment''s last line.';

-- A batch stored before this migration is one segment.
insert into batch_segments (batch_id, segment, first_seq, jobs, rejects, last_line, bytes,
                            committed_at)
select id, 0, 0, accepted, rejected, 1 + accepted + rejected, 0, submitted_at
from batches;

-- batch_progress, as 0005 made it, with the batch's state appended.
create or replace view batch_progress as
select b.id                                       as batch_id,
       b.file_name,
       g.name                                     as graph_name,
       b.accepted,
       b.rejected,
       coalesce(c.routed, 0)                      as routed,
       coalesce(c.unreachable, 0)                 as unreachable,
       case when b.accepted = 0 then 100.0
            else round(100.0 * coalesce(c.routed, 0) / b.accepted, 1)
       end                                        as percent,
       b.submitted_at,
       b.finished_at,
       e.elapsed_s,
       case when e.elapsed_s > 0 then round((coalesce(c.routed, 0) / e.elapsed_s)::numeric, 1)
       end                                        as jobs_per_s,
       coalesce(c.unsnappable, 0)                 as unsnappable,
       case when b.cancelled_at is not null then 'cancelled'
            when b.finished_at is not null then 'finished'
            when b.received_at is null then 'receiving'
            else 'routing'
       end                                        as state,
       b.received_at
from batches b
left join graphs g on g.id = b.graph_id
left join lateral (
  select sum(d.jobs)::bigint as routed, sum(d.unreachable)::bigint as unreachable,
         sum(d.unsnappable)::bigint as unsnappable
  from chunks_done d
  where d.batch_id = b.id
) c on true
cross join lateral (
  select extract(epoch from coalesce(b.finished_at, now()) - b.submitted_at)::double precision
           as elapsed_s
) e;

comment on column batch_progress.state is
  'receiving (the file is still streaming in, or its submit was interrupted), routing, '
  'finished or cancelled.';

do $$
begin
  if exists (select 1 from pg_roles where rolname = 'waybill_reader') then
    execute format('grant select on %I.batch_segments to waybill_reader', current_schema());
  end if;
end
$$;

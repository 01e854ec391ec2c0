-- 0015: a batch named before its file is hashed whole. `waybill submit` sends the sha256 of the
-- content's first MiB (head_hash) and starts sending at once, hashing the content as it goes;
-- each segment commits the hash of the content up to its end (batch_segments.content_hash), and
-- the last one the whole content's hash (batches.hash). Routing starts without a pass over the
-- whole file before the first byte (1.6 GB: seconds of CPU on a busy box).
--
-- The identity of a file is unchanged: its whole content's sha256. A submit whose first MiB is
-- some stored batch's is told to hash the whole file first (then found as before), or, when that
-- batch is still receiving, resumes it once the client has checked that its content up to the
-- resume offset hashes to the stored segment's hash.
--
-- Forward-only: the schema_migrations row makes it run once.

alter table batches alter column hash drop not null;
alter table batches add column head_hash text;
create index batches_head_hash on batches (head_hash);

comment on column batches.hash is
  'Lower-case hex sha256 of the file''s content: submitting it again finds this batch. Null while '
  'a batch whose client hashes as it sends is receiving (its last segment sets it).';
comment on column batches.head_hash is
  'Lower-case hex sha256 of the content''s first MiB (all of it when shorter). Null for batches '
  'stored before 0015: while one is kept, every submit hashes its whole file before sending.';

alter table batch_segments add column content_hash text;

comment on column batch_segments.content_hash is
  'Lower-case hex sha256 of the file''s content up to bytes (as the client computed it), or null: '
  'what a resumed submit''s client checks its file against before sending the rest.';

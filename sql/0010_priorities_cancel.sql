-- Many submitters at once (issue 18): the lease order between open batches, and cancelled batches.
-- Batches of a higher priority are leased first; batches of equal priority take turns, chunk by
-- chunk. `waybill cancel N` stops a batch's routing: its jobs not routed yet get a route row with
-- status cancelled, and the batch is finished.
alter table batches add column if not exists priority int not null default 0;
alter table batches add column if not exists cancelled_at timestamptz;
comment on column batches.priority is
  'Lease order (waybill submit --priority): higher first; batches of equal priority take turns.';
comment on column batches.cancelled_at is
  'When waybill cancel stopped its routing; its jobs not routed by then have status cancelled.';

insert into route_status (code, name) values (5, 'cancelled') on conflict (code) do nothing;
alter table routes drop constraint if exists routes_status_check;
alter table routes add constraint routes_status_check check (status between 0 and 5);

-- private.take_rate_limits: GCRA buckets, a burst of `limit` and then one per period/limit, all named
-- buckets taken together or none, only the server may call it.
begin;
select plan(12);

select is((select allowed from private.take_rate_limits(array['t:a'], array[3], array[60])), true, 'a full bucket allows');
select is((select allowed from private.take_rate_limits(array['t:a'], array[3], array[60])), true, '... a second request');
select is((select allowed from private.take_rate_limits(array['t:a'], array[3], array[60])), true, '... and a third (the burst)');
select is((select allowed from private.take_rate_limits(array['t:a'], array[3], array[60])), false, 'the fourth within the period is refused');
select ok((select retry_after_seconds between 1 and 20 from private.take_rate_limits(array['t:a'], array[3], array[60])),
  'and says when to retry: within one period/limit');

-- All or none: 't:b' has room, 't:a' has none; the refused claim leaves 't:b' as it was.
select private.take_rate_limits(array['t:b'], array[2], array[60]);
select is((select allowed from private.take_rate_limits(array['t:b', 't:a'], array[2, 3], array[60, 60])), false,
  'a claim on two buckets is refused when one is empty');
select is((select allowed from private.take_rate_limits(array['t:b'], array[2], array[60])), true,
  '... and took nothing from the other');
select is((select allowed from private.take_rate_limits(array['t:b'], array[2], array[60])), false, '... which is now empty');

-- Time passing refills: a bucket whose tat is in the past is full again.
update private.rate_limits set tat = now() - interval '1 second' where key = 't:a';
select is((select allowed from private.take_rate_limits(array['t:a'], array[3], array[60])), true, 'a refilled bucket allows again');

select throws_ok($$select * from private.take_rate_limits(array['t:c'], array[0], array[60])$$, '22023', null,
  'a limit below 1 is refused');

set local role authenticated;
select throws_ok($$select * from private.take_rate_limits(array['t:d'], array[1], array[60])$$, '42501', null,
  'users cannot take (or drain) buckets');
reset role;
set local role service_role;
select is((select allowed from private.take_rate_limits(array['t:e'], array[1], array[60])), true, 'the server can');
reset role;

select * from finish();
rollback;

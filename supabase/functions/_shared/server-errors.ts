// @supabase/server's error markers: the header on every error answer it gives, and the source its
// messages are prefixed with. Its main entry exports them but also loads supabase-js (about 15 ms of
// every cold start), which user functions do not use; tests/functions/server-errors.test.ts keeps
// these equal to the library's.
export const ErrorCodeHeader = 'x-supabase-server-error';
export const ErrorSource = '@supabase/server';

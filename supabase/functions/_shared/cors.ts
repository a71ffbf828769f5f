// CORS for user functions, as withSupabase answers it (its user gate, withRequiredClaims, has none):
// every OPTIONS preflight gets 204 with supabase-js's canonical headers (the ones the SDK sends), every
// answer carries them, and an error answer of @supabase/server exposes its error-code header.
import { defineMiddleware } from '@supabase/middleware';
import { corsHeaders } from '@supabase/supabase-js/cors';
import { ErrorCodeHeader } from './server-errors.ts';

export const withSupabaseCors = defineMiddleware<'supabaseCors', Record<never, never>, Record<never, never>, true>({
  key: 'supabaseCors',
  run: () => async function* (req) {
    if (req.method === 'OPTIONS') return new Response(null, { status: 204, headers: corsHeaders });
    const res: Response = yield { supabaseCors: true as const };
    if (res.type === 'error') return res;
    const stamped = new Response(res.body, res);
    for (const [key, value] of Object.entries(corsHeaders)) stamped.headers.set(key, value);
    if (stamped.headers.has(ErrorCodeHeader)) {
      const exposed = (stamped.headers.get('Access-Control-Expose-Headers') ?? '').split(',').map((h) => h.trim()).filter(Boolean);
      if (!exposed.some((h) => h.toLowerCase() === ErrorCodeHeader)) stamped.headers.set('Access-Control-Expose-Headers', [...exposed, ErrorCodeHeader].join(', '));
    }
    return stamped;
  },
});

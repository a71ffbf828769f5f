// The error markers the functions use without loading @supabase/server's main entry (server-errors.ts)
// are the library's own: a new version that changes them fails here, not in front of a user.
import * as server from '@supabase/server';
import { describe, expect, it } from 'vitest';
import { ErrorCodeHeader, ErrorSource } from '../../supabase/functions/_shared/server-errors.ts';

describe('@supabase/server error markers', () => {
  it('are the library\'s header name and message source', () => {
    expect(ErrorCodeHeader).toBe(server.ErrorCodeHeader);
    expect(ErrorSource).toBe(server.ErrorSource);
  });
});

// Stands in for: one Edge Runtime isolate. Each function runs in its own Web Worker so a crash or a
// syntax error in one function cannot take the host or the other functions down. It provides what
// the platform provides inside an isolate: SUPABASE_FUNCTION_SLUG, EdgeRuntime.waitUntil, and
// support for both `export default { fetch }` and the older `Deno.serve(handler)` style.
import type { ToWorker, WorkerScope } from './protocol.ts';

type Handler = (req: Request) => Response | Promise<Response>;
const scope = globalThis as unknown as WorkerScope;

let handler: Handler | null = null;
let slug = '';
// Requests being served plus EdgeRuntime.waitUntil tasks: the host retires an idle worker only when
// nothing is left (as the platform lets background tasks finish before it shuts a worker down).
let busy = 0;
const track = (delta: number) => {
  busy += delta;
  if (busy === 0) scope.postMessage({ type: 'idle' });
};

function installPlatformGlobals(): void {
  const realGet = Deno.env.get.bind(Deno.env);
  Deno.env.get = (key: string) => (key === 'SUPABASE_FUNCTION_SLUG' ? slug : realGet(key));
  const pending = new Set<Promise<unknown>>();
  (globalThis as unknown as { EdgeRuntime: unknown }).EdgeRuntime = {
    waitUntil(promise: Promise<unknown>) {
      const tracked = Promise.resolve(promise).catch((e) => console.error(`[${slug}] waitUntil task failed:`, e));
      pending.add(tracked);
      track(1);
      tracked.finally(() => { pending.delete(tracked); track(-1); });
    },
  };
  // Older functions call Deno.serve(handler); capture the handler instead of opening a port.
  (Deno as unknown as { serve: unknown }).serve = (a: unknown, b?: unknown) => {
    const h = (typeof a === 'function' ? a : b ?? (a as { handler?: Handler }).handler) as Handler;
    handler = h;
    return { finished: new Promise(() => {}), shutdown: async () => {}, ref() {}, unref() {} };
  };
}

async function load(entry: string): Promise<void> {
  installPlatformGlobals();
  const mod = await import(entry);
  const fromDefault = mod.default?.fetch as Handler | undefined;
  if (fromDefault) handler = fromDefault.bind(mod.default);
  if (!handler) throw new Error('the module has no `export default { fetch }` and did not call Deno.serve');
}

scope.onmessage = async (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  if (msg.type === 'init') {
    slug = msg.slug;
    try {
      await load(msg.entry);
      scope.postMessage({ type: 'ready' });
    } catch (e) {
      scope.postMessage({ type: 'load-error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
    return;
  }
  track(1);
  try {
    const req = new Request(msg.url, { method: msg.method, headers: msg.headers, body: msg.body });
    const res = await handler!(req);
    const body = await res.arrayBuffer();
    scope.postMessage({ type: 'response', id: msg.id, status: res.status, headers: [...res.headers], body }, [body]);
  } catch (e) {
    console.error(`[${slug}] unhandled error:`, e);
    scope.postMessage({ type: 'error', id: msg.id, message: e instanceof Error ? e.message : String(e) });
  } finally {
    track(-1);
  }
};

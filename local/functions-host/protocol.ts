// The messages between the functions host (main.ts) and a function's worker (worker.ts).

export type ToWorker =
  | { type: 'init'; slug: string; entry: string }
  | { type: 'request'; id: number; method: string; url: string; headers: [string, string][]; body: ArrayBuffer | null };

export type FromWorker =
  | { type: 'ready' }
  // Nothing left to do (no request, no waitUntil task): the host may shut an idle worker down.
  | { type: 'idle' }
  | { type: 'load-error'; message: string }
  | { type: 'response'; id: number; status: number; headers: [string, string][]; body: ArrayBuffer }
  | { type: 'error'; id: number; message: string };

/** The part of a dedicated worker's global scope worker.ts uses. Typed here instead of through
 *  `/// <reference lib="deno.worker" />`, which only Deno knows, so tsc and deno check agree. */
export type WorkerScope = {
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
};

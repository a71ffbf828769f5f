// Work that goes on after the answer: handed to the platform (EdgeRuntime.waitUntil keeps the worker
// alive for it); its failure is reported, never thrown. Without the platform (Node tests) it just runs.
export function inBackground(work: Promise<unknown>, onFailure: (e: unknown) => void): void {
  const run = work.catch(onFailure);
  (globalThis as { EdgeRuntime?: { waitUntil(p: Promise<unknown>): void } }).EdgeRuntime?.waitUntil(run);
}

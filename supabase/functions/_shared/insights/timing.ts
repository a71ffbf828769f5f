// Server-Timing (a standard response header browsers' dev tools and the benchmark read): how long the
// function worked on a request, from its start to its answer (not the network or the gateway), in ms.

export const serverTiming = (name: string, started: number): Record<string, string> =>
  ({ 'Server-Timing': `${name};dur=${(performance.now() - started).toFixed(1)}` });

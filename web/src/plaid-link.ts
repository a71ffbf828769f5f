// Plaid Link: loads Plaid's script (the CDN against real Plaid, the emulator's drop-in locally; the
// URL is configuration) once, then runs one Link session and resolves with how it ended.
import type { LinkMetadata } from './types.ts';

export type LinkError = { error_type: string; error_code: string; error_message: string; display_message: string | null };
export type LinkOutcome =
  | { kind: 'success'; publicToken: string; metadata: LinkMetadata }
  | { kind: 'exit'; error: LinkError | null; status: string | null; institution: string | null };

type PlaidHandler = { open(): void; exit(opts?: unknown): void; destroy(): void };
type PlaidGlobal = {
  create(config: {
    token: string;
    onSuccess(publicToken: string, metadata: LinkMetadata): void;
    onExit(error: LinkError | null, metadata: { status: string | null; institution: { name: string } | null }): void;
    onEvent?(name: string, metadata: unknown): void;
  }): PlaidHandler;
};

let loading: Promise<PlaidGlobal> | null = null;

export function loadLink(scriptUrl: string): Promise<PlaidGlobal> {
  loading ??= new Promise<PlaidGlobal>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = scriptUrl;
    script.async = true;
    script.onload = () => {
      const plaid = (window as unknown as { Plaid?: PlaidGlobal }).Plaid;
      if (plaid) resolve(plaid);
      else reject(new Error('Plaid Link loaded but did not start.'));
    };
    script.onerror = () => {
      loading = null; // let the next attempt try again
      script.remove();
      reject(new Error('Plaid Link could not be loaded. Check your connection (or an ad blocker) and try again.'));
    };
    document.head.appendChild(script);
  });
  return loading;
}

export async function runLink(scriptUrl: string, token: string): Promise<LinkOutcome> {
  const plaid = await loadLink(scriptUrl);
  return await new Promise<LinkOutcome>((resolve) => {
    let handler: PlaidHandler | null = null;
    const finish = (outcome: LinkOutcome) => {
      resolve(outcome);
      // Plaid recommends destroying a handler that is done; after the callback has returned.
      setTimeout(() => handler?.destroy(), 0);
    };
    handler = plaid.create({
      token,
      onSuccess: (publicToken, metadata) => finish({ kind: 'success', publicToken, metadata }),
      onExit: (error, metadata) => finish({ kind: 'exit', error, status: metadata?.status ?? null, institution: metadata?.institution?.name ?? null }),
    });
    handler.open();
  });
}

/** What to tell the user when Link ended without a connection. */
export function describeExit(outcome: Extract<LinkOutcome, { kind: 'exit' }>): string {
  if (outcome.error) {
    const message = outcome.error.display_message || outcome.error.error_message;
    return `Plaid could not finish connecting${outcome.institution ? ` to ${outcome.institution}` : ''}: ${message} (${outcome.error.error_code}). Nothing was connected; you can try again.`;
  }
  return 'You closed Plaid before finishing, so nothing was connected. Choose "Connect accounts" to try again.';
}

// The one state model of a connection (web/src/connection-state.ts): every combination of an item's
// status and sync rows maps to exactly one state, and what it says never contradicts itself.
import { describe, expect, it } from 'vitest';
import { accountFreshness, connectionState, needingAttention, syncResult } from '../../web/src/connection-state.ts';
import type { Item } from '../../web/src/types.ts';

const NOW = Date.parse('2026-12-02T12:00:00Z');
const ago = (minutes: number) => new Date(NOW - minutes * 60_000).toISOString();

const item = (over: Partial<Item> = {}): Item => ({
  id: 'i1', institution_id: 'ins_1', institution_name: 'First Platypus Bank', status: 'healthy', error_code: null,
  error_display_message: null, new_accounts_available: false, consent_expires_at: null, last_synced_at: ago(3),
  initial_sync_done: true, transactions_synced: 100, sync_running: false, sync_in_progress: false,
  last_sync_error_code: null, last_sync_error_display_message: null, sync_retry_at: null, account_count: 2,
  action_needed: null, records_quarantined: 0, created_at: ago(600), last_balance_refresh_at: null,
  balance_refresh_available_at: null, last_sync_finished_at: ago(3), last_sync_added: 12, last_sync_modified: 0,
  last_sync_removed: 0, last_sync_was_import: false, logo: null, primary_color: null, ...over,
});

describe('connectionState', () => {
  it('up to date says when and what the last sync changed', () => {
    const s = connectionState(item(), NOW);
    expect(s.kind).toBe('up_to_date');
    expect(s.badge).toEqual({ text: 'Up to date', tone: 'ok' });
    expect(s.detail).toBe('Updated 3 minutes ago · 12 new transactions');
    expect(s.callout).toBeNull();
    expect(s.needsUser).toBe(false);
  });

  it('a balance refresh newer than the sync counts as an update, and says which is which', () => {
    const s = connectionState(item({ last_synced_at: ago(120), last_balance_refresh_at: ago(1) }), NOW);
    expect(s.updatedAt).toBe(ago(1));
    expect(s.detail).toMatch(/^Balances updated 1 minute ago; transactions 2 hours ago · 12 new transactions$/);
  });

  it('importing and syncing never say "Up to date"; a running sync wins over a pending retry', () => {
    const importing = connectionState(item({ initial_sync_done: false, last_synced_at: null, last_sync_finished_at: null, transactions_synced: 1240, sync_running: true }), NOW);
    expect(importing.kind).toBe('importing');
    expect(importing.badge.text).toBe('Importing…');
    expect(importing.detail).toBe('Importing transactions… 1,240 so far');
    const syncing = connectionState(item({ sync_in_progress: true }), NOW);
    expect(syncing.kind).toBe('syncing');
    expect(syncing.detail).toBe('Checking for new transactions… (last updated 3 minutes ago)');
    for (const s of [importing, syncing]) expect(`${s.badge.text} ${s.detail}`).not.toMatch(/Up to date/);
  });

  it('a failed sync says why and when it is tried again', () => {
    const s = connectionState(item({ sync_retry_at: new Date(NOW + 4 * 60_000).toISOString(), last_sync_error_code: 'INSTITUTION_DOWN' }), NOW);
    expect(s.kind).toBe('retrying');
    expect(s.badge.text).toBe('Update failed, retrying');
    expect(s.callout?.message).toMatch(/^The last update failed: First Platypus Bank is not responding to Plaid right now\. Nestfolio tries again at .+ \(in 4 minutes\); nothing is needed from you\.$/);
    expect(s.needsUser).toBe(false);
    const importStopped = connectionState(item({ initial_sync_done: false, sync_retry_at: new Date(NOW + 60_000).toISOString(), last_sync_error_display_message: 'the bank is busy' }), NOW);
    expect(importStopped.kind).toBe('retrying');
    expect(importStopped.callout?.message).toMatch(/^The import stopped: The bank is busy\. Nestfolio tries again/);
  });

  it('what needs the user wins over any sync state, with its remedy', () => {
    const cases: Array<[Partial<Item>, string, string | null]> = [
      [{ status: 'login_required', sync_in_progress: true }, 'needs_reconnect', 'Reconnect'],
      [{ status: 'revoked' }, 'revoked', 'Connect again'],
      [{ status: 'pending_expiration', consent_expires_at: ago(-60 * 24 * 3) }, 'consent_expiring', 'Reconnect'],
      [{ status: 'pending_disconnect' }, 'disconnecting', 'Reconnect'],
      [{ new_accounts_available: true }, 'new_accounts', 'Add new accounts'],
      [{ status: 'error', error_code: 'INTERNAL_SERVER_ERROR' }, 'error', null],
    ];
    for (const [over, kind, button] of cases) {
      const s = connectionState(item(over), NOW);
      expect(s.kind).toBe(kind);
      expect(s.needsUser).toBe(kind !== 'error');
      expect(s.callout?.remedy?.button ?? null).toBe(button);
    }
    expect(needingAttention([item(), item({ status: 'revoked' }), item({ new_accounts_available: true }), item({ sync_in_progress: true })], NOW)
      .map((x) => x.state.kind)).toEqual(['revoked', 'new_accounts']);
  });

  it('an unconfirmed state says so instead of claiming it', () => {
    const s = connectionState(item(), NOW, { unconfirmed: true });
    expect(s.badge).toEqual({ text: 'Status unconfirmed', tone: 'muted' });
    expect(s.detail).toBe('Last known: Up to date. Updated 3 minutes ago · 12 new transactions');
  });

  it('the sync result counts added, updated and removed transactions', () => {
    expect(syncResult(item({ last_sync_added: 1, last_sync_modified: 2, last_sync_removed: 3 }))).toBe('1 new transaction, 2 updated, 3 removed');
    expect(syncResult(item({ last_sync_added: 0 }))).toBe('no new transactions');
    expect(syncResult(item({ last_sync_finished_at: null }))).toBeNull();
    expect(syncResult(item({ last_sync_was_import: true, last_sync_added: 2_950, transactions_synced: 2_920 }))).toBe('2,920 transactions imported');
  });

  it('per-account freshness only where it differs from the connection', () => {
    expect(accountFreshness(ago(3), item(), NOW)).toBeNull();
    expect(accountFreshness(ago(60 * 24 * 3), item(), NOW)).toBe('Balance from 3 days ago');
    expect(accountFreshness(ago(60 * 24 * 3), null, NOW)).toBeNull();
  });
});

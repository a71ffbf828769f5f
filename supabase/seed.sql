-- Seed data for `supabase start` / `supabase db reset` (config.toml [db.seed]). Intentionally empty:
-- every row in this data model belongs to a signed-in user and comes from Plaid (or from the user, for
-- manual accounts), so there is nothing meaningful to pre-load. Locally, `npm run session -- <email>`
-- creates a user and the web app's "Connect accounts" creates the rest through the Plaid emulator.
select 1;

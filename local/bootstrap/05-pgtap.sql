-- Stands in for: what `supabase test db` prepares before running pgTAP (pgtap in the `extensions`
-- schema). Installed on every local cluster so `pg_prove` can run the suite at any time.
create extension if not exists pgtap with schema extensions;

-- Custom migration: what drizzle-kit does not emit.
-- 1. `app_rw`, the group role of the application. It owns nothing and has no BYPASSRLS, so row-level security
--    applies to it. Log in as a member of it: CREATE ROLE app LOGIN PASSWORD '…' IN ROLE app_rw;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_rw') THEN
    CREATE ROLE app_rw NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
END
$$;--> statement-breakpoint
-- 2. FORCE: row-level security applies to the table owner too (migrations, maintenance scripts), not only to app_rw.
ALTER TABLE "tenants" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "memberships" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "invitations" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "sessions" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "projects" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "audit_log" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "idempotency_keys" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
-- 3. Least privilege. Projects are soft-deleted (no DELETE); the audit log is append-only (INSERT and SELECT only).
GRANT USAGE ON SCHEMA public TO app_rw;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON "tenants" TO app_rw;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON "users" TO app_rw;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "memberships" TO app_rw;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "invitations" TO app_rw;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "sessions" TO app_rw;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON "projects" TO app_rw;--> statement-breakpoint
GRANT SELECT, INSERT ON "audit_log" TO app_rw;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "idempotency_keys" TO app_rw;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON "rate_limits" TO app_rw;

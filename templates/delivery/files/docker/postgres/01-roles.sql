-- The roles production has, for the local and CI databases (run once by the superuser, in database `app`):
-- `owner` runs the migrations and owns the schema, and is no superuser, so the forced row-level security applies to
-- it too; `app` is the application's login, a member of `app_rw`, the group the migrations grant table access to.
-- Neither may bypass row-level security. The migrations create `app_rw` the same way when it is missing.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'owner') THEN
    CREATE ROLE owner LOGIN CREATEROLE NOSUPERUSER NOBYPASSRLS NOCREATEDB;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app_rw') THEN
    CREATE ROLE app_rw NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app') THEN
    CREATE ROLE app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE IN ROLE app_rw;
  END IF;
END
$$;

ALTER DATABASE app OWNER TO owner;
ALTER SCHEMA public OWNER TO owner;

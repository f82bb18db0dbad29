-- panops:run-as admin
--
-- Roles and schema privileges. Runs as the connecting administrator (the
-- Aurora master user, `postgres` locally, PGlite's bootstrap user); every
-- later migration runs as {{owner_role}} through SET LOCAL ROLE.
--
-- {{owner_role}}: owns every table, never logs in, cannot bypass RLS.
-- {{app_role}}:   what services connect as; owns nothing, no BYPASSRLS, no
--                 superuser, not a member of {{owner_role}}.
-- Roles are cluster-wide, so on a pooled cluster (or a test server with many
-- databases) this file is safely re-run per database.

DO $roles$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{{owner_role}}') THEN
    CREATE ROLE "{{owner_role}}" NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{{app_role}}') THEN
    CREATE ROLE "{{app_role}}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT;
  END IF;
  -- Refuse to build on roles that would silently defeat row-level security.
  IF EXISTS (
    SELECT 1 FROM pg_roles
    WHERE rolname IN ('{{owner_role}}', '{{app_role}}') AND (rolsuper OR rolbypassrls)
  ) THEN
    RAISE EXCEPTION 'role % or % is SUPERUSER or BYPASSRLS; row-level security would not hold',
      '{{owner_role}}', '{{app_role}}';
  END IF;
  IF pg_has_role('{{app_role}}', '{{owner_role}}', 'MEMBER') THEN
    RAISE EXCEPTION 'role % is a member of %; the application must own nothing', '{{app_role}}', '{{owner_role}}';
  END IF;
  -- Aurora: IAM database authentication for the application role.
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
    EXECUTE format('GRANT rds_iam TO %I', '{{app_role}}');
  END IF;
END
$roles$;

-- The migrating administrator must be able to SET ROLE to the owner (a no-op
-- for a superuser; needed for Aurora's CREATEROLE master user).
GRANT "{{owner_role}}" TO CURRENT_USER;

-- PostgreSQL 15 already revokes CREATE on public from PUBLIC; say it anyway.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO "{{owner_role}}";
GRANT USAGE ON SCHEMA public TO "{{app_role}}";

-- Trigram matching (the seed's pg_trgm).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- panops:run-as admin
--
-- No temporary objects in this database. A temporary table lives in the
-- session's pg_temp schema, which PostgreSQL searches FIRST for relations
-- when a function's search_path does not name it: an application session
-- could create `pg_temp.chunk_terms` and make an unqualified name in a
-- trigger write one tenant's rows where the next transaction reads them.
-- PostgreSQL grants TEMPORARY on every new database to PUBLIC; take it back
-- from PUBLIC and from both roles (a direct grant would survive the first).
-- Every function also pins its search_path (0008), so even a temporary
-- object made by a privileged role cannot shadow a name a function uses.
--
-- The database is the one being migrated: each dedicated database and each
-- pooled database runs this file. (Other databases of the cluster, such as
-- `postgres`, hold no customer schema to shadow.)
DO $temporary$
BEGIN
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM %I', current_database(), '{{app_role}}');
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM %I', current_database(), '{{owner_role}}');
END
$temporary$;

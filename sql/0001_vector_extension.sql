-- panops:run-as admin
-- panops:requires-extension vector
--
-- pgvector for semantic search. Skipped (and not recorded, so a later run
-- applies it) where the server does not offer the extension, such as the
-- distribution PostgreSQL 15 our machines and CI run the isolation suite on.
CREATE EXTENSION IF NOT EXISTS vector;

-- panops:requires-extension vector
--
-- Embeddings of chunks for semantic search, where pgvector exists (PGlite,
-- Aurora, the pgvector/pgvector:pg15 container). Skipped elsewhere, such as
-- the distribution PostgreSQL 15 the concurrency suite runs on; nothing
-- else in the schema depends on this column.
--
-- The dimension is the embedding model setting ({{embedding_dimensions}}),
-- fixed when the database is created; changing models re-embeds into a new
-- column or database, it does not rewrite this migration.
ALTER TABLE chunks ADD COLUMN embedding vector({{embedding_dimensions}});

-- HNSW filters AFTER the index scan: in a table shared by many tenants a
-- tenant-filtered top-k can silently return too few rows. Queries set
-- hnsw.iterative_scan = relaxed_order (pgvector >= 0.8) inside the tenant
-- transaction, or use exact search through chunks_embedded for small
-- tenants (sql/README.md).
CREATE INDEX chunks_embedding_hnsw ON chunks USING hnsw (embedding vector_cosine_ops);
CREATE INDEX chunks_embedded ON chunks (customer_id, embedding_model) WHERE embedding IS NOT NULL;

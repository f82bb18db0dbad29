import { openServerDatabase } from '../support/database.js';
import { describeIsolation } from './isolation-suite.js';

// The PostgreSQL 15 server (PANOPS_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres),
// a scratch database and scratch roles, a pool of 8 application-role connections.
describeIsolation('the PostgreSQL server', () => openServerDatabase({ maxConnections: 8 }), {
  vector: false,
  statementTimeout: true,
  owner: true,
});

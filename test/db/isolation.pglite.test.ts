import { openPgliteTestDatabase } from '../support/database.js';
import { describeIsolation } from './isolation-suite.js';

// The full schema, embeddings included, on embedded PGlite under the NOSUPERUSER application role.
describeIsolation('PGlite', () => openPgliteTestDatabase(), { vector: true, statementTimeout: false, owner: false });

import type { TenantSqlError } from '../db/errors.js';
import { BadPayload, Transient } from './errors.js';

/**
 * The tenant-scoped SQL service's failures in pipeline terms: what a retry
 * can cure is `Transient` (backoff, then the queue), the rest is `BadPayload`
 * (dead-letter with the reason; the cursor stays, so nothing is skipped).
 */
export const fromTenantSqlError = (error: TenantSqlError, location?: string): Transient | BadPayload => {
  switch (error._tag) {
    case 'TransientDatabaseError':
    case 'StatementTimeoutError':
      return new Transient({ source: 'database', detail: `${error._tag}: ${error.message}` });
    case 'InvalidCustomerIdError':
      return new BadPayload({
        subject: 'job',
        reason: `customer id ${error.customerId} is not a UUID`,
        ...(location ? { location } : {}),
      });
    default:
      return new BadPayload({
        subject: 'item',
        reason: `${error._tag}: ${error.message}`,
        ...(location ? { location } : {}),
      });
  }
};

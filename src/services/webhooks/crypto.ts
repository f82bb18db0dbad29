import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const hmacSha256Hex = (key: string, message: string): string =>
  createHmac('sha256', key).update(message, 'utf8').digest('hex');

export const hmacSha1Base64 = (key: string, message: string): string =>
  createHmac('sha1', key).update(message, 'utf8').digest('base64');

export const sha256Hex = (message: string): string => createHash('sha256').update(message, 'utf8').digest('hex');

/**
 * Compares two strings in time independent of where they differ and of their
 * lengths: both sides are hashed to 32 bytes first, so `timingSafeEqual`
 * never sees unequal lengths (which would throw and leak the length).
 */
export const constantTimeEquals = (a: string, b: string): boolean => {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db) && a.length === b.length;
};

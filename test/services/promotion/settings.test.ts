import { Redacted } from 'effect';
import { describe, expect, it } from 'vitest';
import { promotionSettingsConfig } from '../../../src/services/promotion/settings.js';
import { configErrorOf, readConfig } from '../../support/config.js';

const env = {
  PANOPS_POOLED_DATABASE_URL: 'postgres://panops_app:app-pw@pool/panops',
  PANOPS_POOLED_ADMIN_URL: 'postgres://admin:admin-pw@pool/panops',
  PANOPS_DEDICATED_DATABASE_URL: 'postgres://panops_app:own-pw@acme/archive',
  PANOPS_POOLED_ARCHIVE: 's3://pooled-archive',
  PANOPS_DEDICATED_ARCHIVE: 's3://acme-archive',
};

describe('the promotion CLI’s settings', () => {
  it('reads the databases redacted, the archives, and defaults the owner role, route store and journal', () => {
    const settings = readConfig(promotionSettingsConfig, env);
    expect(Redacted.value(settings.dedicated)).toBe(env.PANOPS_DEDICATED_DATABASE_URL);
    expect(JSON.stringify(settings)).not.toMatch(/app-pw|admin-pw|own-pw/);
    expect(settings).toMatchObject({
      owner: 'panops_owner',
      poolArchive: 's3://pooled-archive',
      dedicatedArchive: 's3://acme-archive',
      routesFile: '.local/routes.json',
      journalDir: '.local/promotions',
    });
    expect(settings).not.toHaveProperty('dedicatedArchiveKey');
    expect(
      readConfig(promotionSettingsConfig, { ...env, PANOPS_DEDICATED_ARCHIVE_KEY: 'arn:aws:kms:eu-west-1:1:key/k' }),
    ).toHaveProperty('dedicatedArchiveKey', 'arn:aws:kms:eu-west-1:1:key/k');
  });

  it('refuses to start without a database, naming the variable', () => {
    const { PANOPS_POOLED_ADMIN_URL: _, ...withoutAdmin } = env;
    expect(configErrorOf(promotionSettingsConfig, withoutAdmin)).toContain('PANOPS_POOLED_ADMIN_URL');
  });
});

import { GetKeyRotationStatusCommand, type KMSClient } from '@aws-sdk/client-kms';
import { describeError, type LiveCheck } from './model.js';
import type { TemplatePromises } from './promises.js';

/**
 * Automatic rotation of each KMS key the template creates
 * (GetKeyRotationStatus KeyRotationEnabled,
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyRotationStatus.html).
 */
export const kmsRotationChecks = async (
  kms: KMSClient,
  promises: TemplatePromises,
  physical: ReadonlyMap<string, string>,
): Promise<LiveCheck[]> =>
  Promise.all(
    promises.keys.map(async (key): Promise<LiveCheck> => {
      const id = physical.get(key.logicalId);
      const check = {
        source: 'kms-rotation' as const,
        guardrails: ['kms-key-rotation'],
        account: promises.stack.account,
        region: promises.stack.region,
        stack: promises.stack.stack,
        logicalId: key.logicalId,
        subject: `key ${id ?? '(not in the stack)'} (${key.logicalId})`,
        synth: key.rotation ? 'rotation enabled' : 'rotation disabled',
      };
      if (!id) return { ...check, live: 'no such resource in the deployed stack', status: 'disagrees' };
      try {
        const { KeyRotationEnabled } = await kms.send(new GetKeyRotationStatusCommand({ KeyId: id }));
        const enabled = KeyRotationEnabled === true;
        return {
          ...check,
          live: enabled ? 'rotation enabled' : 'rotation disabled',
          status: enabled === key.rotation ? 'agrees' : 'disagrees',
        };
      } catch (error) {
        if ((error as { name?: string })?.name === 'NotFoundException')
          return { ...check, live: 'no such key', status: 'disagrees' };
        return { ...check, live: `not read: ${describeError(error)}`, status: 'unverified' };
      }
    }),
  );

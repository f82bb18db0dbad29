import { GetKeyRotationStatusCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { TemplatePromises } from './promises.js';
import type { TemplateResourceKind } from './template-resources.js';

const rotation = (enabled: boolean) => (enabled ? 'rotation enabled' : 'rotation disabled');

/**
 * Automatic rotation of each KMS key the template creates
 * (GetKeyRotationStatus KeyRotationEnabled,
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyRotationStatus.html).
 */
export const kmsKeyRotation = (kms: KMSClient): TemplateResourceKind<TemplatePromises['keys'][number]> => ({
  source: 'kms-rotation',
  guardrails: ['kms-key-rotation'],
  noun: 'key',
  resources: (promises) => promises.keys,
  synth: (key) => rotation(key.rotation),
  read: async (key, id) => {
    const { KeyRotationEnabled } = await kms.send(new GetKeyRotationStatusCommand({ KeyId: id }));
    const enabled = KeyRotationEnabled === true;
    return { live: rotation(enabled), status: enabled === key.rotation ? 'agrees' : 'disagrees' };
  },
  notFound: { error: 'NotFoundException', live: 'no such key' },
});

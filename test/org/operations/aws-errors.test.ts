import {
  AccessDeniedException,
  ConcurrentModificationException,
  ConstraintViolationException,
  DuplicateOrganizationalUnitException,
  OrganizationalUnitNotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-organizations';
import { Effect } from 'effect';
import { describe, expect, it } from 'vitest';
import { awsCall, classifyAwsError } from '../../../src/org/operations/aws-errors.js';
import { FAST_RETRY } from './fake-organization.js';

const meta = { $metadata: {} };

describe('AWS error classification', () => {
  it.each([
    [new TooManyRequestsException({ message: 'slow down', ...meta }), 'AwsThrottled'],
    [new ConcurrentModificationException({ message: 'busy', ...meta }), 'AwsTransient'],
    [new AccessDeniedException({ message: 'no', ...meta }), 'AwsAccessDenied'],
    [
      new ConstraintViolationException({ message: 'limit', Reason: 'OU_NUMBER_LIMIT_EXCEEDED', ...meta }),
      'AwsConstraintViolation',
    ],
    [new DuplicateOrganizationalUnitException({ message: 'dup', ...meta }), 'AwsAlreadyExists'],
    [new OrganizationalUnitNotFoundException({ message: 'gone', ...meta }), 'AwsNotFound'],
    [new Error('socket hang up'), 'AwsRequestFailed'],
  ])('classifies %s as %s', (error, tag) => {
    expect(classifyAwsError('organizations', 'Op', error)._tag).toBe(tag);
  });

  it('keeps the constraint reason in the message, so the operator knows which quota', () => {
    const error = classifyAwsError(
      'organizations',
      'CreateOrganizationalUnit',
      new ConstraintViolationException({
        message: 'You have too many OUs.',
        Reason: 'OU_NUMBER_LIMIT_EXCEEDED',
        ...meta,
      }),
    );
    expect(error.message).toBe(
      'organizations:CreateOrganizationalUnit violates an organization constraint (ConstraintViolationException): OU_NUMBER_LIMIT_EXCEEDED: You have too many OUs.',
    );
  });
});

describe('awsCall', () => {
  const failing = (errors: Error[]) => {
    let calls = 0;
    const send = async () => {
      const error = errors[Math.min(calls, errors.length - 1)];
      calls += 1;
      if (error) throw error;
      return 'ok';
    };
    return { send, calls: () => calls };
  };

  it('gives up on throttling after the retry budget, with the throttled error', async () => {
    const call = failing([new TooManyRequestsException({ message: 'slow down', ...meta })]);
    const error = await Effect.runPromise(Effect.flip(awsCall('organizations', 'ListRoots', call.send, FAST_RETRY)));
    expect(error._tag).toBe('AwsThrottled');
    expect(call.calls()).toBe(FAST_RETRY.times + 1);
  });

  it('does not retry access denied', async () => {
    const call = failing([new AccessDeniedException({ message: 'no', ...meta })]);
    const error = await Effect.runPromise(Effect.flip(awsCall('organizations', 'ListRoots', call.send, FAST_RETRY)));
    expect(error._tag).toBe('AwsAccessDenied');
    expect(call.calls()).toBe(1);
  });
});

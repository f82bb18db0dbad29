import { type Duration, Effect, Schedule, Schema } from 'effect';

/**
 * AWS failures the org operations act on, by what to do about them: throttled
 * and transient ones are retried with backoff and jitter; access denied,
 * constraint violations, already-exists and not-found stop at once with a
 * message that says which call failed and why.
 */

const CallFields = {
  /** `organizations` or `controltower`. */
  service: Schema.String,
  /** The API operation, e.g. `CreateAccount`. */
  operation: Schema.String,
  /** The AWS exception name. */
  awsError: Schema.String,
  detail: Schema.String,
};

/** Rate exceeded: retried with exponential backoff and jitter. */
export class AwsThrottled extends Schema.TaggedError<AwsThrottled>()('AwsThrottled', CallFields) {
  override get message(): string {
    return `${this.service}:${this.operation} was throttled (${this.awsError}) after retries: ${this.detail}`;
  }
}

/** A service-side or concurrent-change failure that usually clears: retried like throttling. */
export class AwsTransient extends Schema.TaggedError<AwsTransient>()('AwsTransient', CallFields) {
  override get message(): string {
    return `${this.service}:${this.operation} kept failing (${this.awsError}) after retries: ${this.detail}`;
  }
}

/** The caller lacks a permission: fix the role, do not retry. */
export class AwsAccessDenied extends Schema.TaggedError<AwsAccessDenied>()('AwsAccessDenied', CallFields) {
  override get message(): string {
    return `Access denied to ${this.service}:${this.operation} (${this.awsError}): run with management-account credentials that allow it. ${this.detail}`;
  }
}

/** An organization quota or rule refuses the call (account limit, SCP count, ...): no retry. */
export class AwsConstraintViolation extends Schema.TaggedError<AwsConstraintViolation>()(
  'AwsConstraintViolation',
  CallFields,
) {
  override get message(): string {
    return `${this.service}:${this.operation} violates an organization constraint (${this.awsError}): ${this.detail}`;
  }
}

/** The thing to create exists already (duplicate account, attachment, OU, ...): no retry. */
export class AwsAlreadyExists extends Schema.TaggedError<AwsAlreadyExists>()('AwsAlreadyExists', CallFields) {
  override get message(): string {
    return `${this.service}:${this.operation}: already exists (${this.awsError}): ${this.detail}`;
  }
}

/** The target does not exist (OU, account, policy, create request): no retry. */
export class AwsNotFound extends Schema.TaggedError<AwsNotFound>()('AwsNotFound', CallFields) {
  override get message(): string {
    return `${this.service}:${this.operation}: not found (${this.awsError}): ${this.detail}`;
  }
}

/** Anything else (invalid input, unknown failure): no retry. */
export class AwsRequestFailed extends Schema.TaggedError<AwsRequestFailed>()('AwsRequestFailed', CallFields) {
  override get message(): string {
    return `${this.service}:${this.operation} failed (${this.awsError}): ${this.detail}`;
  }
}

export type AwsError =
  | AwsThrottled
  | AwsTransient
  | AwsAccessDenied
  | AwsConstraintViolation
  | AwsAlreadyExists
  | AwsNotFound
  | AwsRequestFailed;

const THROTTLED = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling']);
const TRANSIENT = new Set([
  'ServiceException',
  'InternalServerException',
  'ConcurrentModificationException',
  'PolicyChangesInProgressException',
  'FinalizingOrganizationException',
]);
const ACCESS_DENIED = new Set(['AccessDeniedException', 'AccessDeniedForDependencyException']);
const CONSTRAINT = new Set(['ConstraintViolationException', 'ServiceQuotaExceededException']);
const ALREADY_EXISTS = new Set([
  'DuplicateAccountException',
  'DuplicatePolicyAttachmentException',
  'DuplicateOrganizationalUnitException',
  'DuplicatePolicyException',
  'ConflictException',
  'AccountAlreadyRegisteredException',
]);

/** Turns whatever an AWS SDK v3 call rejected with into one of the typed errors. */
export const classifyAwsError = (service: string, operation: string, error: unknown): AwsError => {
  const name = (error as { name?: string })?.name ?? 'UnknownError';
  const reason = (error as { Reason?: string })?.Reason;
  const text = (error as { message?: string })?.message ?? String(error);
  const fields = { service, operation, awsError: name, detail: reason ? `${reason}: ${text}` : text };
  if (THROTTLED.has(name)) return new AwsThrottled(fields);
  if (TRANSIENT.has(name)) return new AwsTransient(fields);
  if (ACCESS_DENIED.has(name)) return new AwsAccessDenied(fields);
  if (CONSTRAINT.has(name)) return new AwsConstraintViolation(fields);
  if (ALREADY_EXISTS.has(name)) return new AwsAlreadyExists(fields);
  if (name.endsWith('NotFoundException')) return new AwsNotFound(fields);
  return new AwsRequestFailed(fields);
};

export const isRetryable = (error: AwsError): boolean => error._tag === 'AwsThrottled' || error._tag === 'AwsTransient';

/** How AWS calls are retried. */
export interface RetryPolicy {
  /** First backoff delay; doubles each retry, with jitter. @default 500 millis */
  readonly base: Duration.Input;
  /** Longest single delay. @default 20 seconds */
  readonly cap: Duration.Input;
  /** Retries before giving up. @default 8 */
  readonly times: number;
}

export const DEFAULT_RETRY: RetryPolicy = { base: '500 millis', cap: '20 seconds', times: 8 };

/** Exponential backoff with jitter, capped, for retryable failures only. */
export const awsRetrySchedule = (policy: RetryPolicy = DEFAULT_RETRY) =>
  // min: the exponential delay, but never longer than the cap.
  Schedule.min([Schedule.exponential(policy.base), Schedule.spaced(policy.cap)]).pipe(
    Schedule.jittered,
    Schedule.upTo({ times: policy.times }),
  );

/**
 * One AWS call: the promise's rejection classified, retried with backoff and
 * jitter while it is throttled or transient, failing at once otherwise.
 */
export const awsCall = <A>(
  service: string,
  operation: string,
  send: () => Promise<A>,
  policy: RetryPolicy = DEFAULT_RETRY,
): Effect.Effect<A, AwsError> =>
  Effect.tryPromise({ try: send, catch: (error) => classifyAwsError(service, operation, error) }).pipe(
    Effect.retry({ schedule: awsRetrySchedule(policy), while: isRetryable }),
  );

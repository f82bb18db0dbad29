import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { MigrationSource } from '../../services/db/migrations.js';
import { type CustomResourceEvent, type CustomResourceResponse, sendResponse } from './custom-resource.js';
import {
  DatabaseSecretUnreadable,
  type MigrationHookError,
  MigrationHookPropertiesInvalid,
  MigrationHookTimedOut,
  MigrationsFailed,
} from './errors.js';
import { type MigrationOutcome, type MigrationTarget, runTenantMigrations } from './run-migrations.js';

/**
 * Deploy-time migration hook: CloudFormation calls this Lambda (a custom
 * resource) when the customer stack is created and whenever the schema
 * fingerprint changes; it reads the RDS-managed master secret, runs the
 * migrations on the writer, binds a dedicated database to its customer
 * (`CustomerId`, sql/0010) and answers CloudFormation. Deleting the resource
 * never touches the database.
 */

/** Properties the stack passes (see `MigrationHook`). */
export interface MigrationHookProperties {
  readonly secretArn: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly appRole: string;
  /** Hash of `sql/`: a change is what makes CloudFormation send an Update. */
  readonly schemaFingerprint: string;
  /** The `sql/` files, as the stack shipped them. */
  readonly migrations: readonly MigrationSource[];
  /** A dedicated database's customer: bound after migrating. Absent for the pooled cluster. */
  readonly customerId?: string;
}

export interface MigrationHookDeps {
  readonly readSecret: (secretArn: string) => Promise<string>;
  readonly migrate: (target: MigrationTarget) => Promise<MigrationOutcome>;
}

const requireString = (props: Readonly<Record<string, unknown>>, name: string): string => {
  const value = props[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw new MigrationHookPropertiesInvalid({
      property: name,
      detail: `expected a non-empty string, got ${JSON.stringify(value)}`,
    });
  }
  return value;
};

const parseMigrations = (value: unknown): MigrationSource[] => {
  if (!Array.isArray(value) || value.length === 0) {
    throw new MigrationHookPropertiesInvalid({
      property: 'Migrations',
      detail: 'expected a non-empty list of { Name, Text }',
    });
  }
  return value.map((item: unknown, index) => {
    const { Name, Text } = (item ?? {}) as { Name?: unknown; Text?: unknown };
    if (typeof Name !== 'string' || typeof Text !== 'string') {
      throw new MigrationHookPropertiesInvalid({
        property: `Migrations[${index}]`,
        detail: 'expected { Name, Text } strings',
      });
    }
    return { name: Name, text: Text };
  });
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const optionalCustomerId = (props: Readonly<Record<string, unknown>>): string | undefined => {
  if (props.CustomerId === undefined) return undefined;
  const value = requireString(props, 'CustomerId');
  if (!UUID.test(value)) {
    throw new MigrationHookPropertiesInvalid({
      property: 'CustomerId',
      detail: `not a UUID: ${JSON.stringify(value)}`,
    });
  }
  return value.toLowerCase();
};

/** Reads the properties CloudFormation passes (every value arrives as a string). */
export const parseProperties = (props: Readonly<Record<string, unknown>>): MigrationHookProperties => {
  const port = Number(requireString(props, 'Port'));
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new MigrationHookPropertiesInvalid({ property: 'Port', detail: `not a TCP port: ${String(props.Port)}` });
  }
  return {
    secretArn: requireString(props, 'SecretArn'),
    host: requireString(props, 'Host'),
    port,
    database: requireString(props, 'Database'),
    appRole: requireString(props, 'AppRole'),
    schemaFingerprint: requireString(props, 'SchemaFingerprint'),
    migrations: parseMigrations(props.Migrations),
    ...(props.CustomerId === undefined ? {} : { customerId: optionalCustomerId(props) }),
  };
};

const parseSecret = (secretArn: string, text: string): { user: string; password: string } => {
  try {
    const parsed = JSON.parse(text) as { username?: unknown; password?: unknown };
    if (typeof parsed.username === 'string' && typeof parsed.password === 'string') {
      return { user: parsed.username, password: parsed.password };
    }
  } catch {
    // reported below
  }
  throw new DatabaseSecretUnreadable({ secretArn, detail: 'the secret is not JSON with a username and a password' });
};

/** The physical id stays the same across updates: re-running migrations never replaces the resource. */
const physicalIdOf = (event: CustomResourceEvent, props?: MigrationHookProperties): string =>
  event.PhysicalResourceId ?? `panops-migrations-${props?.host ?? event.LogicalResourceId}`;

/** `Tag: {fields}` for our tagged errors; the message for the database runner's (which carry their cause). */
const describe = (error: unknown): string => {
  if (error && typeof error === 'object' && '_tag' in error) {
    const { _tag, cause: _cause, ...fields } = error as MigrationHookError & { cause?: unknown };
    const message = (error as { message?: unknown }).message;
    const detail = typeof message === 'string' && message.length > 0 && !('detail' in fields) ? ` ${message}` : '';
    return `${_tag}:${detail} ${JSON.stringify(fields)}`;
  }
  return error instanceof Error ? error.message : String(error);
};

/** Decides the response for one event; never throws. */
export const handleMigrationEvent = async (
  event: CustomResourceEvent,
  deps: MigrationHookDeps,
): Promise<CustomResourceResponse> => {
  const base = { StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId };
  if (event.RequestType === 'Delete') {
    // The database outlives the hook: nothing is dropped.
    return { ...base, Status: 'SUCCESS', PhysicalResourceId: physicalIdOf(event) };
  }
  let props: MigrationHookProperties | undefined;
  try {
    props = parseProperties(event.ResourceProperties);
    const secretArn = props.secretArn;
    const secretText = await deps.readSecret(secretArn).catch((error: unknown) => {
      throw new DatabaseSecretUnreadable({ secretArn, detail: describe(error) });
    });
    const { user, password } = parseSecret(secretArn, secretText);
    const target: MigrationTarget = {
      host: props.host,
      port: props.port,
      database: props.database,
      user,
      password,
      appRole: props.appRole,
      migrations: props.migrations,
      ...(props.customerId === undefined ? {} : { customerId: props.customerId }),
    };
    const outcome = await deps.migrate(target).catch((error: unknown) => {
      throw new MigrationsFailed({ host: target.host, database: target.database, detail: describe(error) });
    });
    return {
      ...base,
      Status: 'SUCCESS',
      PhysicalResourceId: physicalIdOf(event, props),
      // CloudFormation keeps at most 4 KB of response data: counts, not file lists.
      Data: {
        Applied: String(outcome.applied.length),
        AlreadyApplied: String(outcome.alreadyApplied.length),
        Skipped: outcome.skipped.join('; ').slice(0, 1_000),
        SchemaFingerprint: props.schemaFingerprint,
        ...(outcome.boundCustomerId === undefined ? {} : { BoundCustomerId: outcome.boundCustomerId }),
      },
    };
  } catch (error) {
    return {
      ...base,
      Status: 'FAILED',
      Reason: describe(error).slice(0, 2_000),
      PhysicalResourceId: physicalIdOf(event, props),
    };
  }
};

/** Fails the event a little before Lambda would kill the function, so CloudFormation never waits an hour. */
export const withDeadline = async <A>(work: Promise<A>, afterMs: number, onTimeout: () => A): Promise<A> => {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<A>((resolve) => {
    timer = setTimeout(() => resolve(onTimeout()), afterMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
};

const secrets = new SecretsManagerClient({});

const liveDeps: MigrationHookDeps = {
  readSecret: async (secretArn) => {
    const result = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!result.SecretString) throw new Error('the secret has no string value');
    return result.SecretString;
  },
  migrate: (target) => runTenantMigrations(target),
};

interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/** Lambda entry point. */
export const handler = async (event: CustomResourceEvent, context: LambdaContext): Promise<void> => {
  const marginMs = 10_000;
  const budgetMs = Math.max(context.getRemainingTimeInMillis() - marginMs, 1_000);
  const response = await withDeadline(handleMigrationEvent(event, liveDeps), budgetMs, () => ({
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    PhysicalResourceId: event.PhysicalResourceId ?? `panops-migrations-${event.LogicalResourceId}`,
    Status: 'FAILED' as const,
    Reason: describe(new MigrationHookTimedOut({ afterMs: budgetMs })),
  }));
  console.log(JSON.stringify({ requestType: event.RequestType, status: response.Status, reason: response.Reason }));
  await sendResponse(event.ResponseURL, response);
};

import { CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge, iam5 } from '../../common/acknowledge.js';
import { BUNDLED_HANDLER, bundledLambdaCode } from '../../common/lambda-code.js';
import { writeToLogGroup } from '../../common/log-writer.js';

/** The handler module (src/org/control-tower/identifier-lookup/handler.ts). */
export const CONTROL_IDENTIFIER_LOOKUP_ENTRY = 'src/org/control-tower/identifier-lookup/handler.ts';

export interface ControlIdentifierLookupProps {
  /** Control Tower control ids to resolve (`CT.S3.PR.1`, ...), each once. */
  readonly aliases: readonly string[];
  /**
   * Aliases answered per custom resource: CloudFormation keeps at most 4,096
   * bytes of an answer and one global ARN with its alias takes about 80. @default 20
   */
  readonly aliasesPerResource?: number;
}

/**
 * Resolves Control Tower control ids to the identifiers EnableControl takes,
 * at deploy time, from the Control Catalog (ListControls, by alias): no
 * identifier is typed in or guessed, and the resolved values are recorded as
 * the stack's `ControlIdentifier*` outputs. One Lambda (read-only:
 * `controlcatalog:ListControls`) and one custom resource per group of aliases.
 */
export class ControlIdentifierLookup extends Construct {
  readonly function: LambdaFunction;
  private readonly byAlias = new Map<string, CustomResource>();

  constructor(scope: Construct, id: string, props: ControlIdentifierLookupProps) {
    super(scope, id);
    const aliases = [...new Set(props.aliases)];
    const perResource = props.aliasesPerResource ?? 20;
    const logGroup = new LogGroup(this, 'LogGroup', {
      retention: RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
      }),
      description: 'PanOps: looks Control Tower control ids up in the Control Catalog at deploy time',
    });
    const policy = new ManagedPolicy(this, 'Policy', {
      roles: [role],
      description: 'Control identifier lookup: its log, reading the Control Catalog',
      statements: [
        writeToLogGroup(logGroup.logGroupArn, 'OwnLog'),
        // Control Catalog's ListControls has no resource type: the Service Authorization Reference lists it with "*".
        new PolicyStatement({ sid: 'ReadControlCatalog', actions: ['controlcatalog:ListControls'], resources: ['*'] }),
      ],
    });
    acknowledge(
      policy,
      [iam5('Resource::*')],
      'controlcatalog:ListControls is read-only and takes no resource (the catalog is AWS-wide public metadata)',
    );
    this.function = new LambdaFunction(this, 'Function', {
      description: 'PanOps: resolves Control Tower control ids (CT.S3.PR.1) to control ARNs from the Control Catalog',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      handler: BUNDLED_HANDLER,
      code: bundledLambdaCode(this, CONTROL_IDENTIFIER_LOOKUP_ENTRY),
      role,
      timeout: Duration.minutes(5),
      memorySize: 256,
      // Deploy-time only, a handful of invocations per deploy.
      reservedConcurrentExecutions: 1,
      logGroup,
      tracing: Tracing.DISABLED,
    });
    this.function.node.addDependency(policy);
    for (const [rule, reason] of [
      [
        'AwsSolutions::AwsSolutions-L1',
        'The project runs one Node version everywhere (Node 22: tooling, tests, the esbuild target and nodejs22.x, a supported Lambda runtime).',
      ],
      [
        'NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ',
        'CloudFormation invokes the lookup and waits for its answer: a failure fails the deployment visibly; a dead-letter queue would hold events nobody replays.',
      ],
      [
        'NIST.800.53.R5::NIST.800.53.R5-LambdaInsideVPC',
        'The management account has no VPC: the lookup reads only the public Control Catalog API and touches no data.',
      ],
      [
        'cdk-validator-cfnguard::lambda_inside_vpc_check',
        'CT.LAMBDA.PR.3: the management account has no VPC; the lookup reads only the public Control Catalog API and touches no data.',
      ],
    ] as const)
      acknowledge(this.function, [rule], reason);
    acknowledge(
      logGroup,
      ['NIST.800.53.R5::NIST.800.53.R5-CloudWatchLogGroupEncrypted'],
      'The log holds only public Control Catalog metadata (control aliases and ARNs); CloudWatch Logs encrypts it at rest with its own key.',
    );

    for (let start = 0, group = 1; start < aliases.length; start += perResource, group++) {
      const chunk = aliases.slice(start, start + perResource);
      const resource = new CustomResource(this, `Identifiers${group}`, {
        serviceToken: this.function.functionArn,
        resourceType: 'Custom::PanOpsControlIdentifiers',
        properties: { Aliases: chunk },
      });
      for (const alias of chunk) this.byAlias.set(alias, resource);
    }
  }

  /** The control ARN of an alias, resolved at deploy (a token). */
  identifierFor(alias: string): string {
    const resource = this.byAlias.get(alias);
    if (!resource) throw new Error(`ControlIdentifierLookup: ${alias} is not one of the aliases it resolves`);
    return resource.getAttString(alias);
  }

  /** The custom resource that answers an alias (EnabledControl depends on it). */
  resourceFor(alias: string): CustomResource {
    const resource = this.byAlias.get(alias);
    if (!resource) throw new Error(`ControlIdentifierLookup: ${alias} is not one of the aliases it resolves`);
    return resource;
  }
}

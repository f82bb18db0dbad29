import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { Grant, IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption, RedrivePermission } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../../common/acknowledge.js';

/** The seed: visibility timeout 30 minutes. */
export const JOB_VISIBILITY_TIMEOUT = Duration.minutes(30);
/** The seed: a message goes to the DLQ after 3 receives. */
export const JOB_MAX_RECEIVE_COUNT = 3;
/** How long jobs and dead letters are kept: the SQS maximum, so an incident can be replayed. */
export const JOB_RETENTION = Duration.days(14);

/** An alarm that fires as soon as a dead-letter queue holds a message. */
const deadLetterAlarm = (scope: Construct, queue: Queue, topic: ITopic, what: string): Alarm => {
  const alarm = new Alarm(scope, 'DepthAlarm', {
    alarmDescription: `${what}: messages in the dead-letter queue need an operator`,
    metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
    threshold: 0,
    comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(new SnsAction(topic));
  return alarm;
};

interface EncryptedQueueOptions {
  readonly queueName: string;
  readonly key: IKey;
  readonly visibilityTimeout: Duration;
}

const encryptedQueue = (scope: Construct, id: string, options: EncryptedQueueOptions, extra: object = {}): Queue =>
  new Queue(scope, id, {
    queueName: options.queueName,
    encryption: QueueEncryption.KMS,
    encryptionMasterKey: options.key,
    dataKeyReuse: Duration.minutes(5),
    enforceSSL: true,
    visibilityTimeout: options.visibilityTimeout,
    retentionPeriod: JOB_RETENTION,
    ...extra,
  });

export interface JobQueueProps {
  /** Physical queue name; the dead-letter queue is `<name>-dlq`. */
  readonly queueName: string;
  /** Key the queue and its dead-letter queue are encrypted with. */
  readonly key: IKey;
  /** Topic the dead-letter alarm notifies. */
  readonly alarmTopic: ITopic;
  /** @default 30 minutes (the seed) */
  readonly visibilityTimeout?: Duration;
  /** Receives before a message moves to the dead-letter queue. @default 3 (the seed) */
  readonly maxReceiveCount?: number;
}

/**
 * A standard SQS job queue with its own dead-letter queue: KMS-encrypted,
 * TLS-only, and an alarm on the dead-letter queue's depth.
 */
export class JobQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: JobQueueProps) {
    super(scope, id);
    const { region, account } = Stack.of(this);
    const maxReceiveCount = props.maxReceiveCount ?? JOB_MAX_RECEIVE_COUNT;
    if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000)
      throw new RangeError(`JobQueue: maxReceiveCount must be an integer from 1 to 1000, got ${maxReceiveCount}`);
    const dlq = new Construct(this, 'DeadLetter');
    // The source queue is named, not referenced, to avoid a cycle (each queue names the other).
    this.deadLetterQueue = encryptedQueue(
      dlq,
      'Queue',
      { queueName: `${props.queueName}-dlq`, key: props.key, visibilityTimeout: Duration.minutes(5) },
      {
        redriveAllowPolicy: {
          redrivePermission: RedrivePermission.BY_QUEUE,
          sourceQueues: [Queue.fromQueueArn(dlq, 'Source', `arn:aws:sqs:${region}:${account}:${props.queueName}`)],
        },
      },
    );
    this.deadLetterAlarm = deadLetterAlarm(dlq, this.deadLetterQueue, props.alarmTopic, props.queueName);
    this.queue = encryptedQueue(
      this,
      'Queue',
      {
        queueName: props.queueName,
        key: props.key,
        visibilityTimeout: props.visibilityTimeout ?? JOB_VISIBILITY_TIMEOUT,
      },
      { deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount } },
    );
  }

  get queueUrl(): string {
    return this.queue.queueUrl;
  }

  get queueArn(): string {
    return this.queue.queueArn;
  }

  get deadLetterQueueUrl(): string {
    return this.deadLetterQueue.queueUrl;
  }

  /** Lets the grantee enqueue jobs (and use the key to encrypt them). */
  grantSendMessages(grantee: IGrantable): Grant {
    return this.queue.grantSendMessages(grantee);
  }

  /** Lets the grantee receive, delete and extend jobs (and decrypt them). */
  grantConsumeMessages(grantee: IGrantable): Grant {
    return this.queue.grantConsumeMessages(grantee);
  }

  /** Lets the grantee move a hopeless job to the dead-letter queue at once, with its reason. */
  grantSendDeadLetters(grantee: IGrantable): Grant {
    return this.deadLetterQueue.grantSendMessages(grantee);
  }
}

/** What may send its failures to a {@link DeadLetterQueue}, with the name its alarm and acknowledgement give it. */
export const DEAD_LETTER_SOURCES = {
  webhookHandler: 'the webhook handler',
  connectorPoller: 'the connector poller',
  connectorSchedules: 'the connector schedules',
} as const;
export type DeadLetterSource = keyof typeof DEAD_LETTER_SOURCES;

export interface DeadLetterQueueProps {
  readonly queueName: string;
  readonly key: IKey;
  readonly alarmTopic: ITopic;
  /** What sends its failures here. */
  readonly source: DeadLetterSource;
}

/**
 * A dead-letter queue for something that is not a queue (a Lambda function's
 * failed async invocations, a schedule's undeliverable jobs): encrypted,
 * TLS-only, alarmed. It has no dead-letter queue of its own.
 */
export class DeadLetterQueue extends Construct {
  readonly queue: Queue;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = encryptedQueue(
      this,
      'Queue',
      { queueName: props.queueName, key: props.key, visibilityTimeout: Duration.minutes(5) },
      { redriveAllowPolicy: { redrivePermission: RedrivePermission.DENY_ALL } },
    );
    const sourceName = DEAD_LETTER_SOURCES[props.source];
    this.alarm = deadLetterAlarm(this, this.queue, props.alarmTopic, sourceName);
    const reason = `Dead-letter queue of ${sourceName}: the last stop for failed messages, so it has no dead-letter queue itself; its depth alarm notifies operators.`;
    acknowledge(this.queue, ['AwsSolutions::AwsSolutions-SQS3', 'cdk-validator-cfnguard::sqs_dlq_check'], reason);
  }

  get queueArn(): string {
    return this.queue.queueArn;
  }

  /** Lets the grantee deliver its failures here. */
  grantSendMessages(grantee: IGrantable): Grant {
    return this.queue.grantSendMessages(grantee);
  }
}

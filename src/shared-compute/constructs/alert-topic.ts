import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { EncryptedWithPlatformKey } from './platform-key.js';

/** Where the shared compute alarms (dead-letter queues, failed schedules) notify operators. */
export class AlertTopic extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: EncryptedWithPlatformKey) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', {
      displayName: 'PanOps shared compute alerts',
      masterKey: props.key,
      enforceSSL: true,
    });
  }
}

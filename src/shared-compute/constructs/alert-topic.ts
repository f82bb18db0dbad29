import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface AlertTopicProps {
  /** Key the topic is encrypted with. */
  readonly key: IKey;
}

/** Where the shared compute alarms (dead-letter queues, failed schedules) notify operators. */
export class AlertTopic extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', {
      displayName: 'PanOps shared compute alerts',
      masterKey: props.key,
      enforceSSL: true,
    });
  }
}

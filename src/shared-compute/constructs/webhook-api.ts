import { Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { CfnPermission, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { acknowledge } from '../../common/acknowledge.js';
import { encryptedLogGroup } from './encrypted-log-group.js';

/** Steady-state requests per second across all webhooks, and the burst above it. */
export const WEBHOOK_THROTTLING = { rateLimit: 100, burstLimit: 200 } as const;
/** The one public route: the provider and the customer's connector come from the path. */
export const WEBHOOK_ROUTE = '/webhooks/{provider}/{customer}/{connector}';

/** Access log fields (HTTP API context variables; the REST API's standard set names some HTTP APIs lack). */
const HTTP_API_ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    ip: '$context.identity.sourceIp',
    requestTime: '$context.requestTime',
    httpMethod: '$context.httpMethod',
    routeKey: '$context.routeKey',
    path: '$context.path',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    integrationError: '$context.integrationErrorMessage',
  }),
);

export interface WebhookApiProps {
  /** The webhook handler; the route proxies to it (payload format 2.0). */
  readonly handler: IFunction;
  readonly logKey: IKey;
  /** Stage throttling. @default WEBHOOK_THROTTLING */
  readonly throttling?: { readonly rateLimit: number; readonly burstLimit: number };
}

/**
 * The only public entry point of the shared compute account: an HTTPS API
 * (API Gateway HTTP API) with one route, `POST /webhooks/{provider}/{customer}/{connector}`,
 * handed to the webhook Lambda, which authenticates every request by the
 * provider's signature before storing anything. Throttled on its stage,
 * access-logged to an encrypted log group.
 */
export class WebhookApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: WebhookApiProps) {
    super(scope, id);
    const throttling = props.throttling ?? WEBHOOK_THROTTLING;
    this.api = new HttpApi(this, 'Api', {
      apiName: 'panops-webhooks',
      description: 'PanOps webhooks for push platforms (Slack, Twilio, Zoom, Microsoft Graph)',
      createDefaultStage: false,
      disableExecuteApiEndpoint: false,
    });
    this.stage = new HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: throttling.rateLimit, burstLimit: throttling.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(encryptedLogGroup(this, 'AccessLogs', props.logKey)),
        format: HTTP_API_ACCESS_LOG_FORMAT,
      },
    });
    const [route] = this.api.addRoutes({
      path: WEBHOOK_ROUTE,
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('Handler', props.handler),
    });
    // API Gateway may invoke the handler for this API's route in this account only.
    for (const permission of this.api.node.findAll().filter((c): c is CfnPermission => c instanceof CfnPermission))
      permission.addPropertyOverride('SourceAccount', Stack.of(this).account);
    if (route)
      acknowledge(
        route,
        ['AwsSolutions::AwsSolutions-APIG4'],
        'Webhook providers (Slack, Twilio, Zoom, Microsoft Graph) cannot present AWS or OAuth credentials; the handler authenticates every request by the provider signature (HMAC, timestamp, replay guard) before anything is stored.',
      );
  }

  /** The public base URL of the webhooks. */
  get url(): string {
    return `${this.api.apiEndpoint}/webhooks`;
  }
}

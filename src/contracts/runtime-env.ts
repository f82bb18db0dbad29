/**
 * Environment variables the shared compute stack sets on its workloads: the
 * contract between the infrastructure and the services that read them.
 */
export const RUNTIME_ENV = {
  /** URL of the connector-jobs queue (long polls, recording downloads; Fargate workers consume it). */
  connectorJobsQueueUrl: 'PANOPS_CONNECTOR_JOBS_QUEUE_URL',
  /** URL of the connector-jobs dead-letter queue (a job that can never succeed is copied there with its reason). */
  connectorJobsDeadLetterQueueUrl: 'PANOPS_CONNECTOR_JOBS_DLQ_URL',
  /** URL of the transcription-jobs queue (the Whisper fleet consumes it). */
  transcriptionJobsQueueUrl: 'PANOPS_TRANSCRIPTION_JOBS_QUEUE_URL',
  /** URL of the transcription-jobs dead-letter queue (a job that can never succeed is copied there with its reason). */
  transcriptionJobsDeadLetterQueueUrl: 'PANOPS_TRANSCRIPTION_JOBS_DLQ_URL',
  /** Name of the DynamoDB cursor table (partition key `pk`, TTL attribute `expiresAt`). */
  cursorTableName: 'PANOPS_CURSOR_TABLE_NAME',
  /** Name of the role each customer account creates for PanOps workloads (`roleArn(account, name)`). */
  customerDataRoleName: 'PANOPS_CUSTOMER_DATA_ROLE_NAME',
  /** Whisper model used when a transcription job names none (the seed: `large-v3`). */
  whisperDefaultModel: 'PANOPS_WHISPER_DEFAULT_MODEL',
  /** Whisper server base URL on the transcription instance (OpenAI-compatible `/v1/audio/transcriptions`). */
  whisperBaseUrl: 'PANOPS_WHISPER_BASE_URL',
  /** One Whisper server per blueprint model on the transcription instance: JSON `{ "large-v3": url, "medium": url }`. */
  whisperBaseUrls: 'PANOPS_WHISPER_BASE_URLS',
  /** vLLM base URL behind the internal load balancer (OpenAI-compatible `/v1/...`). */
  vllmBaseUrl: 'PANOPS_VLLM_BASE_URL',
  /** Chat model the vLLM chat service serves (the name sent in `/v1/chat/completions`). */
  chatModel: 'PANOPS_CHAT_MODEL',
  /** Base URL of the vLLM embeddings service behind its own internal load balancer (OpenAI-compatible `/v1/embeddings`). */
  embeddingsUrl: 'PANOPS_EMBEDDINGS_URL',
  /** Embedding model the embeddings service serves (its dimension must equal the `vector(N)` column of `chunks`). */
  embeddingModel: 'PANOPS_EMBEDDING_MODEL',
  /** AWS region of the shared compute account. */
  region: 'AWS_REGION',
} as const;

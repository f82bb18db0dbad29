/**
 * The CloudFormation custom resource protocol, as much of it as the migration
 * hook uses (request from CloudFormation, response PUT to a presigned S3 URL).
 */

export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly ResourceType: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Readonly<Record<string, unknown>>;
  readonly OldResourceProperties?: Readonly<Record<string, unknown>>;
}

export interface CustomResourceResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  /** Shown in the stack events when the status is FAILED (CloudFormation keeps the first 4 KB or so). */
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly Data?: Readonly<Record<string, string>>;
}

/** Sends the response to CloudFormation (a PUT with an empty content type, as the presigned URL expects). */
export const sendResponse = async (responseUrl: string, response: CustomResourceResponse): Promise<void> => {
  const body = JSON.stringify(response);
  const result = await fetch(responseUrl, {
    method: 'PUT',
    headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
    body,
  });
  if (!result.ok) throw new Error(`CloudFormation response PUT failed: HTTP ${result.status}`);
};

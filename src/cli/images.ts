import { prepareImageContext, WORKER_IMAGES, type WorkerImageName } from '../common/image-context.js';

/**
 * `npx projen images:context`: writes each worker image's build context
 * (`images/<name>/dist`) exactly as synth does, so `docker build images/<name>`
 * builds what `cdk deploy` would (the CI image job runs this first).
 */
for (const name of Object.keys(WORKER_IMAGES) as WorkerImageName[]) {
  const context = prepareImageContext(name);
  console.log(`${name}: ${context.directory} (runtime imports: Node.js built-ins only)`);
}

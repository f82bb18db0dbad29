import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { prepareImageContext, WORKER_IMAGES, type WorkerImageName, workerImageFiles } from '../common/image-context.js';
import { loadBlueprint } from '../config/load.js';

/**
 * `npx projen images:context`: writes each worker image's `dist/` into its
 * folder under images/ (`images/<name>/dist`) as synth stages it for the
 * example blueprint, so `docker build images/<name>` builds what `cdk deploy`
 * would (the CI image job runs this first).
 */
const customers = loadBlueprint(process.env.PANOPS_BLUEPRINT_DIR ?? 'blueprint').customers;
const files = workerImageFiles(customers);
for (const name of Object.keys(WORKER_IMAGES) as WorkerImageName[]) {
  const staged = prepareImageContext(name, files[name]);
  const dist = join(WORKER_IMAGES[name].context, 'dist');
  rmSync(dist, { recursive: true, force: true });
  cpSync(join(staged.directory, 'dist'), dist, { recursive: true });
  console.log(`${name}: ${dist} from ${staged.directory} (runtime imports: Node.js built-ins only)`);
}

/**
 * `npx projen vend [--release] [--concurrency N] [--json]`: vends the account
 * of every dedicated customer known only by email (adopting it if it exists),
 * never more at once than Control Tower's limit; with `--release`, moves the
 * accounts that waited in Quarantine to their Customers OU and records their
 * ids in the blueprint. Exit 0: all vended; 1: some customers failed; 2: the
 * run could not start.
 */
import { Effect, Layer } from 'effect';
import { blueprintDir, runCli } from '../../common/cli-runner.js';
import { loadBlueprint } from '../../config/index.js';
import { AccountLedger } from '../operations/account-ledger.js';
import { AccountReadiness } from '../operations/account-readiness.js';
import { Organizations } from '../operations/organizations.js';
import { formatVendReport, vendAccounts } from '../operations/vend.js';

const args = process.argv.slice(2);
const concurrencyAt = args.indexOf('--concurrency');
const concurrency = concurrencyAt >= 0 ? Number(args[concurrencyAt + 1]) : undefined;
const blueprint = loadBlueprint(blueprintDir());
const program = vendAccounts(blueprint, {
  release: args.includes('--release'),
  onProgress: (line) => console.log(line),
  ...(concurrency && Number.isFinite(concurrency) ? { concurrency } : {}),
}).pipe(
  Effect.map((report) => {
    console.log(args.includes('--json') ? JSON.stringify(report, null, 2) : formatVendReport(report));
    return report.outcomes.some((o) => !o.ok) ? 1 : 0;
  }),
  Effect.provide(Layer.mergeAll(Organizations.live(), AccountLedger.yamlFiles, AccountReadiness.live(blueprint))),
);
runCli(program);

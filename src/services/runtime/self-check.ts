/**
 * `--self-check` for the container entry points: the image runs its bundled
 * entry point with this flag at build time in CI (and tests run the bundle the
 * same way here), so a bundle that cannot load, or a configuration the worker
 * would refuse, fails before any instance pulls the image. The check loads
 * the configuration exactly as a real start does, prints what it found (names
 * only, nothing secret) and exits 0 without touching a queue or a database.
 */
export const SELF_CHECK_FLAG = '--self-check';

export const isSelfCheck = (argv: readonly string[] = process.argv): boolean => argv.includes(SELF_CHECK_FLAG);

/** Prints `{ selfCheck: "ok", worker, ...summary }` on one line and exits 0. */
export const passSelfCheck = (worker: string, summary: Readonly<Record<string, unknown>>): never => {
  process.stdout.write(`${JSON.stringify({ selfCheck: 'ok', worker, ...summary })}\n`);
  process.exit(0);
};

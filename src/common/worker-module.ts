/**
 * A worker thread's module beside the caller's: from source (tsx, vitest) it
 * is TypeScript and needs tsx's loader; a build ships the `.js` file.
 * @param name the module's name without extension, e.g. `./parse-worker`
 * @param from the caller's `import.meta.url`
 */
export const workerModule = (name: string, from: string): { readonly url: URL; readonly execArgv: string[] } => {
  const url = new URL(`${name}${from.endsWith('.ts') ? '.ts' : '.js'}`, from);
  const execArgv =
    url.pathname.endsWith('.ts') && !process.execArgv.some((a) => a.includes('tsx'))
      ? [...process.execArgv, '--import', 'tsx']
      : process.execArgv;
  return { url, execArgv };
};

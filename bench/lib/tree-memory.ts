import { readdirSync, readFileSync } from 'node:fs';

/**
 * Peak resident memory of a process and all its descendants together
 * (Node plus the cfn-guard processes it starts), sampled from /proc: the
 * `maxRSS` a process reports for itself leaves its children out. Linux only;
 * elsewhere the sampler reports 0 and the benchmark falls back on maxRSS.
 */
export interface TreeMemorySampler {
  /** Stops sampling; the highest sum seen, in KiB. */
  stop(): number;
}

const PAGE_KIB = 4;

interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  readonly rssKib: number;
}

const readStat = (pid: string): ProcStat | undefined => {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: fields after its closing parenthesis are fixed.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid: Number(pid), ppid: Number(fields[1]), rssKib: Number(fields[21]) * PAGE_KIB };
  } catch {
    return undefined; // exited between the listing and the read
  }
};

/** Sum of the RSS of `root` and every descendant, now. */
export const treeRssKib = (root: number): number => {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return 0;
  }
  const children = new Map<number, ProcStat[]>();
  const byPid = new Map<number, ProcStat>();
  for (const entry of entries) {
    const stat = readStat(entry);
    if (!stat) continue;
    byPid.set(stat.pid, stat);
    const list = children.get(stat.ppid);
    if (list) list.push(stat);
    else children.set(stat.ppid, [stat]);
  }
  let total = 0;
  const stack = [byPid.get(root)].filter((s): s is ProcStat => s !== undefined);
  while (stack.length > 0) {
    const stat = stack.pop() as ProcStat;
    total += stat.rssKib;
    stack.push(...(children.get(stat.pid) ?? []));
  }
  return total;
};

/** Samples the tree's total RSS every `intervalMs` until stopped. */
export const sampleTreeMemory = (root: number, intervalMs = 200): TreeMemorySampler => {
  let peak = treeRssKib(root);
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRssKib(root));
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
};

import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds spent, for figures that other load on the machine barely moves:
 * this process (every thread: main, parse workers, libuv's pool) and the
 * local PostgreSQL server (every `postgres` process, backends and WAL writer
 * alike, read from /proc). Linux only; elsewhere the server's share is 0.
 */
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

const postgresSeconds = (): number => {
  let total = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return 0;
  }
  for (const pid of entries) {
    try {
      const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!text.includes('(postgres)')) continue;
      // Fields after the command name's closing parenthesis: utime is the 12th, stime the 13th.
      const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    } catch {
      // exited between the listing and the read
    }
  }
  return total;
};

export interface CpuSpent {
  /** Seconds of this process (all threads). */
  readonly process: number;
  /** Seconds of the PostgreSQL server's processes. */
  readonly postgres: number;
}

/** Starts counting; the returned function gives the CPU seconds spent since. */
export const startCpuCount = (): (() => CpuSpent) => {
  const processStart = process.cpuUsage();
  const postgresStart = postgresSeconds();
  return () => {
    const used = process.cpuUsage(processStart);
    return { process: (used.user + used.system) / 1e6, postgres: postgresSeconds() - postgresStart };
  };
};

// The wire-level AWS emulators ship no type declarations; these are the parts the tests use.
declare module 'dynalite' {
  import type { Server } from 'node:http';
  export default function dynalite(options?: { createTableMs?: number; deleteTableMs?: number; path?: string }): Server;
}

declare module 's3rver' {
  export default class S3rver {
    constructor(options: {
      address?: string;
      port?: number;
      silent?: boolean;
      directory?: string;
      resetOnClose?: boolean;
      allowMismatchedSignatures?: boolean;
      configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
    });
    run(): Promise<{ address: string; port: number }>;
    configureBuckets(): Promise<void>;
    callback(): (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;
    close(): Promise<void>;
  }
}

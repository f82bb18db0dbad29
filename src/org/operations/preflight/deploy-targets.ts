import { type App, Stack, Token } from 'aws-cdk-lib';
import { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';

/**
 * Where the app's stacks deploy, read from the constructed stacks themselves
 * (the same app `cdk deploy` synthesizes), so the preflight checks exactly
 * the accounts and regions the deploy will touch and the reserved Lambda
 * concurrency the templates ask for — never a second copy of those figures.
 */
export interface DeployEnvironment {
  readonly account: string;
  readonly region: string;
  /** The stacks that deploy there. */
  readonly stacks: readonly string[];
}

export interface ReservedConcurrencyDemand {
  readonly account: string;
  readonly region: string;
  /** Sum of `ReservedConcurrentExecutions` of every function there. */
  readonly reserved: number;
  readonly functions: readonly { readonly path: string; readonly reserved: number }[];
}

const stacksOf = (app: App): Stack[] => app.node.findAll().filter((c): c is Stack => Stack.isStack(c) && !c.nested);

const concrete = (stack: Stack) => !Token.isUnresolved(stack.account) && !Token.isUnresolved(stack.region);

const key = (account: string, region: string) => `${account}/${region}`;

/** Every (account, region) with at least one stack; stacks of accounts not vended yet (no id) are left out. */
export const deployEnvironments = (app: App): DeployEnvironment[] => {
  const byEnv = new Map<string, { account: string; region: string; stacks: string[] }>();
  for (const stack of stacksOf(app).filter(concrete)) {
    const k = key(stack.account, stack.region);
    const env = byEnv.get(k) ?? { account: stack.account, region: stack.region, stacks: [] };
    env.stacks.push(stack.stackName);
    byEnv.set(k, env);
  }
  return [...byEnv.values()];
};

/** Stacks whose account has no id yet (customers still to be vended). */
export const environmentAgnosticStacks = (app: App): string[] =>
  stacksOf(app)
    .filter((s) => !concrete(s))
    .map((s) => s.stackName);

/** The reserved concurrency the functions of each (account, region) ask for. */
export const reservedConcurrencyDemand = (app: App): ReservedConcurrencyDemand[] => {
  const byEnv = new Map<
    string,
    { account: string; region: string; reserved: number; functions: { path: string; reserved: number }[] }
  >();
  const functions = app.node.findAll().filter((c: IConstruct): c is CfnFunction => c instanceof CfnFunction);
  for (const fn of functions) {
    const stack = Stack.of(fn);
    const reserved = fn.reservedConcurrentExecutions;
    if (!concrete(stack) || typeof reserved !== 'number' || Token.isUnresolved(reserved) || reserved <= 0) continue;
    const k = key(stack.account, stack.region);
    const demand = byEnv.get(k) ?? { account: stack.account, region: stack.region, reserved: 0, functions: [] };
    demand.reserved += reserved;
    demand.functions.push({ path: fn.node.path, reserved });
    byEnv.set(k, demand);
  }
  return [...byEnv.values()];
};

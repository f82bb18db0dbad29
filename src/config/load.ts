import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import type { BlueprintProblem } from './errors.js';
import { BlueprintInvalid } from './errors.js';
import type { Blueprint } from './model.js';
import type { RawFile } from './validate.js';
import { validateBlueprint } from './validate.js';

export const ORGANIZATION_FILE = 'organization.yaml';
export const CUSTOMERS_DIR = 'customers';

/** Parses one YAML file; syntax errors become problems with the line and column. */
const readYaml = (path: string, displayPath: string, problems: BlueprintProblem[]): RawFile | undefined => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push({ file: displayPath, field: '(file)', rule: `cannot be read: ${(error as Error).message}` });
    return undefined;
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const where = error.linePos?.[0] ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '';
      problems.push({
        file: displayPath,
        field: '(file)',
        rule: `invalid YAML${where}: ${error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`,
      });
    }
    return undefined;
  }
  return { file: displayPath, data: doc.toJS() };
};

/**
 * Loads and validates the blueprint folder: `organization.yaml` and
 * `customers/*.yaml`. Throws `BlueprintInvalid` naming every problem.
 */
export const loadBlueprint = (rootDir: string, cwd = process.cwd()): Blueprint => {
  const display = (path: string) => relative(cwd, path) || path;
  const problems: BlueprintProblem[] = [];
  const organization = readYaml(join(rootDir, ORGANIZATION_FILE), display(join(rootDir, ORGANIZATION_FILE)), problems);
  const customersDir = join(rootDir, CUSTOMERS_DIR);
  let customerFiles: string[] = [];
  try {
    customerFiles = readdirSync(customersDir)
      .filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'))
      .sort();
  } catch {
    // A blueprint with no customers folder is an organization with no customers yet.
  }
  const customers = customerFiles.flatMap((name) => {
    const path = join(customersDir, name);
    const raw = readYaml(path, display(path), problems);
    return raw ? [raw] : [];
  });
  if (!organization) throw new BlueprintInvalid({ problems });
  try {
    const blueprint = validateBlueprint({ organization, customers }, rootDir);
    if (problems.length > 0) throw new BlueprintInvalid({ problems });
    return blueprint;
  } catch (error) {
    if (error instanceof BlueprintInvalid) throw new BlueprintInvalid({ problems: [...problems, ...error.problems] });
    throw error;
  }
};

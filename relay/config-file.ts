// Loads the configuration from a JSON or YAML file and validates it against the schema;
// every error names its line (`relay.yaml:12: limits.perIp must be ...`).
import { readFile } from 'node:fs/promises';
import { LineCounter, isNode, parseDocument, type Document } from 'yaml';
import type { RelayConfig } from './config.ts';
import { crossCheck, validateAgainstSchema, withDefaults, type SchemaIssue } from './config-schema.ts';
import { RelayConfigError } from './errors.ts';

/** Validates a configuration object (from a file or from code) and applies defaults. */
export function resolveConfig(input: unknown, where: (issue: SchemaIssue) => string = (i) => i.path.join('.')): RelayConfig {
  const issues = validateAgainstSchema(input ?? {});
  if (issues.length === 0) {
    const config = withDefaults(input ?? {});
    issues.push(...crossCheck(config));
    if (issues.length === 0) return config;
  }
  const first = issues[0]!;
  const lines = issues.map((i) => `${where(i)}: ${i.message}`);
  throw new RelayConfigError(`Invalid relay configuration:\n  ${lines.join('\n  ')}`, first.path.join('.'));
}

function lineOf(doc: Document, counter: LineCounter, path: readonly (string | number)[]): number | undefined {
  // Walk up to the nearest node that exists (a missing key is reported at its parent).
  for (let p = [...path]; ; p = p.slice(0, -1)) {
    const node = p.length === 0 ? doc.contents : doc.getIn(p, true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
    if (p.length === 0) return undefined;
  }
}

/** Parses JSON or YAML text; `name` is used in messages. */
export function parseConfigText(text: string, name: string): RelayConfig {
  const counter = new LineCounter();
  if (name.endsWith('.json')) {
    try {
      JSON.parse(text);
    } catch (err) {
      const pos = /position (\d+)/.exec(String(err))?.[1];
      const line = pos === undefined ? undefined : text.slice(0, Number(pos)).split('\n').length;
      throw new RelayConfigError(`${name}${line ? `:${line}` : ''}: not valid JSON (${(err as Error).message}).`, '', line);
    }
  }
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const bad = doc.errors[0];
  if (bad) {
    const line = counter.linePos(bad.pos[0]).line;
    throw new RelayConfigError(`${name}:${line}: ${bad.message.split('\n')[0]}`, '', line);
  }
  const value: unknown = doc.toJS();
  try {
    return resolveConfig(value, (i) => `${name}:${lineOf(doc, counter, i.path) ?? '?'}`);
  } catch (err) {
    if (err instanceof RelayConfigError) {
      const line = Number(/:(\d+):/.exec(err.message)?.[1]);
      throw new RelayConfigError(err.message, err.path, Number.isFinite(line) ? line : undefined);
    }
    throw err;
  }
}

/** Reads and validates a configuration file (.json, .yaml or .yml). */
export async function loadConfigFile(path: string): Promise<RelayConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new RelayConfigError(`Cannot read the relay configuration ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}.`);
  }
  return parseConfigText(text, path);
}

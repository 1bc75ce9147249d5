/**
 * The panel's reading of a record: every field with the type the views expect, or missing.
 *
 * The server already normalises records, but a record is data anyone sharing the journal can
 * write, and a view that assumes a type (`values.filter`, `tags.map`) would blank its whole
 * tab. So the views read records through `normalizeRecord`: a wrong-typed field becomes
 * missing and is named in `problems`, which the view shows as "damaged".
 */
import { ExperimentRecord, Finding } from './tokens';

type Dict = { [key: string]: unknown };

export interface INormalizedRecord {
  record: ExperimentRecord;
  /** One line per field that was dropped or repaired, plus the server's own reasons. */
  problems: string[];
}

function isDict(value: unknown): value is Dict {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'list' : typeof value;
}

const TEXT_FIELDS = ['name', 'status', 'created', 'started', 'ended', 'framework', 'stop_reason'];
const OBJECT_FIELDS = ['model', 'params', 'data', 'metrics', 'env', 'error'];

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function normalizeHistory(value: unknown, problems: string[]): ExperimentRecord['history'] {
  const history: { [key: string]: (number | null)[] } = {};
  for (const [key, curve] of Object.entries(value as Dict)) {
    if (Array.isArray(curve)) {
      history[key] = curve.map(finiteOrNull);
    } else {
      problems.push(`history.${key} is a ${typeName(curve)}, not a list of numbers`);
    }
  }
  return history;
}

function normalizeFindings(value: unknown[], problems: string[]): Finding[] {
  const findings: Finding[] = [];
  value.forEach((item, i) => {
    if (!isDict(item)) {
      problems.push(`findings[${i}] is a ${typeName(item)}, not a finding`);
      return;
    }
    const text = (key: string) => (typeof item[key] === 'string' ? (item[key] as string) : undefined);
    findings.push({
      ...item,
      code: text('code') ?? '?',
      severity: text('severity') ?? 'info',
      message: text('message') ?? '',
      title: text('title'),
      stage: text('stage'),
      why: text('why'),
      fix: text('fix')
    } as Finding);
  });
  return findings;
}

function stringFields(value: Dict, keys: string[], field: string, problems: string[]): Dict {
  const result: Dict = {};
  for (const key of keys) {
    const inner = value[key];
    if (typeof inner === 'string') {
      result[key] = inner;
    } else if (inner !== undefined && inner !== null) {
      problems.push(`${field}.${key} is a ${typeName(inner)}, not text`);
    }
  }
  return result;
}

/**
 * A record the views can render whatever the journal held.
 *
 * @param raw - a record as the server sent it (any JSON value)
 */
export function normalizeRecord(raw: unknown): INormalizedRecord {
  const problems: string[] = [];
  const source: Dict = isDict(raw) ? raw : {};
  if (!isDict(raw)) {
    problems.push(`the record is a ${typeName(raw)}, not an object`);
  }
  // The server's normaliser names what it dropped; keep its reasons first.
  const damaged = source['damaged'];
  if (Array.isArray(damaged)) {
    problems.push(...damaged.filter((reason): reason is string => typeof reason === 'string'));
  } else if (isDict(damaged) && Array.isArray(damaged['reasons'])) {
    problems.push(...(damaged['reasons'] as unknown[]).filter((r): r is string => typeof r === 'string'));
  }
  const record: Dict = { ...source };
  const id = source['id'];
  record['id'] = typeof id === 'string' ? id : id === undefined || id === null ? '?' : JSON.stringify(id);
  if (typeof id !== 'string') {
    problems.push(`id is a ${typeName(id)}, not text`);
  }
  const check = <T>(key: string, ok: (value: unknown) => boolean, expected: string, fix?: (v: unknown) => T) => {
    const value = source[key];
    if (value === undefined || value === null) {
      return;
    }
    if (ok(value)) {
      if (fix) {
        record[key] = fix(value);
      }
      return;
    }
    delete record[key];
    problems.push(`${key} is a ${typeName(value)}, not ${expected}`);
  };
  for (const key of TEXT_FIELDS) {
    check(key, value => typeof value === 'string', 'text');
  }
  for (const key of OBJECT_FIELDS) {
    check(key, isDict, 'an object');
  }
  check('duration_s', value => typeof value === 'number' && Number.isFinite(value), 'a number');
  check('history', isDict, 'an object of lists', value => normalizeHistory(value, problems));
  check('findings', Array.isArray, 'a list', value => normalizeFindings(value as unknown[], problems));
  check('tags', Array.isArray, 'a list', value => {
    const tags = value as unknown[];
    const text = tags.filter((tag): tag is string => typeof tag === 'string');
    if (text.length !== tags.length) {
      problems.push(`tags holds ${tags.length - text.length} value(s) that are not text`);
    }
    return Array.from(new Set(text));
  });
  check('notes', isDict, 'an object', value =>
    stringFields(value as Dict, Object.keys(value as Dict), 'notes', problems)
  );
  check('source', isDict, 'an object', value => stringFields(value as Dict, ['cell', 'notebook'], 'source', problems));
  record['status'] = typeof record['status'] === 'string' ? record['status'] : 'unknown';
  return { record: record as ExperimentRecord, problems };
}

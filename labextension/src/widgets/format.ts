/**
 * Turning record values into short display text. Everything returned is plain text for React
 * to render as text: nothing here produces HTML.
 */

/** "3 min ago", "yesterday 14:02", "2025-01-03 10:00" for an ISO 8601 timestamp. */
export function formatWhen(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) {
    return '—';
  }
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) {
    return iso;
  }
  const seconds = (now.getTime() - when.getTime()) / 1000;
  if (seconds >= 0 && seconds < 60) {
    return 'just now';
  }
  if (seconds >= 0 && seconds < 3600) {
    return `${Math.floor(seconds / 60)} min ago`;
  }
  if (seconds >= 0 && seconds < 86400) {
    return `${Math.floor(seconds / 3600)} h ago`;
  }
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())} ` +
    `${pad(when.getHours())}:${pad(when.getMinutes())}`
  );
}

/** Like formatWhen but short enough for a list row: "5 min ago", "Jan 5", "2024-12-31". */
export function formatShortWhen(iso: string | null | undefined, now: Date = new Date()): string {
  const long = formatWhen(iso, now);
  if (!iso || long.endsWith('ago') || long === 'just now') {
    return long;
  }
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) {
    return iso;
  }
  if (when.getFullYear() === now.getFullYear()) {
    return when.toLocaleDateString('en-US', { month: 'short', day: 'numeric' });
  }
  return long.slice(0, 10);
}

/** Integers with thousands separators, other numbers with 4 significant digits. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) {
    return '—';
  }
  if (Number.isInteger(value)) {
    return value.toLocaleString('en-US');
  }
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) {
    return value.toExponential(3);
  }
  return String(Number(value.toPrecision(4)));
}

/** Any JSON value as one line of text. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) {
    return '—';
  }
  if (typeof value === 'number') {
    return formatNumber(value);
  }
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'boolean') {
    return value ? 'true' : 'false';
  }
  return JSON.stringify(value);
}

/** "1.5 s", "2 min 5 s", "1 h 3 min". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) {
    return '—';
  }
  if (seconds < 60) {
    return `${Number(seconds.toPrecision(3))} s`;
  }
  if (seconds < 3600) {
    return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  }
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

/** Flatten nested objects to dotted keys for key / value tables. */
export function flattenObject(
  value: unknown,
  prefix = '',
  into: [string, unknown][] = []
): [string, unknown][] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) {
      into.push([prefix, '{}']);
    }
    for (const [key, inner] of entries) {
      flattenObject(inner, prefix ? `${prefix}.${key}` : key, into);
    }
  } else if (prefix) {
    into.push([prefix, value]);
  }
  return into;
}

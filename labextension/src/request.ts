/**
 * Talking to the kepler server extension: URL building, authentication (through
 * ServerConnection: the server's token and the XSRF cookie), schema header, error messages.
 */
import { ServerConnection } from '@jupyterlab/services';
import { URLExt } from '@jupyterlab/coreutils';

import {
  API_NAMESPACE,
  ColumnCatalogue,
  Comparison,
  ErrorPayload,
  ExperimentChanged,
  ExperimentDeleted,
  ExperimentDetail,
  ExperimentEdit,
  ExperimentList,
  SCHEMA_HEADER,
  SCHEMA_VERSION,
  SortKey,
  VersionInfo
} from './tokens';

/** A refused or failed request; `status` is 0 when the server could not be reached. */
export class KeplerApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly reason: string | null = null
  ) {
    super(message);
    this.name = 'KeplerApiError';
  }
}

/** Query of the experiment list (all optional but the page). */
export interface IListParams {
  offset: number;
  limit: number;
  sort?: SortKey;
  order?: 'asc' | 'desc' | null;
  q?: string;
  tag?: string;
  status?: string;
  metric?: string;
  /** Comma-separated field names whose values each row carries (`columns` of a row). */
  columns?: string;
  /** Archived runs: left out (the server's default), included, or the only ones listed. */
  archived?: 'hide' | 'show' | 'only';
  /** Folder (relative to the server root) whose project to read; '' is the root. */
  path?: string;
  /** '1': re-runs collapsed, searches' points and cell loops under parent rows (`group`). */
  group?: string;
  /** Only the members of this group (a parent row's `group.key`). */
  parent?: string;
}

/** The actions on experiments (edit, archive, delete, restore, CSV); KeplerApi has them. */
export interface IKeplerActionsApi {
  editExperiment(id: string, edit: ExperimentEdit, path?: string): Promise<ExperimentChanged>;
  deleteExperiment(id: string, path?: string): Promise<ExperimentDeleted>;
  restoreExperiment(id: string, path?: string): Promise<ExperimentChanged>;
  /** Every row of the list's view (filter, sort, columns; no paging) as a CSV file. */
  exportCsv(params: Omit<IListParams, 'offset' | 'limit'>): Promise<{ blob: Blob; fileName: string }>;
}

/** What the model needs from the server; KeplerApi is the real one. */
export interface IKeplerApi {
  version(): Promise<VersionInfo>;
  listExperiments(params: IListParams): Promise<ExperimentList>;
  getExperiment(id: string, path?: string): Promise<ExperimentDetail>;
  compare(ids: string[], path?: string): Promise<Comparison>;
  /** The fields a run table can show for the project, and its default columns. */
  columns(path?: string): Promise<ColumnCatalogue>;
}

type QueryValue = string | number | null | undefined;

/** `?a=1&b=x` from the given values, leaving out empty ones. */
export function queryString(query: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') {
      params.append(key, String(value));
    }
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * GET one route of the kepler API and decode its JSON.
 *
 * @param endPoint path below /kepler/api/, already URL-encoded
 * @param query query parameters (empty values are left out)
 * @param settings the Jupyter server connection settings (base URL, token, fetch)
 */
export async function requestAPI<T>(
  endPoint: string,
  query: Record<string, QueryValue>,
  settings: ServerConnection.ISettings,
  write?: { method: 'PATCH' | 'DELETE' | 'POST'; body?: unknown }
): Promise<T> {
  const response = await send(endPoint, query, settings, write);
  const text = await response.text();
  let body: unknown = null;
  if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
  }
  if (!response.ok) {
    const payload = (body ?? {}) as Partial<ErrorPayload>;
    const message =
      typeof payload.message === 'string' && payload.message
        ? payload.message
        : `The Kepler server extension answered ${response.status} ${response.statusText}.`;
    throw new KeplerApiError(message, response.status, payload.reason ?? null);
  }
  if (body === null) {
    throw new KeplerApiError(
      'The Kepler server extension sent a reply that is not JSON.',
      response.status
    );
  }
  return body as T;
}

/** One request (ServerConnection adds the token and, for writes, the XSRF header). */
async function send(
  endPoint: string,
  query: Record<string, QueryValue>,
  settings: ServerConnection.ISettings,
  write?: { method: 'PATCH' | 'DELETE' | 'POST'; body?: unknown }
): Promise<Response> {
  const url =
    URLExt.join(settings.baseUrl, API_NAMESPACE, endPoint) + queryString(query);
  const init: RequestInit = {
    method: write?.method ?? 'GET',
    headers: {
      [SCHEMA_HEADER]: String(SCHEMA_VERSION),
      ...(write?.body !== undefined ? { 'Content-Type': 'application/json' } : {})
    },
    ...(write?.body !== undefined ? { body: JSON.stringify(write.body) } : {})
  };
  try {
    return await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new KeplerApiError(
      `Cannot reach the Jupyter server (${(error as Error).message ?? error}).`,
      0
    );
  }
}

/** The file name a Content-Disposition header gives, else `fallback`. */
export function attachmentName(header: string | null, fallback: string): string {
  const match = /filename="([^"]+)"/.exec(header ?? '');
  return match ? match[1] : fallback;
}

/** The kepler REST API of one Jupyter server. */
export class KeplerApi implements IKeplerApi, IKeplerActionsApi {
  constructor(
    readonly serverSettings: ServerConnection.ISettings = ServerConnection.makeSettings()
  ) {}

  version(): Promise<VersionInfo> {
    return requestAPI<VersionInfo>('version', {}, this.serverSettings);
  }

  listExperiments(params: IListParams): Promise<ExperimentList> {
    const { path, ...rest } = params;
    return requestAPI<ExperimentList>(
      'experiments',
      { ...rest, path },
      this.serverSettings
    );
  }

  getExperiment(id: string, path?: string): Promise<ExperimentDetail> {
    return requestAPI<ExperimentDetail>(
      `experiments/${encodeURIComponent(id)}`,
      { path },
      this.serverSettings
    );
  }

  columns(path?: string): Promise<ColumnCatalogue> {
    return requestAPI<ColumnCatalogue>('columns', { path }, this.serverSettings);
  }

  compare(ids: string[], path?: string): Promise<Comparison> {
    return requestAPI<Comparison>(
      'compare',
      { ids: ids.join(','), path },
      this.serverSettings
    );
  }

  editExperiment(id: string, edit: ExperimentEdit, path?: string): Promise<ExperimentChanged> {
    return requestAPI<ExperimentChanged>(
      `experiments/${encodeURIComponent(id)}`,
      { path },
      this.serverSettings,
      { method: 'PATCH', body: edit }
    );
  }

  deleteExperiment(id: string, path?: string): Promise<ExperimentDeleted> {
    return requestAPI<ExperimentDeleted>(
      `experiments/${encodeURIComponent(id)}`,
      { path },
      this.serverSettings,
      { method: 'DELETE' }
    );
  }

  restoreExperiment(id: string, path?: string): Promise<ExperimentChanged> {
    return requestAPI<ExperimentChanged>(
      `experiments/${encodeURIComponent(id)}/restore`,
      { path },
      this.serverSettings,
      { method: 'POST' }
    );
  }

  async exportCsv(params: Omit<IListParams, 'offset' | 'limit'>): Promise<{ blob: Blob; fileName: string }> {
    const response = await send('experiments.csv', { ...params }, this.serverSettings);
    if (!response.ok) {
      let message = `The Kepler server extension answered ${response.status} ${response.statusText}.`;
      try {
        const payload = JSON.parse(await response.text()) as Partial<ErrorPayload>;
        message = typeof payload.message === 'string' && payload.message ? payload.message : message;
      } catch {
        // not JSON: keep the status line
      }
      throw new KeplerApiError(message, response.status);
    }
    const fileName = attachmentName(response.headers.get('Content-Disposition'), 'kepler-experiments.csv');
    return { blob: await response.blob(), fileName };
  }
}

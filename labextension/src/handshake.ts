/**
 * The version handshake: the panel and the server extension come from one Python package, and
 * a stale browser bundle or a half-upgraded environment must say so instead of misbehaving.
 */
import { IKeplerApi, KeplerApiError } from './request';
import { PACKAGE_VERSION, SCHEMA_VERSION, VersionInfo } from './tokens';

/**
 * - `ok`: same package version and schema;
 * - `version-mismatch`: different package versions, same payload schema (works; warn);
 * - `incompatible`: different payload schemas (the panel refuses to show data);
 * - `unreachable`: the server extension is not there or failed.
 */
export type HandshakeStatus = 'ok' | 'version-mismatch' | 'incompatible' | 'unreachable';

export interface IHandshake {
  status: HandshakeStatus;
  /** What to tell the user; null when all is well. */
  message: string | null;
  server: VersionInfo | null;
}

export interface IPanelVersion {
  version: string;
  schemaVersion: number;
}

const PANEL: IPanelVersion = { version: PACKAGE_VERSION, schemaVersion: SCHEMA_VERSION };

/** Compare the server's /version answer with this panel's build. */
export function compareVersions(
  server: VersionInfo,
  panel: IPanelVersion = PANEL
): IHandshake {
  if (server.schema_version !== panel.schemaVersion) {
    return {
      status: 'incompatible',
      server,
      message:
        `This Kepler panel (version ${panel.version}, schema ${panel.schemaVersion}) does not ` +
        `match the kepler_jupyter server extension (version ${server.version}, schema ` +
        `${server.schema_version}). Reinstall kepler_jupyter in the environment that runs ` +
        'Jupyter, restart the server and reload this page.'
    };
  }
  if (server.version !== panel.version) {
    return {
      status: 'version-mismatch',
      server,
      message:
        `The Kepler panel is version ${panel.version} but the server extension is ` +
        `${server.version}. It works, but restart the server and reload this page to use ` +
        'one version.'
    };
  }
  return { status: 'ok', server, message: null };
}

/** Ask the server for its version and compare; never throws. */
export async function handshake(
  api: IKeplerApi,
  panel: IPanelVersion = PANEL
): Promise<IHandshake> {
  try {
    return compareVersions(await api.version(), panel);
  } catch (error) {
    const status = error instanceof KeplerApiError ? error.status : 0;
    const message =
      status === 404
        ? 'The kepler_jupyter server extension is not running. Enable it with ' +
          '`jupyter server extension enable kepler_jupyter` and restart Jupyter.'
        : `The kepler_jupyter server extension did not answer: ${(error as Error).message}`;
    return { status: 'unreachable', server: null, message };
  }
}

/**
 * Names and types shared across the panel. Payload types come from the Python package's JSON
 * schema (generated into schema.ts), so server and panel cannot silently disagree.
 */
export * from './schema';
export { PACKAGE_VERSION } from './version';

/** The server extension's URL namespace, under the Jupyter server's base URL. */
export const API_NAMESPACE = 'kepler/api';

/** Header carrying the panel's schema version; the server refuses a mismatch with 409. */
export const SCHEMA_HEADER = 'X-Kepler-Schema-Version';

/** Id of the sidebar panel (also the layout-restorer key). */
export const PANEL_ID = 'kepler-journal-panel';

/** Command ids. */
export namespace CommandIDs {
  export const openPanel = 'kepler:open-panel';
  export const refresh = 'kepler:refresh';
  export const openExperiment = 'kepler:open-experiment';
  export const compare = 'kepler:compare';
  export const openLink = 'kepler:open-link';
  export const exportCsv = 'kepler:export-csv';
}

import { execFileSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';

import Ajv2020 from 'ajv/dist/2020';

import { compareVersions, handshake } from '../handshake';
import { KeplerApiError } from '../request';
import { PACKAGE_VERSION, SCHEMA_VERSION } from '../tokens';
import { FakeJournalServer } from './fakeJournalServer';

const root = join(__dirname, '..', '..');
const schemaPath = join(root, '..', 'kepler_jupyter', 'schema', 'journal_api.schema.json');
const schema = JSON.parse(readFileSync(schemaPath, 'utf-8'));

function validator(definition: string) {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  ajv.addSchema(schema);
  const validate = ajv.getSchema(`${schema.$id}#/$defs/${definition}`);
  if (!validate) {
    throw new Error(`no $defs/${definition} in the schema`);
  }
  return validate;
}

describe('payload types and the Python schema', () => {
  it('src/schema.ts and src/version.ts are generated from the current sources', () => {
    // Fails when someone edits the schema or package.json without `npm run build:schema`.
    expect(() =>
      execFileSync(process.execPath, [join(root, 'scripts', 'generate-schema-types.mjs'), '--check'], {
        cwd: root,
        stdio: 'pipe'
      })
    ).not.toThrow();
  });

  it('the schema version the panel sends is the schema file’s', () => {
    expect(SCHEMA_VERSION).toBe(schema['x-schema-version']);
  });

  it('the panel and the Python package have one version', () => {
    const init = readFileSync(join(root, '..', 'kepler_jupyter', '__init__.py'), 'utf-8');
    const pythonVersion = /__version__\s*=\s*["']([^"']+)["']/.exec(init)?.[1];
    expect(PACKAGE_VERSION).toBe(pythonVersion);
  });

  it('the model-test fixtures are valid payloads (so the tests exercise real shapes)', async () => {
    const list = await new FakeJournalServer(3).listExperiments({ offset: 0, limit: 2, path: '' });
    const validate = validator('ExperimentList');
    expect(validate(list)).toBe(true);
    const broken = { ...list, items: [{ ...list.items[0], n_errors: -1, extra: 1 }] };
    expect(validate(broken)).toBe(false);
  });
});

describe('version handshake', () => {
  const server = { name: 'kepler_jupyter' as const, version: '0.1.0', schema_version: 1 };

  it('accepts the same version and schema', () => {
    expect(compareVersions(server, { version: '0.1.0', schemaVersion: 1 })).toMatchObject({ status: 'ok', message: null });
  });

  it('warns about a different package version with the same schema', () => {
    const result = compareVersions(server, { version: '0.2.0', schemaVersion: 1 });
    expect(result.status).toBe('version-mismatch');
    expect(result.message).toContain('0.2.0');
    expect(result.message).toContain('0.1.0');
  });

  it('refuses a different schema, naming both versions', () => {
    const result = compareVersions(server, { version: '0.2.0', schemaVersion: 2 });
    expect(result.status).toBe('incompatible');
    expect(result.message).toMatch(/version 0\.2\.0, schema 2.*version 0\.1\.0, schema 1/);
  });

  it('says how to enable the server extension when its routes are missing', async () => {
    const missing = new FakeJournalServer(0);
    missing.version = async () => {
      throw new KeplerApiError('Not Found', 404);
    };
    const result = await handshake(missing);
    expect(result.status).toBe('unreachable');
    expect(result.message).toContain('jupyter server extension enable kepler_jupyter');
  });
});

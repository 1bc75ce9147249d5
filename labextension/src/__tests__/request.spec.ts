import * as http from 'http';
import { AddressInfo } from 'net';

import { ServerConnection } from '@jupyterlab/services';

import { KeplerApi, KeplerApiError, queryString } from '../request';
import { SCHEMA_VERSION } from '../tokens';

/** ServerConnection adds a timestamp to every GET so that no cache answers it. */
function withoutCacheBuster(url: string): string {
  return url.replace(/[?&]\d{10,}$/, '');
}

interface ISeenRequest {
  url: string;
  headers: http.IncomingHttpHeaders;
}

/** A real HTTP server answering like the kepler routes, recording what it received. */
function startServer(
  answer: (url: string) => { status: number; body: string }
): Promise<{ server: http.Server; seen: ISeenRequest[]; baseUrl: string }> {
  const seen: ISeenRequest[] = [];
  const server = http.createServer((request, response) => {
    seen.push({ url: request.url ?? '', headers: request.headers });
    const { status, body } = answer(request.url ?? '');
    response.writeHead(status, { 'Content-Type': 'application/json' });
    response.end(body);
  });
  return new Promise(resolve =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, seen, baseUrl: `http://127.0.0.1:${port}/user/base/` });
    })
  );
}

function settings(baseUrl: string): ServerConnection.ISettings {
  return ServerConnection.makeSettings({ baseUrl, wsUrl: baseUrl.replace('http', 'ws'), token: 's3cret' });
}

describe('queryString', () => {
  it('leaves out empty values and encodes the rest', () => {
    expect(queryString({ q: 'a b&c', sort: 'name', order: null, tag: '', offset: 0 })).toBe(
      '?q=a+b%26c&sort=name&offset=0'
    );
    expect(queryString({ q: '' })).toBe('');
  });
});

describe('KeplerApi', () => {
  let server: http.Server;

  afterEach(done => {
    // fetch keeps connections alive; close them so jest can exit promptly.
    server?.closeAllConnections();
    server?.close(() => done());
  });

  it('sends the token and schema version to the namespaced route and decodes JSON', async () => {
    const started = await startServer(() => ({ status: 200, body: '{"total": 0, "items": []}' }));
    server = started.server;
    const api = new KeplerApi(settings(started.baseUrl));
    const list = await api.listExperiments({ offset: 100, limit: 50, sort: 'metric', q: 'wide net', path: 'sub dir' });
    expect(list).toEqual({ total: 0, items: [] });
    const [request] = started.seen;
    const url = new URL(withoutCacheBuster(request.url), 'http://x');
    expect(url.pathname).toBe('/user/base/kepler/api/experiments');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      offset: '100',
      limit: '50',
      sort: 'metric',
      q: 'wide net',
      path: 'sub dir'
    });
    expect(request.headers.authorization).toBe('token s3cret');
    expect(request.headers['x-kepler-schema-version']).toBe(String(SCHEMA_VERSION));
  });

  it('encodes experiment ids and compare lists', async () => {
    const started = await startServer(() => ({ status: 200, body: '{}' }));
    server = started.server;
    const api = new KeplerApi(settings(started.baseUrl));
    await api.getExperiment('a/b?c', 'nb');
    await api.compare(['x1', 'y2', 'z3']);
    await api.version();
    expect(started.seen.map(r => withoutCacheBuster(r.url))).toEqual([
      '/user/base/kepler/api/experiments/a%2Fb%3Fc?path=nb',
      '/user/base/kepler/api/compare?ids=x1%2Cy2%2Cz3',
      '/user/base/kepler/api/version'
    ]);
  });

  it("turns a refusal into a KeplerApiError carrying the server's message", async () => {
    const started = await startServer(url =>
      url.includes('compare')
        ? { status: 403, body: '{"message": "The path may not leave the Jupyter server\'s root (\'..\').", "reason": null}' }
        : { status: 409, body: '{"message": "Reinstall kepler_jupyter", "reason": "schema-mismatch"}' }
    );
    server = started.server;
    const api = new KeplerApi(settings(started.baseUrl));
    await expect(api.compare(['a', 'b'], '../..')).rejects.toMatchObject({
      name: 'KeplerApiError',
      status: 403,
      message: "The path may not leave the Jupyter server's root ('..')."
    });
    const refused = await api.listExperiments({ offset: 0, limit: 1 }).catch(error => error);
    expect(refused).toBeInstanceOf(KeplerApiError);
    expect([refused.status, refused.reason, refused.message]).toEqual([409, 'schema-mismatch', 'Reinstall kepler_jupyter']);
  });

  it('explains a reply that is not JSON and a server that cannot be reached', async () => {
    const started = await startServer(() => ({ status: 502, body: '<html>Bad gateway</html>' }));
    server = started.server;
    const api = new KeplerApi(settings(started.baseUrl));
    await expect(api.version()).rejects.toMatchObject({ status: 502, message: expect.stringContaining('answered 502') });

    const closed = new KeplerApi(settings('http://127.0.0.1:9/'));
    await expect(closed.version()).rejects.toMatchObject({ status: 0, message: expect.stringContaining('Cannot reach') });
  });
});

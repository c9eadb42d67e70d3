import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type HubServer, startHubServer } from './hub-server.ts';

const servers: HubServer[] = [];
async function start(options: Parameters<typeof startHubServer>[0]): Promise<HubServer> {
  const server = await startHubServer(options);
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('startHubServer', () => {
  it('serves in-memory files under the Hub URL layout, with length and cross-origin headers', async () => {
    const server = await start({ repos: { 'org/model': { 'config.json': '{"a":1}', 'model.safetensors': new Uint8Array([1, 2, 3]) } } });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const config = await fetch(`${server.url}/org/model/resolve/main/config.json`);
    expect(config.status).toBe(200);
    expect(config.headers.get('content-length')).toBe('7');
    expect(config.headers.get('access-control-allow-origin')).toBe('*');
    expect(config.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(await config.text()).toBe('{"a":1}');

    const weights = await fetch(`${server.url}/org/model/resolve/v1.0/model.safetensors`);
    expect(new Uint8Array(await weights.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('answers HEAD with the length and no body', async () => {
    const server = await start({ repos: { 'org/model': { 'config.json': '{"a":1}' } } });
    const response = await fetch(`${server.url}/org/model/resolve/main/config.json`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('7');
    expect(await response.text()).toBe('');
  });

  it('serves legacy single-name repos and %2F-encoded revisions', async () => {
    const server = await start({ repos: { 'bert-base-uncased': { 'config.json': '{}' } } });
    expect((await fetch(`${server.url}/bert-base-uncased/resolve/main/config.json`)).status).toBe(200);
    expect((await fetch(`${server.url}/bert-base-uncased/resolve/refs%2Fpr%2F1/config.json`)).status).toBe(200);
  });

  it('answers a missing file and a missing repo with 404s the Hub way', async () => {
    const server = await start({ repos: { 'org/model': { 'config.json': '{}' } } });

    const file = await fetch(`${server.url}/org/model/resolve/main/vocab.txt`);
    expect(file.status).toBe(404);
    expect(file.headers.get('x-error-code')).toBe('EntryNotFound');
    expect(file.headers.get('access-control-allow-origin')).toBe('*');
    expect(await file.json()).toEqual({ error: 'Entry not found' });

    const repo = await fetch(`${server.url}/org/other/resolve/main/config.json`);
    expect(repo.status).toBe(404);
    expect(repo.headers.get('x-error-code')).toBe('RepoNotFound');
    expect(await repo.json()).toEqual({ error: 'Repository not found' });
  });

  it('records every request in order', async () => {
    const server = await start({ repos: { 'org/model': { 'config.json': '{}' } } });
    await (await fetch(`${server.url}/org/model/resolve/main/config.json`)).text();
    await (await fetch(`${server.url}/org/model/resolve/main/vocab.txt`, { method: 'HEAD' })).text();
    expect(server.requests).toEqual(['GET /org/model/resolve/main/config.json', 'HEAD /org/model/resolve/main/vocab.txt']);
  });

  it('refuses other methods', async () => {
    const server = await start({ repos: { 'org/model': { 'config.json': '{}' } } });
    const response = await fetch(`${server.url}/org/model/resolve/main/config.json`, { method: 'POST', body: 'x' });
    expect(response.status).toBe(405);
  });

  describe('a repo from a folder', () => {
    let root: string;
    afterEach(async () => {
      await rm(root, { recursive: true, force: true });
    });

    it('serves its files, subfolders included, and nothing outside it', async () => {
      root = await mkdtemp(join(tmpdir(), 'hub-server-'));
      await mkdir(join(root, 'model', 'onnx'), { recursive: true });
      await writeFile(join(root, 'model', 'config.json'), '{"b":2}');
      await writeFile(join(root, 'model', 'onnx', 'model.onnx'), 'onnx');
      await writeFile(join(root, 'secret.txt'), 'secret');
      const server = await start({ repos: { 'org/model': join(root, 'model') } });

      const config = await fetch(`${server.url}/org/model/resolve/main/config.json`);
      expect(config.headers.get('content-length')).toBe('7');
      expect(await config.text()).toBe('{"b":2}');
      expect(await (await fetch(`${server.url}/org/model/resolve/main/onnx/model.onnx`)).text()).toBe('onnx');
      expect((await fetch(`${server.url}/org/model/resolve/main/onnx`)).status).toBe(404);
      expect((await fetch(`${server.url}/org/model/resolve/main/..%2Fsecret.txt`)).status).toBe(404);
    });

    it('must exist when the server starts', async () => {
      root = await mkdtemp(join(tmpdir(), 'hub-server-'));
      await expect(startHubServer({ repos: { 'org/model': join(root, 'missing') } })).rejects.toThrow(
        /the folder for repo "org\/model" does not exist/,
      );
    });
  });

  describe('simulated failures', () => {
    it('answers with the status asked for, 401 as a gated repo', async () => {
      const server = await start({
        repos: { 'org/model': { 'config.json': '{}', 'model.safetensors': 'w' } },
        failures: { 'org/model/config.json': 401, 'org/model/model.safetensors': 500 },
      });
      const gated = await fetch(`${server.url}/org/model/resolve/main/config.json`);
      expect(gated.status).toBe(401);
      expect(gated.headers.get('x-error-code')).toBe('GatedRepo');
      expect((await fetch(`${server.url}/org/model/resolve/main/model.safetensors`)).status).toBe(500);
    });

    it("'drop' sends half the body, then cuts the connection", async () => {
      const bytes = new Uint8Array(200_000).fill(7);
      const server = await start({ repos: { 'org/model': { 'model.safetensors': bytes } }, failures: { 'org/model/model.safetensors': 'drop' } });
      const response = await fetch(`${server.url}/org/model/resolve/main/model.safetensors`);
      expect(response.headers.get('content-length')).toBe('200000');
      const reader = response.body!.getReader();
      let received = 0;
      const reading = (async () => {
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) received += chunk.value.length;
      })();
      await expect(reading).rejects.toThrow();
      expect(received).toBe(100_000);
    });
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { type HubServer, type HubServerOptions, startHubServer } from '../../e2e/support/hub-server.ts';
import { HubError } from './hub-error.ts';
import { hubFetch, type HubHttpPolicy } from './hub-fetch.ts';

const quick: HubHttpPolicy = { connectTimeoutMs: 300, idleTimeoutMs: 300, retries: 2, retryDelayMs: 1 };
const weights = new Uint8Array(200_000).fill(3);

const servers: HubServer[] = [];
async function start(failures: HubServerOptions['failures']): Promise<HubServer> {
  const server = await startHubServer({ repos: { 'org/model': { 'model.safetensors': weights } }, failures });
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const fileUrl = (server: HubServer) => `${server.url}/org/model/resolve/main/model.safetensors`;
const host = (server: HubServer) => new URL(server.url).host;

async function bodyLength(response: Response): Promise<number> {
  return (await response.arrayBuffer()).byteLength;
}

describe('hubFetch', () => {
  it('gives up on a host that takes the connection and never answers, naming the host', async () => {
    const server = await start({ 'org/model/model.safetensors': 'hang' });
    const failure = hubFetch(fileUrl(server), { fetch, policy: quick });
    await expect(failure).rejects.toBeInstanceOf(HubError);
    await expect(failure).rejects.toMatchObject({
      reason: 'timed-out',
      message: `${host(server)} did not answer the request for model.safetensors within 0.3 s: it took the connection but sent nothing back. Try again later, or load a local copy instead.`,
    });
  });

  it('gives up on a body that stops arriving, saying how much came', async () => {
    const server = await start({ 'org/model/model.safetensors': 'stall' });
    const response = await hubFetch(fileUrl(server), { fetch, policy: quick });
    expect(response.status).toBe(200);
    await expect(bodyLength(response)).rejects.toMatchObject({
      reason: 'timed-out',
      message: `${host(server)} stopped sending model.safetensors after 100000 bytes: nothing arrived for 0.3 s. Try again later, or load a local copy instead.`,
    });
  });

  it('tries a 5xx answer again after a pause, and returns the first good answer', async () => {
    const server = await start({ 'org/model/model.safetensors': { status: 503, times: 2 } });
    const response = await hubFetch(fileUrl(server), { fetch, policy: quick });
    expect(response.status).toBe(200);
    expect(await bodyLength(response)).toBe(weights.length);
    expect(server.requests).toHaveLength(3);
  });

  it('returns the last 5xx once the retries are used up, and does not retry other answers', async () => {
    const server = await start({ 'org/model/model.safetensors': 500 });
    expect((await hubFetch(fileUrl(server), { fetch, policy: quick })).status).toBe(500);
    expect(server.requests).toHaveLength(3);
    const missing = await hubFetch(`${server.url}/org/model/resolve/main/other.bin`, { fetch, policy: quick });
    expect(missing.status).toBe(404);
    expect(server.requests).toHaveLength(4);
  });

  it('stops waiting between retries when aborted, with the abort reason', async () => {
    const server = await start({ 'org/model/model.safetensors': 503 });
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const download = hubFetch(fileUrl(server), { fetch, policy: { ...quick, retryDelayMs: 60_000 }, signal: controller.signal });
    await expect.poll(() => server.requests.length).toBe(1);
    controller.abort(reason);
    await expect(download).rejects.toBe(reason);
  });
});

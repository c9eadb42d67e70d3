import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { servingLines } from './serve.ts';

const loopback: NetworkInterfaceInfo = { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' };
const wifi: NetworkInterfaceInfo = { address: '192.168.1.20', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: '192.168.1.20/24' };
const wifi6: NetworkInterfaceInfo = { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal: false, cidr: 'fe80::1/64', scopeid: 2 };
const interfaces = { lo: [loopback], wlan0: [wifi, wifi6] };

describe('servingLines', () => {
  it('on this computer only: the localhost address, and how to reach the network', () => {
    const lines = servingLines({ root: '/srv/dist', host: '127.0.0.1', port: 8080, models: [], interfaces });
    expect(lines).toEqual([
      'Serving the studio in /srv/dist',
      '  On this computer:   http://localhost:8080/',
      '  (other computers cannot reach it: add --host 0.0.0.0 to serve the local network)',
      'Press Ctrl-C to stop.',
    ]);
  });

  it('on the network: each LAN address, with ?hub= pointing at itself when it serves models, and what plain http costs', () => {
    const lines = servingLines({ root: '/srv/dist', host: '0.0.0.0', port: 8080, models: ['bert-tiny', 'org/electra'], interfaces });
    expect(lines).toEqual([
      'Serving the studio in /srv/dist',
      '  On this computer:   http://localhost:8080/?hub=http://localhost:8080',
      '  On the network:     http://192.168.1.20:8080/?hub=http://192.168.1.20:8080',
      "Models, for the Model step's id box: bert-tiny, org/electra",
      'Other computers get the page over plain http, and browsers keep WebGPU and WASM threads for https pages and localhost:',
      'there the studio trains on one CPU thread. See "Hosting" in README.md.',
      'Press Ctrl-C to stop.',
    ]);
  });

  it('names the one address it listens on', () => {
    expect(servingLines({ root: '/srv/dist', host: '192.168.1.20', port: 9000, models: [], interfaces }).slice(1, 3)).toEqual([
      '  At:                 http://192.168.1.20:9000/',
      'Other computers get the page over plain http, and browsers keep WebGPU and WASM threads for https pages and localhost:',
    ]);
  });
});

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { isLoopbackHost } from './loopback-host.ts';

it('knows loopback addresses and names from the rest', () => {
  for (const host of ['127.0.0.1', '127.8.9.10', '::1', '[::1]', 'localhost', 'LocalHost'])
    assert.equal(isLoopbackHost(host), true, host);
  for (const host of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', '127.example.com', 'localhost.example.com', ''])
    assert.equal(isLoopbackHost(host), false, host);
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dashboardFlagsSchema } from './dashboard-command.ts';

const TOKEN = 'k9-Xw2_pQ7.vR4~tY8+zL1/';
const issuesOf = (raw: object): string[] => {
  const result = dashboardFlagsSchema.safeParse(raw);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('dashboardFlagsSchema', () => {
  it('binds to loopback on port 8080 by default', () => {
    const flags = dashboardFlagsSchema.parse({});
    assert.equal(flags.host, '127.0.0.1');
    assert.equal(flags.port, 8080);
    assert.equal(flags.root, './claimflow-data');
  });

  it('refuses a non-loopback host without a token, and accepts it with one', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'dashboard.example.com'])
      assert.match(issuesOf({ host }).join(), /^host: .* reachable from other machines: give a token/);
    assert.deepEqual(issuesOf({ host: '0.0.0.0', token: TOKEN }), []);
    assert.deepEqual(issuesOf({ host: '::1' }), []);
  });

  it('takes only long tokens of bearer-token characters', () => {
    assert.match(issuesOf({ token: 'short-token' }).join(), /^token: use at least 16/);
    assert.match(issuesOf({ token: 'sixteen chars with spaces' }).join(), /^token:/);
  });

  it('takes ports 0 (any free port) to 65535', () => {
    assert.equal(dashboardFlagsSchema.parse({ port: '0' }).port, 0);
    assert.match(issuesOf({ port: '65536' }).join(), /^port:/);
    assert.match(issuesOf({ port: 'eighty' }).join(), /^port:/);
  });
});

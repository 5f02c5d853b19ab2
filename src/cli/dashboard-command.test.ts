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

  // A host reachable from other machines without a token is refused by the server, which raises
  // it as a security event (src/web/dashboard-server.test.ts, test/integration/phi-redaction.test.ts).
  it('takes any host and a config file for the alerts', () => {
    assert.deepEqual(issuesOf({ host: '0.0.0.0', token: TOKEN, config: 'claimflow.yaml' }), []);
    assert.equal(dashboardFlagsSchema.parse({ config: 'claimflow.yaml' }).config, 'claimflow.yaml');
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

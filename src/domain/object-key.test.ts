import assert from 'node:assert/strict';
import { it } from 'node:test';
import { checkObjectKey, UnsafeObjectKeyError, unsafeKeyReason } from './object-key.ts';

it('refuses keys that could leave the root: .. segments, absolute paths, NUL bytes', () => {
  assert.equal(unsafeKeyReason('raw/claims/../../etc/passwd.csv'), "a '..' path segment");
  assert.equal(unsafeKeyReason('..'), "a '..' path segment");
  assert.equal(unsafeKeyReason('/etc/passwd.csv'), 'an absolute path');
  assert.equal(unsafeKeyReason('raw/claims/a.csv\0.txt'), 'a NUL byte');
  assert.throws(() => checkObjectKey('archive/../x'), UnsafeObjectKeyError);
});

it('accepts ordinary keys, dots inside names and prefixes with a trailing slash', () => {
  for (const key of ['raw/claims/a.csv', 'raw/claims/a..b.csv', 'refdata/', 'validation-reports/x.json', '.hidden']) {
    assert.equal(unsafeKeyReason(key), null, key);
    assert.equal(checkObjectKey(key), key);
  }
});

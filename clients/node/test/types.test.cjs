// index.d.ts, checked as a TypeScript user meets it: test/types-usage.ts compiles under
// tsc --noEmit --strict, and a misuse does not.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const tsc = require.resolve('typescript/bin/tsc');
const flags = ['--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2022'];

function compile(file) {
  try {
    execFileSync(process.execPath, [tsc, ...flags, file], { cwd: path.join(__dirname, '..'), encoding: 'utf8' });
    return '';
  } catch (error) {
    return `${error.stdout}${error.stderr}`;
  }
}

test('the declarations type a real use under --strict', () => {
  assert.equal(compile('test/types-usage.ts'), '');
});

test('and refuse a misuse', () => {
  // Beside the usage file, so that 'epmock' resolves to this package as there.
  const file = path.join(__dirname, `misuse-${process.pid}.ts`);
  test.after(() => fs.rmSync(file, { force: true }));
  fs.writeFileSync(file, "import { startEpmock } from 'epmock';\nasync function f() { const e = await startEpmock({ binary: 7 }); await e.store(3); }\nvoid f;\n");
  const errors = compile(file);
  assert.match(errors, /error TS2322|error TS2345/);
});

// What every dashboard test in the browser shares: Debian's chromium, headless, with nothing
// but loopback; a page that fails its test on any console error, page error or CSP violation
// report (the page's strict CSP stays in force); and axe-core, injected into a context of its
// own that bypasses the CSP, for the WCAG 2.1 AA checks.
'use strict';
const assert = require('node:assert/strict');
const path = require('node:path');
const { chromium } = require('playwright-core');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.EPMOCK_SCREENSHOTS || path.resolve(__dirname, '../../build/screenshots');
const TIMEOUT = 20000;
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--no-first-run', '--disable-default-apps', '--no-sandbox'],
  });
}

// A page whose problems are collected: problems() is what went wrong so far (console errors,
// uncaught errors, CSP violations), origins() every origin it asked anything of.
async function watchedPage(browser, viewport = DESKTOP, contextOptions = {}) {
  const context = await browser.newContext({ viewport, ...contextOptions });
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const problems = [];
  const origins = new Set();
  // Chromium logs every 4xx/5xx answer to a fetch as a console error; the page handles those
  // (a test that injects a 503 expects one). Anything else logged as an error is a problem.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of \d+/.test(m.text())) {
      problems.push(`console: ${m.text()}`);
    }
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e}`));
  page.on('request', (r) => origins.add(new URL(r.url()).origin));
  await page.exposeFunction('__cspViolation', (text) => problems.push(`CSP: ${text}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} in ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  return { page, context, problems: () => problems.slice(), origins: () => [...origins] };
}

// axe-core at WCAG 2.1 A and AA on what the page shows now; fails with each violation's rule
// and nodes. `page` must come from a context made with bypassCSP (axePage below).
async function assertAccessible(page, where) {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  const violations = result.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join('\n    ')}`);
  assert.deepEqual(violations, [], `axe at ${where}:\n${violations.join('\n')}`);
}

// No part of the page is wider than the window: nothing scrolls sideways.
async function assertNoHorizontalOverflow(page, where) {
  const overflow = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const wide = [];
    for (const node of document.querySelectorAll('body *')) {
      if (!node.getClientRects().length) continue;
      const r = node.getBoundingClientRect();
      if (r.right > width + 1 && getComputedStyle(node).position !== 'fixed') {
        wide.push(`${node.tagName.toLowerCase()}#${node.id}.${[...node.classList].join('.')} right=${Math.round(r.right)}`);
      }
    }
    return { scroll: document.documentElement.scrollWidth - width, wide: wide.slice(0, 8) };
  });
  assert.ok(overflow.scroll <= 0, `horizontal overflow at ${where}: ${overflow.scroll}px; ${overflow.wide.join(', ')}`);
}

// Every visible button, link, input and select is at least 24 by 24 CSS pixels (WCAG 2.2
// target size), or is inline text in a sentence.
async function assertTouchTargets(page, where) {
  const small = await page.evaluate(() => {
    const out = [];
    for (const node of document.querySelectorAll('button, a[href], input:not([type="hidden"]), select, summary')) {
      const r = node.getBoundingClientRect();
      if (!r.width || !r.height || getComputedStyle(node).visibility === 'hidden') continue;
      if (node.closest('[hidden]')) continue;
      const inline = node.tagName === 'A' && node.parentElement && node.parentElement.textContent.trim() !== node.textContent.trim();
      const checkbox = node.type === 'checkbox' && node.closest('label');
      if (inline || checkbox) continue;
      if (r.height < 24 || r.width < 24) out.push(`${node.tagName.toLowerCase()} "${(node.textContent || node.name || '').trim().slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
    return out.slice(0, 10);
  });
  assert.deepEqual(small, [], `touch targets under 24 px at ${where}`);
}

// Opens a store from the page the way a user does (the form; a new client id is confirmed),
// and waits until its stream is open.
async function openStore(page, clientId) {
  await page.getByLabel('Client id').fill(clientId);
  await page.getByRole('button', { name: 'Open store' }).click();
  const create = page.getByRole('button', { name: `Create store ${clientId}` });
  const named = (rest) => page.locator('#status', { hasText: `Store ${clientId}${rest}` });
  await Promise.race([create.waitFor(), named('').waitFor()]);
  if (await create.isVisible()) await create.click();
  await page.locator('#status').filter({ hasText: new RegExp(`^Store ${clientId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (live|polling)$`) }).waitFor();
}

module.exports = { launch, watchedPage, assertAccessible, assertNoHorizontalOverflow, assertTouchTargets, openStore,
  SHOTS, DESKTOP, PHONE, TIMEOUT };

// Drives Debian's chromium (headless, through playwright-core) over a live
// dashboard. Started by dashboard_browser_test.py while a supervisor runs
// tests/integration/dashboard_suite with --dist-dashboard and --gtest_repeat:
//
//   node dashboard_checks.js check URL            the acceptance checks
//   node dashboard_checks.js screenshots URL DIR  the README's four pictures
//
// Every wait is on a condition in the page or the API, with a deadline.
// Exits 0 when every check held; otherwise prints what was seen and exits 1.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const {chromium} = require('playwright-core');

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const DEADLINE_MS = 30000;

function fail(message) {
  throw new Error(message);
}

async function apiJson(base, route) {
  const response = await fetch(new URL(route, base));
  if (!response.ok) return null;
  return response.json();
}

// Polls `probe` until it returns something truthy.
async function until(what, probe, deadlineMs = DEADLINE_MS) {
  const end = Date.now() + deadlineMs;
  let last;
  while (Date.now() < end) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  fail('timed out after ' + deadlineMs + ' ms waiting for ' + what + ' (last: ' + String(last) + ')');
}

async function runStatus(base, id) {
  const doc = await apiJson(base, '/api/runs/' + id);
  return doc ? doc.run.status : null;
}

async function launch() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gtest-dist-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: {width: 1280, height: 900},
  });
  const cleanup = async () => {
    await context.close();
    fs.rmSync(profile, {recursive: true, force: true});
  };
  return {context, cleanup};
}

async function check(base) {
  const {context, cleanup} = await launch();
  const errors = [];
  try {
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push('page error: ' + e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push('console: ' + m.text()); });
    page.on('dialog', (d) => { errors.push('a dialog opened: ' + d.message()); d.dismiss(); });

    // 1. The run page of run 1, opened while it runs: counts rise without a reload.
    await until('run 1 in the store', () => apiJson(base, '/api/runs/1'));
    await page.goto(new URL('/#/runs/1', base).href);
    const passed = () => page.locator('[data-count=passed] .value').textContent().then(Number);
    await until('the run page to show counts', () => page.locator('[data-count=passed]').count());
    const first = await passed();
    if ((await runStatus(base, 1)) !== 'running') fail('run 1 ended before the page showed it live');
    let navigations = 0;
    page.on('framenavigated', () => ++navigations);

    // 2. The failure with an XSS payload appears while the run goes on, as text.
    const failure = page.locator('.failure[data-test="Hostile.Message"]');
    await until('the failure of Hostile.Message on the run page', () => failure.count());
    const statusWhenShown = await runStatus(base, 1);
    const message = await failure.locator('pre.message').first().textContent();
    if (!message.includes('<script>window.__xss = 1</script><img src=x onerror=')) {
      fail('the failure message is not shown as text: ' + JSON.stringify(message));
    }
    if ((await failure.locator('.where').first().textContent()).match(/dashboard_suite\.cc:\d+$/) === null) {
      fail('no file:line on the failure');
    }
    const repro = await failure.locator('code.repro').textContent();
    if (repro !== './dashboard_suite --gtest_filter=Hostile.Message') fail('repro command: ' + repro);
    const whole = await failure.locator('details a').getAttribute('href');
    if (!/^\/api\/results\/\d+\/output$/.test(whole || '')) fail('no link to the whole output: ' + whole);
    const text = await (await fetch(new URL(whole, base))).text();
    if (!text.includes('x'.repeat(20000))) fail('the whole output is not behind the link');
    if (await page.locator('#failures img, #failures script').count() !== 0) {
      fail('the payload became elements');
    }
    const flag = await page.evaluate(() => window.__xss);
    if (flag !== undefined) fail('the XSS payload ran: window.__xss = ' + flag);
    console.log('ok: failure shown as text (run status then: ' + statusWhenShown + '), payload inert');
    if (statusWhenShown !== 'running') fail('the failure showed only after the run ended');

    // 1, continued. Run 1 was held open until now (dashboard_suite's Slow/0
    // waits for this file); once let go, at least Slow/0 passes.
    if (process.env.DASHBOARD_GATE) fs.writeFileSync(process.env.DASHBOARD_GATE, 'open\n');
    await until('the passed count to rise above ' + first, async () => (await passed()) > first);
    if (navigations !== 0) fail('the page reloaded while counts rose');
    console.log('ok: passed count rose from ' + first + ' to ' + (await passed()) + ' without a reload');

    // 3. The runs list turns a run from running to red when it ends.
    await page.goto(new URL('/#/runs', base).href);
    const target = await until('a running run', async () => {
      const runs = (await apiJson(base, '/api/runs')).runs;
      const running = runs.find((r) => r.status === 'running');
      return running ? running.id : null;
    });
    const badge = page.locator('tr[data-run="' + target + '"] td.status .badge');
    await until('run ' + target + ' listed as running', async () => (await badge.textContent()) === 'running');
    await until('run ' + target + ' to turn red in the list', async () => (await badge.textContent()) === 'red');
    console.log('ok: run ' + target + ' went from running to red in the runs list without a reload');

    // 4. The test page draws the trend and marks the change (run 4 on is slower).
    await until('four runs of Drift.GetsSlower', async () => {
      const doc = await apiJson(base, '/api/tests/Drift.GetsSlower');
      return doc && doc.runs.length >= 4;
    });
    await page.goto(new URL('/#/tests/Drift.GetsSlower', base).href);
    await until('the trend chart', () => page.locator('svg#trend polyline.trend-line').count());
    const points = await page.locator('svg#trend circle.trend-point').count();
    if (points < 4) fail('trend has ' + points + ' points');
    await until('a marked change', () => page.locator('svg#trend line.change-line').count());
    console.log('ok: trend chart with ' + points + ' points and a marked change');

    // 5. Flaky and failures pages.
    await page.goto(new URL('/#/flaky', base).href);
    await until('Flip.FailsEveryOtherRun on the flaky page',
                () => page.locator('#flaky a', {hasText: 'Flip.FailsEveryOtherRun'}).count());
    await page.goto(new URL('/#/failures', base).href);
    await until('Hostile.Message on the failures page',
                () => page.locator('#failure-list a', {hasText: 'Hostile.Message'}).count());
    if ((await page.evaluate(() => window.__xss)) !== undefined) fail('the XSS payload ran on the failures page');
    console.log('ok: flaky and failures pages');

    if (errors.length) fail('errors in the page:\n' + errors.join('\n'));
  } finally {
    await cleanup();
  }
}

async function screenshots(base, dir) {
  const {context, cleanup} = await launch();
  try {
    const page = await context.newPage();
    fs.mkdirSync(dir, {recursive: true});
    await until('three finished runs', async () => {
      const runs = (await apiJson(base, '/api/runs')).runs;
      return runs.filter((r) => r.status !== 'running').length >= 3 &&
             runs.some((r) => r.status === 'running' && r.counts.left < r.counts.total);
    }, 120000);
    const running = (await apiJson(base, '/api/runs')).runs.find((r) => r.status === 'running');
    const shots = [
      ['dashboard-runs.png', '/#/runs', '#runs tr[data-run]'],
      ['dashboard-run.png', '/#/runs/' + running.id, '#lanes'],
      ['dashboard-test.png', '/#/tests/Drift.GetsSlower', 'svg#trend'],
      ['dashboard-flaky.png', '/#/flaky', '#flaky'],
    ];
    for (const [file, route, ready] of shots) {
      await page.goto(new URL(route, base).href);
      await until(route + ' drawn', () => page.locator(ready).count());
      await page.waitForTimeout(300);  // let the last event render; a picture, not a check
      await page.screenshot({path: path.join(dir, file), fullPage: false});
      console.log('wrote ' + path.join(dir, file));
    }
  } finally {
    await cleanup();
  }
}

async function main() {
  const [mode, base, dir] = process.argv.slice(2);
  if (mode === 'check' && base) return check(base);
  if (mode === 'screenshots' && base && dir) return screenshots(base, dir);
  fail('usage: node dashboard_checks.js check URL | screenshots URL DIR');
}

main().then(() => process.exit(0), (e) => {
  console.error('FAILED: ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});

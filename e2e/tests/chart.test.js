// The interactive measure chart at a tablet viewport, on the demo organisation:
// a. the nurse records three weights for a resident of Unité Les Bleuets,
// b. the weight chart is drawn by uPlot (canvas) in place of the server's SVG, and the
//    legend reads the measure under the cursor in kg with a French date,
// c. a drag (mouse) or a swipe (touch) zooms on a period; a double click, a double tap or
//    a button comes back to the whole period,
// d. printed, the page shows the SVG and not the canvas,
// e. without JavaScript, the SVG is the chart.
// No console error and no Content-Security-Policy violation on the way.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkPage, launchBrowser, loginReady, startServer, withPage } from '../lib/relais.js';

const DAY = 24 * 3600 * 1000;

/** `YYYY-MM-DD` of `days` ago, as a datetime-local field takes it (at 10:00). */
const daysAgo = (days) => new Date(Date.now() - days * DAY).toISOString().slice(0, 10);

/** `DD/MM/YYYY` of a `YYYY-MM-DD`. */
const french = (isoDay) => isoDay.split('-').reverse().join('/');

/** The legend's date of a measure taken at 10:00 on a `YYYY-MM-DD`. */
const frenchDate = (isoDay) => new RegExp(`${french(isoDay).replaceAll('/', '\\/')}[\\s,à]+10:00`);

// Oldest first: the first and last points of the chart.
const WEIGHTS = [
  { day: daysAgo(20), typed: '64,2', shown: '64,2 kg' },
  { day: daysAgo(10), typed: '63,8', shown: '63,8 kg' },
  { day: daysAgo(2), typed: '63,1', shown: '63,1 kg' },
];

describe('measure chart: uPlot on screen, SVG for print and without script', () => {
  let server;
  let browser;
  let chartPath;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Collects console errors, page errors and CSP violations from the first page load on. */
  const watch = async (page) => {
    const problems = [];
    page.on('console', (msg) => {
      // The browser asks for /favicon.ico by itself; Relais has none (a 404 every page shares).
      if (new URL(msg.location().url || 'about:blank').pathname === '/favicon.ico') return;
      if (msg.type() === 'error' || /Content Security Policy/i.test(msg.text())) {
        problems.push(`console ${msg.type()}: ${msg.text()}`);
      }
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    // Init scripts come from the test harness, not the page: the CSP does not apply to them.
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    return problems;
  };

  it('infirmier records weights and reads them on the interactive chart', async () => {
    await withPage(browser, server, { name: 'chart-1-infirmier' }, async (page) => {
      const problems = await watch(page);
      await loginReady(page, server, 'infirmier');
      await Promise.all([
        page.waitForURL((u) => /^\/units\/[0-9a-f-]+$/.test(u.pathname)),
        page.getByRole('link', { name: /Unité Les Bleuets/ }).click(),
      ]);
      await Promise.all([
        page.waitForURL((u) => /^\/persons\/[0-9a-f-]+$/.test(u.pathname)),
        page.locator('a.big[href^="/persons/"]').first().click(),
      ]);
      const personPath = new URL(page.url()).pathname;

      for (const w of WEIGHTS) {
        await page.getByLabel('Mesure', { exact: true }).selectOption('weight');
        await page.getByLabel('Valeur (systolique pour la tension)').fill(w.typed);
        await page.getByLabel('Date et heure de la mesure (vide : maintenant)').fill(`${w.day}T10:00`);
        await Promise.all([
          page.waitForURL((u) => u.searchParams.get('ok') === 'measure'),
          page.getByRole('button', { name: 'Enregistrer la mesure' }).click(),
        ]);
      }

      await Promise.all([
        page.waitForURL((u) => u.pathname === `${personPath}/chart`),
        page.getByRole('link', { name: 'Courbes' }).click(),
      ]);
      chartPath = new URL(page.url()).pathname + new URL(page.url()).search;
      await page.getByRole('heading', { name: /Poids/, level: 1 }).waitFor();
      await page.getByText(`3 mesures ; dernière : 63,1 kg le ${french(WEIGHTS[2].day)}`).waitFor();

      // uPlot has drawn: the canvas is shown and has ink on it, the SVG is hidden.
      const canvas = page.locator('#chart-live canvas');
      await canvas.waitFor({ state: 'visible' });
      assert.equal(await page.locator('svg.chart').isVisible(), false, 'the SVG is hidden on screen');
      const inked = await canvas.evaluate((c) => {
        const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) n++;
        return n;
      });
      assert.ok(inked > 1000, `the canvas is drawn (${inked} pixels)`);
      const box = await canvas.boundingBox();
      const figure = await page.locator('figure.chart-figure').boundingBox();
      assert.ok(box.width > figure.width * 0.8 && box.width <= figure.width, 'the chart fills its card');
      await checkPage(page);

      // The legend reads the measure nearest the cursor: the last one at the right edge,
      // the first at the left edge, in kg with a French date.
      const over = await page.locator('#chart-live .u-over').boundingBox();
      const legend = page.locator('#chart-live .u-legend');
      const y = over.y + over.height / 2;
      await page.mouse.move(over.x + over.width - 2, y);
      await assertLegend(legend, WEIGHTS[2].shown, frenchDate(WEIGHTS[2].day));
      await page.mouse.move(over.x + 2, y);
      await assertLegend(legend, WEIGHTS[0].shown, frenchDate(WEIGHTS[0].day));

      // A drag selects a period and zooms on it; a double click comes back to the whole period.
      const reset = page.getByRole('button', { name: 'Revenir à toute la période' });
      assert.equal(await reset.isVisible(), false, 'not zoomed yet');
      await page.mouse.move(over.x + over.width * 0.8, y);
      await page.mouse.down();
      await page.mouse.move(over.x + over.width * 0.9, y, { steps: 5 });
      await page.mouse.move(over.x + over.width - 1, y, { steps: 5 });
      await page.mouse.up();
      await reset.waitFor({ state: 'visible' });
      await checkPage(page);
      await page.mouse.dblclick(over.x + over.width / 2, y);
      await reset.waitFor({ state: 'hidden' });
      // The button does the same for those who cannot double-click.
      await page.mouse.move(over.x + over.width * 0.7, y);
      await page.mouse.down();
      await page.mouse.move(over.x + over.width * 0.95, y, { steps: 5 });
      await page.mouse.up();
      await reset.click();
      await reset.waitFor({ state: 'hidden' });

      // Printed: the SVG, not the canvas.
      await page.emulateMedia({ media: 'print' });
      assert.equal(await page.locator('svg.chart').isVisible(), true, 'the SVG prints');
      assert.equal(await canvas.isVisible(), false, 'the canvas does not print');
      await page.emulateMedia({ media: 'screen' });
      await canvas.waitFor({ state: 'visible' });
      assert.equal(await page.locator('svg.chart').isVisible(), false);

      assert.deepEqual(problems, [], 'no console error, no CSP violation');
    });
  });

  it('on a tablet, a swipe zooms, a double tap comes back, a tap reads a measure', async () => {
    // A page of its own: a mouse left over the page by other steps would take the cursor
    // back out of the plot, which no tablet does.
    await withPage(browser, server, { name: 'chart-2-touch', username: 'infirmier' }, async (page) => {
      const problems = await watch(page);
      await page.goto(chartPath);
      await page.locator('#chart-live canvas').waitFor({ state: 'visible' });
      const over = await page.locator('#chart-live .u-over').boundingBox();
      const legend = page.locator('#chart-live .u-legend');
      const reset = page.getByRole('button', { name: 'Revenir à toute la période' });
      const y = over.y + over.height / 2;
      // uPlot itself listens to the mouse only: chart.js turns touches into the same gestures.
      const cdp = await page.context().newCDPSession(page);
      const touch = (type, x) =>
        cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y }] });
      await touch('touchStart', over.x + over.width * 0.6);
      for (const f of [0.65, 0.7, 0.8, 0.9, 0.97]) await touch('touchMove', over.x + over.width * f);
      await touch('touchEnd');
      await reset.waitFor({ state: 'visible' });
      await page.touchscreen.tap(over.x + over.width / 2, y);
      await page.touchscreen.tap(over.x + over.width / 2, y);
      await reset.waitFor({ state: 'hidden' });
      await page.touchscreen.tap(over.x + over.width - 2, y);
      await assertLegend(legend, WEIGHTS[2].shown, frenchDate(WEIGHTS[2].day));
      await page.touchscreen.tap(over.x + 2, y);
      await assertLegend(legend, WEIGHTS[0].shown, frenchDate(WEIGHTS[0].day));
      assert.deepEqual(problems, [], 'no console error, no CSP violation');
    });
  });

  it('without JavaScript the SVG is the chart', async () => {
    const context = await browser.newContext({
      baseURL: server.url,
      viewport: { width: 768, height: 1024 },
      locale: 'fr-FR',
      timezoneId: 'Europe/Paris',
      javaScriptEnabled: false,
    });
    try {
      const page = await context.newPage();
      await loginReady(page, server, 'infirmier');
      await page.goto(chartPath);
      await page.getByText('3 mesures ; dernière : 63,1 kg').waitFor();
      assert.equal(await page.locator('svg.chart').isVisible(), true, 'the SVG shows');
      assert.equal(await page.locator('svg.chart circle').count(), 3);
      assert.equal(await page.locator('#chart-live').isVisible(), false, 'no empty chart area');
      assert.equal(await page.locator('#chart-live canvas').count(), 0);
    } finally {
      await context.close();
    }
  });
});

/** Waits until the legend shows `value` and a date matching `date`. */
async function assertLegend(legend, value, date) {
  let text = '';
  for (let i = 0; i < 50; i++) {
    text = (await legend.innerText()).replace(/\s+/g, ' ');
    if (text.includes(value) && date.test(text)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`legend ${JSON.stringify(text)} lacks ${value} or ${date}`);
}

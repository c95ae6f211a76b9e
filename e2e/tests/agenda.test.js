// Recurring appointments and the establishment agenda, at a tablet viewport on the demo
// organisation: the secretary plans a weekly appointment for a resident, finds it week after week
// in the establishment's agenda, once in the day view, and cancels it from one week on.
// The steps share one server and run in order.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkPage, launchBrowser, startServer, uniqueMarker, withPage } from '../lib/relais.js';

/** A date (UTC noon, so that only its calendar day matters) as JJ/MM/AAAA. */
const french = (d) =>
  `${String(d.getUTCDate()).padStart(2, '0')}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${d.getUTCFullYear()}`;
const plusDays = (d, n) => new Date(d.getTime() + n * 86_400_000);

describe('agenda: a weekly appointment in the establishment agenda', () => {
  let server;
  let browser;
  let personPath;
  const marker = uniqueMarker('Kinésithérapie');
  // The Monday of next week in Paris, and two more weeks: the whole series is in the future.
  const today = new Date(`${new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date())}T12:00:00Z`);
  const first = plusDays(today, (8 - today.getUTCDay()) % 7 || 7);
  const last = plusDays(first, 14);

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  let step = 0;
  const asUser = (username, fn) => withPage(browser, server, { name: `agenda-${++step}-${username}`, username }, fn);

  const openAgenda = async (page) => {
    await page.getByRole('link', { name: 'EHPAD Les Tilleuls', exact: true }).click();
    await page.getByRole('heading', { name: /EHPAD Les Tilleuls/, level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Agenda', exact: true }).click();
    await page.getByRole('heading', { name: /Agenda — EHPAD Les Tilleuls/, level: 1 }).waitFor();
  };
  /** Follows a link of the agenda and waits for the page it leads to. */
  const follow = async (page, name) => {
    const before = page.url();
    await Promise.all([
      page.waitForURL((u) => u.href !== before),
      page.getByRole('link', { name, exact: true }).click(),
    ]);
    await page.getByRole('heading', { level: 1 }).waitFor();
  };
  const next = (page) => follow(page, 'Semaine suivante');
  const entries = (page) => page.locator('article.appointment').filter({ hasText: marker });

  it('the secretary plans a weekly appointment for a resident', async () => {
    await asUser('secretariat', async (page) => {
      await page.getByRole('link', { name: 'EHPAD Les Tilleuls', exact: true }).click();
      await page.getByRole('heading', { name: /EHPAD Les Tilleuls/, level: 1 }).waitFor();
      const resident = page.locator('ul.list a.big').first();
      personPath = await resident.getAttribute('href');
      await resident.click();
      await page.getByText('Prévoir un rendez-vous').click();
      await page.getByLabel('Objet').fill(marker);
      await page.getByLabel('Lieu').fill('Salle de rééducation');
      await page.getByLabel('Date (JJ/MM/AAAA)').fill(french(first));
      await page.getByLabel('Début (HH:MM)').fill('10:00');
      await page.getByLabel('Fin (HH:MM)').fill('10:45');
      await page.getByLabel('Répétition').selectOption('weekly');
      await checkPage(page);

      // Without its end, the repetition is refused and the typed values stay.
      const [bad] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Enregistrer le rendez-vous' }).click(),
      ]);
      assert.equal(bad.status(), 422);
      await page.getByText("indiquez jusqu'à quand le rendez-vous se répète").first().waitFor();
      assert.equal(await page.getByLabel('Objet').inputValue(), marker);

      await page.getByLabel("Jusqu'au (JJ/MM/AAAA)").fill(french(last));
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('ok') === 'appointments'),
        page.getByRole('button', { name: 'Enregistrer le rendez-vous' }).click(),
      ]);
      await page.getByRole('status').filter({ hasText: '3 rendez-vous enregistrés.' }).waitFor();
      const listed = page.locator('div.appointment').filter({ hasText: marker });
      assert.equal(await listed.count(), 3);
      assert.match(await listed.first().innerText(), /série : chaque semaine/);
      await checkPage(page);
    });
  });

  it('it shows week after week in the establishment agenda, and once in the day view', async () => {
    await asUser('secretariat', async (page) => {
      await openAgenda(page);
      await checkPage(page);
      for (let week = 0; week < 3; week += 1) {
        await next(page);
        await entries(page).first().waitFor();
        assert.equal(await entries(page).count(), 1, `week ${week + 1}`);
        const text = await entries(page).innerText();
        assert.match(text, /10:00 – 10:45/);
        assert.match(text, /série : chaque semaine/);
      }
      await next(page);
      assert.equal(await entries(page).count(), 0, 'the series ended');

      // Back to its first week, then the day view of its Monday.
      for (let week = 0; week < 3; week += 1) await follow(page, 'Semaine précédente');
      await follow(page, 'Vue jour');
      assert.equal(new URL(page.url()).searchParams.get('view'), 'day');
      await checkPage(page);
      assert.equal(await page.locator('section h2').count(), 1, 'one day');
      assert.equal(await entries(page).count(), 1);
      await follow(page, 'Jour suivant');
      assert.equal(await entries(page).count(), 0, 'not on Tuesday');
    });
  });

  it('cancelling the second one "and the following" keeps the first', async () => {
    await asUser('secretariat', async (page) => {
      await page.goto(personPath);
      const listed = page.locator('div.appointment').filter({ hasText: marker });
      await listed.first().waitFor();
      await checkPage(page);
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('ok') === 'appointment-cancelled'),
        listed.nth(1).getByRole('button', { name: 'Annuler celui-ci et les suivants' }).click(),
      ]);
      const after = page.locator('div.appointment').filter({ hasText: marker });
      assert.equal(await after.count(), 3, 'cancelled ones stay listed');
      assert.doesNotMatch(await after.nth(0).innerText(), /annulé/);
      assert.match(await after.nth(1).innerText(), /annulé/);
      assert.match(await after.nth(2).innerText(), /annulé/);
    });
  });
});

// Daily record, continued, at a tablet viewport on the demo organisation:
// a. the nurse sets the nursing home's SpO2 alert threshold,
// b. a care aide's measure below it writes an alert in the unit's logbook,
// c. the nurse brings a note to the care aide, who finds it first in her digest,
// d. the nurse plans a weekly workshop, registers a resident on the series and takes attendance.
// The steps share one server and run in order.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkPage, launchBrowser, startServer, uniqueMarker, withPage } from '../lib/relais.js';

describe('thresholds, mentions and collective activities', () => {
  let server;
  let browser;
  let personPath;
  const marker = uniqueMarker('e2e-hydratation');
  const workshop = uniqueMarker('Atelier mémoire');

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  let step = 0;
  const asUser = (username, fn) =>
    withPage(browser, server, { name: `activities-${++step}-${username}`, username }, fn);

  const openUnit = async (page) => {
    await Promise.all([
      page.waitForURL((u) => /^\/units\/[0-9a-f-]+$/.test(u.pathname)),
      page.getByRole('link', { name: /Unité Les Bleuets/ }).click(),
    ]);
    await page.getByRole('heading', { name: /Unité Les Bleuets/, level: 1 }).waitFor();
  };

  it('the nurse sets the establishment SpO2 threshold; a wrong value is explained first', async () => {
    await asUser('infirmier', async (page) => {
      await openUnit(page);
      await page.getByRole('link', { name: "Seuils d'alerte" }).click();
      await page.getByRole('heading', { name: /Seuils d'alerte/, level: 1 }).waitFor();
      await checkPage(page);
      await page.getByLabel('Mesure').selectOption('spo2');
      await page.getByLabel('Seuil bas').fill('95');
      await page.getByLabel('Seuil haut').fill('90');
      const [bad] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Enregistrer le seuil' }).click(),
      ]);
      assert.equal(bad.status(), 422);
      await page.getByText('le seuil haut doit dépasser le seuil bas').first().waitFor();
      assert.equal(await page.getByLabel('Seuil bas').inputValue(), '95', 'typed values are kept');
      await page.getByLabel('Seuil haut').fill('');
      await page.getByLabel('Seuil bas').fill('92');
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('ok') === 'threshold'),
        page.getByRole('button', { name: 'Enregistrer le seuil' }).click(),
      ]);
      await page.getByText('alerte sous 92 %').waitFor();
    });
  });

  it('a care aide measures 90 %: the alert is in the unit logbook', async () => {
    await asUser('aide.soignante', async (page) => {
      await openUnit(page);
      const first = page.locator('ul.list a.big').first();
      personPath = await first.getAttribute('href');
      await page.goto(personPath);
      await page.getByLabel('Mesure', { exact: true }).selectOption('spo2');
      await page.getByLabel('Valeur (systolique pour la tension)').fill('90');
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('ok') !== null),
        page.getByRole('button', { name: 'Enregistrer la mesure' }).click(),
      ]);
      const alert = page.locator('article.note.alert').filter({ hasText: "Seuil d'alerte : Saturation en oxygène" });
      await alert.first().waitFor();
      assert.match(await alert.first().innerText(), /90 % le .* sous le seuil bas de 92 % \(seuil de l'établissement\)/);
      await checkPage(page);
    });
  });

  it('the nurse brings a note to the care aide; it is first in her digest', async () => {
    await asUser('infirmier', async (page) => {
      await page.goto(personPath);
      await page.getByRole('heading', { name: 'Nouvelle transmission' }).waitFor();
      await page.getByLabel('Transmission', { exact: true }).fill(`Surveiller l'hydratation (${marker})`);
      await page.getByLabel(/Signaler à/).selectOption({ label: 'Julie Caron (Aide-soignant)' });
      await checkPage(page);
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('ok') === 'note'),
        page.getByRole('button', { name: 'Enregistrer la transmission' }).click(),
      ]);
      const note = page.locator('article.note').filter({ hasText: marker });
      await note.getByText('signalée à Julie Caron').waitFor();
    });
    await asUser('aide.soignante', async (page) => {
      await page.getByRole('link', { name: 'Depuis mon dernier service' }).click();
      await page.getByRole('heading', { name: 'Depuis mon dernier service' }).waitFor();
      const first = page.locator('article.note').first();
      assert.match(await first.innerText(), new RegExp(marker), 'the note brought to her comes first');
      await first.getByText('pour vous').waitFor();
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/logbook/shift'),
        first.getByRole('button', { name: "J'ai lu" }).click(),
      ]);
      await page.locator('article.note').filter({ hasText: marker }).getByText('Lu · 1 lecteur').waitFor();
    });
  });

  it('the nurse plans a weekly workshop, registers a resident on the series and takes attendance', async () => {
    await asUser('infirmier', async (page) => {
      await openUnit(page);
      await page.getByRole('link', { name: 'Activités', exact: true }).click();
      await page.getByRole('heading', { name: /Activités/, level: 1 }).waitFor();
      const fmt = (d) =>
        `${String(d.getDate()).padStart(2, '0')}/${String(d.getMonth() + 1).padStart(2, '0')}/${d.getFullYear()}`;
      const today = new Date();
      const until = new Date(today.getTime() + 15 * 86_400_000);
      await page.getByLabel('Activité', { exact: true }).fill(workshop);
      await page.getByLabel('Lieu').fill('Salon');
      await page.getByLabel('Date', { exact: true }).fill(fmt(today));
      // The whole day: attendance can be taken whenever the test runs.
      await page.getByLabel('Début').fill('00:05');
      await page.getByLabel('Fin').fill('23:55');
      await page.getByLabel('Répétition').selectOption('weekly');
      await page.getByLabel("Jusqu'au").fill(fmt(until));
      await page.getByLabel('Places').fill('10');
      await checkPage(page);
      await Promise.all([
        page.waitForURL((u) => /^\/activities\/[0-9a-f-]+$/.test(u.pathname)),
        page.getByRole('button', { name: 'Planifier' }).click(),
      ]);
      await page.getByRole('heading', { name: new RegExp(workshop) }).waitFor();
      await checkPage(page);
      const person = page.getByLabel('Personne');
      const name = (await person.locator('option').first().innerText()).trim();
      await page.getByText('aussi aux 2 séances suivantes').waitFor();
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('ok') === 'registered'),
        page.getByRole('button', { name: 'Inscrire' }).click(),
      ]);
      await page.getByText('Inscription enregistrée (3 séances).').waitFor();
      const line = page.locator('ul.list li').filter({ hasText: name });
      await line.getByLabel('présent').check();
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('ok') === 'attendance'),
        page.getByRole('button', { name: 'Enregistrer les présences' }).click(),
      ]);
      await page.getByText('Présences enregistrées.').waitFor();
      assert.ok(await page.locator('ul.list li').filter({ hasText: name }).getByLabel('présent').isChecked());
      await checkPage(page);
    });
  });
});

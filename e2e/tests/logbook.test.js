// The daily record at a tablet viewport, on the demo organisation:
// a. a care aide's round of weights, whose second pass raises a weight-loss alert,
// b. a targeted note flagged "à lire",
// c. the nurse's "since my last shift": unread items first, acknowledged with one tap,
// d. an appointment planned by the secretary, in the unit's agenda,
// e. a PDF filed in the record and downloaded back unchanged,
// f. a full-text search with the matched words marked.
// The steps share one server and run in order.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkPage, launchBrowser, startServer, uniqueMarker, withPage } from '../lib/relais.js';

describe('logbook: round with an alert, note to read, shift digest, search', () => {
  let server;
  let browser;
  let firstName; // the first resident of the round, as listed
  let personPath;
  const marker = uniqueMarker('e2e-chute');

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
    withPage(browser, server, { name: `logbook-${++step}-${username}`, username }, fn);

  const openUnit = async (page) => {
    await Promise.all([
      page.waitForURL((u) => /^\/units\/[0-9a-f-]+$/.test(u.pathname)),
      page.getByRole('link', { name: /Unité Les Bleuets/ }).click(),
    ]);
    await page.getByRole('heading', { name: /Unité Les Bleuets/, level: 1 }).waitFor();
  };

  it('aide.soignante weighs two residents, then one again: the loss raises an alert', async () => {
    await asUser('aide.soignante', async (page) => {
      await openUnit(page);
      await Promise.all([
        page.waitForURL((u) => u.pathname.endsWith('/round')),
        page.getByRole('link', { name: 'Tournée de mesures' }).click(),
      ]);
      await page.getByRole('heading', { name: /Tournée de mesures/ }).waitFor();
      await checkPage(page);
      const rows = page.locator('table.round tbody th[scope=row] label');
      assert.ok((await rows.count()) >= 2, 'the unit has residents to weigh');
      firstName = (await rows.nth(0).innerText()).trim();
      const secondName = (await rows.nth(1).innerText()).trim();

      // A typing error: nothing is saved, the typed values stay, the line says why.
      await page.getByLabel(firstName, { exact: true }).fill('64');
      await page.getByLabel(secondName, { exact: true }).fill('7l');
      const [bad] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Enregistrer la tournée' }).click(),
      ]);
      assert.equal(bad.status(), 422);
      await page.getByRole('alert').filter({ hasText: '1 ligne à corriger' }).waitFor();
      assert.equal(await page.getByLabel(firstName, { exact: true }).inputValue(), '64');
      await page.getByText('nombre attendu (par exemple 72,5)').waitFor();
      await checkPage(page);

      await page.getByLabel(secondName, { exact: true }).fill('71,5');
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('saved') === '2'),
        page.getByRole('button', { name: 'Enregistrer la tournée' }).click(),
      ]);
      await page.getByRole('status').filter({ hasText: '2 mesures enregistrées.' }).waitFor();

      // Second pass: 58 kg is a 9 % loss within a month.
      await page.getByLabel(firstName, { exact: true }).fill('58');
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('alerts') === '1'),
        page.getByRole('button', { name: 'Enregistrer la tournée' }).click(),
      ]);
      await page.getByRole('status').filter({ hasText: '1 alerte de perte de poids' }).waitFor();

      // The alert is in the unit's logbook.
      await page.getByRole('link', { name: "Retour à l'unité" }).click();
      const alert = page.locator('article.note.alert').filter({ hasText: 'Perte de poids' });
      await alert.first().waitFor();
      assert.match(await alert.first().innerText(), /perte de 9,4 % en un mois/);
      personPath = await alert.first().getByRole('link').first().getAttribute('href');
    });
  });

  it('aide.soignante writes a targeted note to be read by everyone', async () => {
    await asUser('aide.soignante', async (page) => {
      await page.goto(personPath);
      await page.getByRole('heading', { name: 'Nouvelle transmission' }).waitFor();
      await page.getByText('Transmission ciblée (cible, données, actions, résultats)').click();
      await page.getByLabel('Cible').fill('Chute');
      await page.getByLabel('Données').fill(`Retrouvée au sol près du lit (${marker})`);
      await page.getByLabel('Actions').fill('Relevée à deux, infirmier prévenu');
      await page.getByLabel('Résultats').fill('Pas de douleur');
      await page.getByLabel('à lire').check();
      await checkPage(page);
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('ok') === 'note'),
        page.getByRole('button', { name: 'Enregistrer la transmission' }).click(),
      ]);
      const note = page.locator('article.note').filter({ hasText: marker });
      await note.waitFor();
      assert.match(await note.locator('.tag.important').innerText(), /à lire/);
    });
  });

  it('the nurse sees both first in "since my last shift" and acknowledges them', async () => {
    await asUser('infirmier', async (page) => {
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/logbook/shift'),
        page.getByRole('link', { name: 'Depuis mon dernier service' }).click(),
      ]);
      await page.getByRole('heading', { name: 'Depuis mon dernier service' }).waitFor();
      await checkPage(page);
      const unread = page.locator('article.note.unread');
      const before = await unread.count();
      assert.equal(await unread.filter({ hasText: marker }).count(), 1, 'the note to read is unread');
      assert.equal(await unread.filter({ hasText: 'Perte de poids' }).count(), 1, 'so is the alert');
      // Unread items come first: no read item before the last unread one.
      const classes = await page.locator('article.note').evaluateAll((els) => els.map((e) => e.classList.contains('unread')));
      assert.equal(classes.indexOf(false) === -1 ? before : classes.indexOf(false), before, 'unread items first');
      const chute = page.locator('article.note').filter({ hasText: marker });
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/logbook/shift'),
        chute.getByRole('button', { name: "J'ai lu" }).click(),
      ]);
      await page.locator('article.note').filter({ hasText: marker }).getByText('Lu · 1 lecteur').waitFor();
      assert.equal(await page.locator('article.note.unread').count(), before - 1);
    });
  });

  it('the secretary plans an appointment; it shows in the unit agenda', async () => {
    const tomorrow = new Date(Date.now() + 86_400_000);
    const date = tomorrow.toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris' });
    await asUser('secretariat', async (page) => {
      await page.goto(personPath);
      await page.getByText('Prévoir un rendez-vous').click();
      await page.getByLabel('Objet').fill(`Consultation cardiologie ${marker}`);
      await page.getByLabel('Lieu').fill('CHU');
      await page.getByLabel('Date (JJ/MM/AAAA)').fill(date);
      await page.getByLabel('Début (HH:MM)').fill('10:30');
      await page.getByLabel('Fin (HH:MM)').fill('11:30');
      await page.getByLabel("Hors de l'établissement").check();
      await page.getByLabel('Transport').selectOption('vsl');
      await checkPage(page);
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('ok') === 'appointment'),
        page.getByRole('button', { name: 'Enregistrer le rendez-vous' }).click(),
      ]);
      await page.getByText(`Consultation cardiologie ${marker}`).waitFor();
    });
    await asUser('aide.soignante', async (page) => {
      await openUnit(page);
      await page.getByRole('link', { name: 'Agenda' }).click();
      await page.getByRole('heading', { name: /Agenda/, level: 1 }).waitFor();
      // The agenda shows the week from Monday: on a Sunday, tomorrow is in the next one.
      const weekday = new Intl.DateTimeFormat('en-GB', { weekday: 'short', timeZone: 'Europe/Paris' });
      if (weekday.format(tomorrow) === 'Mon') {
        const before = page.url();
        await Promise.all([
          page.waitForURL((u) => u.href !== before),
          page.getByRole('link', { name: 'Semaine suivante' }).click(),
        ]);
      }
      await checkPage(page);
      const entry = page.locator('article.note').filter({ hasText: marker });
      await entry.waitFor();
      assert.match(await entry.innerText(), /10:30 – 11:30/);
      assert.match(await entry.innerText(), /Transport : VSL/);
    });
  });

  it('the nurse files a PDF in the record and downloads it back, unchanged', async () => {
    const pdf = Buffer.from(`%PDF-1.4\n% ${marker}\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n`);
    await asUser('infirmier', async (page) => {
      await page.goto(personPath);
      await page.getByText('Classer un document (PDF, PNG, JPEG ; 10 Mo au plus)').click();
      await page.getByLabel('Fichier').setInputFiles({ name: 'lettre.pdf', mimeType: 'application/pdf', buffer: pdf });
      await page.getByLabel('Titre').fill(`Lettre de liaison ${marker}`);
      await page.getByLabel('Type de document').selectOption('88348-8');
      await page.getByLabel('Date du document (JJ/MM/AAAA)').fill('02/11/2026');
      await checkPage(page);
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('ok') === 'document'),
        page.getByRole('button', { name: 'Classer le document' }).click(),
      ]);
      const item = page.locator('li.document').filter({ hasText: marker });
      await item.waitFor();
      const href = await item.getByRole('link', { name: 'Télécharger' }).getAttribute('href');
      const res = await page.request.get(href);
      assert.equal(res.status(), 200);
      assert.equal(res.headers()['content-type'], 'application/pdf');
      assert.deepEqual(Buffer.from(await res.body()), pdf, 'the same bytes come back');
    });
  });

  it('a full-text search finds the note without accents, words marked', async () => {
    await asUser('infirmier', async (page) => {
      await page.getByRole('link', { name: 'Rechercher' }).click();
      await page.getByRole('heading', { name: 'Recherche dans les transmissions' }).waitFor();
      await page.getByLabel('Mots recherchés').fill('RETROUVEE lit');
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/logbook/search' && u.searchParams.get('q') === 'RETROUVEE lit'),
        page.getByRole('button', { name: 'Rechercher' }).click(),
      ]);
      await checkPage(page);
      const hit = page.locator('article.note').filter({ hasText: marker });
      await hit.waitFor();
      const marked = await hit.locator('mark').allInnerTexts();
      assert.deepEqual(marked, ['Retrouvée', 'lit']);
    });
  });
});

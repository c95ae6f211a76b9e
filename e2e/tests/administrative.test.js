// The administrative file at a tablet viewport, on the demo organisation:
// a. the secretary registers and admits a person, records her social security number (a wrong
//    key first: refused in French, what was typed kept) and an APA benefit of 1 234,56 €,
// b. a nurse records a hospitalisation absence (shown on the file and on the person's page),
//    then her return.
// The steps share one server and run in order.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkPage, launchBrowser, startServer, withPage } from '../lib/relais.js';

const ESTABLISHMENT = 'EHPAD Les Tilleuls';
const TARGET = 'EHPAD Les Tilleuls — Unité Les Coquelicots';

describe('administrative file: NSS, benefit, absence and return', () => {
  let server;
  let browser;
  let filePath; // /persons/{uuid}/administrative

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  let step = 0;
  const as = (username, fn) => withPage(browser, server, { name: `administrative-${++step}-${username}`, username }, fn);

  it('the secretary records the NSS and an APA benefit', async () => {
    await as('secretariat', async (page) => {
      await page.goto('/persons/new');
      await page.getByLabel('Établissement').selectOption({ label: ESTABLISHMENT });
      await page.getByLabel('Nom de naissance').fill('Vidal-Administratif');
      await page.getByLabel('Prénoms de naissance').fill('Germaine');
      await page.getByLabel('Date de naissance').fill('02/02/1936');
      await page.getByLabel('Sexe').selectOption('F');
      await page.getByLabel('Lieu de naissance').fill('63220');
      await Promise.all([
        page.waitForURL((u) => /^\/persons\/[0-9a-f-]{36}$/.test(u.pathname)),
        page.getByRole('button', { name: "Enregistrer l'identité" }).click(),
      ]);
      const personPath = new URL(page.url()).pathname;
      await page.locator('summary').filter({ hasText: /^Admettre$/ }).click();
      await page.getByLabel('Établissement et unité').selectOption({ label: TARGET });
      await page.getByLabel('Mode de prise en charge').selectOption({ label: 'Hébergement permanent' });
      await Promise.all([
        page.waitForURL((u) => u.pathname === personPath && u.searchParams.get('ok') === 'admitted'),
        page.getByRole('button', { name: 'Admettre', exact: true }).click(),
      ]);
      const section = page.getByRole('region', { name: 'Dossier administratif et absences' });
      await Promise.all([
        page.waitForURL((u) => u.pathname === `${personPath}/administrative`),
        section.getByRole('link', { name: 'Sécurité sociale, aides, MDPH et absences' }).click(),
      ]);
      filePath = new URL(page.url()).pathname;
      await page.getByRole('heading', { name: 'Dossier administratif et social', level: 1 }).waitFor();
      await checkPage(page);

      // A wrong key: refused, the page says why, what was typed is kept.
      await page.locator('summary').filter({ hasText: /^Mettre à jour la couverture sociale$/ }).click();
      const nss = page.getByLabel('Numéro de sécurité sociale (15 caractères avec la clé)');
      await nss.waitFor({ state: 'visible' });
      await checkPage(page);
      await nss.fill('2 97 02 2A 020 778 79');
      await page.getByLabel("Caisse d'assurance maladie").fill('CPAM du Puy-de-Dôme');
      await page.getByLabel('Code de la caisse').fill('631');
      const [refused] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Enregistrer la couverture' }).click(),
      ]);
      assert.equal(refused.status(), 422);
      await page
        .getByRole('alert')
        .filter({ hasText: 'la clé du numéro de sécurité sociale est incorrecte' })
        .waitFor();
      assert.equal(await page.getByLabel("Caisse d'assurance maladie").inputValue(), 'CPAM du Puy-de-Dôme');
      await checkPage(page);
      await page.getByLabel('Numéro de sécurité sociale (15 caractères avec la clé)').fill('2 97 02 2A 020 778 78');
      await Promise.all([
        page.waitForURL((u) => u.pathname === filePath && u.searchParams.get('ok') === 'coverage'),
        page.getByRole('button', { name: 'Enregistrer la couverture' }).click(),
      ]);
      await page.getByRole('status').filter({ hasText: 'Couverture sociale enregistrée.' }).waitFor();
      const coverage = page.getByRole('region', { name: 'Sécurité sociale et mutuelle' });
      assert.match(await coverage.innerText(), /2 97 02 2A 020 778 78/);
      assert.match(await coverage.innerText(), /CPAM du Puy-de-Dôme \(code 631\)/);

      await page.locator('summary').filter({ hasText: /^Enregistrer une aide$/ }).click();
      await page.getByLabel("Type d'aide").selectOption({ label: "APA (allocation personnalisée d'autonomie)" });
      await page.getByLabel('Intitulé ou organisme payeur').fill('Conseil départemental du Puy-de-Dôme');
      await page.getByLabel('Montant en euros (ex. 1234,56)').fill('1234,56');
      await page.getByLabel('Périodicité').selectOption({ label: 'mensuelle' });
      await page.getByLabel('Début du versement (JJ/MM/AAAA)').fill('01/11/2026');
      await page.getByLabel('Échéance (JJ/MM/AAAA)').fill('31/10/2028');
      await checkPage(page);
      await Promise.all([
        page.waitForURL((u) => u.pathname === filePath && u.searchParams.get('ok') === 'benefit'),
        page.getByRole('button', { name: "Enregistrer l'aide" }).click(),
      ]);
      await page.getByRole('status').filter({ hasText: 'Aide enregistrée.' }).waitFor();
      const row = page.getByRole('region', { name: 'Aides sociales' }).getByRole('row').filter({ hasText: /APA/ });
      const text = await row.innerText();
      assert.match(text, /1\s234,56\s€/);
      assert.match(text, /mensuelle/);
      assert.match(text, /31\/10\/2028/);
      await checkPage(page);
    });
  });

  it('a nurse records a hospitalisation, then the return', async () => {
    assert.ok(filePath, 'the secretary step must have run');
    await as('infirmier', async (page) => {
      await page.goto(filePath);
      const stays = page.getByRole('region', { name: 'Séjours et absences' });
      await stays.getByText('Aucune absence.').waitFor();
      await stays.locator('summary').filter({ hasText: /^Déclarer une absence$/ }).click();
      await stays.getByLabel("Motif d'absence").selectOption({ label: 'Hospitalisation' });
      const start = stays.getByLabel('Date de départ (JJ/MM/AAAA)');
      assert.match(await start.inputValue(), /^\d{2}\/\d{2}\/\d{4}$/, "the departure defaults to today's date");
      await stays.getByLabel('Précisions').fill('Chute, CHU Estaing');
      await checkPage(page);
      await Promise.all([
        page.waitForURL((u) => u.pathname === filePath && u.searchParams.get('ok') === 'absence'),
        stays.getByRole('button', { name: "Enregistrer l'absence" }).click(),
      ]);
      await page.getByRole('status').filter({ hasText: 'Absence enregistrée.' }).waitFor();
      const absence = page.getByRole('region', { name: 'Séjours et absences' }).getByRole('listitem').filter({
        hasText: 'Hospitalisation',
      });
      assert.match(await absence.innerText(), /en cours/);
      assert.match(await absence.innerText(), /Chute, CHU Estaing/);
      await checkPage(page);

      // The person's page says she is away.
      await page.goto(filePath.replace(/\/administrative$/, ''));
      const summary = page.getByRole('region', { name: 'Dossier administratif et absences' });
      assert.match(await summary.innerText(), /Absent\(e\) : Hospitalisation depuis le/);

      await page.goto(filePath);
      const returnDate = page.getByLabel('Date de retour (JJ/MM/AAAA)');
      assert.match(await returnDate.inputValue(), /^\d{2}\/\d{2}\/\d{4}$/);
      await Promise.all([
        page.waitForURL((u) => u.pathname === filePath && u.searchParams.get('ok') === 'return'),
        page.getByRole('button', { name: 'Enregistrer le retour' }).click(),
      ]);
      await page.getByRole('status').filter({ hasText: 'Retour enregistré.' }).waitFor();
      const closed = page.getByRole('region', { name: 'Séjours et absences' }).getByRole('listitem').filter({
        hasText: 'Hospitalisation',
      });
      assert.match(await closed.innerText(), /\(retour\)/);
      assert.doesNotMatch(await closed.innerText(), /en cours/);
      assert.equal(await page.getByRole('button', { name: 'Enregistrer le retour' }).count(), 0);
      await checkPage(page);
    });
  });
});

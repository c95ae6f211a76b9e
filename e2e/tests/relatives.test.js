// Relatives and consents at a tablet viewport, on the demo organisation:
// a. the secretary opens a resident's « Entourage, protection et consentements » page,
// b. a personne de confiance with a malformed phone number is refused in French, what was typed kept,
// c. corrected, it is recorded; the DMP consent is recorded as given by the resident,
// d. the resident's summary shows the personne de confiance and the consent.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkPage, launchBrowser, startServer, uniqueMarker, withPage } from '../lib/relais.js';

describe('relatives and consents', () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('the secretary adds a personne de confiance and records the DMP consent', async () => {
    const family = uniqueMarker('CONFIANCE').toUpperCase();
    await withPage(browser, server, { name: 'relatives-1-secretariat', username: 'secretariat' }, async (page) => {
      await page.getByRole('link', { name: 'EHPAD Les Tilleuls', exact: true }).click();
      await page.getByRole('heading', { name: /EHPAD Les Tilleuls/, level: 1 }).waitFor();
      const resident = page.locator('ul.list a.big').first();
      const personPath = await resident.getAttribute('href');
      await Promise.all([page.waitForURL((u) => u.pathname === personPath), resident.click()]);
      const summary = page.locator('section', { has: page.getByRole('heading', { name: 'Entourage et consentements' }) });
      await Promise.all([
        page.waitForURL((u) => u.pathname === `${personPath}/relatives`),
        summary.getByRole('link', { name: /Entourage, protection et consentements/ }).click(),
      ]);
      await page.getByRole('heading', { name: 'Entourage, protection et consentements', level: 1 }).waitFor();
      await checkPage(page);

      const form = page.locator('form[action$="/relatives/contacts"]');
      await form.getByLabel('Nom', { exact: true }).fill(family);
      await form.getByLabel('Prénom').fill('Hélène');
      await form.getByLabel('Lien avec la personne').selectOption('child');
      await form.getByRole('checkbox', { name: 'Famille' }).check();
      await form.getByRole('checkbox', { name: 'Personne de confiance' }).check();
      await form.getByLabel('Téléphone', { exact: true }).fill('06 12 34');
      await form.getByRole('checkbox', { name: 'Nouvelles de santé' }).check();
      await form.getByRole('checkbox', { name: 'Questions administratives' }).check();
      const [bad] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        form.getByRole('button', { name: 'Enregistrer le contact' }).click(),
      ]);
      assert.equal(bad.status(), 422);
      await page.getByRole('alert').getByText(/numéro de téléphone invalide/).waitFor();
      const kept = page.locator('form[action$="/relatives/contacts"]');
      assert.equal(await kept.getByLabel('Nom', { exact: true }).inputValue(), family, 'what was typed is kept');
      assert.equal(await kept.getByRole('checkbox', { name: 'Personne de confiance' }).isChecked(), true);
      await checkPage(page);

      await kept.getByLabel('Téléphone', { exact: true }).fill('06 12 34 56 78');
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('ok') === 'contact'),
        kept.getByRole('button', { name: 'Enregistrer le contact' }).click(),
      ]);
      const card = page.locator('article.contact', { hasText: family });
      await card.getByText('Personne de confiance').first().waitFor();
      assert.match(await card.innerText(), /06 12 34 56 78/);

      const consent = page.locator('form[action$="/relatives/consents"]');
      await consent.getByLabel('Objet').selectOption('dmp');
      await consent.getByRole('radio', { name: 'Donné' }).check();
      await consent.getByLabel('Décidé par').selectOption('person');
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('ok') === 'consent'),
        consent.getByRole('button', { name: 'Enregistrer le consentement' }).click(),
      ]);
      const inForce = page.getByRole('row', { name: /Alimentation du DMP/ }).first();
      assert.match(await inForce.innerText(), /Donné le \d\d\/\d\d\/\d{4}/);
      await checkPage(page);

      await Promise.all([
        page.waitForURL((u) => u.pathname === personPath),
        page.getByRole('link', { name: 'Retour au dossier' }).click(),
      ]);
      const text = await summary.innerText();
      assert.match(text, new RegExp(`Hélène ${family} \\(enfant\\) — 06 12 34 56 78`));
      assert.match(text, /Alimentation du DMP \(Mon espace santé\) : Donné le \d\d\/\d\d\/\d{4}/);
      await checkPage(page);
    });
  });
});

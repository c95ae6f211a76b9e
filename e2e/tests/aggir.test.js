// An AGGIR evaluation at a tablet viewport, on the demo organisation:
// a. the nurse opens a resident of Unité Les Bleuets and starts a new AGGIR evaluation,
// b. a grid with transferts left blank is refused, naming what is missing, and keeps what was typed,
// c. completed (cohérence and orientation done but not habitually: B; transferts spontaneously
//    and totally only: B; the rest A), it gives rank 12, GIR 5 — as annexe 2-2 of the CASF says
//    for BBAAAABA,
// d. the GIR shows on the resident's summary.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkPage, launchBrowser, startServer, withPage } from '../lib/relais.js';

const PARTLY = ['coherence_communication', 'coherence_behaviour', 'orientation_time', 'orientation_space'];
const FULLY = [
  'washing_upper',
  'washing_lower',
  'dressing_upper',
  'dressing_middle',
  'dressing_lower',
  'feeding_serving',
  'feeding_eating',
  'elimination_urinary',
  'elimination_faecal',
  'moving_indoors',
];

describe('AGGIR evaluation', () => {
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

  it('infirmier fills the grid and reads the official GIR', async () => {
    await withPage(browser, server, { name: 'aggir-1-infirmier', username: 'infirmier' }, async (page) => {
      await Promise.all([
        page.waitForURL((u) => /^\/units\/[0-9a-f-]+$/.test(u.pathname)),
        page.getByRole('link', { name: /Unité Les Bleuets/ }).click(),
      ]);
      await Promise.all([
        page.waitForURL((u) => /^\/persons\/[0-9a-f-]+$/.test(u.pathname)),
        page.locator('a.big[href^="/persons/"]').nth(1).click(),
      ]);
      const personPath = new URL(page.url()).pathname;
      await Promise.all([
        page.waitForURL((u) => u.pathname === `${personPath}/aggir`),
        page.getByRole('link', { name: 'Évaluations AGGIR' }).click(),
      ]);
      await Promise.all([
        page.waitForURL((u) => u.pathname === `${personPath}/aggir/new`),
        page.getByRole('link', { name: 'Nouvelle évaluation' }).click(),
      ]);
      await page.getByRole('heading', { name: 'Nouvelle évaluation AGGIR', level: 1 }).waitFor();
      await checkPage(page);

      const does = (code) => page.locator(`input[name="${code}"][value="does"]`).check();
      const tick = async (code, adverbs) => {
        for (const a of adverbs) await page.locator(`input[name="${code}_${a}"]`).check();
      };
      for (const code of PARTLY) {
        await does(code);
        await tick(code, ['s', 't', 'c']);
      }
      for (const code of FULLY) {
        await does(code);
        await tick(code, ['s', 't', 'c', 'h']);
      }
      // Transferts forgotten: the GIR cannot be computed, nothing is lost.
      await Promise.all([
        page.waitForResponse((r) => r.url().endsWith(`${personPath}/aggir`) && r.status() === 422),
        page.getByRole('button', { name: 'Enregistrer et calculer le GIR' }).click(),
      ]);
      const errors = page.getByRole('alert');
      await errors.getByText(/le GIR ne peut pas être calculé/).waitFor();
      assert.match(await errors.innerText(), /Transferts/);
      assert.equal(await page.locator('input[name="orientation_space_c"]').isChecked(), true, 'the grid is kept');
      assert.equal(await page.locator('input[name="orientation_space_h"]').isChecked(), false);

      await does('transfers');
      await tick('transfers', ['s', 't']);
      await Promise.all([
        page.waitForURL((u) => u.pathname === `${personPath}/aggir` && u.searchParams.get('ok') === 'aggir'),
        page.getByRole('button', { name: 'Enregistrer et calculer le GIR' }).click(),
      ]);
      await page.getByRole('heading', { name: /^GIR 5/, level: 2 }).first().waitFor();
      await page.getByText(/Rang 12 de l.algorithme/).first().waitFor();
      await page.getByText('Détail de la grille').first().click();
      const transfers = page.getByRole('row', { name: /Transferts/ }).first();
      assert.match(await transfers.innerText(), /B\s+spontanément, totalement/);
      await checkPage(page);

      await Promise.all([
        page.waitForURL((u) => u.pathname === personPath),
        page.getByRole('link', { name: 'Retour au dossier' }).click(),
      ]);
      await page.getByText(/^GIR 5 \(évalué le \d\d\/\d\d\/\d{4}\)$/).waitFor();
    });
  });
});

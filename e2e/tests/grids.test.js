// A Braden scale at a tablet viewport, on the demo organisation:
// a. the nurse opens a resident of Unité Les Bleuets, starts her projet personnalisé with an
//    objective, then opens « Évaluations » from the resident's page and starts a Braden,
// b. a scale with one criterion left blank is refused, naming it, and keeps what was chosen,
// c. completed (2 on every criterion), it gives 12/23, « risque élevé », on the history and on
//    the resident's summary,
// d. the evaluation is added to the projet personnalisé under the objective and shows there.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkPage, launchBrowser, startServer, withPage } from '../lib/relais.js';

const CRITERIA = ['sensory', 'moisture', 'activity', 'mobility', 'nutrition', 'friction'];

describe('Assessment grids', () => {
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

  it('infirmier fills a Braden and adds it to the projet personnalisé', async () => {
    await withPage(browser, server, { name: 'grids-1-infirmier', username: 'infirmier' }, async (page) => {
      await Promise.all([
        page.waitForURL((u) => /^\/units\/[0-9a-f-]+$/.test(u.pathname)),
        page.getByRole('link', { name: /Unité Les Bleuets/ }).click(),
      ]);
      await Promise.all([
        page.waitForURL((u) => /^\/persons\/[0-9a-f-]+$/.test(u.pathname)),
        page.locator('a.big[href^="/persons/"]').nth(3).click(),
      ]);
      const personPath = new URL(page.url()).pathname;

      // The plan the evaluation will join.
      await Promise.all([
        page.waitForURL((u) => /^\/support-plans\/[0-9a-f-]+$/.test(u.pathname) && u.searchParams.get('ok') === 'created'),
        page.getByRole('button', { name: 'Commencer un projet personnalisé' }).click(),
      ]);
      const planPath = new URL(page.url()).pathname;
      await page.locator('summary', { hasText: 'Ajouter un objectif' }).click();
      await page.locator('#objective-title').fill('Prévenir les escarres');
      await Promise.all([
        page.waitForURL((u) => u.pathname === planPath && u.searchParams.get('ok') === 'saved'),
        page.getByRole('button', { name: 'Ajouter l\'objectif' }).click(),
      ]);

      await page.goto(personPath);
      await Promise.all([
        page.waitForURL((u) => u.pathname === `${personPath}/grids`),
        page.getByRole('link', { name: 'Évaluations', exact: true }).click(),
      ]);
      await Promise.all([
        page.waitForURL((u) => u.pathname === `${personPath}/grids/braden/new`),
        page.getByRole('link', { name: 'Évaluer : Échelle de Braden' }).click(),
      ]);
      await page.getByRole('heading', { name: 'Nouvelle évaluation — Échelle de Braden', level: 1 }).waitFor();
      await checkPage(page);

      const choose = (criterion, label) =>
        page.getByRole('group', { name: criterion }).getByLabel(label).check();
      await choose('Perception sensorielle', 'Très limitée');
      await choose('Humidité', 'Très humide');
      await choose('Activité', 'Confiné au fauteuil');
      await choose('Mobilité', 'Très limitée');
      await choose('Nutrition', 'Probablement inadéquate');
      // Frottements et cisaillement forgotten: refused, named, nothing lost.
      await Promise.all([
        page.waitForResponse((r) => r.url().endsWith(`${personPath}/grids/braden`) && r.status() === 422),
        page.getByRole('button', { name: 'Enregistrer et calculer le score' }).click(),
      ]);
      const errors = page.getByRole('alert');
      await errors.getByText(/Frottements et cisaillement : réponse obligatoire/).waitFor();
      for (const c of CRITERIA.slice(0, 5)) {
        assert.equal(await page.locator(`input[name="i_${c}"][value="2"]`).isChecked(), true, `${c} is kept`);
      }

      await choose('Frottements et cisaillement', 'Problème potentiel');
      await Promise.all([
        page.waitForURL((u) => u.pathname === `${personPath}/grids/braden` && u.searchParams.has('ok')),
        page.getByRole('button', { name: 'Enregistrer et calculer le score' }).click(),
      ]);
      await page.getByRole('heading', { name: /^Score de Braden 12\/23 — risque élevé/, level: 2 }).waitFor();
      const detail = page.getByRole('row', { name: /Perception sensorielle/ }).first();
      assert.match(await detail.innerText(), /Très limitée\s+2 pts/);
      await checkPage(page);

      await page.getByLabel('Ajouter au projet personnalisé').selectOption({ label: 'Objectif : Prévenir les escarres' });
      await Promise.all([
        page.waitForURL((u) => u.pathname === planPath && u.searchParams.get('ok') === 'assessment'),
        page.getByRole('button', { name: 'Ajouter au projet personnalisé' }).click(),
      ]);
      await page.getByText('Évaluation ajoutée au projet personnalisé.').waitFor();
      const objective = page.locator('article.objective', { hasText: 'Prévenir les escarres' });
      const link = objective.getByRole('link', { name: 'Braden 12/23 — risque élevé' });
      await link.waitFor();
      await checkPage(page);
      await Promise.all([
        page.waitForURL((u) => u.pathname === `${personPath}/grids/braden`),
        link.click(),
      ]);

      await page.goto(personPath);
      await page.getByText(/^Braden 12\/23 — risque élevé, le \d\d\/\d\d\/\d{4}$/).waitFor();
    });
  });
});

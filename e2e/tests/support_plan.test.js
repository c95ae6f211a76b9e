// A projet personnalisé at a tablet viewport, on the demo organisation:
// a. the nurse opens a resident of Unité Les Bleuets and starts the plan from the resident's page,
// b. writes the expectations (the person's and her relatives', apart), the needs and the review
//    date, two objectives (one with a referent and a deadline) and an action,
// c. validates the plan (version 1) and puts it in progress,
// d. starts a review (version 2): validating before both objectives are evaluated is refused,
//    then each is evaluated and the review validated,
// e. prints the reviewed plan: the PDF (read back with pdftotext) carries version 2, both
//    objectives with their evaluations, and no INS (the demo identity is not qualified); the
//    easy-to-read form speaks plainly,
// f. version 1 stays readable, unchanged, without the evaluations.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPage, launchBrowser, startServer, withPage } from '../lib/relais.js';

/** A date `days` from today, as typed in forms (JJ/MM/AAAA). */
function inDays(days) {
  const d = new Date(Date.now() + days * 86_400_000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${pad(d.getDate())}/${pad(d.getMonth() + 1)}/${d.getFullYear()}`;
}

/** The text of a PDF as Debian's pdftotext (poppler-utils) reads it, whitespace collapsed. */
function pdfText(bytes) {
  const dir = mkdtempSync(join(tmpdir(), 'relais-plan-'));
  try {
    const file = join(dir, 'plan.pdf');
    writeFileSync(file, bytes);
    const out = spawnSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
    assert.equal(out.status, 0, `pdftotext: ${out.error ?? out.stderr}`);
    return out.stdout.split(/\s+/).join(' ');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('Projet personnalisé', () => {
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

  it('infirmier writes a plan with two objectives, validates it and reviews it', async () => {
    await withPage(browser, server, { name: 'support-plan-1-infirmier', username: 'infirmier' }, async (page) => {
      await Promise.all([
        page.waitForURL((u) => /^\/units\/[0-9a-f-]+$/.test(u.pathname)),
        page.getByRole('link', { name: /Unité Les Bleuets/ }).click(),
      ]);
      await Promise.all([
        page.waitForURL((u) => /^\/persons\/[0-9a-f-]+$/.test(u.pathname)),
        page.locator('a.big[href^="/persons/"]').nth(2).click(),
      ]);
      const personPath = new URL(page.url()).pathname;
      await page.getByText('Aucun projet personnalisé.').waitFor();
      await Promise.all([
        page.waitForURL((u) => /^\/support-plans\/[0-9a-f-]+$/.test(u.pathname) && u.searchParams.get('ok') === 'created'),
        page.getByRole('button', { name: 'Commencer un projet personnalisé' }).click(),
      ]);
      const planPath = new URL(page.url()).pathname;
      await page.getByRole('heading', { name: /Statut : Brouillon/ }).waitFor();

      await page.getByLabel('Attentes de la personne').fill('Je veux continuer à aller au jardin');
      await page.getByLabel('Attentes des proches').fill('Sa fille souhaite qu\'elle mange mieux');
      await page.getByLabel('Besoins évalués').fill('Aide à la marche\nSurveillance de l\'alimentation');
      await page.getByLabel('Date de révision (JJ/MM/AAAA)').fill(inDays(180));
      await Promise.all([
        page.waitForURL((u) => u.pathname === planPath && u.searchParams.get('ok') === 'saved'),
        page.getByRole('button', { name: 'Enregistrer les attentes et besoins' }).click(),
      ]);
      assert.equal(await page.getByLabel('Attentes de la personne').inputValue(), 'Je veux continuer à aller au jardin');

      const addObjective = async (title, withReferent) => {
        await page.locator('summary', { hasText: 'Ajouter un objectif' }).click();
        await page.locator('#objective-title').fill(title);
        if (withReferent) {
          await page.locator('#referent').selectOption({ index: 1 });
          await page.locator('#deadline').fill(inDays(90));
          await page.locator('#indicators').fill('Trois sorties par semaine');
        }
        await Promise.all([
          page.waitForURL((u) => u.pathname === planPath && u.searchParams.get('ok') === 'saved'),
          page.getByRole('button', { name: 'Ajouter l\'objectif' }).click(),
        ]);
        await page.getByRole('link', { name: title }).waitFor();
      };
      await addObjective('Marcher jusqu\'au jardin', true);
      await addObjective('Reprendre du poids', false);

      const first = page.locator('article.objective').first();
      await first.locator('summary', { hasText: 'Ajouter une action' }).click();
      await first.locator('select[name="performer"]').selectOption('profile:care_aide');
      await first.getByLabel('Action').fill('Accompagner au jardin');
      await first.getByLabel('Fréquence').fill('chaque après-midi');
      await Promise.all([
        page.waitForURL((u) => u.pathname === planPath && u.searchParams.get('ok') === 'saved'),
        first.getByRole('button', { name: 'Ajouter l\'action' }).click(),
      ]);
      const row = page.locator('article.objective').first().getByRole('row', { name: /Accompagner au jardin/ });
      assert.match(await row.innerText(), /Aide-soignant\s+Accompagner au jardin\s+chaque après-midi/);
      await checkPage(page);

      const move = async (button, status) => {
        await Promise.all([
          page.waitForURL((u) => u.pathname === planPath && u.searchParams.get('ok') === 'moved'),
          page.getByRole('button', { name: button }).click(),
        ]);
        await page.getByRole('heading', { name: new RegExp(`Statut : ${status}`) }).waitFor();
      };
      await move('Valider le projet', 'Validé');
      assert.equal(await page.getByRole('button', { name: 'Ajouter l\'objectif' }).count(), 0, 'version 1 is frozen');
      await move('Mettre en œuvre', 'En cours');
      await move('Réviser le projet', 'En révision');
      await page.getByRole('heading', { name: /version 2/, level: 1 }).waitFor();
      await page.getByRole('heading', { name: 'Évaluation des objectifs de la version 1' }).waitFor();
      await checkPage(page);

      // Not every objective evaluated: refused, said in French.
      await Promise.all([
        page.waitForResponse((r) => r.url().endsWith(`${planPath}/status`) && r.status() === 422),
        page.getByRole('button', { name: 'Valider le projet' }).click(),
      ]);
      await page.getByRole('alert').getByText(/évaluez chaque objectif avant de valider la révision/).waitFor();

      const evaluate = async (index, outcome, comment) => {
        const form = page.locator('form.evaluation').nth(index);
        await form.locator('select[name="outcome"]').selectOption(outcome);
        await form.locator('textarea[name="evaluation_comment"]').fill(comment);
        await Promise.all([
          page.waitForURL((u) => u.pathname === planPath && u.searchParams.get('ok') === 'evaluated'),
          form.getByRole('button', { name: 'Enregistrer l\'évaluation' }).click(),
        ]);
      };
      await evaluate(0, 'achieved', 'Sort au jardin chaque jour');
      await evaluate(1, 'partly', 'Poids stable');
      await move('Valider le projet', 'Validé');
      const evaluations = page.locator('section', { has: page.getByRole('heading', { name: 'Évaluations de la révision' }) });
      const text = await evaluations.innerText();
      assert.match(text, /Marcher jusqu.au jardin\s+Atteint\s+Sort au jardin chaque jour/);
      assert.match(text, /Reprendre du poids\s+Partiellement atteint\s+Poids stable/);
      await checkPage(page);

      // Printed: the link opens the PDF of the current version.
      const print = page.getByRole('link', { name: 'Imprimer le projet (PDF)' });
      const href = await print.getAttribute('href');
      assert.equal(href, `${planPath}/print`);
      const res = await page.request.get(href);
      assert.equal(res.status(), 200);
      assert.equal(res.headers()['content-type'], 'application/pdf');
      const printed = pdfText(await res.body());
      for (const expected of [
        'Projet personnalisé d\'accompagnement',
        'Version 2 — Validé',
        'Je veux continuer à aller au jardin',
        'Marcher jusqu\'au jardin',
        'Reprendre du poids',
        'Atteint — Sort au jardin chaque jour',
        'Partiellement atteint — Poids stable',
        'Accompagner au jardin',
      ]) {
        assert.ok(printed.includes(expected), `« ${expected} » missing from the printed plan: ${printed}`);
      }
      assert.ok(!printed.includes('INS :'), 'no INS for an identity that is not qualified');
      const easyHref = await page.getByRole('link', { name: 'Version facile à lire (PDF)' }).getAttribute('href');
      const easy = pdfText(await (await page.request.get(easyHref)).body());
      assert.ok(easy.includes('Mon projet') && easy.includes('Marcher jusqu'), easy);
      assert.ok(!easy.includes('Échéance'), 'no jargon in the easy-to-read form');

      await Promise.all([
        page.waitForURL((u) => u.pathname === planPath && u.searchParams.get('version') === '1'),
        page.getByRole('link', { name: 'Version 1' }).click(),
      ]);
      await page.getByText(/version antérieure, en lecture seule/).waitFor();
      assert.equal(await page.getByRole('heading', { name: 'Évaluations de la révision' }).count(), 0);
      await page.getByText('Je veux continuer à aller au jardin').waitFor();

      await Promise.all([
        page.waitForURL((u) => u.pathname === personPath),
        page.getByRole('link', { name: 'Retour au dossier' }).click(),
      ]);
      await page.getByRole('link', { name: /Validé — version 2/ }).waitFor();
    });
  });
});

// A contrat de séjour at a tablet viewport, on the demo organisation:
// a. the secretary opens a resident of Unité Les Bleuets and, from the person's page, the contracts,
// b. "Générer le contrat de séjour" files the PDF in the record, to sign,
// c. the PDF preview answers with a PDF,
// d. "Signé le … par …" records the representative's signature, and the contract reads as signed.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkPage, launchBrowser, startServer, withPage } from '../lib/relais.js';

describe('contracts: generate, preview, sign', () => {
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

  it('the secretary generates a contrat de séjour and records its signature', async () => {
    await withPage(browser, server, { name: 'contracts-1-secretariat', username: 'secretariat' }, async (page) => {
      await Promise.all([
        page.waitForURL((u) => /^\/units\/[0-9a-f-]+$/.test(u.pathname)),
        page.getByRole('link', { name: /Unité Les Bleuets/ }).first().click(),
      ]);
      await Promise.all([
        page.waitForURL((u) => /^\/persons\/[0-9a-f-]+$/.test(u.pathname)),
        page.locator('a.big[href^="/persons/"]').nth(2).click(),
      ]);
      const personPath = new URL(page.url()).pathname;
      await page.getByRole('heading', { name: 'Contrats', level: 2 }).waitFor();
      await Promise.all([
        page.waitForURL((u) => u.pathname === `${personPath}/contracts`),
        page.getByRole('link', { name: 'Contrats et signatures' }).click(),
      ]);
      await checkPage(page);
      await Promise.all([
        page.waitForURL((u) => u.pathname === `${personPath}/contracts`),
        page.getByRole('button', { name: 'Générer le contrat de séjour' }).click(),
      ]);
      await page.getByText('Document établi et classé dans le dossier').waitFor();
      const contract = page.getByRole('article', { name: 'Contrat de séjour' });
      await contract.getByText('À signer').waitFor();
      await checkPage(page);

      const preview = await contract.getByRole('link', { name: 'Aperçu' }).getAttribute('href');
      const res = await page.request.get(preview);
      assert.equal(res.status(), 200);
      assert.equal(res.headers()['content-type'], 'application/pdf');
      assert.ok((await res.body()).subarray(0, 5).equals(Buffer.from('%PDF-')));

      await contract.getByLabel('Signé par le représentant légal').check();
      await Promise.all([
        page.waitForURL((u) => u.pathname === `${personPath}/contracts`),
        contract.getByRole('button', { name: 'Enregistrer' }).click(),
      ]);
      await page.getByText('Signature enregistrée.').waitFor();
      const signed = page.getByRole('article', { name: 'Contrat de séjour' });
      await signed.getByText(/signé le \d\d\/\d\d\/\d{4} par le représentant légal/).waitFor();
      await checkPage(page);
    });
  });
});

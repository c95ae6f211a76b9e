// a. Second factor: enrol TOTP as `infirmier`, log out, log in again through /login/totp.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkPage,
  freshTotp,
  launchBrowser,
  login,
  startServer,
  withPage,
} from '../lib/relais.js';

describe('login with a second factor (TOTP)', () => {
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

  it('enrols TOTP, logs out, then logs in again with a fresh code', () =>
    // First login (in withPage): no second factor yet, straight to the home page.
    withPage(browser, server, { name: 'totp-infirmier', username: 'infirmier' }, async (page) => {
      // Enrolment page: QR code and the secret for manual entry.
      await page.goto('/account/totp');
      await page.getByRole('heading', { name: 'Activer la double authentification' }).waitFor();
      assert.equal(await page.locator('.qr svg').count(), 1, 'the QR code is an inline SVG');
      const secret = (await page.locator('#totp-secret').innerText()).trim();
      assert.match(secret, /^[A-Z2-7]+=*$/, 'the secret is base32');
      await checkPage(page);

      // A wrong code is refused with a French message and the page stays usable.
      await page.getByLabel('Code à 6 chiffres').fill('000000');
      await page.getByRole('button', { name: 'Activer' }).click();
      await page.getByRole('alert').filter({ hasText: /code incorrect/i }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/account/totp');

      // The pending secret is kept until confirmed: the page shows the same one again.
      const secret2 = (await page.locator('#totp-secret').innerText()).trim();
      assert.equal(secret2, secret);
      const enrol = await freshTotp(secret2);
      await page.getByLabel('Code à 6 chiffres').fill(enrol.code);
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/'),
        page.getByRole('button', { name: 'Activer' }).click(),
      ]);
      await page.getByRole('heading', { name: 'Mes unités' }).waitFor();

      // Log out.
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/login'),
        page.getByRole('button', { name: 'Se déconnecter' }).click(),
      ]);
      await page.getByRole('heading', { name: 'Connexion' }).waitFor();

      // Log in again: the password now leads to the code page.
      await login(page, server, 'infirmier');
      assert.equal(new URL(page.url()).pathname, '/login/totp');
      await page.getByRole('heading', { name: 'Code de vérification' }).waitFor();
      await checkPage(page);
      const codeField = page.getByLabel("Code à 6 chiffres affiché par votre application d'authentification");

      // The code used for the enrolment is not accepted a second time.
      await codeField.fill(enrol.code);
      await page.getByRole('button', { name: 'Valider' }).click();
      await page.getByRole('alert').filter({ hasText: 'Code incorrect ou déjà utilisé.' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/login/totp');

      // A code of a later step (waits for the next 30-second step) lets us in.
      const fresh = await freshTotp(secret2, { afterStep: enrol.step });
      await codeField.fill(fresh.code);
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/'),
        page.getByRole('button', { name: 'Valider' }).click(),
      ]);
      await page.getByRole('heading', { name: 'Mes unités' }).waitFor();
      await page.getByRole('link', { name: /Unité Les Bleuets/ }).waitFor();
      await checkPage(page);
    }));
});

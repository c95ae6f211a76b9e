// Identity vigilance at a tablet viewport, on the demo organisation and its local INSi:
// a. the secretariat types an identity that already exists: the close identity is shown first;
// b. she asks INSi for the existing one, compares the traits side by side and accepts them;
// c. a checked identity card then makes the identity qualified, and its INS appears;
// d. the identity-vigilance referent finds her work queue.
// The steps share one server and run in order.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkPage, launchBrowser, startServer, withPage } from '../lib/relais.js';

describe('identity vigilance: duplicates, INSi, qualification', () => {
  let server;
  let browser;
  let existingPath; // /persons/{uuid} of the demo's TCHITCHI Catarina

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
    withPage(browser, server, { name: `identity-${++step}-${username}`, username }, fn);

  it('typing an identity that exists shows it before anything is created', async () => {
    await asUser('secretariat', async (page) => {
      await page.goto('/persons/new');
      await page.getByLabel('Établissement').selectOption({ label: 'EHPAD Les Tilleuls' });
      await page.getByLabel('Nom de naissance').fill('Tchitchy');
      await page.getByLabel('Prénoms de naissance').fill('Catarina');
      await page.getByLabel('Date de naissance').fill('21/06/1936');
      await page.getByLabel('Sexe').selectOption('F');
      const [res] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/persons'),
        page.getByRole('button', { name: "Enregistrer l'identité" }).click(),
      ]);
      assert.equal(res.status(), 409);
      await page.waitForLoadState('domcontentloaded');
      const warning = page.locator('#doublons');
      await warning.waitFor();
      assert.match(await warning.innerText(), /très proche/);
      const link = warning.getByRole('link', { name: /TCHITCHI Catarina/ });
      existingPath = await link.getAttribute('href');
      assert.match(existingPath, /^\/persons\/[0-9a-f-]{36}$/);
      assert.equal(await page.getByLabel('Nom de naissance').inputValue(), 'Tchitchy', 'typed values are kept');
      await checkPage(page);
    });
  });

  it('INSi is asked, its traits compared side by side, and accepted', async () => {
    await asUser('secretariat', async (page) => {
      await page.goto(existingPath);
      await Promise.all([
        page.waitForURL((u) => u.pathname.endsWith('/identity')),
        page.getByRole('link', { name: /Identité, justificatifs et INSi/ }).click(),
      ]);
      await page.getByText('Identité provisoire').first().waitFor();
      await checkPage(page);
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('ok') === 'insi'),
        page.getByRole('button', { name: 'Interroger INSi' }).click(),
      ]);
      const table = page.locator('table.compare');
      await table.waitFor();
      const text = await table.innerText();
      assert.match(text, /CATARINA BELLA/, 'INSi returns every birth first name');
      assert.match(text, /compatible/);
      assert.doesNotMatch(text, /différent/);
      await checkPage(page);
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('ok') === 'insi-accepted'),
        page.getByRole('button', { name: /Accepter l'identité INSi/ }).click(),
      ]);
      const banner = page.getByRole('region', { name: 'Identité de la personne' });
      assert.match(await banner.innerText(), /Identité récupérée/);
      assert.doesNotMatch(await banner.innerText(), /INS :/, 'no INS shown before qualification');
    });
  });

  it('a checked identity card qualifies the identity: its INS is shown', async () => {
    await asUser('secretariat', async (page) => {
      await page.goto(`${existingPath}/identity`);
      await page.getByLabel('Type de justificatif').selectOption('CNI');
      await page.getByLabel('Numéro du justificatif').fill('X4RTBPFW4');
      await page.getByLabel("Date d'expiration (JJ/MM/AAAA)").fill('01/01/2032');
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('ok') === 'evidence'),
        page.getByRole('button', { name: "J'ai contrôlé ce justificatif" }).click(),
      ]);
      const banner = page.getByRole('region', { name: 'Identité de la personne' });
      assert.match(await banner.innerText(), /Identité qualifiée/);
      assert.match(await banner.innerText(), /INS :\s*236066322083656/);
      await checkPage(page);
    });
  });

  it('registered anyway, the duplicate goes to the referent, who merges it into the qualified identity', async () => {
    let duplicatePath;
    await asUser('secretariat', async (page) => {
      await page.goto('/persons/new');
      await page.getByLabel('Établissement').selectOption({ label: 'EHPAD Les Tilleuls' });
      await page.getByLabel('Nom de naissance').fill('Tchitchy');
      await page.getByLabel('Prénoms de naissance').fill('Catarina');
      await page.getByLabel('Date de naissance').fill('21/06/1936');
      await page.getByLabel('Sexe').selectOption('F');
      await page.getByRole('button', { name: "Enregistrer l'identité" }).click();
      await page.locator('#doublons').waitFor();
      await page.getByLabel(/il s'agit d'une autre personne/).check();
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('ok') === 'created'),
        page.getByRole('button', { name: "Enregistrer l'identité" }).click(),
      ]);
      duplicatePath = new URL(page.url()).pathname;
      const banner = page.getByRole('region', { name: 'Identité de la personne' });
      assert.match(await banner.innerText(), /Doublon suspecté/);
    });
    await asUser('referent.identito', async (page) => {
      await page.goto('/identity/queue');
      const dup = page.getByRole('region', { name: /Doublons suspectés/ }).getByRole('link', { name: /TCHITCHY/ });
      assert.equal(await dup.getAttribute('href'), `${duplicatePath}/identity`);
      await page.goto(`${existingPath}/identity`);
      const candidate = page.locator('#t-duplicates ~ ul li').filter({ hasText: 'TCHITCHY' });
      await candidate.getByLabel('Motif de la fusion').fill('même personne : CNI vérifiée');
      await checkPage(page);
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('ok') === 'merged'),
        candidate.getByRole('button', { name: /fusionner son dossier dans celui-ci/ }).click(),
      ]);
      await page.goto(`${duplicatePath}/identity`);
      await page.getByText('Identité fusionnée').first().waitFor();
      assert.equal(await page.getByRole('link', { name: "l'identité conservée" }).getAttribute('href'), existingPath);
    });
  });

  it('the referent finds the identity-vigilance queue', async () => {
    await asUser('referent.identito', async (page) => {
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/identity/queue'),
        page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Identitovigilance' }).click(),
      ]);
      await page.getByRole('heading', { name: /Identités à qualifier/ }).waitFor();
      const queue = await page.locator('main').innerText();
      assert.doesNotMatch(queue, /TCHITCHI CATARINA BELLA/, 'the qualified identity has left the queue');
      assert.match(queue, /ECETINSI/);
    });
  });
});

// b. Register and search a person (accents, impossible date),
// c. admit her and write a note that reaches the unit's logbook,
// d. another establishment's staff gets 404 and finds nothing.
// The steps share one server and run in order: each builds on the previous one.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkPage,
  launchBrowser,
  searchPersons,
  startServer,
  uniqueMarker,
  withPage,
} from '../lib/relais.js';

const PERSON = {
  establishment: 'EHPAD Les Tilleuls',
  birthName: 'Lefèvre-Ménard',
  firstNames: 'Zoé Anaïs',
  birthDate: '14/07/1941',
  sex: 'F',
  birthplace: '63220',
};
const UNIT_TARGET = 'EHPAD Les Tilleuls — Unité Les Bleuets';
// How the person shows in lists and in the banner: birth name then first first name.
const PERSON_LINK = /Lefèvre-Ménard Zoé/i;

describe('persons: register, search, admit, note, scope', () => {
  let server;
  let browser;
  let personPath; // /persons/{uuid}

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Runs `fn(page)` logged in as `username` in a fresh context (own session). */
  let step = 0;
  const asUser = (username, fn) =>
    withPage(browser, server, { name: `persons-${++step}-${username}`, username }, fn);

  it('secretariat registers a person with an accented name, and finds her without accents', async () => {
    await asUser('secretariat', async (page) => {
      await checkPage(page);
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/persons/new'),
        page.getByRole('link', { name: 'Enregistrer une nouvelle personne' }).click(),
      ]);
      await page.getByRole('heading', { name: 'Nouvelle personne' }).waitFor();
      await checkPage(page);

      const fill = async (birthDate) => {
        await page.getByLabel('Établissement').selectOption({ label: PERSON.establishment });
        await page.getByLabel('Nom de naissance').fill(PERSON.birthName);
        await page.getByLabel('Prénoms de naissance').fill(PERSON.firstNames);
        await page.getByLabel('Date de naissance').fill(birthDate);
        await page.getByLabel('Sexe').selectOption(PERSON.sex);
        await page.getByLabel('Lieu de naissance').fill(PERSON.birthplace);
      };
      const submit = page.getByRole('button', { name: "Enregistrer l'identité" });

      // An impossible date: the form comes back with the typed values and a French error.
      await fill('31/02/1941');
      const [invalid] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/persons'),
        submit.click(),
      ]);
      assert.equal(invalid.status(), 422);
      await page.waitForLoadState('domcontentloaded');
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.match(await alert.innerText(), /Le formulaire contient 1 erreur/);
      const dateError = page.locator('#birth_date ~ .field-error');
      assert.match(await dateError.innerText(), /cette date n'existe pas dans le calendrier/);
      assert.equal(await page.getByLabel('Date de naissance').inputValue(), '31/02/1941');
      assert.equal(await page.getByLabel('Nom de naissance').inputValue(), PERSON.birthName);
      assert.equal(await page.getByLabel('Prénoms de naissance').inputValue(), PERSON.firstNames);
      assert.equal(await page.getByLabel('Sexe').inputValue(), PERSON.sex);
      assert.equal(await page.getByLabel('Lieu de naissance').inputValue(), PERSON.birthplace);
      assert.equal(
        await page.getByLabel('Établissement').locator('option:checked').innerText(),
        PERSON.establishment,
      );
      await checkPage(page);

      // Corrected date: the identity is recorded and her page opens.
      await page.getByLabel('Date de naissance').fill(PERSON.birthDate);
      await Promise.all([
        page.waitForURL((u) => /^\/persons\/[0-9a-f-]{36}$/.test(u.pathname)),
        submit.click(),
      ]);
      personPath = new URL(page.url()).pathname;
      await page.getByRole('status').filter({ hasText: 'Identité enregistrée (statut provisoire).' }).waitFor();
      const banner = page.getByRole('region', { name: 'Identité de la personne' });
      assert.match(await banner.innerText(), PERSON_LINK);
      assert.match(await banner.innerText(), /Née le\s+14\/07\/1941/);
      await checkPage(page);

      // Search without accent, in lower case.
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/persons'),
        page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Personnes' }).click(),
      ]);
      const results = await searchPersons(page, 'lefevre');
      const hit = results.getByRole('link', { name: PERSON_LINK });
      assert.equal(await hit.count(), 1, 'the accentless lower-case search finds her');
      assert.equal(await hit.getAttribute('href'), personPath);
      await checkPage(page);
      await Promise.all([page.waitForURL((u) => u.pathname === personPath), hit.click()]);
      await page.getByRole('region', { name: 'Identité de la personne' }).waitFor();
    });
  });

  it('secretariat admits her to Unité Les Bleuets', async () => {
    assert.ok(personPath, 'the registration step must have run');
    await asUser('secretariat', async (page) => {
      await page.goto(personPath);
      await page.getByRole('heading', { name: 'Séjours' }).waitFor();
      assert.ok(await page.getByText('Aucun séjour.').isVisible());

      await page.locator('summary').filter({ hasText: /^Admettre$/ }).click();
      const target = page.getByLabel('Établissement et unité');
      await target.waitFor({ state: 'visible' });
      await checkPage(page);
      await target.selectOption({ label: UNIT_TARGET });
      await page.getByLabel('Mode de prise en charge').selectOption({ label: 'Hébergement permanent' });
      const start = await page.getByLabel("Date d'admission").inputValue();
      assert.match(start, /^\d{2}\/\d{2}\/\d{4}$/, "the admission date defaults to today's date");
      await Promise.all([
        page.waitForURL((u) => u.pathname === personPath && u.searchParams.get('ok') === 'admitted'),
        page.getByRole('button', { name: 'Admettre', exact: true }).click(),
      ]);
      await page.getByRole('status').filter({ hasText: 'Admission enregistrée.' }).waitFor();
      const row = page.getByRole('row').filter({ hasText: UNIT_TARGET });
      await row.waitFor();
      assert.match(await row.innerText(), /Hébergement permanent/);
      assert.match(await row.innerText(), new RegExp(start.replace(/\//g, '\\/')));
      assert.match(await row.innerText(), /en cours/);
      await checkPage(page);
    });
  });

  it("aide.soignante writes a note that shows on the person's page and in the unit's logbook", async () => {
    assert.ok(personPath, 'the registration step must have run');
    const marker = uniqueMarker('e2e-note');
    const text = `Toilette faite, ${marker}. Bonne humeur, a mangé la moitié du repas.`;
    await asUser('aide.soignante', async (page) => {
      // Find her through the search on the home page.
      await page.getByLabel('Rechercher une personne').fill('Lefèvre-Ménard');
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/persons'),
        page.getByRole('button', { name: 'Rechercher' }).click(),
      ]);
      const hit = page.getByRole('link', { name: PERSON_LINK });
      assert.match(
        await page.locator('#resultats li').filter({ has: hit }).innerText(),
        /Unité Les Bleuets/,
        'the result names her current unit',
      );
      await Promise.all([page.waitForURL((u) => u.pathname === personPath), hit.click()]);

      // Write the note.
      await page.getByRole('heading', { name: 'Nouvelle transmission' }).waitFor();
      await checkPage(page);
      await page.getByLabel('Catégorie').selectOption({ label: 'Soins' });
      await page.locator('#text').fill(text);
      await Promise.all([
        page.waitForURL((u) => u.pathname === personPath && u.searchParams.get('ok') === 'note'),
        page.getByRole('button', { name: 'Enregistrer la transmission' }).click(),
      ]);
      await page.getByRole('status').filter({ hasText: 'Transmission enregistrée.' }).waitFor();
      const note = page.locator('article.note').filter({ hasText: marker });
      assert.equal(await note.count(), 1, 'the note shows once on the person page');
      assert.match(await note.locator('.meta').innerText(), /Julie Caron|Caron/);
      assert.equal((await note.locator('.tag').innerText()).trim(), 'Soins');
      assert.equal((await note.locator('p.pre').innerText()).trim(), text);
      await checkPage(page);

      // Home page, then the unit: her note is in the logbook.
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/'),
        page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Accueil' }).click(),
      ]);
      await page.getByRole('heading', { name: 'Mes unités' }).waitFor();
      await Promise.all([
        page.waitForURL((u) => /^\/units\/[0-9a-f-]+$/.test(u.pathname)),
        page.getByRole('link', { name: /Unité Les Bleuets/ }).click(),
      ]);
      await page.getByRole('heading', { name: /Unité Les Bleuets/, level: 1 }).waitFor();
      const residents = page.getByRole('region', { name: /Personnes accompagnées/ });
      await residents.getByRole('link', { name: PERSON_LINK }).waitFor();
      const logbook = page.getByRole('region', { name: 'Cahier de liaison' });
      const entry = logbook.locator('article.note').filter({ hasText: marker });
      assert.equal(await entry.count(), 1, 'the note shows once in the unit logbook');
      assert.equal(await entry.getByRole('link', { name: PERSON_LINK }).getAttribute('href'), personPath);
      assert.equal((await entry.locator('.tag').innerText()).trim(), 'Soins');
      await checkPage(page);
    });
  });

  it('educateur (IME only) gets 404 on her page and finds nothing when searching her', async () => {
    assert.ok(personPath, 'the registration step must have run');
    await asUser('educateur', async (page) => {
      const response = await page.goto(personPath);
      assert.equal(response.status(), 404);
      await page.getByRole('heading', { name: 'Introuvable' }).waitFor();
      assert.equal(await page.getByText('Lefèvre-Ménard', { exact: false }).count(), 0);
      assert.equal(await page.getByText('Zoé').count(), 0);

      // Search her full birth name: nothing in this account's scope.
      await page.goto('/persons');
      await checkPage(page);
      let results = await searchPersons(page, 'lefevre-menard');
      assert.equal(await results.getByText('Aucune personne trouvée dans votre périmètre.').count(), 1);
      assert.equal(await results.locator('a').count(), 0);

      // The plain accentless search may list IME people named Lefèvre, but never her.
      results = await searchPersons(page, 'lefevre');
      assert.equal(await results.locator(`a[href="${personPath}"]`).count(), 0);
      assert.equal(await results.getByRole('link', { name: PERSON_LINK }).count(), 0);
    });
  });
});

// Admission requests at a tablet viewport, on the demo organisation:
// a. the secretary registers a new person and records an MDPH admission request,
// b. the request shows on the establishment's waiting list,
// c. it is studied, a visit is planned, a refusal without reason is refused, it is accepted,
// d. "Admettre" opens the stay, and the waiting list no longer shows the request.
// The steps share one server and run in order.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkPage, launchBrowser, startServer, withPage } from '../lib/relais.js';

const ESTABLISHMENT = 'EHPAD Les Tilleuls';
const TARGET = 'EHPAD Les Tilleuls — Unité Les Coquelicots';
const PERSON_NAME = /VERNIER-ADMISSION Odette/;

describe('admission: request, waiting list, workflow, stay', () => {
  let server;
  let browser;
  let personPath; // /persons/{uuid}
  let requestPath; // /admissions/{uuid}

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  let step = 0;
  const asSecretary = (fn) =>
    withPage(browser, server, { name: `admission-${++step}-secretariat`, username: 'secretariat' }, fn);

  const openWaitingList = async (page) => {
    await page.goto('/');
    await Promise.all([
      page.waitForURL((u) => /^\/establishments\/[0-9a-f-]+\/admissions$/.test(u.pathname)),
      page.getByRole('link', { name: `Liste d'attente — ${ESTABLISHMENT}` }).click(),
    ]);
    await page.getByRole('heading', { name: /Liste d'attente/, level: 1 }).waitFor();
    await checkPage(page);
  };

  it('the secretary registers a person and records an MDPH request', async () => {
    await asSecretary(async (page) => {
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/persons/new'),
        page.getByRole('link', { name: 'Enregistrer une nouvelle personne' }).click(),
      ]);
      await page.getByLabel('Établissement').selectOption({ label: ESTABLISHMENT });
      await page.getByLabel('Nom de naissance').fill('Vernier-Admission');
      await page.getByLabel('Prénoms de naissance').fill('Odette');
      await page.getByLabel('Date de naissance').fill('09/05/1939');
      await page.getByLabel('Sexe').selectOption('F');
      await page.getByLabel('Lieu de naissance').fill('63220');
      await Promise.all([
        page.waitForURL((u) => /^\/persons\/[0-9a-f-]{36}$/.test(u.pathname)),
        page.getByRole('button', { name: "Enregistrer l'identité" }).click(),
      ]);
      personPath = new URL(page.url()).pathname;
      await page.getByRole('heading', { name: "Demandes d'admission" }).waitFor();
      assert.ok(await page.getByText("Aucune demande d'admission.").isVisible());

      await page.locator('summary').filter({ hasText: /^Nouvelle demande$/ }).click();
      const target = page.getByLabel('Accueil demandé (établissement, unité)');
      await target.waitFor({ state: 'visible' });
      await checkPage(page);
      await target.selectOption({ label: TARGET });
      await page.getByLabel("Type d'accueil demandé").selectOption({ label: 'Hébergement permanent' });
      await page.getByLabel('Priorité').selectOption({ label: 'Urgente' });
      await page.getByLabel('Origine de la demande').selectOption({ label: "Notification d'orientation MDPH" });
      await page.getByLabel('Notification MDPH : numéro').fill('CDAPH-63-2026-118');
      await page.getByLabel('Notification MDPH : fin de validité (JJ/MM/AAAA)').fill('31/12/2031');
      await page.getByLabel('Pièces reçues').fill("Dossier unique d'admission\nNotification MDPH");
      await Promise.all([
        page.waitForURL(
          (u) => /^\/admissions\/[0-9a-f-]{36}$/.test(u.pathname) && u.searchParams.get('ok') === 'created',
        ),
        page.getByRole('button', { name: 'Enregistrer la demande' }).click(),
      ]);
      requestPath = new URL(page.url()).pathname;
      await page.getByRole('status').filter({ hasText: "Demande d'admission enregistrée" }).waitFor();
      await page.getByRole('heading', { name: /Statut : Reçue/ }).waitFor();
      await page.getByText("MDPH n° CDAPH-63-2026-118, valable jusqu'au 31/12/2031").waitFor();
      await checkPage(page);
    });
  });

  it('the request is on the waiting list, urgent', async () => {
    assert.ok(requestPath, 'the request step must have run');
    await asSecretary(async (page) => {
      await openWaitingList(page);
      const row = page.getByRole('row').filter({ hasText: PERSON_NAME });
      await row.waitFor();
      const text = await row.innerText();
      assert.match(text, /Urgente/);
      assert.match(text, /0 j/);
      assert.match(text, /Unité Les Coquelicots/);
      assert.match(text, /Reçue/);
      assert.equal(await row.getByRole('link').getAttribute('href'), requestPath);
    });
  });

  it('the request is studied, a visit planned, then accepted and admitted', async () => {
    assert.ok(requestPath, 'the request step must have run');
    await asSecretary(async (page) => {
      await page.goto(requestPath);
      const move = async (button, status, comment = '') => {
        if (comment) await page.getByLabel(/^Commentaire/).first().fill(comment);
        await Promise.all([
          page.waitForURL((u) => u.pathname === requestPath && u.searchParams.get('ok') === 'moved'),
          page.getByRole('button', { name: button, exact: true }).click(),
        ]);
        await page.getByRole('heading', { name: new RegExp(`Statut : ${status}`) }).waitFor();
      };
      await move("Mettre à l'étude", "En cours d'étude");
      await checkPage(page);
      await move('Prévoir une visite ou un entretien', 'Visite ou entretien prévu', 'Visite avec sa fille mardi');

      // A refusal without its reason: nothing changes, the page says why.
      const [refused] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Refuser', exact: true }).click(),
      ]);
      assert.equal(refused.status(), 422);
      await page.getByRole('alert').filter({ hasText: 'le motif est obligatoire pour un refus' }).waitFor();
      await page.getByRole('heading', { name: /Statut : Visite ou entretien prévu/ }).waitFor();
      await checkPage(page);

      await move('Accepter', 'Acceptée');
      const history = page.getByRole('region', { name: 'Historique' });
      assert.match(await history.innerText(), /Visite avec sa fille mardi/);
      const start = page.getByLabel("Date d'admission (JJ/MM/AAAA)");
      assert.match(await start.inputValue(), /^\d{2}\/\d{2}\/\d{4}$/, "the admission date defaults to today's date");
      await checkPage(page);
      await Promise.all([
        page.waitForURL((u) => u.pathname === personPath && u.searchParams.get('ok') === 'admitted'),
        page.getByRole('button', { name: 'Admettre', exact: true }).click(),
      ]);
      await page.getByRole('status').filter({ hasText: 'Admission enregistrée.' }).waitFor();
      const stay = page.getByRole('row').filter({ hasText: TARGET });
      await stay.waitFor();
      assert.match(await stay.innerText(), /Hébergement permanent/);
      assert.match(await stay.innerText(), /en cours/);
      const requests = page.getByRole('region', { name: "Demandes d'admission" });
      assert.match(await requests.innerText(), /Admise/);
      await checkPage(page);
    });
  });

  it('the admitted request has left the waiting list', async () => {
    assert.ok(personPath, 'the admission step must have run');
    await asSecretary(async (page) => {
      await openWaitingList(page);
      assert.equal(await page.getByRole('row').filter({ hasText: PERSON_NAME }).count(), 0);
    });
  });
});

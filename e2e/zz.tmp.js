import { startServer, launchBrowser, withPage } from './lib/relais.js';
const server = await startServer(); const browser = await launchBrowser();
const dupes = () => { const m = {}; for (const e of document.querySelectorAll('[id]')) m[e.id] = (m[e.id]||0)+1; return Object.entries(m).filter(([,n]) => n>1); };
try {
  let personUrl;
  await withPage(browser, server, { name: 'x', username: 'infirmier' }, async (p) => {
    await p.getByRole('link', { name: /Bleuets/ }).click(); await p.waitForLoadState();
    personUrl = await p.locator('ul.list a.big').first().getAttribute('href');
  });
  for (const u of Object.keys(server.logins)) {
    await withPage(browser, server, { name: 'x', username: u }, async (p) => {
      const r = await p.goto(personUrl);
      console.log(u, r.status(), JSON.stringify(await p.evaluate(dupes)), await p.getByLabel('Mesure').count(), await p.locator('h2').allInnerTexts());
    });
  }
} finally { await browser.close(); await server.stop(); }

// Shared helpers for the Relais browser tests: start the demo server, launch
// Debian's Chromium through playwright-core, log in (with TOTP when needed),
// check touch-target sizes.

import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const e2eDir = path.resolve(here, '..');

/** Path of the relais binary: RELAIS_BIN, else $CARGO_TARGET_DIR/debug/relais, else ../target/debug/relais. */
export function relaisBinary() {
  if (process.env.RELAIS_BIN) return path.resolve(e2eDir, process.env.RELAIS_BIN);
  if (process.env.CARGO_TARGET_DIR) {
    return path.resolve(e2eDir, '..', process.env.CARGO_TARGET_DIR, 'debug', 'relais');
  }
  return path.resolve(e2eDir, '..', 'target', 'debug', 'relais');
}

// Strips ANSI colour sequences (the tracing logs share stdout).
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');

/**
 * Starts `relais serve --demo` on a fresh temporary data dir and an ephemeral port.
 * Resolves to { url, logins: { username: { password, role } }, stop() }.
 */
export async function startServer({ timeoutMs = 60_000 } = {}) {
  const bin = relaisBinary();
  if (!existsSync(bin)) {
    throw new Error(
      `relais binary not found at ${bin}: build it with \`cargo build -p relais-server\` or set RELAIS_BIN`,
    );
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'relais-e2e-'));
  const child = spawn(bin, ['serve', '--demo', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let output = '';
  const logins = {};
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const url = await new Promise((resolve, reject) => {
    let inAccounts = false;
    let buffered = '';
    const timer = setTimeout(() => {
      reject(new Error(`relais did not start within ${timeoutMs} ms; output:\n${output}`));
    }, timeoutMs);
    const onLine = (raw) => {
      const line = stripAnsi(raw);
      if (line.startsWith('Relais — données de démonstration')) {
        inAccounts = true;
        return;
      }
      const listening = line.match(/^Relais écoute sur (http:\/\/\S+)/);
      if (listening) {
        inAccounts = false;
        clearTimeout(timer);
        resolve(listening[1].replace(/\/$/, ''));
        return;
      }
      if (inAccounts) {
        const m = line.match(/^ {2}(\S+)\s+(\S+)\s+(.+?)\s*$/);
        if (m) logins[m[1]] = { password: m[2], role: m[3] };
      }
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      output += chunk;
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        onLine(buffered.slice(0, nl).replace(/\r$/, ''));
        buffered = buffered.slice(nl + 1);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`relais exited early (code ${code}, signal ${signal}); output:\n${output}`));
    });
  });

  for (const name of ['secretariat', 'infirmier', 'aide.soignante', 'educateur']) {
    assert.ok(logins[name], `demo account ${name} missing from the server's output:\n${output}`);
  }

  return {
    url,
    logins,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launches Debian's Chromium (or $CHROMIUM) headless. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/** A fresh context (own cookies) at a tablet viewport, in French. */
export async function tabletContext(browser, baseURL) {
  const context = await browser.newContext({
    baseURL,
    viewport: { width: 768, height: 1024 },
    hasTouch: true,
    isMobile: false,
    locale: 'fr-FR',
    timezoneId: 'Europe/Paris',
  });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  return context;
}

// ---------- TOTP (RFC 6238: SHA-1, 6 digits, 30 s) ----------

export const TOTP_STEP_SECONDS = 30;

export function base32Decode(input) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = input.toUpperCase().replace(/[\s=-]/g, '');
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const idx = alphabet.indexOf(ch);
    if (idx < 0) throw new Error(`invalid base32 character ${JSON.stringify(ch)}`);
    value = (value << 5) | idx;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The TOTP step number at a given time (ms since the epoch). */
export const totpStep = (ms = Date.now()) => Math.floor(ms / 1000 / TOTP_STEP_SECONDS);

/** The 6-digit code of a step. */
export function totpCode(secretBase32, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secretBase32)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(bin % 1_000_000).padStart(6, '0');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A code for the current step, strictly after `afterStep` when given, with at least
 * `marginMs` left in the step (waits for the next step otherwise), so the server
 * checks it within the same step as the one it was computed for.
 */
export async function freshTotp(secretBase32, { afterStep = -1, marginMs = 3_000 } = {}) {
  for (;;) {
    const now = Date.now();
    const step = totpStep(now);
    const left = (step + 1) * TOTP_STEP_SECONDS * 1000 - now;
    if (step > afterStep && left >= marginMs) return { code: totpCode(secretBase32, step), step };
    await sleep(left + 50);
  }
}

// ---------- UI helpers ----------

/** Logs in through the login form; returns once the next page has loaded. */
export async function login(page, server, username) {
  const account = server.logins[username];
  assert.ok(account, `no demo password for ${username}`);
  await page.goto('/login');
  await checkPage(page);
  await page.getByLabel('Identifiant').fill(username);
  await page.getByLabel('Mot de passe').fill(account.password);
  await Promise.all([
    page.waitForURL((u) => u.pathname !== '/login'),
    page.getByRole('button', { name: 'Se connecter' }).click(),
  ]);
}

/** Logs in an account without a second factor and checks the home page. */
export async function loginReady(page, server, username) {
  await login(page, server, username);
  assert.equal(new URL(page.url()).pathname, '/', `after login as ${username}`);
  await page.getByRole('heading', { name: 'Mes unités' }).waitFor();
}

/**
 * Asserts that every visible touch target on the page (buttons, button-styled
 * links, form controls, disclosure summaries, big list links) is at least 44 px high
 * (for a checkbox or radio button, its enclosing label).
 * Returns the number of elements checked.
 */
export async function expectTouchTargets(page, { minHeight = 44 } = {}) {
  const found = await page.evaluate(() => {
    const selector = [
      'button',
      'a.button',
      'input[type=submit]',
      'input[type=button]',
      'input:not([type=hidden])',
      'select',
      'textarea',
      'summary',
      'a.big',
    ].join(',');
    const out = [];
    for (const el of document.querySelectorAll(selector)) {
      // A checkbox or radio button is touched through its label.
      const box = el.matches('input[type=checkbox], input[type=radio]') ? el.closest('label') || el : el;
      const r = box.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (r.width === 0 || r.height === 0 || style.visibility === 'hidden' || style.display === 'none') {
        continue;
      }
      const label = (el.innerText || el.getAttribute('aria-label') || el.id || el.name || '')
        .trim()
        .replace(/\s+/g, ' ')
        .slice(0, 60);
      out.push({ tag: el.tagName.toLowerCase(), label, height: r.height, width: r.width });
    }
    return out;
  });
  const buttons = found.filter((f) => f.tag === 'button');
  assert.ok(buttons.length > 0, `no button found on ${page.url()}`);
  const small = found.filter((f) => f.height < minHeight - 0.5);
  assert.deepEqual(
    small,
    [],
    `touch targets under ${minHeight} px high on ${page.url()}: ${JSON.stringify(small)}`,
  );
  return found.length;
}

/**
 * Runs a search on the /persons page through its form (which htmx enhances) and
 * waits until the results area has been replaced with the answer.
 */
export async function searchPersons(page, query) {
  const field = page.getByLabel('Nom ou prénom');
  await field.fill(query);
  // A sentinel inside the results area: it goes away when the answer is swapped in.
  await page.locator('#resultats').evaluate((el) => {
    const s = document.createElement('i');
    s.id = 'e2e-stale-results';
    el.appendChild(s);
  });
  const answered = page.waitForResponse((r) => {
    const u = new URL(r.url());
    return u.pathname === '/persons' && u.searchParams.get('q') === query && r.request().method() === 'GET';
  });
  await page.getByRole('button', { name: 'Rechercher' }).click();
  const res = await answered;
  assert.equal(res.status(), 200, `search ${JSON.stringify(query)}`);
  await page.locator('#e2e-stale-results').waitFor({ state: 'detached' });
  return page.locator('#resultats');
}

/** Where screenshots of failed steps go (ignored by git). */
export const RESULTS_DIR = path.join(e2eDir, 'test-results');

/**
 * Runs `fn(page)` in a fresh tablet context (own cookies), logged in as `username`
 * when given. On failure, saves a full-page screenshot to test-results/<name>.png.
 */
export async function withPage(browser, server, { name, username }, fn) {
  const context = await tabletContext(browser, server.url);
  const page = await context.newPage();
  try {
    if (username) await loginReady(page, server, username);
    await fn(page);
  } catch (err) {
    try {
      mkdirSync(RESULTS_DIR, { recursive: true });
      const file = path.join(RESULTS_DIR, `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.png`);
      await page.screenshot({ path: file, fullPage: true, timeout: 5_000 });
      err.message += `\n(page ${page.url()}; screenshot: ${file})`;
    } catch {
      // The screenshot is a courtesy; keep the original error.
    }
    throw err;
  } finally {
    await context.close();
  }
}

/**
 * Checks common to every page: touch targets of at least 44 px (see
 * expectTouchTargets), French as the page language, and no duplicate element id
 * (a duplicate id sends a <label for> to the wrong control).
 */
export async function checkPage(page) {
  await expectTouchTargets(page);
  const { lang, duplicates } = await page.evaluate(() => {
    const seen = new Map();
    for (const el of document.querySelectorAll('[id]')) seen.set(el.id, (seen.get(el.id) || 0) + 1);
    return {
      lang: document.documentElement.lang,
      duplicates: [...seen].filter(([, n]) => n > 1).map(([id, n]) => `#${id} ×${n}`),
    };
  });
  assert.equal(lang, 'fr', `<html lang> on ${page.url()}`);
  assert.deepEqual(duplicates, [], `duplicate ids on ${page.url()}`);
}

/** A marker unique to this run, for notes and names. */
export const uniqueMarker = (prefix) =>
  `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

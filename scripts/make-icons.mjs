/* global document -- prepare() runs in the page, not in Node */
// Renders every icon of the desktop app from the one source image, assets/icon.svg, with real
// Chromium (playwright-core), and writes the containers electron-builder wants:
//
//   assets/icon.png                      1024 px app icon
//   assets/icons/<n>x<n>.png             Linux icon set: 16, 32, 48, 64, 128, 256, 512
//   assets/icon.ico                      Windows: 16, 24, 32, 48, 64, 128, 256 (PNG entries)
//   assets/icon.icns                     macOS: ic07…ic14 (PNG payloads, 32…1024 px)
//   assets/tray/<state>-<variant>.png    tray, 16 px, and @2x (32 px): states idle, running,
//                                        failed, paused; light (dark mark, for light menu bars)
//                                        and dark (light mark, for dark ones)
//
// Sizes up to 48 px use a tighter frame (the background fills the square, the mark is larger),
// so the mark stays legible in title bars and small taskbar icons.
//
// Usage: node scripts/make-icons.mjs [--chromium /path/to/chromium]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';

const root = new URL('..', import.meta.url).pathname;
const assets = join(root, 'assets');
const argi = process.argv.indexOf('--chromium');
const executablePath = argi > 0 ? process.argv[argi + 1] : (process.env.CHROMIUM ?? '/usr/bin/chromium');

export const LINUX_SIZES = [16, 32, 48, 64, 128, 256, 512];
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
/** ICNS types with PNG payloads and their pixel sizes. */
export const ICNS_TYPES = [
  ['ic11', 32],
  ['ic12', 64],
  ['ic07', 128],
  ['ic13', 256],
  ['ic08', 256],
  ['ic14', 512],
  ['ic09', 512],
  ['ic10', 1024],
];
export const TRAY_STATES = ['idle', 'running', 'failed', 'paused'];
export const TRAY_VARIANTS = ['light', 'dark'];
const SMALL = 48;

/** Tray colours: `fg` is the mark; badges keep their colour in both variants, a bit lighter on dark. */
const TRAY_COLOURS = {
  light: { fg: '#1F2328', running: '#1A73E8', failed: '#D93025' },
  dark: { fg: '#F5F7FA', running: '#5EA8FF', failed: '#FF6B5E' },
};

const source = readFileSync(join(assets, 'icon.svg'), 'utf8');

function write(rel, data) {
  const p = join(assets, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, data);
}

/**
 * Adjusts the inlined source SVG in the page before it is rendered (runs in Chromium).
 * app: the full icon, `tight` for small sizes. tray: the mark alone, recoloured, with a badge.
 */
function prepare({ size, mode, tight, state, colours }) {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.querySelector('svg');
  svg.setAttribute('width', String(size));
  svg.setAttribute('height', String(size));
  const mark = svg.querySelector('#mark');
  const el = (name, attrs, parent) => {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    parent.appendChild(e);
    return e;
  };
  if (mode === 'app') {
    if (tight) {
      const bg = svg.querySelector('#background');
      for (const [k, v] of Object.entries({ x: 16, y: 16, width: 992, height: 992, rx: 200 })) bg.setAttribute(k, String(v));
      for (const [k, v] of Object.entries({ x: 152, y: 152, width: 720, height: 720 })) mark.setAttribute(k, String(v));
    }
    return;
  }
  // Tray: the mark fills the frame, one colour, on transparent.
  svg.querySelector('#background').remove();
  svg.setAttribute('viewBox', '0 0 64 64');
  for (const [k, v] of Object.entries({ x: 0, y: 0, width: 64, height: 64 })) mark.setAttribute(k, String(v));
  svg.querySelector('#wave').setAttribute('stroke', colours.fg);
  svg.querySelector('#cylinder').setAttribute('fill', colours.fg);
  if (state === 'idle') return;
  // The badge sits in the bottom-right 6×6 px, with a 1 px transparent ring cut out of the mark.
  const cuts = svg.querySelector('#cuts');
  const wave = svg.querySelector('#wave');
  wave.setAttribute('mask', 'url(#cuts)');
  if (state === 'paused') {
    el('rect', { x: 36, y: 36, width: 28, height: 28, rx: 2, fill: '#000' }, cuts);
    el('rect', { x: 40, y: 40, width: 8, height: 24, fill: colours.fg }, mark);
    el('rect', { x: 56, y: 40, width: 8, height: 24, fill: colours.fg }, mark);
  } else {
    el('circle', { cx: 52, cy: 52, r: 16, fill: '#000' }, cuts);
    el('circle', { cx: 52, cy: 52, r: 12, fill: colours[state] }, mark);
  }
}

async function main() {
  const browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1024, height: 1024 }, deviceScaleFactor: 1 });
  const cache = new Map();
  async function render(opts) {
    const key = JSON.stringify(opts);
    if (cache.has(key)) return cache.get(key);
    await page.setContent(`<!doctype html><html><body style="margin:0;background:transparent">${source}</body></html>`);
    await page.evaluate(prepare, opts);
    const png = await page.screenshot({ type: 'png', omitBackground: true, clip: { x: 0, y: 0, width: opts.size, height: opts.size } });
    cache.set(key, png);
    return png;
  }
  const app = (size) => render({ size, mode: 'app', tight: size <= SMALL });

  try {
    write('icon.png', await app(1024));
    for (const n of LINUX_SIZES) write(`icons/${n}x${n}.png`, await app(n));
    const ico = [];
    for (const n of ICO_SIZES) ico.push([n, await app(n)]);
    write('icon.ico', icoFile(ico));
    const icns = [];
    for (const [type, n] of ICNS_TYPES) icns.push([type, await app(n)]);
    write('icon.icns', icnsFile(icns));
    for (const state of TRAY_STATES) {
      for (const variant of TRAY_VARIANTS) {
        const colours = TRAY_COLOURS[variant];
        write(`tray/${state}-${variant}.png`, await render({ size: 16, mode: 'tray', state, colours }));
        write(`tray/${state}-${variant}@2x.png`, await render({ size: 32, mode: 'tray', state, colours }));
      }
    }
  } finally {
    await browser.close();
  }
  console.log(`icons written to ${assets}`);
}

/** ICO: a 6-byte header, a 16-byte entry per image, then the images (PNG, allowed since Vista). */
export function icoFile(images) {
  const header = Buffer.alloc(6 + 16 * images.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // 1 = icon
  header.writeUInt16LE(images.length, 4);
  let offset = header.length;
  images.forEach(([size, png], i) => {
    const e = 6 + 16 * i;
    header.writeUInt8(size >= 256 ? 0 : size, e); // 0 means 256
    header.writeUInt8(size >= 256 ? 0 : size, e + 1);
    header.writeUInt8(0, e + 2); // no palette
    header.writeUInt8(0, e + 3);
    header.writeUInt16LE(1, e + 4); // colour planes
    header.writeUInt16LE(32, e + 6); // bits per pixel
    header.writeUInt32LE(png.length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...images.map(([, png]) => png)]);
}

/** ICNS: 'icns' + total length, then per image a 4-char type, its length (with this 8-byte header) and the PNG. */
export function icnsFile(images) {
  const chunks = images.map(([type, png]) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'ascii');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(8 + chunks.reduce((a, c) => a + c.length, 0), 4);
  return Buffer.concat([head, ...chunks]);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();

// Drives the MCP Apps browser test (tests/apps_browser.rs runs it):
//
//   node run.mjs --server http://127.0.0.1:PORT/mcp --chromium /usr/bin/chromium --out DIR
//
// Serves the test host (host.html + host.js bundled here with esbuild) on
// http://127.0.0.1:P and the sandbox proxy on http://localhost:P (another origin),
// proxying /mcp to the server, then loads the host in headless Chromium (puppeteer-core),
// waits for the view to render the tool's result and its own tool call, reads the view's
// DOM, saves DIR/apps.png, and prints one JSON line `{"host": .., "view": ..}`.
import http from "node:http";
import { readFile, mkdir } from "node:fs/promises";
import { Readable } from "node:stream";
import { build } from "esbuild";
import puppeteer from "puppeteer-core";

const opt = (name) => {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0 || !process.argv[i + 1]) throw new Error(`--${name} is required`);
  return process.argv[i + 1];
};
const server = new URL(opt("server"));
const chromium = opt("chromium");
const out = opt("out");
const here = new URL(".", import.meta.url);

const hostJs = (
  await build({
    entryPoints: [new URL("host.js", here).pathname],
    bundle: true,
    format: "esm",
    target: "es2022",
    write: false,
    logLevel: "error",
  })
).outputFiles[0].text;
const hostHtml = await readFile(new URL("host.html", here), "utf8");
const sandboxHtml = await readFile(new URL("sandbox.html", here), "utf8");

/// The CSP the spec tells web hosts to build from a view's `_meta.ui.csp`.
function csp(c = {}) {
  const list = (v, fallback = "") => (v?.length ? v.join(" ") : fallback);
  const r = list(c.resourceDomains);
  return [
    "default-src 'none'",
    `script-src 'self' 'unsafe-inline' ${r}`,
    `style-src 'self' 'unsafe-inline' ${r}`,
    `connect-src 'self' ${list(c.connectDomains)}`,
    `img-src 'self' data: ${r}`,
    `font-src 'self' ${r}`,
    `media-src 'self' data: ${r}`,
    `frame-src ${list(c.frameDomains, "'none'")}`,
    "object-src 'none'",
    `base-uri ${list(c.baseUriDomains, "'self'")}`,
  ].join("; ");
}

const DROP = new Set(["host", "origin", "referer", "connection", "content-length", "cookie"]);
async function proxy(req, res) {
  const headers = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (!DROP.has(k) && !k.startsWith("sec-")) headers[k] = v;
  }
  const body = req.method === "POST" ? Buffer.concat(await req.toArray()) : undefined;
  const upstream = await fetch(server, { method: req.method, headers, body });
  const back = {};
  upstream.headers.forEach((v, k) => {
    if (k !== "content-length" && k !== "content-encoding") back[k] = v;
  });
  res.writeHead(upstream.status, back);
  if (upstream.body) Readable.fromWeb(upstream.body).pipe(res);
  else res.end();
}

const web = http.createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  const send = (type, text, extra = {}) => {
    res.writeHead(200, { "content-type": type, ...extra });
    res.end(text);
  };
  if (url.pathname === "/mcp") {
    proxy(req, res).catch((e) => {
      res.writeHead(502);
      res.end(String(e));
    });
  } else if (url.pathname === "/host.html") {
    send("text/html", hostHtml);
  } else if (url.pathname === "/host.js") {
    send("text/javascript", hostJs);
  } else if (url.pathname === "/sandbox.html") {
    const declared = url.searchParams.get("csp");
    send("text/html", sandboxHtml, {
      "content-security-policy": csp(declared ? JSON.parse(declared) : undefined),
    });
  } else if (url.pathname === "/favicon.ico") {
    res.writeHead(204);
    res.end();
  } else {
    res.writeHead(404);
    res.end();
  }
});
await new Promise((r) => web.listen(0, "127.0.0.1", r));
const port = web.address().port;

await mkdir(out, { recursive: true });
const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
});
const consoleLines = [];
let view = null;
let host = null;
let failure = null;
try {
  const page = await browser.newPage();
  page.on("console", (m) => {
    if (m.type() !== "debug") consoleLines.push(`[${m.type()}] ${m.text()}`);
  });
  page.on("pageerror", (e) => consoleLines.push(`[pageerror] ${e.message}`));
  await page.setViewport({ width: 560, height: 360 });
  const hostUrl = new URL(`http://127.0.0.1:${port}/host.html`);
  hostUrl.searchParams.set("tool", "sales_chart");
  hostUrl.searchParams.set("args", JSON.stringify({ quarter: 2 }));
  hostUrl.searchParams.set("sandbox", `http://localhost:${port}/sandbox.html`);
  await page.goto(hostUrl.href);

  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    host = await page.evaluate(() => window.__report ?? null);
    if (host?.errors?.length) break;
    // The view: the inner frame of the sandbox proxy's frame.
    const frame = page
      .frames()
      .find((f) => f.parentFrame()?.url().includes("/sandbox.html"));
    if (frame) {
      view = await frame
        .evaluate(() => ({
          origin: location.origin,
          state: document.body?.dataset.state ?? null,
          title: document.getElementById("title")?.textContent ?? null,
          status: document.getElementById("status")?.textContent ?? null,
          rows: [...document.querySelectorAll("#chart .bar")].map((r) => [
            r.dataset.region,
            r.querySelector(".amount")?.textContent,
          ]),
          total: document.getElementById("total")?.textContent ?? null,
        }))
        .catch(() => null);
      if (host?.hostDone && view?.state) break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!(host?.hostDone && view?.state)) failure = "the view did not settle within 60 s";
  await new Promise((r) => setTimeout(r, 300)); // let the size change land
  await page.screenshot({ path: `${out}/apps.png` });
} catch (e) {
  failure = String(e?.stack ?? e);
} finally {
  await browser.close();
  web.close();
}
for (const line of consoleLines) console.error(line);
console.log(JSON.stringify({ host, view, failure, screenshot: `${out}/apps.png` }));
process.exit(failure ? 1 : 0);

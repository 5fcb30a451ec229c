// Bundles src/sales.js (with the ext-apps App SDK) and inlines it into src/sales.html,
// writing sales.html: one self-contained file that examples/apps.rs embeds with
// include_str!. Run `npm ci && npm run build` here after changing src/.
import { build } from "esbuild";
import { readFile, writeFile } from "node:fs/promises";

const here = new URL(".", import.meta.url);
const out = await build({
  entryPoints: [new URL("src/sales.js", here).pathname],
  bundle: true,
  format: "esm",
  minify: true,
  target: "es2022",
  legalComments: "none",
  write: false,
});
// A literal `</script` inside the inlined code would end the <script> element.
const js = out.outputFiles[0].text.replaceAll("</script", "<\\/script");
const template = await readFile(new URL("src/sales.html", here), "utf8");
const html = template.replace(
  "<!-- app.js -->",
  () => `<script type="module">${js}</script>`,
);
await writeFile(new URL("sales.html", here), html);
console.log(`sales.html: ${html.length} bytes`);

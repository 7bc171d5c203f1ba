// Builds the patient pages' one stylesheet (static/css/clinic.min.css), which base.html inlines.
//
//   node build.mjs            write it
//   node build.mjs --check    fail (exit 1) if the committed file is not what the sources give
//
// Bootstrap (vendored), then our own rules (src/), purged by PurgeCSS to what the files in
// purge.json can use, Bootstrap's own blue replaced by the practice's colour (the variables
// clinic.branding.Palette.css_variables() appends), and minified by Lightning CSS.
// CRISPY_BOOTSTRAP5 names the crispy_bootstrap5 package's folder (the Makefile passes it).
import { readFileSync, readdirSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { PurgeCSS } from "purgecss";
import { transform } from "lightningcss";

const here = dirname(fileURLToPath(import.meta.url));
const config = JSON.parse(readFileSync(join(here, "purge.json"), "utf8"));

// Bootstrap's primary blue and the shades derived from it, each to the practice's own colour.
// Longest first, so an rgba() is replaced whole before its channels are.
const BRAND = [
  ["rgba(13,110,253,.25)", "rgba(var(--clinic-primary-rgb),.25)"],
  ["#0d6efd", "var(--clinic-primary)"],
  ["13,110,253", "var(--clinic-primary-rgb)"],
  ["49,132,253", "var(--clinic-primary-rgb)"],
  ["139,185,254", "var(--clinic-primary-rgb)"],
  ["10,88,202", "var(--clinic-primary-rgb)"],
  ["#0a58ca", "var(--clinic-primary-dark)"],
  ["#0b5ed7", "var(--clinic-primary-dark)"],
  ["#0a53be", "var(--clinic-primary-dark)"],
  ["#86b7fe", "var(--clinic-focus)"],
  ["#9ec5fe", "var(--clinic-focus)"],
  ["#b6d4fe", "var(--clinic-focus)"],
  ["#cfe2ff", "var(--clinic-soft)"],
  ["#e7f1ff", "var(--clinic-soft)"],
  ["#052c65", "var(--clinic-primary-dark)"],
];
// What must never reach a page: a control or link in Bootstrap's blue instead of the brand.
const FORBIDDEN = [/#0d6efd/i, /13,\s*110,\s*253/, /#86b7fe/i, /%2386b7fe/i, /%230d6efd/i, /#0a58ca/i];

function globToRegExp(pattern) {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  return new RegExp("^" + escaped.replace(/\*\*\//g, "\u0000").replace(/\*/g, "[^/]*").replace(/\u0000/g, "(?:.*/)?") + "$");
}

function walk(folder) {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    return entry.isDirectory() ? walk(path) : [path];
  });
}

/** The files a purge.json pattern names, sorted, without the skipped ones. */
function expand(pattern, crispy) {
  const absolute = pattern.startsWith("{crispy_bootstrap5}")
    ? pattern.replace("{crispy_bootstrap5}", crispy)
    : join(here, pattern);
  const base = absolute.slice(0, absolute.search(/\*|$/)).replace(/\/[^/]*$/, "");
  if (!absolute.includes("*")) return existsSync(absolute) ? [absolute] : [];
  const matcher = globToRegExp(absolute);
  const skips = config.skip.map((skip) => globToRegExp(join(here, skip)));
  return walk(base).filter((path) => matcher.test(path) && !skips.some((skip) => skip.test(path))).sort();
}

async function build() {
  const crispy = process.env.CRISPY_BOOTSTRAP5;
  if (!crispy || !existsSync(join(crispy, "templates"))) {
    throw new Error("Set CRISPY_BOOTSTRAP5 to the crispy_bootstrap5 package's folder (make css does).");
  }
  const files = config.content.flatMap((pattern) => {
    const found = expand(pattern, crispy);
    if (!found.length) throw new Error(`purge.json: nothing matches ${pattern}`);
    return found;
  });
  const css = config.sources.map((source) => readFileSync(join(here, source), "utf8")).join("\n");
  const [purged] = await new PurgeCSS().purge({
    content: files.map((file) => ({ raw: readFileSync(file, "utf8"), extension: file.split(".").pop() })),
    css: [{ raw: css }],
    safelist: { standard: config.safelist },
    keyframes: true,
    fontFace: true,
    variables: true,
  });
  let branded = purged.css;
  for (const [blue, brand] of BRAND) branded = branded.split(blue).join(brand);
  const { code } = transform({ filename: "clinic.min.css", code: Buffer.from(branded), minify: true });
  // Bootstrap's licence asks that its notice travel with it: its banner, on one line.
  const banner = css.match(/\/\*!([\s\S]*?)\*\//)[1].replace(/\s*\n\s*\*?\s*/g, " ").replace(/\s+/g, " ").trim();
  const output = `/*! ${banner} */` + code.toString().trim() + "\n";
  const left = FORBIDDEN.filter((pattern) => pattern.test(output));
  if (left.length) throw new Error(`Bootstrap's blue is still in the stylesheet: ${left.join(", ")}; add it to BRAND`);
  return { output, files };
}

const target = join(here, config.output);
const { output, files } = await build();
if (process.argv.includes("--check")) {
  const committed = existsSync(target) ? readFileSync(target, "utf8") : "";
  if (committed !== output) {
    console.error(`${relative(process.cwd(), target)} is not what its sources build: run \`make css\` and commit it.`);
    process.exit(1);
  }
  console.log(`${relative(process.cwd(), target)} is current (${output.length} bytes from ${files.length} files).`);
} else {
  writeFileSync(target, output);
  console.log(`Wrote ${relative(process.cwd(), target)}: ${output.length} bytes, purged against ${files.length} files.`);
}

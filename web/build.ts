// `deno task build`: bundles the front-end entries with esbuild into hashed JS and CSS files plus a
// manifest the server reads to link them, and the support widget's widget.js. Secrets never enter a
// bundle: only web/client/ and web/widget/client/ are bundled.
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";

/** The repository root: entries and the output folder are resolved from it, whatever the cwd. */
const root = fileURLToPath(new URL("../", import.meta.url));

export const entries = {
  mini_app: "web/client/mini_app/main.tsx",
  admin: "web/client/admin/main.tsx",
} as const;

export type EntryName = keyof typeof entries;

/** The support widget: one unhashed IIFE at a stable URL (sites embed /widget.js), its CSS inside it. */
export const widgetEntry = "web/widget/client/main.tsx";
export const widgetFile = "widget.js";

/** Where `deno task build` and the server put and find the bundles. */
export const outdir = fileURLToPath(new URL("./static/dist", import.meta.url));

/** Each entry's hashed files, relative to the output folder. */
export type Manifest = Record<EntryName, { js: string; css?: string }>;

export interface BuildOptions {
  outdir?: string;
  minify?: boolean;
  sourcemap?: boolean;
}

function settings(options: BuildOptions): esbuild.BuildOptions & { metafile: true } {
  return {
    absWorkingDir: root,
    entryPoints: entries,
    outdir: options.outdir ?? outdir,
    bundle: true,
    format: "esm",
    target: "es2022",
    minify: options.minify ?? true,
    sourcemap: options.sourcemap ? "linked" : false,
    jsx: "automatic",
    jsxImportSource: "preact",
    entryNames: "[name]-[hash]",
    metafile: true,
    logLevel: "warning",
    // Telegram's in-app browsers are recent Chromium/WebKit; no legal comments bloat the bundle.
    legalComments: "none",
    charset: "utf8",
  };
}

// The widget runs in other people's pages: an IIFE keeps its names out of their global scope, and its
// CSS comes in as minified text for a shadow root (a page's CSP may forbid <style>, not a constructed sheet).
function widgetSettings(options: BuildOptions): esbuild.BuildOptions {
  const { entryPoints: _, outdir: __, entryNames: ___, metafile: ____, ...shared } = settings(options);
  return {
    ...shared,
    entryPoints: [widgetEntry],
    outfile: `${options.outdir ?? outdir}/${widgetFile}`,
    format: "iife",
    plugins: [{
      name: "minified-css-text",
      setup(build) {
        build.onLoad({ filter: /\.css$/ }, async (args) => {
          const css = await Deno.readTextFile(args.path);
          const { code } = await esbuild.transform(css, { loader: "css", minify: options.minify ?? true });
          return { contents: code, loader: "text" };
        });
      },
    }],
  };
}

/** The manifest of a finished build: entry name → its JS file and the CSS file it imports. */
export function manifestOf(metafile: esbuild.Metafile): Manifest {
  // The output folder is flat, so a file's base name is its path inside it.
  const base = (file: string) => file.split("/").pop()!;
  const manifest: Partial<Manifest> = {};
  for (const [file, meta] of Object.entries(metafile.outputs)) {
    if (!file.endsWith(".js")) continue; // an entry's CSS output names the same entry point
    const name = (Object.keys(entries) as EntryName[]).find((key) => entries[key] === meta.entryPoint);
    if (name) manifest[name] = { js: base(file), ...(meta.cssBundle ? { css: base(meta.cssBundle) } : {}) };
  }
  return manifest as Manifest;
}

async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  // Written to a temporary name and renamed, so the server never reads half a manifest.
  const temporary = `${dir}/manifest.json.tmp`;
  await Deno.writeTextFile(temporary, JSON.stringify(manifest, null, 2) + "\n");
  await Deno.rename(temporary, `${dir}/manifest.json`);
}

/** Removes hashed files the manifest no longer names (earlier builds), keeping the folder tidy. */
async function pruneStale(dir: string, manifest: Manifest): Promise<void> {
  const keep = new Set(["manifest.json", widgetFile, `${widgetFile}.map`]);
  for (const files of Object.values(manifest)) {
    for (const file of [files.js, files.css]) if (file) keep.add(file).add(`${file}.map`);
  }
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && !keep.has(entry.name)) await Deno.remove(`${dir}/${entry.name}`).catch(() => {});
  }
}

let watching = false;

/** One production build; stops esbuild's service afterwards unless a watch() is running. */
export async function build(options: BuildOptions = {}): Promise<Manifest> {
  const dir = options.outdir ?? outdir;
  await Deno.mkdir(dir, { recursive: true });
  try {
    const result = await esbuild.build(settings(options));
    await esbuild.build(widgetSettings(options));
    const manifest = manifestOf(result.metafile);
    await writeManifest(dir, manifest);
    await pruneStale(dir, manifest);
    return manifest;
  } finally {
    if (!watching) await esbuild.stop();
  }
}

export interface Watcher {
  /** Resolves with the manifest of the first build. */
  ready: Promise<Manifest>;
  dispose(): Promise<void>;
}

/** Dev mode: builds now and again on every change under web/client/, rewriting the manifest each time. */
export async function watch(
  options: BuildOptions & { onRebuild?: (manifest: Manifest) => void } = {},
): Promise<Watcher> {
  const dir = options.outdir ?? outdir;
  await Deno.mkdir(dir, { recursive: true });
  watching = true;
  let first: (manifest: Manifest) => void;
  const ready = new Promise<Manifest>((resolve) => (first = resolve));
  const context = await esbuild.context({
    ...settings({ minify: false, sourcemap: true, ...options }),
    plugins: [{
      name: "manifest",
      setup(build) {
        build.onEnd(async (result) => {
          if (!result.metafile || result.errors.length > 0) return; // esbuild has printed the errors
          const manifest = manifestOf(result.metafile);
          await writeManifest(dir, manifest);
          await pruneStale(dir, manifest);
          first(manifest);
          options.onRebuild?.(manifest);
        });
      },
    }],
  });
  await context.watch();
  const widget = await esbuild.context(widgetSettings({ minify: false, sourcemap: true, ...options }));
  await widget.watch();
  return {
    ready,
    async dispose() {
      await context.dispose();
      await widget.dispose();
      watching = false;
      await esbuild.stop();
    },
  };
}

if (import.meta.main) {
  const manifest = await build();
  for (const [name, files] of Object.entries(manifest)) {
    for (const file of [files.js, files.css]) {
      if (file) console.log(`${name}: ${outdir}/${file} (${(await Deno.stat(`${outdir}/${file}`)).size} bytes)`);
    }
  }
  console.log(`widget: ${outdir}/${widgetFile} (${(await Deno.stat(`${outdir}/${widgetFile}`)).size} bytes)`);
}

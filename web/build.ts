// `deno task build`: bundles the front-end entries with esbuild into hashed files plus a manifest
// the server reads to link them. Secrets never enter a bundle: only web/client/ is bundled.
import * as esbuild from "esbuild";

export const entries = { mini_app: "web/client/mini_app.tsx" };
export const outdir = "web/static/dist";

export async function build(options: { minify?: boolean } = {}): Promise<Record<string, string>> {
  await Deno.remove(outdir, { recursive: true }).catch(() => {});
  const result = await esbuild.build({
    entryPoints: entries,
    outdir,
    bundle: true,
    format: "esm",
    target: "es2022",
    minify: options.minify ?? true,
    jsx: "automatic",
    jsxImportSource: "preact",
    entryNames: "[name]-[hash]",
    metafile: true,
    logLevel: "warning",
  });
  const manifest: Record<string, string> = {};
  for (const [file, meta] of Object.entries(result.metafile.outputs)) {
    if (meta.entryPoint) {
      const name = Object.entries(entries).find(([, path]) => path === meta.entryPoint)?.[0];
      if (name) manifest[name] = file.slice(outdir.length + 1);
    }
  }
  await Deno.writeTextFile(`${outdir}/manifest.json`, JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

if (import.meta.main) {
  const manifest = await build();
  for (const [name, file] of Object.entries(manifest)) {
    const size = (await Deno.stat(`${outdir}/${file}`)).size;
    console.log(`${name}: ${outdir}/${file} (${size} bytes)`);
  }
  await esbuild.stop();
}

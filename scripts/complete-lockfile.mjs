#!/usr/bin/env node
// The npm registry these machines reach serves only the Linux x64 builds of packages that ship
// per-platform binaries as optional dependencies (@node-llama-cpp/*, @rollup/*, @esbuild/*).
// `npm install` skips the ones it cannot fetch and leaves them out of package-lock.json, and
// `npm ci` then refuses the lockfile as out of sync. This adds a lock entry for each missing
// optional dependency, with the os/cpu/libc it targets (read from its name), so `npm ci` sees a
// complete lockfile and skips those entries as not for this platform.
// Run after any `npm install` that changes dependencies: node scripts/complete-lockfile.mjs
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const packages = lock.packages;

const OS = { win: "win32", win32: "win32", mac: "darwin", darwin: "darwin", linux: "linux", android: "android", freebsd: "freebsd", openbsd: "openbsd", netbsd: "netbsd", sunos: "sunos", aix: "aix", openharmony: "openharmony", cygwin: "cygwin" };
const CPU = { x64: "x64", arm64: "arm64", arm: "arm", armv7l: "arm", ia32: "ia32", riscv64: "riscv64", loong64: "loong64", ppc64: "ppc64", s390x: "s390x", mips64el: "mips64el", loongarch64: "loong64", "32": "ia32", ppc64le: "ppc64", x86: "ia32" };

function platformOf(name) {
  const base = name.split("/").pop();
  const parts = base.split("-");
  const entry = {};
  for (const part of parts) {
    if (!entry.os && OS[part]) entry.os = [OS[part]];
    else if (!entry.cpu && CPU[part]) entry.cpu = [CPU[part]];
    if (part === "musl" || part === "musleabihf") entry.libc = ["musl"];
    if (part === "gnu" || part === "gnueabihf") entry.libc = ["glibc"];
    if (part === "msvc") entry.os = ["win32"];
  }
  if (base.startsWith("mac-")) entry.os = ["darwin"];
  if (base.includes("cuda") || base.includes("vulkan")) entry.cpu ??= ["x64"];
  return entry;
}

let added = 0;
for (const [location, meta] of Object.entries(packages)) {
  for (const [dependency, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const nested = `${location ? location + "/" : ""}node_modules/${dependency}`;
    const top = `node_modules/${dependency}`;
    if (packages[nested] || packages[top]) continue;
    const platform = platformOf(dependency);
    if (!platform.os && !platform.cpu) {
      console.error(`cannot tell the platform of ${dependency}; add it to the registry or by hand`);
      process.exitCode = 1;
      continue;
    }
    packages[top] = { version: String(version).replace(/^[\^~]/, ""), dev: meta.dev || undefined, optional: true, ...platform };
    added++;
  }
}
const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0)));
lock.packages = sorted;
writeFileSync(path, JSON.stringify(lock, null, 2) + "\n");
console.log(`package-lock.json: added ${added} optional platform entries`);

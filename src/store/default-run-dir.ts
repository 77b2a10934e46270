import { join } from "node:path";

// Short, friendly words: the name only has to tell two runs of the same second apart for a human.
const ADJECTIVES = [
  "amber", "brave", "calm", "dusty", "eager", "fuzzy", "gentle", "hidden", "icy", "jolly",
  "keen", "lively", "mellow", "nimble", "olive", "proud", "quiet", "rapid", "silver", "tidy",
  "upbeat", "vivid", "witty", "young", "zesty", "bold", "crisp", "deft", "early", "fresh",
];
const NOUNS = [
  "otter", "falcon", "maple", "harbor", "comet", "badger", "cedar", "delta", "ember", "fjord",
  "glacier", "heron", "island", "jaguar", "kestrel", "lantern", "meadow", "nebula", "orchid", "pebble",
  "quartz", "raven", "summit", "tundra", "valley", "willow", "yak", "zephyr", "canyon", "lynx",
];

function twoDigits(value: number): string {
  return String(value).padStart(2, "0");
}

/**
 * The default run directory: `runs/<YYYYMMDD-HHMMSS>-<adjective-noun>` under the current
 * directory, in local time so it matches the user's clock. Names sort by creation time.
 *
 * @param random source of randomness in [0, 1) for the name (injectable for tests).
 */
export function defaultRunDir(now: Date = new Date(), random: () => number = Math.random): string {
  const stamp =
    `${now.getFullYear()}${twoDigits(now.getMonth() + 1)}${twoDigits(now.getDate())}-` +
    `${twoDigits(now.getHours())}${twoDigits(now.getMinutes())}${twoDigits(now.getSeconds())}`;
  const pick = (words: readonly string[]) => words[Math.floor(random() * words.length) % words.length];
  return join("runs", `${stamp}-${pick(ADJECTIVES)}-${pick(NOUNS)}`);
}

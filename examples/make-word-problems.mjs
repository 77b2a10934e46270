#!/usr/bin/env node
// Writes examples/word-problems.jsonl: a small, deterministic set of grade-school word problems in
// the GSM8K layout (question / worked answer ending in "#### N"). Topics are deliberately uneven
// (many shopping problems, few unit-rate ones) so the map has dense and thin regions to show.
// Usage: node examples/make-word-problems.mjs [rows] > examples/word-problems.jsonl
const rows = Number(process.argv[2] ?? 400);

let state = 20261121;
const random = () => {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
const pick = (items) => items[Math.floor(random() * items.length)];
const names = ["Ada", "Bilal", "Chen", "Dara", "Elif", "Femi", "Gita", "Hugo", "Ines", "Jonas", "Kiri", "Lena", "Mateo", "Noor", "Olu", "Priya"];

const topics = [
  // [weight, generator]
  [8, () => {
    const n = pick(names), item = pick(["pencils", "apples", "stickers", "notebooks", "marbles"]);
    const a = int(3, 40), b = int(2, 9), price = int(1, 12);
    const total = a * b, cost = total * price;
    return {
      question: `${n} buys ${b} packs of ${item} with ${a} ${item} in each pack. Each of the ${item} costs $${price}. How much does ${n} spend?`,
      answer: `${n} buys ${b} x ${a} = ${total} ${item}.\nThey cost ${total} x $${price} = $${cost}.\n#### ${cost}`,
    };
  }],
  [5, () => {
    const n = pick(names), start = int(20, 200), gave = int(1, 19), times = int(2, 6);
    const left = start - gave * times;
    return {
      question: `${n} had ${start} baseball cards and gave ${gave} cards to each of ${times} friends. How many cards does ${n} have left?`,
      answer: `${n} gave away ${gave} x ${times} = ${gave * times} cards.\n${start} - ${gave * times} = ${left} cards are left.\n#### ${left}`,
    };
  }],
  [3, () => {
    const n = pick(names), speed = int(20, 80), hours = int(2, 9);
    const d = speed * hours;
    return {
      question: `A train leaves the station carrying ${n} and travels at ${speed} miles per hour for ${hours} hours. How many miles does it travel?`,
      answer: `Distance is speed times time: ${speed} x ${hours} = ${d} miles.\n#### ${d}`,
    };
  }],
  [2, () => {
    const n = pick(names), age = int(5, 15), k = int(2, 4), years = int(1, 10);
    const parent = age * k;
    return {
      question: `${n} is ${age} years old and ${n}'s aunt is ${k} times as old. How old will the aunt be in ${years} years?`,
      answer: `The aunt is ${age} x ${k} = ${parent} years old now.\nIn ${years} years she will be ${parent} + ${years} = ${parent + years}.\n#### ${parent + years}`,
    };
  }],
  [1, () => {
    const n = pick(names), price = int(2, 40) * 10, pct = pick([10, 20, 25, 50]);
    const off = (price * pct) / 100;
    return {
      question: `A jacket costs $${price}. ${n} has a coupon for ${pct}% off. What does ${n} pay for the jacket?`,
      answer: `The discount is ${pct}% of $${price} = $${off}.\n${n} pays ${price} - ${off} = $${price - off}.\n#### ${price - off}`,
    };
  }],
];
const totalWeight = topics.reduce((sum, [w]) => sum + w, 0);
const seen = new Set();
let written = 0;
while (written < rows) {
  let r = random() * totalWeight;
  const [, make] = topics.find(([w]) => (r -= w) < 0) ?? topics[0];
  const example = make();
  if (seen.has(example.question)) continue;
  seen.add(example.question);
  process.stdout.write(JSON.stringify(example) + "\n");
  written++;
}

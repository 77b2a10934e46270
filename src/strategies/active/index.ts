import { OptionError } from "../../core/errors.js";
import { defineStrategy } from "../strategy.js";
import { seedExampleTask } from "../task/seed-example-task.js";
import { ACTIVE_SCORES, type ActiveScore, activeScore, createActiveSeeds, selectTopScores } from "./active-scores.js";

/**
 * Active selection (arXiv 2512.00884): each round the current student answers every seed, a
 * cheap score says where it is least sure, and the teacher writes new examples from the
 * top-scoring seeds, one seed per prompt.
 */
export const activeStrategy = defineStrategy({
  name: "active",
  summary: "the current student's weakest seeds, by a cheap active-learning score",
  modes: ["loop"],
  needs: ["student-signals"],
  options: [
    {
      name: "score",
      argument: "name",
      type: "string",
      choices: ACTIVE_SCORES,
      default: "own-loss",
      description: "active score: own-loss (student's loss on its own answer) | ref-loss (on the reference) | disagreement (entropy of sampled answers) | random",
    },
    { name: "samples", argument: "k", type: "integer", default: 4, description: "sampled answers per seed for the disagreement score" },
  ],
  task: seedExampleTask,
  async plan(context) {
    const score = (context.options.score ?? "own-loss") as ActiveScore;
    const samples = Number(context.options.samples ?? 4);
    const signals = await context.studentSignals({
      lossSignals: score === "own-loss" || score === "ref-loss",
      samples: score === "disagreement" ? samples : 0,
    });
    const scores = signals.map((signal) => activeScore(score, signal, { seed: context.seed, round: context.round }));
    if (scores.length > 0 && scores.every((value) => value === null)) {
      throw new OptionError("score", `"${score}": the student gave no such signal for any seed (its engine cannot score answers); use the disagreement or random score`, { code: "no-active-score" });
    }
    const top = selectTopScores(scores, Math.min(context.count, scores.length));
    const rank = new Map(top.map((position, index) => [position, index]));
    return {
      targetOf: createActiveSeeds(top.map((position) => context.examples[position])),
      selection: signals.map((signal, position) => ({ position, exampleId: signal.id, score: scores[position], selectedRank: rank.get(position) ?? null })),
    };
  },
  provenance: () => ({}),
  signature: (options) => ({ score: options.score ?? "own-loss", samples: options.score === "disagreement" ? (options.samples ?? 4) : null }),
  report: { color: "#7048e8", label: "the student's weakest seeds", mapTargets: false },
});

export { ACTIVE_SCORES, activeScore, createActiveSeeds, selectTopScores } from "./active-scores.js";
export type { ActiveScore } from "./active-scores.js";

/** Names of the evaluations the loop stores, per round (round 0: the base student). */
export const evaluationName = {
  score: (round: number) => `loop-r${round}-score`,
  validation: (round: number) => `loop-r${round}-validation`,
  benchmark: (round: number) => `loop-r${round}-benchmark`,
};

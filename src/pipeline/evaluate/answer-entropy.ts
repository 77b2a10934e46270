import { answersEquivalent } from "../../data/answers/index.js";

/** Sampled final answers grouped into classes of equivalent answers. */
export interface AnswerDistribution {
  /** One representative per class (null = no answer could be extracted) with its count, largest first. */
  classes: Array<{ answer: string | null; count: number }>;
  /** Shannon entropy of the class shares, in nats: 0 when all samples agree, ln K when all differ. */
  entropy: number;
}

/**
 * The disagreement among K sampled final answers: answers are grouped with the same equivalence
 * checker that judges correctness (`1/2` and `0.5` are one answer), and samples with no
 * extractable answer form one class of their own.
 */
export function answerDistribution(answers: ReadonlyArray<string | null>): AnswerDistribution {
  const classes: Array<{ answer: string | null; count: number }> = [];
  for (const answer of answers) {
    const match = classes.find((group) => (answer === null ? group.answer === null : group.answer !== null && answersEquivalent(group.answer, answer)));
    if (match) match.count++;
    else classes.push({ answer, count: 1 });
  }
  classes.sort((a, b) => b.count - a.count);
  let entropy = 0;
  for (const group of classes) {
    const share = group.count / answers.length;
    entropy -= share * Math.log(share);
  }
  // -0 reads oddly in reports.
  return { classes, entropy: entropy === 0 ? 0 : entropy };
}

import type { ReceivedRequest } from "../support/openai-test-server.js";

/**
 * A teacher for the generate tests, answering like a real one would, with known defects:
 * most replies are valid JSON examples with distinct random-word questions; every 5th sampling
 * seed gets prose with no example in it (unparseable); every 7th a fixed question (duplicates
 * of one another); every 11th a copy of the first seed question (duplicate of a seed). The
 * solve prompt (verification) is answered correctly.
 */
export function fakeTeacher() {
  const answers = new Map<string, string>();
  const words = "apple river basket candle garden ladder marble pencil rocket saddle tunnel violin wagon yellow zebra anchor bridge cactus dragon engine falcon glacier harbor island jungle kettle lemon meadow needle orchard parrot quartz ribbon spider temple umbrella valley walnut canyon".split(" ");
  return (request: ReceivedRequest): string => {
    const body = request.body as { messages: Array<{ content: string }>; seed?: number };
    const prompt = body.messages.at(-1)!.content;
    if (prompt.startsWith("Solve this problem.")) {
      const question = prompt.split("Problem:\n")[1].trim();
      return `Working it out.\nFinal answer: ${answers.get(question) ?? "unknown"}`;
    }
    const seed = body.seed ?? 0;
    if (seed % 5 === 0) return "I would rather not write a problem today.";
    let question: string;
    if (seed % 7 === 0) question = "How many marbles are left if Tom has 10 marbles and gives away 3 of them to his sister?";
    else if (seed % 11 === 0) question = (/Problem A:\n([^\n]+)/.exec(prompt) ?? /training set:\n([^\n]+)/.exec(prompt))![1];
    else {
      let state = seed;
      const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) % words.length);
      question = `A ${Array.from({ length: 14 }, () => words[next()]).join(" ")} costs ${seed % 97} dollars; how many dollars for two?`;
    }
    const total = 2 * (seed % 97);
    answers.set(question, String(total));
    return "```json\n" + JSON.stringify({ question, answer: `Two cost 2 × ${seed % 97} = ${total} dollars.`, final_answer: String(total) }) + "\n```";
  };
}

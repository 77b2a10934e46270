import type { ReceivedRequest } from "../support/openai-test-server.js";

/**
 * A teacher that writes what the prompt asks for, crudely but in the right place: from two
 * seeds it joins the opening sentences of A with the question sentence of B (a problem
 * "between" them); from one seed it restates that seed with every number changed and its
 * opening sentences reversed. Lexically, the first lands between its seeds, the second next
 * to its seed: what the targeting check should tell apart.
 */
export function mixingTeacher() {
  return (request: ReceivedRequest): string => {
    const body = request.body as { messages: Array<{ content: string }>; seed?: number };
    const prompt = body.messages.at(-1)!.content;
    const sentences = (text: string) => text.match(/[^.?!]+[.?!]+/g)?.map((s) => s.trim()) ?? [text];
    const shift = 1 + ((body.seed ?? 0) % 5);
    const renumber = (text: string) => text.replace(/\d+/g, (n) => String(Number(n) + shift));
    let question: string;
    const a = /Problem A:\n([^\n]+)/.exec(prompt)?.[1];
    const b = /Problem B:\n([^\n]+)/.exec(prompt)?.[1];
    if (a && b) {
      const first = sentences(a);
      const second = sentences(b);
      question = renumber([...first.slice(0, Math.max(1, first.length - 1)), ...second.slice(-1)].join(" "));
    } else {
      const seed = /training set:\n([^\n]+)/.exec(prompt)![1];
      const parts = sentences(seed);
      question = renumber([...parts.slice(0, -1).reverse(), ...parts.slice(-1)].join(" "));
    }
    return JSON.stringify({ question, answer: `Working through it gives ${shift * 3}.`, final_answer: String(shift * 3) });
  };
}

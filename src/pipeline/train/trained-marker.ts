import { z } from "zod";
import { type JsonArtifactFormat, readJsonArtifact, writeJsonArtifact } from "../../store/json-artifact.js";
import type { StudentRef } from "./trained-student.js";

/**
 * `.gapfill-trained.json` in a round's output folder: written after a `command:` trainer
 * succeeded and its result was found, so a restart reuses the result instead of training again.
 * Version 1 added the version field to the bare student reference.
 */
export const TRAINED_MARKER_FORMAT: JsonArtifactFormat<StudentRef> = {
  name: "trained-student marker",
  version: 1,
  schema: z.object({ spec: z.string().min(1), lora: z.string().optional(), loraName: z.string().optional() }).passthrough() as unknown as JsonArtifactFormat<StudentRef>["schema"],
  migrations: { 0: (document) => document },
};

export const readTrainedMarker = (file: string): StudentRef => {
  const { spec, lora, loraName } = readJsonArtifact(file, TRAINED_MARKER_FORMAT);
  return { spec, ...(lora === undefined ? {} : { lora }), ...(loraName === undefined ? {} : { loraName }) };
};

export const writeTrainedMarker = (file: string, student: StudentRef): Promise<void> => writeJsonArtifact(file, TRAINED_MARKER_FORMAT, { ...student });

import { fileURLToPath } from "node:url";

/**
 * The checkout's root directory, found from this file's own location (it sits two levels
 * below the root), so tests resolve files the same way whatever the working directory or
 * wherever the checkout lies.
 */
export const REPOSITORY_ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

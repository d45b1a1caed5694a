// Type-level tests of `call` in ipc.ts, checked by `npm run typecheck` (never run): every line
// marked @ts-expect-error must be a type error, or tsc fails on the unused directive.
import type { Call, DesktopOnlyCommand } from "./ipc";
import type { Commands } from "./bindings/commands";
import type { ProjectInfo } from "./bindings/ProjectInfo";

declare const call: Call;

export async function typeTests(): Promise<void> {
  // Right: the registry's names with their arguments; no arguments for commands without any.
  const info: ProjectInfo = await call("open_project", { path: "/p" });
  const recent = await call("recent_projects");
  const labels: string[] = (await call("add_labels", { names: ["cat"], lead: "lee" })).map((l) => l.name);
  void [info, recent, labels];

  // @ts-expect-error a name that is not in the registry
  await call("open_projects", { path: "/p" });
  // @ts-expect-error an argument of the wrong type
  await call("open_project", { path: 1 });
  // @ts-expect-error an argument under the wrong name (Tauri wants camelCase)
  await call("label_counts", { version_id: 7 });
  // @ts-expect-error an argument left out
  await call("create_project", { path: "/p", labels: [] });
  // @ts-expect-error an argument the command does not take
  await call("open_project", { path: "/p", ordinal: true });
  // @ts-expect-error arguments for a command that takes none
  await call("recent_projects", { path: "/p" });
  // @ts-expect-error arguments missing
  await call("get_item");
  // @ts-expect-error the result's type is the command's
  const wrong: string = await call("open_project", { path: "/p" });
  void wrong;
}

/** The commands taking a progress Channel (an `onProgress` argument). */
type ChannelCommand = { [K in keyof Commands]: Commands[K]["args"] extends { onProgress: unknown } ? K : never }[keyof Commands];

/** Every Channel-taking command is desktop-only, since HTTP has no Channel: `true` when none is missing. */
export const channelCommandsAreDesktopOnly: [Exclude<ChannelCommand, DesktopOnlyCommand>] extends [never] ? true : false = true;
/** …and the check is not vacuous: there are Channel-taking commands. */
export const someCommandsTakeAChannel: [ChannelCommand] extends [never] ? false : true = true;
